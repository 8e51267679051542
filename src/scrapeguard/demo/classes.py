"""The traffic classes of the simulator, shared by `simulate` (which writes them into the ground
truth) and `eval` (which scores them)."""

from __future__ import annotations

from typing import Final

#: People. Their hard groups are scored on their own as well.
HUMAN: Final = "human"
HUMAN_GROUPS: Final = (
    "anonymous",  # logged-out visitors, a few profiles each
    "logged_in",  # members browsing with a session and an account
    "cgnat",  # many people behind one carrier-grade NAT address
    "icloud_relay",  # iCloud Private Relay users (shared egress addresses)
    "recruiter",  # logged in, legitimately views ~300 profiles a day
    "screen_reader",  # assistive technology: no assets, regular pacing, keyboard order
    "office",  # colleagues behind one office network address
)

#: Crawlers: verified search engines must never be stopped; the others are reported.
GOOD_BOT: Final = "good_bot"
UNVERIFIABLE_CRAWLER: Final = "unverifiable_crawler"
IMPOSTOR: Final = "impostor"

#: Scrapers, as named in `scrapeguard eval --json` output.
SCRAPERS: Final = (
    "naive",  # sequential ids, client-library user agent
    "polite_crawler",  # robots.txt-aware, slow, link-following
    "ua_rotating",  # a new browser user agent every few requests
    "search_enumerator",  # search terms aa, ab, ac…
    "contact_enumerator",  # lists of phone numbers or emails fed to the lookup, mostly misses
    "new_account_harvester",  # signs up, then visits hundreds of profiles
    "account_farm",  # dozens of sign-ups from one network, each account harvesting a little
    "low_and_slow_accounts",  # logged-in harvesting spread thin over many accounts
    "distributed",  # hundreds of addresses, one or two requests each per hour, one fingerprint
    "headless",  # headless browser loading assets with human-like pacing
)

#: Classes scored per campaign (all their addresses or accounts as one actor), not per address.
CAMPAIGN_CLASSES: Final = ("account_farm", "low_and_slow_accounts", "distributed")

#: Classes expected to be stopped (impostors claim a crawler's name from elsewhere).
MALICIOUS: Final = (*SCRAPERS, IMPOSTOR)

ALL: Final = (HUMAN, GOOD_BOT, UNVERIFIABLE_CRAWLER, *MALICIOUS)
