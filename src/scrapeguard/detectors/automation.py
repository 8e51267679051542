"""Automation traits: client libraries, headless browsers, missing browser behaviour."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..reasons import Later, Words
from ..site import Kind
from .base import Context, Detector, Settings, Signal, plural, ramp

CLIENT_LIBRARY = re.compile(
    r"^(?:curl|wget|python-requests|python-urllib|python-httpx|python/|aiohttp|httpx|go-http-client|"
    r"java/|apache-httpclient|okhttp|libwww-perl|lwp::|php/|guzzlehttp|ruby|faraday|axios|"
    r"node-fetch|undici|got \(|scrapy|mechanize|httpie|powershell|winhttp|dart:io|"
    r"rest-client|postmanruntime|insomnia|colly|reqwest|hackney|http\.rb)"
    r"|\b(?:scrapy|python-requests|curl_cffi|urllib3|aiohttp)\b",
    re.IGNORECASE,
)
HEADLESS = re.compile(
    r"headlesschrome|phantomjs|puppeteer|playwright|selenium|webdriver|"
    r"slimerjs|htmlunit|electron/",
    re.IGNORECASE,
)
BROWSER = re.compile(r"^Mozilla/5\.0 \(")
CHROMIUM = re.compile(r"(?:Chrome|Chromium|Edg)/(\d+)")
FIREFOX_VERSION = re.compile(r"Firefox/(\d+)")
SAFARI_VERSION = re.compile(r"Version/(\d+)\.(\d+)")
#: The first versions that send fetch metadata (Sec-Fetch-Site, Sec-Fetch-Mode) with every
#: request to an HTTPS or loopback site: Chrome 76 (all four headers from 80), Firefox 90,
#: Safari 16.4. Older versions, and browsers not named here, are not judged.
FETCH_METADATA_CHROMIUM = 80
FETCH_METADATA_FIREFOX = 90
FETCH_METADATA_SAFARI = (16, 4)
#: Requests from such browsers without fetch metadata after which, if not one of them carried
#: any, the site's proxy is taken to drop the headers and the rule stands down.
FETCH_METADATA_CHECKED_AFTER = 200
#: The browser family a user agent claims, as `Automation._agent` tells it: "" for none.
FIREFOX, WEBKIT, OTHER_BROWSER = "firefox", "webkit", "browser"


@dataclass
class AutomationSettings(Settings):
    """Weights of each trait; traits alone stay below the challenge threshold on purpose:
    they add to behavioural evidence rather than convict on their own."""

    client_library_weight: float = 35
    # A client library that collects personal data is a scraper by its own account (partners
    # that collect under an agreement are allow-listed): people counted as quotas count them.
    client_library_people: float = 10
    headless_weight: float = 35
    # The same for a browser that says it is driven by a program (HeadlessChrome, Puppeteer):
    # a link preview or a screenshot reads a page or two, not the data of ten people.
    headless_people: float = 10
    empty_agent_weight: float = 30
    missing_headers_weight: float = 30
    no_assets_pages: float = 30
    no_assets_weight: float = 25
    no_cookies_requests: float = 10
    no_cookies_weight: float = 30
    mismatch_weight: float = 35
    # A current browser sends Sec-Fetch headers with every request to an HTTPS site; a
    # program that claims to be one rarely does. Once it acts (`traits_act_after`), a
    # challenge on its own: one a browser passes.
    fetch_metadata_weight: float = 40
    rotation_agents: float = 3  # user-agent changes between personal-data requests
    rotation_weight: float = 40
    rotation_weight_address: float = 35


class Automation(Detector):
    """Flags clients that are software rather than a person's browser."""

    name = "automation"
    traits = frozenset(
        {"missing-headers", "fingerprint-mismatch", "no-fetch-metadata", "no-cookies", "no-assets"}
    )
    tells = frozenset({"missing-headers", "fingerprint-mismatch", "no-fetch-metadata"})
    settings_type = AutomationSettings

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(settings)
        self._agents: dict[str, tuple[tuple[str, str] | None, str, str]] = {}
        # Requests judged for fetch metadata, and those that carried it (see `_no_metadata`).
        self._metadata_judged = 0
        self._metadata_seen = 0
        # `language_mismatch` by family, then by Accept-Language.
        self._languages: dict[str, dict[str, str]] = {FIREFOX: {}, WEBKIT: {}}

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        access = ctx.access
        if access.kind == Kind.STATIC or (ctx.verified_crawler):
            return ()
        s: AutomationSettings = self.settings
        event, p, scope = ctx.event, ctx.principal, ctx.principal_kind
        out: list[Signal] = []
        trait, family, sends_metadata = self._agent(event.user_agent)
        browser = family != ""
        if trait is not None:
            rule, what = trait
            if rule == "client-library":
                weight = s.client_library_weight
            elif rule == "headless":
                weight = s.headless_weight
            else:
                weight = s.empty_agent_weight
            people = p.counted_people
            reason: Words = what
            least = s.client_library_people if rule == "client-library" else s.headless_people
            if rule != "empty-agent" and least and people >= least:
                rule += "-collecting"
                reason = Later(_collecting_words, what, p.distinct_people)
                weight = ramp(people, least, 5 * least, 45, 90)
            out.append(self.signal(rule, weight, reason, scope))
        headers = event.headers
        if headers is not None and browser:
            if not event.accept_language or "accept" not in headers:
                reason = "claims to be a browser but sends no Accept-Language or Accept header"
                out.append(self.signal("missing-headers", s.missing_headers_weight, reason, scope))
            mismatch = _mismatch(event.user_agent, headers)
            if mismatch:
                out.append(self.signal("fingerprint-mismatch", s.mismatch_weight, mismatch, scope))
            if sends_metadata and s.fetch_metadata_weight and self._no_metadata(ctx, headers):
                reason = (
                    f"claims {sends_metadata}, which sends Sec-Fetch headers to this site, but "
                    "sent none"
                )
                weight = s.fetch_metadata_weight
                out.append(self.signal("no-fetch-metadata", weight, reason, scope))
            if p.cookieless >= s.no_cookies_requests and p.cookieless == p.pages:
                reason = Later(_no_cookies_words, p.pages)
                out.append(self.signal("no-cookies", s.no_cookies_weight, reason, scope))
        language = event.accept_language
        if language and ";" in language and family in self._languages:
            mismatch = self._language(family, language)
            if mismatch:
                out.append(self.signal("fingerprint-mismatch", s.mismatch_weight, mismatch, scope))
        if (
            browser
            and p.pages >= s.no_assets_pages
            and not p.statics
            and access.people
            and ctx.assets_seen
        ):
            reason = Later(_no_assets_words, p.pages)
            out.append(self.signal("no-assets", s.no_assets_weight, reason, scope))
        changes = p.agent_changes
        # People keep their browser through a visit; a scraper disguising itself switches
        # every few requests. Counted only where one client is behind the actor, and not for a
        # crawler that says what it is: operators crawl with several agents of their own (two
        # Bingbots from one address), and its claim and quota answer for it. At an address
        # whose reading mostly comes with the site's cookie kept (an office), the changes of
        # its cookieless client are people arriving, each with a browser of their own.
        crawler = ctx.crawler
        if (
            access.people
            and changes >= s.rotation_agents
            and 10 * changes >= p.personal
            and (not ctx.shared)
            and (scope != "ip" or 2 * p.kept < p.personal)
            and (crawler is None or crawler.status == "impostor")
        ):
            reason = Later(_rotation_words, changes, p.personal)
            if scope == "ip":  # no cookie: colleagues behind one address interleave browsers
                weight = ramp(
                    changes, s.rotation_agents, 4 * s.rotation_agents, s.rotation_weight_address, 60
                )
            else:  # within one session or account, no person switches browsers like this
                weight = ramp(
                    changes, s.rotation_agents, 4 * s.rotation_agents, s.rotation_weight, 70
                )
            out.append(self.signal("rotating-agents", weight, reason, scope))
        return out

    def _language(self, family: str, language: str) -> str:
        """`language_mismatch` for a browser of `family`, remembered per Accept-Language."""
        known_languages = self._languages[family]
        known = known_languages.get(language)
        if known is None:
            known = language_mismatch(family == FIREFOX, language)
            if len(known_languages) > 50_000:
                known_languages.clear()
            known_languages[language] = known
        return known

    def _no_metadata(self, ctx: Context, headers: dict[str, str]) -> bool:
        """Whether a request from a browser that sends fetch metadata came without it, where
        the browser would have sent it: to an HTTPS or loopback site (as the integration saw
        the request), from no declared crawler, and unless not one of the first
        `FETCH_METADATA_CHECKED_AFTER` such requests carried it (a proxy drops the headers)."""
        if ctx.crawler is not None or not _trustworthy(
            ctx.event.extra.get("scheme"), ctx.event.host
        ):
            return False
        self._metadata_judged += 1
        if headers.get("sec-fetch-mode") or headers.get("sec-fetch-site"):
            self._metadata_seen += 1
            return False
        return self._metadata_seen > 0 or self._metadata_judged <= FETCH_METADATA_CHECKED_AFTER

    def _agent(self, agent: str) -> tuple[tuple[str, str] | None, str, str]:
        """What the user agent alone says: its trait (rule, reason) if any, the browser
        family it claims (`FIREFOX`, `WEBKIT`: Chromium, Safari and every iOS browser,
        `OTHER_BROWSER`, or "" for none), and the browser and version it claims if that
        version sends fetch metadata (`sends_fetch_metadata`). Remembered per user agent (a
        few thousand are common)."""
        known = self._agents.get(agent)
        if known is not None:
            return known
        trait: tuple[str, str] | None = None
        if not agent or agent == "-":
            trait = ("empty-agent", "sends no user agent")
        elif HEADLESS.search(agent):
            trait = ("headless", f"headless browser ({agent[:80]})")
        elif CLIENT_LIBRARY.search(agent):
            trait = ("client-library", f"HTTP client library, not a browser ({agent[:80]})")
        family = ""
        if BROWSER.match(agent) is not None:
            if "Firefox/" in agent:
                family = FIREFOX
            elif "Safari/" in agent or CHROMIUM.search(agent) is not None:
                family = WEBKIT
            else:
                family = OTHER_BROWSER
        known = (trait, family, sends_fetch_metadata(agent) if family else "")
        if len(self._agents) > 50_000:
            self._agents.clear()
        self._agents[agent] = known
        return known


