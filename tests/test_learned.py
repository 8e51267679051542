"""The learned layer: session features, the model file, the detector and training."""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

import pytest
from support import event

from scrapeguard.cli import main
from scrapeguard.config import load_document
from scrapeguard.demo.commands import demo_config, labelled_runs
from scrapeguard.detectors.model import Model, ModelSettings, rescore
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.errors import ConfigError
from scrapeguard.learned.features import NAMES, session_features
from scrapeguard.learned.model import ModelError, load_model, parse_model
from scrapeguard.learned.train import (
    Sessions,
    export,
    fit,
    leave_one_class_out,
    sessions_of,
    train,
)
from scrapeguard.policy import Policy, policy_from_document

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(scope="module")
def sessions() -> Sessions:
    """Session snapshots of two simulated hours of the demo site (every class present), read
    back from the log and ground truth the simulator writes."""
    args = argparse.Namespace(log=None, truth=None, seeds="4", hours=2.0, scale=0.2, size=300)
    _, events, truth, size = next(labelled_runs(args))
    site, policy, _, _ = demo_config(size)
    classes = {a.id: a.cls for a in truth.actors.values()}
    return sessions_of(events, truth.labels, classes, site, policy)


def scraper(guard: Guard, n: int, start: float = 1_000.0, shuffled: bool = False) -> None:
    """A script fetching profiles one after another (in id order unless `shuffled`), every
    2 s, without cookies or page assets."""
    for i in range(n):
        person = 1000 + (i * 37 % 101 if shuffled else i)
        guard.decide(event(start + 2.0 * i, "203.0.113.50", f"/u/{person}", user_agent=BROWSER))


def test_exported_model_scores_like_scikit_learn(sessions: Sessions) -> None:
    gbm, forest = fit(sessions)
    model = parse_model(json.dumps(export(gbm, forest, sessions, "test")), "test")
    theirs = gbm.predict_proba(sessions.rows)[:, 1]
    unusual = -forest.score_samples(sessions.rows)
    for row, p, u in zip(sessions.rows, theirs, unusual, strict=True):
        v = model.judge(row)
        assert v.automated == pytest.approx(p, abs=1e-4)
        assert model.unusual(row) == pytest.approx(u, abs=1e-4)
        # The shares explain the score: what every session starts from, plus the shares,
        # is the log-odds.
        start = model.base + sum(root.value for root in model.classifier)
        if 1e-9 < p < 1 - 1e-9:
            assert start + sum(model.shares(row)) == pytest.approx(math.log(p / (1 - p)), abs=1e-3)


def test_sessions_cover_people_and_scrapers_with_finite_features(sessions: Sessions) -> None:
    assert {0, 1} <= set(sessions.label)
    assert "human" in sessions.cls and "naive" in sessions.cls
    assert all(len(r) == len(NAMES) and all(math.isfinite(v) for v in r) for r in sessions.rows)


def test_shipped_model_flags_a_script_and_names_its_features() -> None:
    guard = Guard(policy=Policy(mode="enforce"), network=NoNetworkInfo())
    scraper(guard, 25)
    decision = guard.decide(event(1_060.0, "203.0.113.50", "/u/p99", user_agent=BROWSER))
    reasons = " | ".join(decision.reasons)
    assert "likely automated" in reasons, reasons
    assert "assets per page 0" in reasons or "unreferred share 100%" in reasons


def test_model_signals_alone_never_act() -> None:
    """A model verdict is a trait: without harvesting evidence it stays below a challenge."""
    guard = Guard(policy=Policy(mode="enforce"), network=NoNetworkInfo())
    scraper(guard, 25, shuffled=True)  # no id walk, under every quota: only looks
    decision = guard.decide(event(1_060.0, "203.0.113.50", "/u/p1", user_agent=BROWSER))
    assert any("likely automated" in r for r in decision.reasons), decision.reasons
    assert decision.action == "allow"


def test_only_actors_that_received_many_people_are_judged() -> None:
    guard = Guard(policy=Policy(mode="enforce"), network=NoNetworkInfo())
    scraper(guard, 15)  # 15 people: below `min_people`
    reasons = guard.decide(event(1_040.0, "203.0.113.50", "/u/p1", user_agent=BROWSER)).reasons
    assert not [r for r in reasons if "session model" in r]


def test_a_browsing_person_is_not_flagged() -> None:
    guard = Guard(policy=Policy(mode="enforce"), network=NoNetworkInfo())
    t = 1_000.0
    reasons: list[str] = []
    for i, gap in enumerate([35, 80, 12, 140, 55, 20, 95]):
        t += gap
        page = event(
            t, "198.51.100.20", f"/u/p{i * 7}", session="s1", referer="https://example.org/"
        )
        reasons += guard.decide(page).reasons
        for asset in ("/static/app.css", "/static/app.js", f"/static/photo{i}.jpg"):
            guard.decide(event(t + 0.2, "198.51.100.20", asset, session="s1"))
    assert not [r for r in reasons if "session model" in r]


def test_judged_again_as_the_visit_grows() -> None:
    judged, at = [], 3
    for pages in range(4, 10_000):
        if rescore(pages, at):
            judged.append(pages)
            at = pages
    assert judged[:8] == [5, 8, 12, 18, 27, 41, 62, 93]
    assert len(judged) == 19  # a visit of 10,000 pages is judged 20 times in all


