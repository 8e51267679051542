"""The Prometheus metrics of inline protection (served to allowed addresses at
`<prefix>/metrics`; counts are per process, as usual for Prometheus with several workers)."""

from __future__ import annotations

from ..engine import Decision, Guard
from ..metrics import CONTENT_TYPE, Registry
from ..state import RedisState

LATENCY_BUCKETS = (5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 5e-3, 2.5e-2)


class InlineMetrics:
    """Decisions by action and origin, decision latency, state size, breaker trips, errors,
    crawlers left unverified for want of current address lists."""

    content_type = CONTENT_TYPE

    def __init__(self, guard: Guard) -> None:
        r = self.registry = Registry()
        self._decisions = r.counter(
            "scrapeguard_decisions_total",
            "Decisions taken, by the policy's action, the enforced action and their origin",
            ("action", "enforced", "origin"),
        )
        self._latency = r.histogram(
            "scrapeguard_decision_seconds", "Time the engine took per decision", LATENCY_BUCKETS
        )
        self.overruns = r.counter(
            "scrapeguard_budget_overruns_total", "Decisions over the time budget (request allowed)"
        )
        self.errors = r.counter(
            "scrapeguard_errors_total",
            "Internal errors, by stage (the request proceeded)",
            ("stage",),
        )
        self.challenges = r.counter(
            "scrapeguard_challenges_total", "Challenges issued, passed and failed", ("outcome",)
        )
        r.gauge(
            "scrapeguard_state_actors", "Actors held in state", callback=lambda: len(guard.state)
        )
        state = guard.state
        if isinstance(state, RedisState):
            r.gauge(
                "scrapeguard_state_shared_up",
                "1 while the shared state (Redis) is reachable, 0 while this process decides "
                "from its own counts",
                callback=lambda: float(state.up),
            )
            for name, help_text, read in (
                ("outages", "Times the shared state became unreachable", lambda: state.outages),
                ("round_trips", "Round trips to the shared state", lambda: state.round_trips),
                (
                    "resynced_writes",
                    "Writes kept during outages and added when the shared state returned",
                    lambda: state.replayed,
                ),
                (
                    "lost_writes",
                    "Writes kept during outages beyond the backlog's size, never added",
                    lambda: state.dropped,
                ),
            ):
                r.gauge(f"scrapeguard_state_{name}", help_text, callback=read)
        r.gauge(
            "scrapeguard_crawler_ranges_needed",
            "Requests of declared crawlers left unverified because their operator's published "
            "address list is missing or too old (scrapeguard ranges list)",
            callback=lambda: float(sum(guard.needs_ranges().values())),
        )
        r.gauge(
            "scrapeguard_breaker_trips",
            "Times the breaker returned a rule to shadow mode",
            callback=lambda: len(guard.alerts),
        )

    def decided(self, decision: Decision, seconds: float) -> None:
        """Count one decision and its latency."""
        self._latency.observe(seconds)
        origin = "/".join(decision.origin.split("/", 2)[:2])  # partner/NAME, not its quota
        self._decisions.inc(decision.action, decision.enforced, origin)

    def render(self) -> str:
        """The exposition text."""
        return self.registry.render()