def sends_fetch_metadata(agent: str) -> str:
    """The browser and version user agent `agent` claims ("Chrome 131", "Safari 18.6") if
    that version sends fetch metadata to HTTPS sites, else ''. iOS browsers other than Safari
    (their own names, WebKit's version unsaid) are not judged."""
    if "CriOS/" in agent or "FxiOS/" in agent or "EdgiOS/" in agent:
        return ""
    chromium = CHROMIUM.search(agent)
    if chromium is not None:
        version = int(chromium.group(1))
        name = "Edge" if "Edg/" in agent else "Chrome"
        return f"{name} {version}" if version >= FETCH_METADATA_CHROMIUM else ""
    firefox = FIREFOX_VERSION.search(agent)
    if firefox is not None:
        version = int(firefox.group(1))
        return f"Firefox {version}" if version >= FETCH_METADATA_FIREFOX else ""
    safari = SAFARI_VERSION.search(agent)
    if safari is not None and "Safari/" in agent:
        major, minor = int(safari.group(1)), int(safari.group(2))
        return f"Safari {major}.{minor}" if (major, minor) >= FETCH_METADATA_SAFARI else ""
    return ""


def _trustworthy(scheme: str | None, host: str) -> bool:
    """Whether browsers send fetch metadata to this request's site: HTTPS as the integration
    saw it (behind a proxy, as the framework was told), or a loopback host."""
    if scheme == "https":
        return True
    if scheme is None:
        return False  # not seen inline: a log records only some headers
    if host.startswith("["):
        name = host[1 : host.find("]")]
    else:
        name = host.rpartition(":")[0] if ":" in host else host
    loopback_v4 = name.startswith("127.") and name.replace(".", "").isdigit()
    return loopback_v4 or name == "localhost" or name == "::1"


