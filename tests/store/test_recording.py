"""What reaches the store: from the middleware, from `analyze --store`, and the CLI around it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inline_apps import BROWSER, CONFIG, PROXY, SECRET, starlette_app

from scrapeguard.cli import main
from scrapeguard.config import load_document
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.integrations.inline import Inline
from scrapeguard.integrations.loading import read_config
from scrapeguard.state import open_state
from scrapeguard.store import Store

EVER = ["--since", "2000-01-01", "--until", "2100-01-01"]


def test_the_middleware_records_what_was_served_and_what_was_decided(store_url: str) -> None:
    from starlette.testclient import TestClient

    site, policy, settings, _ = read_config(
        load_document(CONFIG.replace("MODE", "enforce").replace("ON_ERROR", "open"), "t.yaml")
    )
    store = Store(store_url, flush_interval=60)
    guard = Guard(site, policy, open_state("memory://"), NoNetworkInfo())
    client = TestClient(
        starlette_app(Inline(guard, settings, secret=SECRET, store=store)), client=(PROXY, 5000)
    )
    headers = {**BROWSER, "x-forwarded-for": "198.51.100.7"}
    statuses = [client.get(f"/u/person{i}", headers=headers).status_code for i in range(40)]
    store.flush()
    served = statuses.count(200)
    assert 0 < served < 40  # the guest quota stopped the rest
    e = store.ledger.received(["ip:198.51.100.7"], 0, 10**6, who="test", why="test")
    assert e.people == served
    assert e.by_field == {"bio": served, "email": served, "name": served, "phone": served}
    with store.engine.connect() as c:
        actions = {r[0] for r in c.exec_driver_sql("SELECT enforced FROM decisions")}
    assert "require_login" in actions
    with store.engine.connect() as c:
        summaries = {r[0] for r in c.exec_driver_sql("SELECT key FROM actors")}
    assert summaries == {"ip:198.51.100.7"}
    store.close()


def test_a_site_starts_and_serves_while_its_store_is_down(tmp_path: Path) -> None:
    """A database that starts after the app, or is down for maintenance: the app starts, says
    so, serves its visitors, and the records are written once the database answers."""
    from starlette.testclient import TestClient

    from scrapeguard.integrations.loading import build_inline
    from scrapeguard.store import upgrade

    folder = tmp_path / "not mounted yet"
    url = f"sqlite:///{folder / 's.db'}"
    config = tmp_path / "scrapeguard.yaml"
    text = CONFIG.replace("MODE", "enforce").replace("ON_ERROR", "open")
    config.write_text(f"{text}  secret_file: {tmp_path / 'key'}\nstore: {url}\n")
    inline = build_inline(str(config))
    store = inline.store
    assert isinstance(store, Store)
    client = TestClient(starlette_app(inline), client=(PROXY, 5000))
    headers = {**BROWSER, "x-forwarded-for": "198.51.100.7"}
    statuses = [client.get(f"/u/person{i}", headers=headers).status_code for i in range(40)]
    assert 200 in statuses and 500 not in statuses
    store.flush()
    assert store.written == 0 and store.failures >= 1
    folder.mkdir()
    upgrade(url)
    store.flush()
    e = store.ledger.received(["ip:198.51.100.7"], 0, 10**6, who="test", why="test")
    assert e.people == statuses.count(200)
    store.close()


def test_db_upgrade_then_analyze_into_the_store_then_ask_the_ledger(
    empty_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade", "--store", empty_url]) == 0
    assert "(empty) -> 0004" in capsys.readouterr().out
    assert main(["db", "upgrade", "--store", empty_url]) == 0
    assert "up to date" in capsys.readouterr().out

    report = tmp_path / "report.json"
    assert (
        main(["analyze", "--sample", "--no-progress", "--store", empty_url, "--json", str(report)])
        == 0
    )
    capsys.readouterr()
    doc = json.loads(report.read_text())
    top = doc["actors"][0]
    assert top["subjects"] > 0
    key = f"{top['kind']}:{top['key']}"
    assert (
        main(
            [
                "ledger",
                "exposure",
                "--actor",
                key,
                "--why",
                "test",
                "--store",
                empty_url,
                "--json",
                *EVER,
            ]
        )
        == 0
    )
    exposure = json.loads(capsys.readouterr().out)
    assert exposure["people"] + exposure["unnamed_people_on_list_pages"] > 0

    store = Store(empty_url)
    try:
        with store.engine.connect() as c:
            subject = c.exec_driver_sql("SELECT value FROM ledger_subjects LIMIT 1").scalar()
            decisions = c.exec_driver_sql("SELECT count(*) FROM decisions").scalar()
            actors = {r[0] for r in c.exec_driver_sql("SELECT key FROM actors")}
        assert decisions > 0
        assert key in actors  # the flagged actors' summaries
    finally:
        store.close()
    assert (
        main(
            [
                "ledger",
                "who-received",
                str(subject),
                "--why",
                "access request",
                "--store",
                empty_url,
                "--json",
                *EVER,
            ]
        )
        == 0
    )
    received = json.loads(capsys.readouterr().out)["received_by"]
    assert received and all(r["actor"].startswith(("ip:", "account:")) for r in received)
    store = Store(empty_url)
    try:
        assert [a["why"] for a in store.audit_entries()] == ["test", "access request"]
    finally:
        store.close()


def test_ledger_questions_need_a_reason(empty_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ledger", "who-received", "u1", "--store", empty_url])
    assert "--why" in capsys.readouterr().err


def test_an_old_database_is_named_with_the_fix(
    empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ledger", "who-received", "u1", "--why", "x", "--store", empty_url]) == 1
    assert "scrapeguard db upgrade" in capsys.readouterr().err


def test_purge_export_and_hold_from_the_command_line(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from support import T0

    from scrapeguard.engine import Decision
    from scrapeguard.events import Disclosure

    store = Store(store_url)
    store.record_decision(
        Decision(
            "block",
            "account",
            "account:mallory",
            60.0,
            "threshold/block",
            ("took 400 people",),
            95,
            False,
            "block",
            T0,
        )
    )
    store.record_disclosure(["account:mallory"], T0, [Disclosure("alice", ("name", "phone"))])
    store.close()
    where = ["--store", store_url]
    assert (
        main(
            [
                "privacy",
                "hold",
                "case-9",
                "--actor",
                "account:mallory",
                "--until",
                "2026-12-31",
                "--why",
                "police request",
                *where,
            ]
        )
        == 0
    )
    assert "held until the end of 2026-12-31" in capsys.readouterr().out
    out = tmp_path / "export.json"
    assert (
        main(
            [
                "privacy",
                "export",
                "--account",
                "mallory",
                "--why",
                "access request 5",
                "--out",
                str(out),
                *where,
            ]
        )
        == 0
    )
    assert "1 decisions" in capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["decisions"][0]["reasons"] == ["took 400 people"]
    assert doc["received"][0]["fields"] == ["name", "phone"]
    assert (
        main(
            [
                "privacy",
                "export",
                "--ip",
                "203.0.113.1",
                "--subject",
                "alice",
                "--why",
                "access request 6",
                *where,
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["decisions"] == [] and doc["your_data_shown"][0]["to"] == "account"
    assert main(["purge", "--now", "2026-12-01", *where]) == 0
    out_text = capsys.readouterr().out
    assert "1 actors under legal hold" in out_text and "site ids of 0 people" in out_text
    subject = ["privacy", "export", "--ip", "203.0.113.1", "--subject", "alice", "--why", "7"]
    assert main([*subject, *where]) == 0  # held: alice is still found
    assert json.loads(capsys.readouterr().out)["your_data_shown"][0]["to"] == "account"
    assert main(["purge", "--now", "2027-06-01", *where]) == 0  # the hold has ended
    assert "site ids of 1 people" in capsys.readouterr().out
    assert main([*subject, *where]) == 0
    assert json.loads(capsys.readouterr().out)["your_data_shown"] == []
    store = Store(store_url)
    try:
        with store.engine.connect() as c:
            assert c.exec_driver_sql("SELECT count(*) FROM decisions").scalar() == 0
        assert main(["purge", "--now", "yesterday", *where]) == 1
    finally:
        store.close()


def test_who_received_shows_a_hostile_account_id_without_its_escapes(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Account ids come from the site's users: one holding a terminal escape sequence is
    shown written out, not sent to the reader's terminal."""
    from scrapeguard.events import Disclosure

    store = Store(store_url)
    store.record_disclosure(["account:mallory\x1b[2J\x1b]0;pwned\x07"], 1_767_225_600.0,
                            [Disclosure("u7", ("name",))])  # fmt: skip
    store.close()
    args = ["ledger", "who-received", "u7", "--why", "test", "--store", store_url, *EVER]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "account:mallory\\x1b[2J\\x1b]0;pwned\\x07" in out
