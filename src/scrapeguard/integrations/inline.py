"""Inline protection, free of any web framework: the ASGI, WSGI, Django and Flask drivers all
call `Inline.begin` before the app runs and `Inline.finish` when the app answers.

`begin` builds the request's event and applies any decision already in force (the access lists,
a block, a challenge without a pass…) before the app does any work. The app then tells
scrapeguard who is logged in and whose data the response disclosed, through the request's
`Protection`. `finish` counts the complete event in the engine, exactly as a log replay would,
and may still replace the app's response before a byte of it leaves: the request that crosses
a threshold discloses nothing.

Nothing here may turn scrapeguard's own failure into an error page: every step is guarded, the
failure is logged once per kind and counted, and the request proceeds (or, with
`on_error: closed`, gets a 503 on the routes that disclose personal data).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from ..crawlers import stale_crawler_lists
from ..enforce import pages
from ..enforce.challenge import Challenges, load_secret
from ..enforce.decoy import Canaries
from ..enforce.lists import AccessList
from ..enforce.pages import PASS_COOKIE, PASS_HEADER, Response
from ..enforce.settings import EnforceSettings, globs_regex
from ..engine import ALLOW, Decision, Guard
from ..events import MAX_AGENT_CHARS, Disclosure, RequestEvent, ledger_actors
from ..netinfo import PublishedNetworkInfo
from ..site import PEOPLE_KINDS, Access, Kind
from ..state import RedisState
from ..terminal import json_line, printable
from .clientaddr import ClientAddress
from .observe import InlineMetrics

log = logging.getLogger("scrapeguard")
decision_log = logging.getLogger("scrapeguard.decisions")

SAFE_METHODS = frozenset({"GET", "HEAD"})
#: The fields a decoy fills with canary values, in the order of `Canary.email`, `.phone`.
CANARY_FIELDS: tuple[str, str] = ("email", "phone")
#: Actions that answer the request instead of the app.
ANSWERING = frozenset({"challenge", "require_login", "cap", "throttle", "tarpit", "block"})


@dataclass(eq=False, slots=True)
class Protection:
    """scrapeguard's view of one request, shared with the app.

    The app tells scrapeguard who is logged in (`identify`), whose personal data the response
    disclosed (`disclose`) and how a sign-up or login went (`signup`, `login`). It reads which
    fields to leave out (`hidden_fields`, for `degrade`) or to replace with canaries (`decoy`),
    or simply passes each record through `filter`. `max_results` caps search results.
    """

    event: RequestEvent
    json: bool = False
    hidden_fields: frozenset[str] = frozenset()
    decoy: bool = False
    max_results: int = 0
    response: Response | None = None
    delay: float = 0.0
    tarpitted: bool = False
    headers: list[tuple[str, str]] = field(default_factory=list)
    decision: Decision | None = None
    internal: str = ""
    passed: bool = False
    finished: bool = False
    reported: bool = False
    login_wall: Decision | None = None
    _disclosed: list[Disclosure] = field(default_factory=list)
    _canaries: Canaries | None = None

    def identify(self, account: object, created: float | dt.datetime | None = None) -> None:
        """The logged-in account making this request, and when it was created."""
        if account is None or account == "":
            return
        self.event.account = str(account)
        if created is not None:
            self.event.account_created = _epoch(created)

    def disclose(
        self,
        subjects: str | int | Iterable[str | int],
        fields: Iterable[str] = (),
        sensitivity: str = "normal",
    ) -> None:
        """The response disclosed the personal data (`fields`) of `subjects`: one person's id,
        or the ids of everyone on a search page, directory page or follower list."""
        if isinstance(subjects, str | int):
            subjects = (subjects,)
        self.reported = True
        names = tuple(fields)
        for subject in subjects:
            self._disclosed.append(Disclosure(str(subject), names, 1, sensitivity))

    def signup(self, account: object, created: float | dt.datetime | None = None) -> None:
        """This request created `account` (the site model names the sign-up route)."""
        self.identify(account, created if created is not None else self.event.time)
        self.event.extra["outcome"] = "signup"

    def login(
        self, account: object, ok: bool = True, created: float | dt.datetime | None = None
    ) -> None:
        """A login attempt for `account`; a failed one is counted, not attributed."""
        if ok:
            self.identify(account, created)
        self.event.extra["outcome"] = "login" if ok else "login-failed"

    def filter(self, record: Mapping[str, Any], subject: object) -> dict[str, Any]:
        """`record` as this visitor may see it: without the hidden fields, and with canary
        values in place of contact details for an actor served decoys."""
        out = {k: v for k, v in record.items() if k not in self.hidden_fields}
        if self.decoy and self._canaries is not None and self.decision is not None:
            canary = self._canaries.issue(self.decision.key, str(subject), self.event.time)
            for name, value in zip(CANARY_FIELDS, (canary.email, canary.phone), strict=True):
                if name in record:
                    out[name] = value
        return out

    @property
    def disclosed(self) -> tuple[Disclosure, ...]:
        """What the app reported this response disclosed."""
        return tuple(self._disclosed)


class Recorder(Protocol):
    """Where decisions and disclosures are kept (`scrapeguard.store.Store`)."""

    def record_decision(self, decision: Decision) -> None:
        """Queue a decision."""

    def record_actor(self, state: Any) -> None:
        """Queue an actor's summary."""

    def record_alert(self, time_: float, kind: str, subject: str, detail: dict[str, Any]) -> None:
        """Queue an alert."""

    def record_disclosure(
        self,
        actors: list[str],
        time_: float,
        disclosures: tuple[Disclosure, ...],
        withheld: frozenset[str] | None = None,
    ) -> None:
        """Queue that `actors` received `disclosures` (without the `withheld` fields)."""


