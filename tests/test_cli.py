"""The `scrapeguard` command, run as a user runs it: `python -m scrapeguard ...`."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import DATASETS

from scrapeguard.crawlers import classify_client, is_declared_bot
from scrapeguard.events import RequestEvent
from scrapeguard.policy import ACTIONS
from scrapeguard.site import Kind, SiteModel

REAL_LOG = DATASETS / "elastic-apache-logs" / "apache_logs"
CONFIG = Path(__file__).parent / "testdata" / "config"
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
HARVESTER = "203.0.113.66"
# Apache combined format, as the ingest module accepts it (escaped quotes allowed).
COMBINED = re.compile(
    r'^(?P<ip>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<target>\S+)[^"]*" '
    r'\d{3} \S+ "(?:[^"\\]|\\.)*" "(?P<agent>(?:[^"\\]|\\.)*)"\s*$'
)
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def scrapeguard(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapeguard", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


def expected_errors(path: Path) -> list[tuple[int, str]]:
    """(line, dotted path) of every mistake marked `# ERR: a, b` in a fixture file."""
    out = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.lstrip().startswith("#") and "# ERR:" in line:
            out += [(number, p.strip()) for p in line.split("# ERR:")[1].split(",")]
    return out


# -- the real Apache log -------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not REAL_LOG.exists():
        pytest.skip(f"REAL-DATA TEST SKIPPED: {REAL_LOG} is missing (shared datasets not mounted)")
    out = tmp_path_factory.mktemp("real")
    proc = scrapeguard(
        "analyze", str(REAL_LOG), "--json", str(out / "r.json"), "--html", str(out / "r.html")
    )
    return {
        "proc": proc,
        "doc": json.loads((out / "r.json").read_text()) if proc.returncode == 0 else None,
        "html": (out / "r.html").read_text() if proc.returncode == 0 else "",
    }


def test_analyze_real_log_succeeds(real: dict[str, Any]) -> None:
    proc = real["proc"]
    assert proc.returncode == 0, proc.stderr
    assert "10,000 lines, 9,999 parsed, 1 malformed" in proc.stdout


def test_analyze_json_has_the_documented_keys(real: dict[str, Any]) -> None:
    doc = real["doc"]
    assert doc["version"] == 1
    summary = doc["summary"]
    assert {"lines", "parsed", "malformed", "actors", "flagged", "seconds"} <= summary.keys()
    assert (summary["lines"], summary["parsed"], summary["malformed"]) == (10000, 9999, 1)
    assert summary["actors"] > 1000
    assert 0 <= summary["flagged"] <= summary["actors"]
    assert summary["seconds"] > 0
    assert summary["sources"] == [str(REAL_LOG)]
    assert doc["actors"], "no actors reported"
    keys = {"key", "kind", "score", "verdict", "requests", "subjects", "first_seen", "last_seen"}
    for actor in doc["actors"]:
        assert keys | {"reasons"} <= actor.keys(), actor
        assert actor["kind"] in {"ip", "net", "account", "session", "device"}
        assert isinstance(actor["score"], int) and 0 <= actor["score"] <= 100
        assert actor["verdict"] in ACTIONS
        assert actor["requests"] >= 1 and actor["subjects"] >= 0
        assert ISO.match(actor["first_seen"]) and ISO.match(actor["last_seen"])
        assert actor["first_seen"] <= actor["last_seen"]
        assert isinstance(actor["reasons"], list)
    flagged = sum(1 for a in doc["actors"] if a["verdict"] != "allow")
    assert flagged == summary["flagged"]


def test_crawlers_the_installed_ranges_cannot_verify_are_named(real: dict[str, Any]) -> None:
    # The installed crawler lists are of 2026; the log is of 2015, so they prove nothing.
    needed = real["doc"]["summary"]["crawler_ranges_needed"]
    assert {"google", "bing"} <= needed.keys()
    assert needed["google"] > 100
    assert f"google ({needed['google']:,} requests)" in real["proc"].stdout
    assert "`scrapeguard ranges update NAME FILE`" in real["proc"].stdout
    assert f"google ({needed['google']:,} requests)" in real["html"]


def test_the_malformed_line_is_named_by_its_number(real: dict[str, Any]) -> None:
    [example] = real["doc"]["malformed_examples"]
    assert example["source"] == str(REAL_LOG)
    assert example["line"] == 8899
    assert example["reason"]
    assert f"{REAL_LOG}:8899:" in real["proc"].stdout


def declared_bots(only_pages: bool) -> dict[str, set[str]]:
    """Client address -> expected crawler reasons, for every client whose user agent the
    bot lists match (`only_pages`: counting only requests that are not static assets)."""
    model = SiteModel.default()
    found: dict[str, set[str]] = {}
    parsed = 0
    with REAL_LOG.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = COMBINED.match(line)
            if m is None:
                continue
            parsed += 1
            agent = m["agent"]
            if not is_declared_bot(agent):
                continue
            path = m["target"].split("?", 1)[0]
            if only_pages and model.classify(RequestEvent(0, m["ip"], path=path)).kind == (
                Kind.STATIC
            ):
                continue
            when = dt.datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
            verdict = classify_client(agent, m["ip"], when)
            assert verdict is not None
            found.setdefault(m["ip"], set()).add(verdict.reason)
    assert parsed == 9999  # the same lines as the tool parsed
    return found


def check_bots(doc: dict[str, Any], bots: dict[str, set[str]]) -> None:
    actors = {a["key"]: a for a in doc["actors"] if a["kind"] == "ip"}
    missing = []
    for ip, reasons in sorted(bots.items()):
        actor = actors.get(ip)
        if actor is None or actor["bot"] not in {"verified", "unverifiable", "impostor"}:
            missing.append(ip)
            continue
        assert actor["reasons"], ip
        assert reasons & set(actor["reasons"]), (ip, actor["reasons"])
    assert not missing, f"{len(missing)} declared bots not reported as bots: {missing[:10]}"


def test_every_declared_bot_that_requested_a_page_comes_out_as_a_bot(
    real: dict[str, Any],
) -> None:
    bots = declared_bots(only_pages=True)
    assert len(bots) > 250  # the log is full of crawlers
    check_bots(real["doc"], bots)


def test_every_declared_bot_comes_out_as_a_bot(real: dict[str, Any]) -> None:
    check_bots(real["doc"], declared_bots(only_pages=False))


def test_html_report_has_charts(real: dict[str, Any]) -> None:
    html = real["html"]
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "<svg" in html


# -- check ---------------------------------------------------------------------------------


def test_check_accepts_the_good_file() -> None:
    good = CONFIG / "good-site.yaml"
    proc = scrapeguard("check", str(good))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith(f"{good}: ok")
    assert "policy mode shadow, 1 partners" in proc.stdout


@pytest.mark.parametrize("name", ["bad-site.yaml", "bad-policy.yaml"])
def test_check_prints_every_error_of_a_bad_file(name: str) -> None:
    bad = CONFIG / name
    proc = scrapeguard("check", str(bad))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    expected = expected_errors(bad)
    for line, path in expected:
        assert f"{bad}:{line}: {path}: " in proc.stderr, (line, path)
    assert proc.stderr.count(f"{bad}:") == len(expected)


def test_check_reports_every_error_of_every_file() -> None:
    site, policy = CONFIG / "bad-site.yaml", CONFIG / "bad-policy.yaml"
    proc = scrapeguard("check", str(site), str(policy))
    assert proc.returncode == 1
    assert f"{site}:" in proc.stderr and f"{policy}:" in proc.stderr


def test_analyze_with_an_invalid_site_file_prints_every_error(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("")
    bad = CONFIG / "bad-site.yaml"
    proc = scrapeguard("analyze", str(log), "--site", str(bad))
    assert proc.returncode == 1
    for line, path in expected_errors(bad):
        assert f"{bad}:{line}: {path}: " in proc.stderr


# -- usage errors --------------------------------------------------------------------------


def test_a_missing_log_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.log"
    proc = scrapeguard("analyze", str(missing))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert str(missing) in proc.stderr
    assert "No such file or directory" in proc.stderr


def test_analyze_without_logs_is_a_usage_error() -> None:
    proc = scrapeguard("analyze")
    assert proc.returncode == 2
    assert "give log files" in proc.stderr


# -- a harvester in a small log ------------------------------------------------------------


def clf(t: float, ip: str, path: str, agent: str, status: int = 200) -> str:
    stamp = dt.datetime.fromtimestamp(t, dt.UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'{ip} - - [{stamp}] "GET {path} HTTP/1.1" {status} 2048 "-" "{agent}"\n'


@pytest.fixture(scope="module")
def harvest_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """500 distinct profiles in 5 minutes by a script, and two people reading a few."""
    lines = [
        (T0 + i * 0.6, clf(T0 + i * 0.6, HARVESTER, f"/u/user{i}", "python-requests/2.31.0"))
        for i in range(500)
    ]
    for n, ip in enumerate(["198.51.100.7", "198.51.100.8"]):
        t = T0 + 30.0 * n
        for i in range(8):
            lines.append((t, clf(t, ip, f"/u/user{(i * 3) % 5}", BROWSER)))
            lines.append((t + 1, clf(t + 1, ip, "/static/site.css", BROWSER)))
            t += (41, 13, 95, 7, 60, 22, 130, 18)[i]
    lines.sort()
    path = tmp_path_factory.mktemp("harvest") / "access.log"
    path.write_text("".join(text for _, text in lines))
    return path


def analyze_json(tmp_path: Path, *args: str, stdin: bytes | None = None) -> dict[str, Any]:
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}.json"
    proc = scrapeguard("analyze", *args, "--json", str(out), stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


def test_fail_on_flagged_exits_3_and_reports_the_harvester(
    harvest_log: Path, tmp_path: Path
) -> None:
    out = tmp_path / "h.json"
    proc = scrapeguard("analyze", str(harvest_log), "--json", str(out), "--fail-on-flagged")
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(out.read_text())
    [actor] = [a for a in doc["actors"] if a["key"] == HARVESTER]
    assert (actor["kind"], actor["verdict"], actor["subjects"]) == ("ip", "block", 500)
    assert actor["requests"] == 500
    assert any("500 people" in r for r in actor["reasons"])
    people = [a for a in doc["actors"] if a["key"] in ("198.51.100.7", "198.51.100.8")]
    assert people and all(a["verdict"] == "allow" for a in people)
    assert doc["summary"]["flagged"] >= 1


def test_without_fail_on_flagged_a_harvest_still_exits_0(harvest_log: Path) -> None:
    proc = scrapeguard("analyze", str(harvest_log))
    assert proc.returncode == 0
    assert HARVESTER in proc.stdout
    assert "note: declared crawlers" not in proc.stdout  # no crawler in this log


def test_a_hostile_user_agent_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """nginx writes a byte it cannot print as \\xHH and analyze decodes it; the summary then
    shows the escape sequence written out, and the JSON keeps it exactly."""
    agent = r"curl/8.0 \x1B]0;pwned\x07\x1B[2J"
    log = tmp_path / "access.log"
    log.write_text("".join(clf(T0 + i, HARVESTER, f"/u/user{i}", agent) for i in range(300)))
    out = tmp_path / "r.json"
    proc = scrapeguard("analyze", str(log), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert r"curl/8.0 \x1b]0;pwned\x07\x1b[2J" in proc.stdout
    doc = json.loads(out.read_text())
    assert any("\x1b]0;pwned\x07" in r for a in doc["actors"] for r in a["reasons"])


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    del doc["summary"]["seconds"], doc["summary"]["sources"]
    for m in doc["malformed_examples"]:
        del m["source"]
    return doc


def test_gzip_and_stdin_give_the_same_result_as_the_plain_file(
    harvest_log: Path, tmp_path: Path
) -> None:
    zipped = tmp_path / "access.log.gz"
    zipped.write_bytes(gzip.compress(harvest_log.read_bytes()))
    plain = analyze_json(tmp_path, str(harvest_log))
    from_gzip = analyze_json(tmp_path, str(zipped))
    from_stdin = analyze_json(tmp_path, "-", stdin=harvest_log.read_bytes())
    assert plain["summary"]["parsed"] == 532
    assert comparable(from_gzip) == comparable(plain)
    assert comparable(from_stdin) == comparable(plain)
    assert from_gzip["summary"]["sources"] == [str(zipped)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_truncated_gzip_is_read_as_far_as_it_goes_and_said(
    harvest_log: Path, tmp_path: Path, jobs: str
) -> None:
    """A log rotated or copied while written: what is there is analyzed, and the summary, the
    JSON and the HTML report say the file is cut short (in the reader process too)."""
    whole = gzip.compress(harvest_log.read_bytes())
    cut = tmp_path / "access.log.2.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    out, html = tmp_path / f"cut{jobs}.json", tmp_path / f"cut{jobs}.html"
    proc = scrapeguard("analyze", str(cut), "--jobs", jobs, "--json", str(out), "--html", str(html))
    assert proc.returncode == 0, proc.stderr
    said = f"{cut}: gzip data is truncated (read what was there)"
    assert f"  warning: {said}" in proc.stdout
    doc = json.loads(out.read_text())
    assert doc["summary"]["warnings"] == [said]
    assert 0 < doc["summary"]["parsed"] < 532
    assert said in html.read_text()
    whole_doc = analyze_json(tmp_path, str(harvest_log))
    assert whole_doc["summary"]["warnings"] == []


def test_a_site_file_changes_what_counts_as_a_profile(harvest_log: Path, tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text('site:\n  personal_data:\n    - {route: "/people/{id}", fields: [name]}\n')
    doc = analyze_json(tmp_path, str(harvest_log), "--site", str(site))
    assert doc["summary"]["distinct_people"] == 0
    actor = next(a for a in doc["actors"] if a["key"] == HARVESTER)
    assert actor["subjects"] == 0


def test_check_reports_site_and_policy_errors_of_one_file_together(tmp_path: Path) -> None:
    both = tmp_path / "both.yaml"
    both.write_text("site:\n  directory_size: -1\npolicy:\n  mode: enforcing\n")
    proc = scrapeguard("check", str(both))
    assert proc.returncode == 1
    assert f"{both}:2: site.directory_size: " in proc.stderr
    assert f"{both}:4: policy.mode: " in proc.stderr


def test_check_reports_a_bad_state_url_at_its_line(tmp_path: Path) -> None:
    """A state URL that names no backend, is not text, or that the backend refuses is named
    with the file and the line of `state:`, like any other mistake of the file."""
    cases = {
        'policy:\n  mode: shadow\nstate: "redis//localhost"\n': "3: state: unsupported backend",
        "state: 42\n": "1: state: must be a URL",
        'state: "memory://?max_actors=lots"\n': "1: state: max_actors must be an integer",
        'state: "redis://localhost:notaport/0"\n': "1: state: cannot use",
    }
    store = tmp_path / "store.yaml"
    store.write_text("policy:\n  mode: shadow\nstore: [sqlite]\n")
    proc = scrapeguard("purge", "--config", str(store))
    assert proc.returncode != 0 and f"{store}:3: store: must be a database URL" in proc.stderr
    for i, (text, expected) in enumerate(cases.items()):
        path = tmp_path / f"state{i}.yaml"
        path.write_text(text)
        proc = scrapeguard("check", str(path))
        assert proc.returncode == 1, text
        assert f"{path}:{expected}" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_an_unwritable_report_path_fails_before_the_replay(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text('203.0.113.9 - - [01/Sep/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x"\n')
    done = subprocess.run(
        [sys.executable, "-m", "scrapeguard", "analyze", str(log), "--json",
         str(tmp_path / "missing" / "out.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "is not a writable folder" in done.stderr
    assert "lines" not in done.stdout  # nothing was analysed


@pytest.mark.parametrize(
    "command",
    [
        ["eval", "--seeds", "1", "--size", "200", "--hours", "1", "--json"],
        ["model", "train", "--seeds", "1", "--size", "200", "--hours", "1", "--out"],
        ["privacy", "export", "--ip", "198.51.100.7", "--why", "request 7", "--out"],
    ],
    ids=["eval", "model-train", "privacy-export"],
)
def test_every_output_path_is_checked_before_the_work(tmp_path: Path, command: list[str]) -> None:
    """A typo in an output path costs a second, not a whole evaluation or training run (and
    an export that was never delivered is not in the audit log)."""
    from scrapeguard.store import Store, upgrade

    store = f"sqlite:///{tmp_path / 's.db'}"
    upgrade(store)
    target = tmp_path / "missing" / "out.json"
    extra = ["--store", store] if command[0] == "privacy" else []
    proc = scrapeguard(*command, str(target), *extra)
    assert proc.returncode == 1, proc.stderr
    assert f"cannot write {target}:" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""  # nothing was simulated, evaluated or trained
    opened = Store(store)
    with opened.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM audit_log").scalar() == 0
    opened.close()


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["demo", "--size", "3", "--no-traffic", "--port", "0"], "--size 3: the directory needs"),
        (["demo", "--speed", "-5", "--port", "0"], "-5 must be a number above 0"),
        (["simulate", "--hours", "0", "--out", "x"], "0 must be a number above 0"),
        (["eval", "--seeds", "101,abc"], "seeds are whole numbers separated by commas"),
        (["model", "train", "--scale", "nan", "--out", "m.json"], "nan must be a number above 0"),
    ],
)  # fmt: skip
def test_a_bad_demo_argument_is_named_not_a_traceback(
    tmp_path: Path, command: list[str], said: str
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapeguard", *command],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode in (1, 2) and said in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_keys_as_the_engine_and_the_store_write_them_are_accepted(tmp_path: Path) -> None:
    from scrapeguard.store import upgrade

    store = f"sqlite:///{tmp_path / 's.db'}"
    upgrade(store)
    keys = [
        "ip:2001:db8::7",
        "net:203.0.113.0/24",
        "account:alice",
        "~ip:3fa9c2",
        "campaign:sig:ab",
    ]
    proc = scrapeguard(
        "ledger", "exposure", *[a for k in keys for a in ("--actor", k)], "--why", "case 1",
        "--store", store,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"received by {len(keys)} actor(s)" in proc.stdout


def test_top_counts_rows_and_zero_prints_the_summary_alone(harvest_log: Path) -> None:
    assert "--top: -1 is below 0" in scrapeguard("analyze", str(harvest_log), "--top", "-1").stderr
    alone = scrapeguard("analyze", str(harvest_log), "--top", "0")
    assert alone.returncode == 0 and "1 flagged" in alone.stdout
    assert HARVESTER not in alone.stdout and "no actor was flagged" not in alone.stdout
    assert HARVESTER in scrapeguard("analyze", str(harvest_log), "--top", "1").stdout


def test_simulate_says_at_once_when_it_cannot_write_its_folder(tmp_path: Path) -> None:
    taken = tmp_path / "a file"
    taken.write_text("")
    for out, said in ((taken, "File exists"), (taken / "sub", "Not a directory")):
        proc = scrapeguard("simulate", "--seed", "1", "--size", "200", "--out", str(out))
        assert proc.returncode == 1 and proc.stdout == "", proc.stderr
        assert f"cannot write to {out}: {said}" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["privacy", "hold", "case-1", "--actor", "mallory", "--until", "2099-01-01"],
         "'mallory' is not an actor key"),
        (["privacy", "hold", "case-1", "--actor", "ip:203.0.113.9", "--until", "2020-01-01"],
         "2020-01-01 has passed"),
        (["privacy", "export", "--ip", "203.0.113.999"], "'203.0.113.999' is not an IP address"),
        (["ledger", "exposure", "--actor", "net:203.0.113.0/33"], "is not a network such as"),
        (["ledger", "exposure", "--actor", "ip:mallory"], "'mallory' is not an IP address"),
        (["ledger", "who-received", "alice", "--since", "2026-12-01", "--until", "2026-11-01"],
         "--since 2026-12-01 is after --until 2026-11-01"),
    ],
)  # fmt: skip
def test_a_key_the_store_cannot_hold_is_refused_not_answered(
    tmp_path: Path, command: list[str], said: str
) -> None:
    """A legal hold on a key no actor has would keep nothing, and a question about one would
    answer "nobody": both are refused, saying why, before anything is written or audited."""
    from scrapeguard.store import Store, upgrade

    store = f"sqlite:///{tmp_path / 's.db'}"
    upgrade(store)
    proc = scrapeguard(*command, "--why", "case 1", "--store", store)
    assert proc.returncode in (1, 2) and said in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    opened = Store(store)
    with opened.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM audit_log").scalar() == 0
    opened.close()


def test_a_missing_optional_package_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fresh `pip install scrapeguard` has no store: its commands say what to install."""
    import scrapeguard.store.commands as store_commands

    def needs_pyroaring(args: object) -> int:
        raise ModuleNotFoundError("No module named 'pyroaring'", name="pyroaring")

    from scrapeguard.cli import EXIT_INPUT, main

    monkeypatch.setattr(store_commands, "_who_received", needs_pyroaring)
    assert main(["ledger", "who-received", "alice", "--why", "test"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "this needs pyroaring: pip install 'scrapeguard[store]'" in err
