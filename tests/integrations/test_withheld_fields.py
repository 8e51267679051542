"""What `Protection.filter` lets through under degrade and decoy, against docs/inline.md and
docs/policy.md: degrade leaves out `policy.degrade_fields`; decoy, only for actors past the
block threshold, gives canaries for contact values and never the real value of a field that
degrade would leave out, as the disclosure ledger records (`withheld`)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inline_apps import BROWSER, CONFIG, PROXY, SECRET, Clock

from scrapeguard.config import load_document
from scrapeguard.engine import Decision, Guard, NoNetworkInfo
from scrapeguard.events import Disclosure
from scrapeguard.integrations.inline import Inline
from scrapeguard.integrations.loading import read_config
from scrapeguard.state import open_state

FIELDS = ("name", "bio", "email", "phone", "address", "birthday", "employer")
SCRAPER = "203.0.113.9"


class Ledger:
    """A store that keeps what the inline layer records as disclosed and withheld."""

    def __init__(self) -> None:
        self.withheld: list[frozenset[str] | None] = []

    def record_decision(self, decision: Decision) -> None:
        pass

    def record_actor(self, state: Any) -> None:
        pass

    def record_alert(self, time_: float, kind: str, subject: str, detail: dict[str, Any]) -> None:
        pass

    def record_disclosure(
        self,
        actors: list[str],
        time_: float,
        disclosures: tuple[Disclosure, ...],
        withheld: frozenset[str] | None = None,
    ) -> None:
        self.withheld.append(withheld)


def build(
    degrade_fields: list[str], thresholds: str = "{block: 85, decoy: 95}"
) -> tuple[Inline, Ledger]:
    policy = (
        f"policy:\n  degrade_fields: [{', '.join(degrade_fields)}]\n  thresholds: {thresholds}\n"
    )
    text = CONFIG.replace("MODE", "enforce").replace("ON_ERROR", "open")
    text = text.replace("policy:\n", policy, 1)
    site, pol, settings_, url = read_config(load_document(text, "inline.yaml"))
    guard = Guard(site, pol, open_state(url), NoNetworkInfo(), Clock())
    ledger = Ledger()
    return Inline(guard, settings_, secret=SECRET, store=ledger), ledger


def real(field: str) -> str:
    return f"real {field} of alice"


@settings(max_examples=60, deadline=None)
@given(
    degrade_fields=st.lists(st.sampled_from(FIELDS), min_size=1, unique=True),
    shown=st.lists(st.sampled_from(FIELDS), min_size=1, unique=True),
    action=st.sampled_from(["degrade", "decoy"]),
)
def test_no_real_value_of_a_withheld_field_is_served(
    degrade_fields: list[str], shown: list[str], action: str
) -> None:
    inline, ledger = build(degrade_fields)
    now = inline.guard.now()
    held = Decision(
        action,
        "ip",
        f"ip:{SCRAPER}",
        600.0,
        f"threshold/{action}",
        ("why",),
        99,
        False,
        action,
        now,
    )
    inline.guard.state.record_decision(held)
    p = inline.begin("GET", "/u/alice", "", {"x-forwarded-for": SCRAPER, **BROWSER}, PROXY)
    record = {field: real(field) for field in shown}
    served = p.filter(record, "alice")
    assert inline.finish(p, 200) is None
    withheld = ledger.withheld[-1]
    assert withheld is not None
    for field in shown:
        value = served.get(field)
        if field in degrade_fields:
            assert value != real(field), (field, served)
            assert field in withheld
        if action == "decoy" and field in ("email", "phone"):
            assert value is not None and value != real(field)
            assert inline.canaries.trace(value)[0].actor == f"ip:{SCRAPER}"
        if field not in degrade_fields and field not in ("email", "phone"):
            assert value == real(field)


@pytest.mark.parametrize(
    ("action", "thresholds"), [("degrade", "{degrade: 40}"), ("decoy", "{block: 40, decoy: 40}")]
)
def test_the_request_that_crosses_into_degrade_or_decoy_is_not_sent_as_rendered(
    action: str, thresholds: str
) -> None:
    # The app renders a page before the engine decides on it: when that decision is the first
    # degrade or decoy, the page shows what they withhold and must not go out.
    inline, ledger = build(["email", "phone"], thresholds)
    clock = inline.guard.clock
    assert isinstance(clock, Clock)
    headers = {"x-forwarded-for": SCRAPER, "user-agent": "python-requests/2.32.3"}
    crossing = None
    for i in range(30):
        clock.now += 1.0
        name = f"user{i}"
        p = inline.begin("GET", f"/u/{name}", "", headers, PROXY)
        p.filter({"name": name, "email": f"{name}@people.example.net"}, name)
        p.disclose(name, ["name", "email"])
        answer = inline.finish(p, 200)
        if p.decision is not None and p.decision.enforced == action:
            crossing = answer
            break
        assert answer is None
    assert crossing is not None and crossing.status == 429, "the crossing page was sent"
    assert len(ledger.withheld) == i  # every request before it disclosed; it did not
    clock.now += 1.0
    p = inline.begin("GET", "/u/alice", "", headers, PROXY)
    served = p.filter({"name": "alice", "email": "alice@people.example.net"}, "alice")
    p.disclose("alice", ["name", "email"])
    assert inline.finish(p, 200) is None  # shaped before the app ran: sent
    assert served.get("email") != "alice@people.example.net"