class Inline:
    """Runs the engine for a web app; one per process, shared by all requests."""

    def __init__(
        self,
        guard: Guard,
        settings: EnforceSettings | None = None,
        secret: bytes | None = None,
        can_wait: bool = False,
        store: Recorder | None = None,
    ) -> None:
        self.guard = guard
        self.store = store
        self.settings = s = settings if settings is not None else EnforceSettings()
        self.can_wait = can_wait
        self.clients = ClientAddress(guard.site.trusted_proxies, s.client_header)
        if guard.site.trusted_proxies and s.client_header is None:
            log.warning(
                "scrapeguard: trusted proxies are configured but not which header they set; "
                "the first of Forwarded, X-Forwarded-For and X-Real-IP present is believed, so "
                "a client can choose the one its proxy does not overwrite - set "
                "enforce.client_header"
            )
        key = secret if secret is not None else load_secret(s.secret, s.secret_file)
        c = s.challenge
        self.challenges = Challenges(key, c.difficulty, c.ttl, c.pass_ttl, c.wait)
        self.canaries = Canaries(key, max_records=100_000)
        self.metrics = InlineMetrics(guard)
        self._api = globs_regex(s.api_paths)
        self._exempt = globs_regex(c.exempt)
        self._sessions = tuple(s.session_cookies)
        self._metrics_allow = AccessList("metrics_allow")
        for cidr in s.metrics_allow:
            self._metrics_allow.add(cidr)
        self._verify_path = s.prefix + "/verify"
        self._metrics_path = s.prefix + "/metrics"
        self._failures: set[str] = set()
        self._alerts = 0
        self.tarpits = 0
        if not isinstance(guard.state, RedisState):
            log.warning(
                "scrapeguard: state is memory:// - each worker process keeps its own counters, "
                "so with N workers every quota is N times higher; configure shared state "
                "(redis://) for several processes or servers"
            )
        network = guard.network
        if isinstance(network, PublishedNetworkInfo):
            stale = stale_crawler_lists(network.data, time.time(), network.verifier.max_age_days)
            if stale:
                log.warning(
                    "scrapeguard: crawler address lists too old to verify today's requests: "
                    "%s - their crawlers are judged like any client until a current list is "
                    "installed (scrapeguard ranges update NAME FILE)",
                    ", ".join(stale),
                )
        if guard.policy.mode != "enforce":
            log.info("scrapeguard: shadow mode - decisions are logged, not enforced")

    def begin(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        peer: str | None,
        scheme: str = "http",
        account: object = None,
        created: float | dt.datetime | None = None,
    ) -> Protection:
        """The request arrived: build its event and apply what is already in force. A driver
        that knows the logged-in `account` before the app runs (Django) passes it, so that the
        decisions held against the account apply before the app does any work."""
        event = RequestEvent(0.0, "0.0.0.0", method, path, query)
        p = Protection(event)
        try:
            p.identify(account, created)
            self._begin(p, headers, peer, scheme)
        except Exception as exc:  # scrapeguard's failure must never fail the request
            self._failed("begin", exc, p)
        return p

    def _begin(
        self, p: Protection, headers: Mapping[str, str], peer: str | None, scheme: str
    ) -> None:
        e = p.event
        e.time = self.guard.now()
        e.ip = self.clients.resolve(peer, headers)
        e.host = headers.get("host", "")
        e.user_agent = headers.get("user-agent", "")[:MAX_AGENT_CHARS]
        e.referer = headers.get("referer", "")
        e.accept_language = headers.get("accept-language")
        e.headers = headers if isinstance(headers, dict) else dict(headers)
        cookies = parse_cookies(headers.get("cookie", ""))
        for name in self._sessions:
            if name in cookies:
                e.session = cookies[name]
                break
        if self.settings.device_cookie:
            e.device = cookies.get(self.settings.device_cookie)
        e.extra["scheme"] = scheme
        p.json = self._wants_json(e.path, headers)
        p.max_results = self.guard.policy.max_results
        p._canaries = self.canaries
        token = headers.get(PASS_HEADER.lower()) or cookies.get(PASS_COOKIE)
        if token:
            p.passed = self.challenges.check_pass(token, e.time, e.ip, e.session)
        if e.path.startswith(self.settings.prefix + "/"):
            p.internal = "verify" if e.path == self._verify_path else "other"
            if e.path == self._metrics_path:
                p.internal = "metrics"
            return
        held = self.guard.held(e)
        if held.enforced == "allow":
            held = self.guard.capped(e)  # known from the request alone: refused before the app
        elif held.enforced == "require_login" and e.account is None:
            p.login_wall = held  # the app may yet say who is logged in
            return
        self._shape(p, held)
        p.response = self._answer(p, held)

    def finish(self, p: Protection, status: int, length: int = 0) -> Response | None:
        """The app answered with `status`: count the request and return the response to send
        instead of the app's, if any. Call it once per request, even when the app failed."""
        if p.finished:
            return None
        p.finished = True
        if p.internal:
            return None
        try:
            return self._finish(p, status, length)
        except Exception as exc:
            self._failed("finish", exc, p)
            return p.response

    def _finish(self, p: Protection, status: int, length: int) -> Response | None:
        e = p.event
        e.status = p.response.status if p.response is not None else status
        e.bytes = length
        if p.login_wall is not None and e.account is None:
            p.response = self._answer(p, p.login_wall)
            e.status = p.response.status if p.response is not None else status
        if p.reported and p.response is None:
            e.disclosed = tuple(p._disclosed)
        started = time.perf_counter()
        access, decision = self.guard.evaluate(e)
        elapsed = time.perf_counter() - started
        p.decision = decision
        self.metrics.decided(decision, elapsed)
        if len(self.guard.alerts) > self._alerts:
            for trip in self.guard.alerts[self._alerts :]:
                log.warning("scrapeguard: breaker tripped: %s", trip.message)
                if self.store is not None:
                    detail = {"message": trip.message, "count": trip.count}
                    self.store.record_alert(trip.time, "breaker", trip.rule, detail)
            self._alerts = len(self.guard.alerts)
        if decision.action != "allow":
            self._log(p, decision)
        answer = self._response(p, access, decision, elapsed)
        if self.store is not None:
            self._record(p, access, decision, served=answer is None)
        return answer

    def _response(
        self, p: Protection, access: Access, decision: Decision, elapsed: float
    ) -> Response | None:
        if elapsed > self.settings.time_budget:
            self.metrics.overruns.inc()
            return p.response
        if p.response is not None:
            return p.response
        if decision.origin.startswith("partner/"):
            p.headers.extend(self._partner_headers(decision))
        if access.kind == Kind.STATIC:
            return None
        answer = self._answer(p, decision)
        if answer is None and self._rendered_in_full(p, access, decision):
            # The app rendered this page before the request crossed into degrade or decoy: it
            # shows what they withhold, so it is not sent; the next request is shaped.
            return pages.throttled(1, p.json)
        return answer

    def _rendered_in_full(self, p: Protection, access: Access, decision: Decision) -> bool:
        """Whether the app's page shows fields that `decision` (degrade or decoy) withholds,
        because the decision came after the app rendered it unshaped."""
        action = decision.enforced
        if action == "degrade" and not p.hidden_fields:
            withheld = self.guard.policy.degrade_fields
        elif action == "decoy" and not p.decoy:
            withheld = self.guard.policy.degrade_fields.union(CANARY_FIELDS)
        else:
            return False
        return any(not withheld.isdisjoint(d.fields) for d in access.disclosures)

    def _record(self, p: Protection, access: Access, decision: Decision, served: bool) -> None:
        """Keep the decision, and who received whose data, in the store (queued)."""
        store = self.store
        assert store is not None
        if decision.action != "allow":
            store.record_decision(decision)
            state = self.guard.state.get(decision.key)
            if state is not None:
                store.record_actor(state)
        if served and access.disclosures:
            withheld = self.guard.policy.degrade_fields if p.hidden_fields or p.decoy else None
            store.record_disclosure(
                ledger_actors(p.event), p.event.time, access.disclosures, withheld
            )

    def _shape(self, p: Protection, decision: Decision) -> None:
        """Degrade and decoy change what the app renders, so the app must know beforehand."""
        action = decision.enforced
        if action == "degrade":
            p.hidden_fields = self.guard.policy.degrade_fields
        elif action == "decoy":
            p.decoy = True
            p.decision = decision
            # Canaries stand in for the contact fields; the other fields degrade leaves out stay
            # out: an actor past the block threshold gets no more than one under degrade.
            p.hidden_fields = self.guard.policy.degrade_fields.difference(CANARY_FIELDS)

    def _answer(self, p: Protection, decision: Decision) -> Response | None:
        """The page that carries out `decision` for this request, or None to let it through."""
        action = decision.enforced
        if action not in ANSWERING:
            return None
        e = p.event
        retry = max(1, math.ceil(decision.expires - e.time))
        if action == "challenge":
            if p.passed or not self._challengeable(e):
                return None
            challenge = self.challenges.issue(e.time, e.ip, e.session, _asked_for(e))
            self.metrics.challenges.inc("issued")
            return pages.challenge(challenge, self._verify_path, p.json)
        if action == "require_login":
            if e.account is not None:
                return None
            return pages.login_required(self.settings.login_url, _asked_for(e), p.json)
        if action == "cap":
            return pages.limited(retry, p.json, "You have reached the limit for this content.")
        if action == "tarpit" and self.can_wait and p.tarpitted:
            return None  # held before the app ran and decided again after: it waits once
        if action == "tarpit" and self.can_wait and self.tarpits < self.settings.tarpit_concurrency:
            p.delay = self.settings.tarpit_delay
            p.tarpitted = True
            return None
        if action in ("throttle", "tarpit"):
            return pages.throttled(retry, p.json)
        return pages.blocked(decision.reference, self.settings.appeal, p.json)

    def _challengeable(self, e: RequestEvent) -> bool:
        """Whether a challenge may answer `e`: never on a webhook or OAuth callback; a POST
        (or other unsafe method) only on a route that discloses people (a search form, a
        contact lookup, a GraphQL query), never a form that only changes something."""
        if self._exempt.match(e.path):
            return False
        return e.method in SAFE_METHODS or self.guard.site.classify(e).kind in PEOPLE_KINDS

    def _wants_json(self, path: str, headers: Mapping[str, str]) -> bool:
        if self._api.match(path):
            return True
        accept = headers.get("accept", "")
        return "json" in accept and "text/html" not in accept

    def verify(self, p: Protection, content_type: str, body: bytes) -> Response:
        """The challenge's verify endpoint (`<prefix>/verify`)."""
        e = p.event
        try:
            state = self.guard.state
            response, token = pages.handle_verify(
                self.challenges,
                e.method,
                content_type,
                body,
                e.time,
                e.ip,
                e.session,
                lambda nonce, until: state.claim(nonce, until, e.time),
                p.json,
                self.settings.secure_cookies and e.extra.get("scheme") == "https",
            )
            self.metrics.challenges.inc("passed" if token else "failed")
            return response
        except Exception as exc:
            self._failed("verify", exc, p)
            return pages.unavailable(p.json)

    def internal(self, p: Protection) -> Response:
        """Answer scrapeguard's own paths other than verify (metrics; else 404)."""
        if p.internal == "metrics" and self._metrics_allow.match(p.event.ip, None, 0.0):
            return Response(
                200,
                (("content-type", self.metrics.content_type), ("cache-control", "no-store")),
                self.metrics.render().encode(),
            )
        return Response(404, (("content-type", "text/plain; charset=utf-8"),), b"Not found\n")

    def _partner_headers(self, decision: Decision) -> list[tuple[str, str]]:
        """Partners are told their quota; suspects never are (it would teach them the pace)."""
        name = decision.origin.split("/")[1]
        partner = next((x for x in self.guard.policy.partners if x.name == name), None)
        state = self.guard.state.get(decision.key)
        if partner is None or not partner.people_per_day or state is None:
            return []
        limit = int(partner.people_per_day)
        used = int(state.people_day)
        return [
            ("RateLimit-Limit", str(limit)),
            ("RateLimit-Remaining", str(max(0, limit - used))),
            ("RateLimit-Reset", "86400"),
        ]

    def _log(self, p: Protection, d: Decision) -> None:
        if not decision_log.isEnabledFor(logging.INFO):
            return
        record = {
            "time": round(d.time, 3),
            "reference": d.reference,
            "action": d.action,
            "enforced": d.enforced,
            "simulated": d.simulated,
            "actor": d.key,
            "scope": d.scope,
            "origin": d.origin,
            "score": d.score,
            "reasons": list(d.reasons),
            "method": p.event.method,
            "path": p.event.path,
            "status": p.event.status,
        }
        decision_log.info(json_line(record))

    def _failed(self, stage: str, exc: Exception, p: Protection) -> None:
        """Log a failure once per kind, count it, and let the request through (or, with
        `on_error: closed`, answer 503 on routes that disclose personal data)."""
        self.metrics.errors.inc(stage)
        where = traceback.extract_tb(exc.__traceback__)[-1:]
        kind = (
            f"{stage}:{type(exc).__name__}:{where[0].filename}:{where[0].lineno}"
            if where
            else stage
        )
        if kind not in self._failures:
            self._failures.add(kind)
            log.error(
                "scrapeguard: internal error in %s for %s %s (further errors of this kind are "
                "only counted)",
                stage,
                printable(p.event.method),
                printable(p.event.path),
                exc_info=exc,
            )
        if self.settings.on_error == "closed" and stage == "begin":
            kind_of = self.guard.site.classify(p.event).kind
            if kind_of not in (Kind.STATIC, Kind.OTHER, Kind.ROBOTS):
                p.response = pages.unavailable(p.json)