def test_features_read_the_actor_state() -> None:
    guard = Guard(network=NoNetworkInfo())
    scraper(guard, 5)
    state = guard.state.get("ip:203.0.113.50")
    f = dict(zip(NAMES, session_features(state), strict=True))
    assert math.expm1(f["pages"]) == pytest.approx(5)
    assert f["assets_per_page"] == 0 and f["unreferred_share"] == 1
    assert f["gap_variation"] == pytest.approx(0)  # a timer
    assert math.expm1(f["gap_mean"]) == pytest.approx(2)
    assert f["sequential_share"] == pytest.approx(0.8)  # ids 1000..1004: 4 steps up in 5 views


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", r"not JSON \(line 1"),
        ('{"format": "other"}', "not a scrapeguard session model"),
        ('{"format": "scrapeguard-session-model", "version": 9}', "model version 9"),
        (
            '{"format": "scrapeguard-session-model", "version": 1, "features": ["x"]}',
            "trained on other features",
        ),
    ],
)
def test_a_bad_model_file_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        parse_model(text, "bad.json")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t.__setitem__("left", [0] + t["left"][1:]), "points outside its tree"),
        (lambda t: t.__setitem__("feature", [99] + t["feature"][1:]), "points outside"),
        (lambda t: t.__setitem__("value", t["value"][:-1]), "different lengths"),
        (lambda t: t.__setitem__("threshold", ["x"] + t["threshold"][1:]), "finite number"),
        (lambda t: t.__setitem__("left", [math.inf] + t["left"][1:]), "OverflowError"),
    ],
)
def test_a_damaged_tree_is_refused(damage: object, message: str, sessions: Sessions) -> None:
    doc = train(sessions, "test")
    damage(doc["classifier"]["trees"][0])  # type: ignore[operator]
    with pytest.raises(ModelError, match=message):
        parse_model(json.dumps(doc), "damaged.json")


def test_policy_names_a_model_file_relative_to_itself(tmp_path: Path, sessions: Sessions) -> None:
    (tmp_path / "site-model.json").write_text(json.dumps(train(sessions, "our site")))
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("policy:\n  detectors:\n    model: {file: site-model.json}\n")
    from scrapeguard.policy import load_policy

    policy = load_policy(str(policy_file))
    model = next(d for d in policy.build_detectors() if isinstance(d, Model))
    assert model.model.description == "our site"


def test_policy_reports_an_unusable_model_file_with_its_line(tmp_path: Path) -> None:
    text = "policy:\n  mode: enforce\n  detectors:\n    model:\n      file: /nonexistent.json\n"
    with pytest.raises(ConfigError) as exc:
        policy_from_document(load_document(text, "policy.yaml"))
    assert "policy.yaml:5: policy.detectors.model.file: cannot read model file" in str(exc.value)


def test_model_can_be_turned_off() -> None:
    policy = policy_from_document(load_document("policy:\n  detectors: {model: false}\n", "p"))
    assert not any(d.name == "model" for d in policy.build_detectors())
    assert ModelSettings().enabled


def test_leave_one_class_out_reports_every_scraper_class(sessions: Sessions) -> None:
    results = leave_one_class_out(sessions, ModelSettings())
    assert {r.cls for r in results} == set(sessions.cls) - {"human"}
    for r in results:
        assert r.actors > 0 and 0 <= r.flagged_last <= r.flagged_any <= 1
        assert r.people > 0 and 0 <= r.people_flagged_any <= 1


def test_train_command_writes_a_model_that_show_describes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model.json"
    args = ["--seeds", "4", "--hours", "1", "--scale", "0.2", "--size", "300"]
    assert main(["model", "train", *args, "--out", str(out)]) == 0
    assert load_model(str(out)).description == "trained on simulated traffic (seed 4)"
    # Simulated traffic is learned twice: as an inline integration reports it, naming the
    # people on each page of people, and as a plain log, which cannot.
    trained = capsys.readouterr().out
    found = re.search(r"seed 4: ([\d,]+) session snapshots", trained)
    assert found is not None
    snapshots = int(found[1].replace(",", ""))
    assert "seed 4: the same, as a plain log that names nobody on a list" in trained
    rows = json.loads(out.read_text())["trained_on"]
    assert sum(c["rows"] for c in rows.values()) == 2 * snapshots
    assert main(["model", "show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "boosted trees" in shown and "assets_per_page" in shown


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\x00", b"PK\x03\x04\x00"])
def test_policy_reports_a_model_file_that_is_not_text(tmp_path: Path, content: bytes) -> None:
    """A binary file, or a path with a NUL in it, named as the model: a ModelError at the
    setting's line, not a UnicodeDecodeError or ValueError from inside open()."""
    model = tmp_path / "model.json"
    model.write_bytes(content)
    for name in (str(model), "a\\0b"):
        text = f'policy:\n  detectors:\n    model: {{file: "{name}"}}\n'
        with pytest.raises(ConfigError) as exc:
            policy_from_document(load_document(text, "policy.yaml"))
        [message] = exc.value.messages
        assert message.startswith("policy.yaml:3: policy.detectors.model.file: ")


def test_a_model_file_nested_too_deeply_is_refused() -> None:
    with pytest.raises(ModelError, match="not a scrapeguard session model"):
        parse_model("[" * 100_000 + "]" * 100_000, "deep.json")