def _mismatch(agent: str, headers: dict[str, str]) -> str:
    """Explain how the headers contradict the browser the user agent claims, or return ''."""
    hints = headers.get("sec-ch-ua")
    chromium = CHROMIUM.search(agent)
    if hints is not None and chromium is None and ("Firefox/" in agent or "Safari/" in agent):
        return "claims Firefox or Safari but sends Chromium's client hints"
    if chromium is not None and hints is not None:
        version = chromium.group(1)
        if f'v="{version}"' not in hints.replace(" ", ""):
            return f"claims Chrome {version} but its client hints name another version"
    return ""


def language_mismatch(firefox: bool, language: str) -> str:
    """Explain how an Accept-Language header contradicts the browser the user agent claims
    (Firefox, else Chrome or Safari), or return ''.

    Browsers write the header themselves, each its own way: Chrome, Edge, Safari (and every
    iOS browser) weigh the languages after the first 0.9, 0.8, 0.7...; Firefox weighs the
    i-th of n languages 1 - i/n, to one decimal (0.5 for two; 0.7, 0.3 for three). A client
    that rotates user agents over one fixed set of headers gets this wrong. Headers with
    more than ten languages, or without weights, are not judged.
    """
    parts = language.split(",")
    n = len(parts)
    if n < 2 or n > 10:
        return ""
    steps = weighs_like_firefox = True
    for i in range(1, n):
        _, found, weight = parts[i].partition(";q=")
        try:
            q = float(weight) if found else -1.0
        except ValueError:
            return ""
        if q < 0:
            return ""
        steps = steps and abs(q - (10 - i) / 10) < 0.001
        weighs_like_firefox = weighs_like_firefox and abs(q - _firefox_weight(i, n)) < 0.001
    if weighs_like_firefox if firefox else steps:
        return ""
    claims = "Firefox" if firefox else "Chrome or Safari"
    if steps:
        writes = "as Chrome and Safari do"
    elif weighs_like_firefox:
        writes = "as Firefox does"
    else:
        writes = "as no browser does"
    return f"claims {claims} but weighs its Accept-Language {writes}"


def _firefox_weight(i: int, n: int) -> float:
    return int((1 - i / n) * 10 + 0.5) / 10


def _collecting_words(what: str, people: int) -> str:
    return f"{what} that received the data of {plural(people, 'person')}"


def _no_cookies_words(requests: int) -> str:
    return f"never returned a cookie in {plural(requests, 'request')}"


def _no_assets_words(pages: int) -> str:
    return (
        f"a browser that loaded {plural(pages, 'page')} and not a single image, script or "
        "stylesheet"
    )


def _rotation_words(changes: int, profiles: int) -> str:
    return (
        f"switched user agent {plural(changes, 'time')} while viewing {plural(profiles, 'profile')}"
    )