def parse_cookies(header: str) -> dict[str, str]:
    """The cookies of a `Cookie` header; malformed pairs are skipped, the first value wins."""
    out: dict[str, str] = {}
    if not header:
        return out
    for part in header.split(";"):
        name, eq, value = part.partition("=")
        if eq:
            name = name.strip()
            if name and name not in out:
                out[name] = value.strip().strip('"')
    return out


def _asked_for(e: RequestEvent) -> str:
    """The address the visitor asked for, to return it there: the path as the browser sent it
    (frameworks decode it: "/u/jos%C3%A9" arrives as "/u/josé" and "/a%3Fb" as "/a?b",
    which would return the visitor home or to another page), then the raw query."""
    path = quote(e.path, safe=_PATH_SAFE, errors="surrogatepass")
    return path + ("?" + e.query if e.query else "")


#: What a path segment may hold as it is (RFC 3986 pchar, with "/").
_PATH_SAFE = "/:@!$&'()*+,;="


def _epoch(value: float | dt.datetime) -> float:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    return float(value)


NOT_INSTALLED = "scrapeguard is not installed on this request"


def protection(request: Any) -> Protection:
    """The `Protection` of a request: a Starlette/FastAPI `Request`, an ASGI scope, a WSGI
    environ, or a Flask or Django request.

    Without scrapeguard's middleware in front (a unit test of a view, say), a detached
    `Protection` is returned so that the app's calls are harmless.
    """
    holder: Any = request
    for attr in ("scope", "environ", "META"):
        inner = getattr(request, attr, None)
        if isinstance(inner, dict):
            holder = inner
            break
    found = holder.get("scrapeguard") if isinstance(holder, dict) else None
    if isinstance(found, Protection):
        return found
    found = getattr(request, "scrapeguard", None)
    if isinstance(found, Protection):
        return found
    return Protection(RequestEvent(0.0, "0.0.0.0"), decision=ALLOW)
