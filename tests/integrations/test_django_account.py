"""Django reports the logged-in user without code in the views (docs/inline.md), and Django
knows the user before the view runs: a decision held against the account (the blocklist, a
block the engine took) is applied before the app does any work, as docs/inline.md promises of
decisions in force, not after the view has run (and a POST has taken effect)."""

from __future__ import annotations

from typing import Any

import pytest
from inline_apps import django_setup, make_inline

from scrapeguard.engine import Decision


class User:
    is_authenticated = True

    def __init__(self, pk: str) -> None:
        self.pk = pk
        self.date_joined = None


def middleware(inline: Any, ran: list[str]) -> Any:
    django_setup()
    from django.conf import settings
    from django.http import HttpResponse

    from scrapeguard.integrations.django import ScrapeguardMiddleware

    def view(request: Any) -> HttpResponse:
        ran.append(request.method)
        return HttpResponse("the app ran")

    settings.SCRAPEGUARD = {"inline": inline}
    return ScrapeguardMiddleware(view)


def request(method: str, account: str | None) -> Any:
    from django.test import RequestFactory

    r = getattr(RequestFactory(), method)("/u/alice", REMOTE_ADDR="198.51.100.30")
    if account is not None:
        r.user = User(account)
    return r


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("how", ["blocklist", "held"])
def test_a_blocked_account_is_refused_before_the_view_runs(method: str, how: str) -> None:
    inline = make_inline()
    if how == "blocklist":
        inline.guard.blocklist.add("mallory", kind="account")
    else:
        now = inline.guard.now()
        inline.guard.state.record_decision(
            Decision(
                "block",
                "account",
                "account:mallory",
                600.0,
                "threshold/block",
                ("why",),
                90,
                False,
                "block",
                now,
            )  # fmt: skip
        )
    ran: list[str] = []
    mw = middleware(inline, ran)
    response = mw(request(method, "mallory"))
    assert response.status_code == 403 and ran == []
    fine = mw(request(method, "alice"))
    assert fine.status_code == 200 and ran == [method.upper()]
