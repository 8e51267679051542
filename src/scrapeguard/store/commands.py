"""`scrapeguard db upgrade` and `scrapeguard ledger who-received | exposure`."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import ipaddress
import json
import os
import sys
from typing import Any

from ..config import load_file
from ..errors import ConfigError, ScrapeguardError
from ..events import PSEUDONYM, ActorKind
from ..outfiles import check_writable, write_file
from ..terminal import printable

EXIT_OK = 0
#: The kinds an actor key starts with (`events.ActorKind`; a stack campaign's key is a
#: campaign's).
ACTOR_KINDS = (
    ActorKind.IP,
    ActorKind.NET,
    ActorKind.ACCOUNT,
    ActorKind.SESSION,
    ActorKind.DEVICE,
    ActorKind.FINGERPRINT,
    ActorKind.CAMPAIGN,
)


def add_parsers(sub: Any) -> None:
    """Add the store's commands to the `scrapeguard` command line."""
    d = sub.add_parser("db", help="the store's database: create or upgrade its schema")
    ds = d.add_subparsers(dest="db_command", required=True)
    du = ds.add_parser(
        "upgrade",
        help="create the store's tables, or bring them to this version's schema",
        description="Create the store's tables in an empty database, or migrate an older one.",
    )
    _where(du)
    du.set_defaults(run=_upgrade)

    led = sub.add_parser(
        "ledger",
        help="who received whose personal data (every question is written to the audit log)",
    )
    ls = led.add_subparsers(dest="ledger_command", required=True)
    w = ls.add_parser("who-received", help="the actors that received one person's data")
    w.add_argument("subject", help="the person's id on your site (as the site model reads it)")
    e = ls.add_parser("exposure", help="whose data one or more actors (a campaign) received")
    e.add_argument(
        "--actor",
        action="append",
        required=True,
        type=_actor_key,
        metavar="KEY",
        help="an actor key (ip:203.0.113.9, account:alice, net:203.0.113.0/24); repeat",
    )
    for p in (w, e):
        p.add_argument("--why", required=True, help="why you ask (kept in the audit log)")
        p.add_argument("--since", help="first day, YYYY-MM-DD (default: 90 days ago)")
        p.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")
        p.add_argument("--json", action="store_true", help="print JSON")
        _where(p)
    w.set_defaults(run=_who_received)
    e.set_defaults(run=_exposure)

    pu = sub.add_parser(
        "purge",
        help="apply the retention periods now: pseudonymise, delete, destroy old keys",
        description="Pseudonymise addresses and account ids past their raw period, delete what "
        "is past retention (except evidence under legal hold) and destroy the pseudonym keys "
        "of purged periods (docs/store.md). A running middleware does this once a day.",
    )
    pu.add_argument("--now", help="as of this time, YYYY-MM-DD[THH:MM] UTC (default: now)")
    _where(pu)
    pu.set_defaults(run=_purge)

    pr = sub.add_parser("privacy", help="a person's access request; legal holds")
    ps = pr.add_subparsers(dest="privacy_command", required=True)
    ex = ps.add_parser(
        "export", help="everything the store holds about one account or address, as JSON"
    )
    who = ex.add_mutually_exclusive_group(required=True)
    who.add_argument("--account", help="the account id")
    who.add_argument("--ip", type=_address, help="the address")
    ex.add_argument(
        "--subject",
        help="their id as a subject on the site: also say who was "
        "shown their data (default: the account id)",
    )
    ex.add_argument("--why", required=True, help="the request it answers (kept in the audit log)")
    ex.add_argument("--out", help="write the JSON to this file (default: standard output)")
    _where(ex)
    ex.set_defaults(run=_export)
    ho = ps.add_parser("hold", help="keep a case's evidence raw and whole until a date")
    ho.add_argument("case", help="the case's name or number")
    ho.add_argument(
        "--actor",
        action="append",
        required=True,
        type=_actor_key,
        metavar="KEY",
        help="an actor key (ip:203.0.113.9, account:mallory); repeat",
    )
    ho.add_argument("--until", required=True, help="last day of the hold, YYYY-MM-DD")
    ho.add_argument("--why", required=True, help="why (kept in the audit log)")
    _where(ho)
    ho.set_defaults(run=_hold)


def _actor_key(text: str) -> str:
    """`text` if it names an actor as the engine keys them (`ip:203.0.113.9`, `account:alice`,
    `net:203.0.113.0/24`…), or as the store pseudonymises them (`~ip:3fa9…`); else an error
    that shows the form. A key the store cannot hold would make a ledger question answer
    "nobody" and a legal hold keep nothing."""
    pseudonym = text.startswith(PSEUDONYM)
    kind, sep, value = text.removeprefix(PSEUDONYM).partition(":")
    if not sep or not value or kind not in ACTOR_KINDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an actor key: KIND:VALUE with KIND one of "
            f"{', '.join(ACTOR_KINDS)} (ip:203.0.113.9, account:alice, net:203.0.113.0/24)"
        )
    if pseudonym:
        return text
    if kind == ActorKind.IP:
        _address(value)
    elif kind == ActorKind.NET:
        try:
            ipaddress.ip_network(value)
        except ValueError:
            example = "203.0.113.0/24 or 2001:db8::/48"
            raise argparse.ArgumentTypeError(
                f"{value!r} is not a network such as {example}"
            ) from None
    return text


def _address(text: str) -> str:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IP address") from None
    return text


def _where(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        help="database URL (default: `store:` of --config, else sqlite:///scrapeguard.db)",
    )
    p.add_argument(
        "--config",
        default=os.environ.get("SCRAPEGUARD_CONFIG"),
        help="the configuration file (default: $SCRAPEGUARD_CONFIG)",
    )


