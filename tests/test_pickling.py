"""The objects made for every request survive pickling and copying, in both builds: the log
reader process sends some events whole, and users pass decisions between processes."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from scrapeguard.detectors.base import Signal
from scrapeguard.engine import Decision
from scrapeguard.events import Disclosure, RequestEvent
from scrapeguard.site import Access, Kind

OBJECTS: list[Any] = [
    Disclosure("u/42", ("name", "email"), 1, "high"),
    RequestEvent(
        1.5,
        "2001:db8::1",
        path="/u/42",
        session="s1",
        account="a1",
        account_created=0.5,
        headers={"accept": "*/*"},
        disclosed=(Disclosure("u/42"),),
        extra={"request": "-"},
    ),
    Access(Kind.PERSON, "/u/{id}", (Disclosure("u/42"),), 1, subject_number=42),
    Signal("volume/guest-per-hour", 45.0, "received the data of 120 people", "ip"),
    Decision(
        "block",
        "ip",
        "ip:203.0.113.9",
        3600.0,
        "threshold/block",
        ("why",),
        90,
        True,
        "allow",
        10.0,
    ),  # fmt: skip
]


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: type(o).__name__)
def test_round_trips(obj: Any) -> None:
    assert pickle.loads(pickle.dumps(obj)) == obj
    assert copy.copy(obj) == obj
    assert copy.deepcopy(obj) == obj