def store_url(args: argparse.Namespace) -> str:
    """The store URL named by `--store`, else by the config file, else the default."""
    from ..integrations.loading import store_of
    from .db import DEFAULT_URL

    if args.store:
        return str(args.store)
    if args.config:
        found = store_of(load_file(args.config))
        if found:
            return found
    return DEFAULT_URL


def _upgrade(args: argparse.Namespace) -> int:
    from .db import driver_message, redact, upgrade

    url = store_url(args)
    try:
        before, after = upgrade(url)
    except ConfigError:
        raise
    except Exception as e:  # noqa: BLE001 - the database's own message says what is wrong
        raise ScrapeguardError(f"cannot upgrade {redact(url)}: {driver_message(e)}") from None
    if before == after:
        print(f"{redact(url)}: schema {after}, up to date")
    else:
        print(f"{redact(url)}: schema {before or '(empty)'} -> {after}")
    return EXIT_OK


def _days(args: argparse.Namespace) -> tuple[int, int]:
    today = dt.datetime.now(dt.UTC).date()
    try:
        last = dt.date.fromisoformat(args.until) if args.until else today
        first = dt.date.fromisoformat(args.since) if args.since else last - dt.timedelta(days=90)
    except ValueError as e:
        raise ScrapeguardError(f"--since/--until: {e}") from None
    if first > last:
        raise ScrapeguardError(f"--since {first} is after --until {last}")
    epoch = dt.date(1970, 1, 1)
    return (first - epoch).days, (last - epoch).days


def _open(args: argparse.Namespace) -> Any:
    from .privacy import Retention, retention_from_document
    from .store import Store

    retention = retention_from_document(load_file(args.config)) if args.config else Retention()
    return Store(store_url(args), retention=retention)


def _purge(args: argparse.Namespace) -> int:
    import time

    now = time.time()
    if args.now:
        try:
            now = dt.datetime.fromisoformat(args.now).replace(tzinfo=dt.UTC).timestamp()
        except ValueError as e:
            raise ScrapeguardError(f"--now: {e}") from None
    store = _open(args)
    try:
        done = store.purge(now, who=getpass.getuser())
    finally:
        store.close()
    print(
        f"pseudonymised {done.pseudonymised:,} records, deleted {done.deleted:,} and the site "
        f"ids of {done.subjects_deleted:,} people no longer in the ledger, destroyed "
        f"{done.keys_destroyed:,} pseudonym keys; {done.held:,} actors under legal hold"
    )
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    actor = f"account:{args.account}" if args.account else f"ip:{args.ip}"
    subject = args.subject or args.account
    if args.out:
        check_writable(args.out)  # before the export is written to the audit log
    store = _open(args)
    try:
        doc = store.export(actor, subject, who=getpass.getuser(), why=args.why)
    finally:
        store.close()
    text = json.dumps(doc, indent=1, default=str) + "\n"
    if args.out:
        write_file(args.out, lambda out: out.write(text))
        print(
            f"wrote {args.out}: {len(doc['decisions'])} decisions, "
            f"{len(doc['received'])} days of data received"
        )
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _hold(args: argparse.Namespace) -> int:
    try:
        last = dt.date.fromisoformat(args.until)
    except ValueError as e:
        raise ScrapeguardError(f"--until: {e}") from None
    if last < dt.datetime.now(dt.UTC).date():
        raise ScrapeguardError(f"--until: {args.until} has passed; a hold runs until a day to come")
    until = last + dt.timedelta(days=1)
    end = dt.datetime.combine(until, dt.time(), dt.UTC).timestamp()
    store = _open(args)
    try:
        store.hold(args.case, args.actor, end, who=getpass.getuser(), why=args.why)
    finally:
        store.close()
    print(f"case {args.case}: {len(args.actor)} actor(s) held until the end of {args.until}")
    return EXIT_OK


def _who_received(args: argparse.Namespace) -> int:
    first, last = _days(args)
    store = _open(args)
    try:
        receipts = store.ledger.who_received(
            args.subject, first, last, who=getpass.getuser(), why=args.why
        )
    finally:
        store.close()
    rows = [
        {
            "actor": r.actor,
            "first_day": _day(r.first_day),
            "last_day": _day(r.last_day),
            "fields": list(r.fields),
        }
        for r in receipts
    ]
    if args.json:
        json.dump({"subject": args.subject, "received_by": rows}, sys.stdout, indent=1)
        print()
        return EXIT_OK
    if not rows:
        print(f"nobody received {args.subject}'s data from {_day(first)} to {_day(last)}")
    for row in rows:
        print(
            f"{printable(row['actor']):<40} {row['first_day']} → {row['last_day']}  "
            f"{', '.join(row['fields'])}"
        )
    return EXIT_OK


def _exposure(args: argparse.Namespace) -> int:
    first, last = _days(args)
    store = _open(args)
    try:
        e = store.ledger.received(args.actor, first, last, who=getpass.getuser(), why=args.why)
    finally:
        store.close()
    doc = {
        "actors": args.actor,
        "from": _day(first),
        "to": _day(last),
        "people": e.people,
        "unnamed_people_on_list_pages": e.unnamed,
        "people_by_field": e.by_field,
        "days": e.days,
    }
    if args.json:
        json.dump(doc, sys.stdout, indent=1)
        print()
        return EXIT_OK
    print(
        f"{e.people:,} people's data received by {len(args.actor)} actor(s), "
        f"{_day(first)} → {_day(last)}, on {e.days} day(s)"
    )
    for name, count in e.by_field.items():
        print(f"  {name:<20} {count:>10,}")
    if e.unnamed:
        print(f"  and up to {e.unnamed:,} people on list pages whose members the log does not name")
    return EXIT_OK


def _day(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
