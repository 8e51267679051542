"""Shared state in Redis or Valkey: one view of every actor for all processes and nodes.

Each process keeps its own `MemoryState`, and adds every request to the actor counts held in
Redis by one server-side script (`observe.lua`) whose answer replaces the process's own counts:
quotas, distinct-people counts and windows are summed over every process and node. What
depends on the order of one client's requests (rhythm, id runs, paging and search walks) stays
per process. A request costs one round trip; static assets and decision writes ride along with
the next one. Decisions are written to Redis and published, and every node applies them within
a second. When Redis is unreachable or slow, each process decides from its own counts, keeps
what it counted (bounded) and adds it to Redis when Redis returns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlencode, urlparse, urlunparse

from ..errors import ConfigError
from ..events import RequestEvent
from ..site import Access, Kind
from .actor import MAX_EXACT_SUBJECTS, SHARED_FIELDS, ActorState, accounts_noted
from .memory import MemoryState

if TYPE_CHECKING:
    from ..engine import Decision

log = logging.getLogger("scrapeguard.state")

SCRIPT = resources.files(__package__).joinpath("observe.lua").read_text(encoding="utf-8")
SCRIPT_SHA = hashlib.sha1(SCRIPT.encode()).hexdigest()
UNIVERSE = "universe"  # the pseudo-actor whose distinct count is the known directory's size
UNIVERSE_EXACT = 100_000  # subjects counted exactly before its HyperLogLog takes over
FIELDS = len(SHARED_FIELDS)
FLUSH_AFTER = 0.1  # seconds a pending write waits for a round trip before it is sent alone
SCHEMES = ("redis", "rediss", "redis+sentinel", "redis+cluster")

#: One write to Redis: ("eval", keys, args) runs observe.lua; ("decision", key, payload, ms)
#: stores and publishes a decision.
Op = tuple[Any, ...]


@dataclass(frozen=True)
class SharedOptions:
    """scrapeguard's own options in the state URL's query (the rest goes to the client)."""

    timeout: float = 0.25  # seconds for one round trip (and for connecting) before giving up
    retry: float = 1.0  # seconds between attempts to reach Redis again after an outage
    backlog: int = 100_000  # requests kept while Redis is away, added to it when it returns
    prefix: str = "sg"  # prefix of every Redis key and channel scrapeguard uses
    max_actors: int = 1_000_000  # actor states each process keeps in memory


def open_shared(url: str) -> RedisState:
    """Connect to the Redis or Valkey deployment named by `url` (see `docs/multi-node.md`)."""
    parsed = urlparse(url)
    scheme = parsed.scheme
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    options = _options(query, url)
    rest = urlencode(query)
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:
        raise ConfigError(
            [f"state: {scheme}:// needs the redis client: pip install 'scrapeguard[redis]'"]
        ) from None
    common: dict[str, Any] = {
        "socket_timeout": options.timeout,
        "socket_connect_timeout": options.timeout,
        "retry": Retry(NoBackoff(), 0),  # an outage is handled here, not hidden by retries
    }
    try:
        if scheme in ("redis", "rediss"):
            client = redis.Redis.from_url(urlunparse(parsed._replace(query=rest)), **common)
            return RedisState(client, _redacted(parsed), options)
        hosts = _hosts(parsed.netloc.rpartition("@")[2], url)
        password = unquote(parsed.password) if parsed.password else None
        if scheme == "redis+cluster":
            from redis.cluster import ClusterNode, RedisCluster

            nodes = [ClusterNode(h, p) for h, p in hosts]  # type: ignore[no-untyped-call]
            cluster = RedisCluster(startup_nodes=nodes, password=password, **common)
            return RedisState(cluster, _redacted(parsed), options, cluster=True)
        if scheme == "redis+sentinel":
            from redis.sentinel import Sentinel

            path = [p for p in parsed.path.split("/") if p]
            if not path:
                raise ConfigError([f"state: name the monitored service in {_redacted(parsed)!r}"])
            db = int(path[1]) if len(path) > 1 else 0
            sentinel = Sentinel(  # type: ignore[no-untyped-call]
                hosts, sentinel_kwargs=common, password=password, db=db, **common
            )
            master = sentinel.master_for(path[0])  # type: ignore[no-untyped-call]
            return RedisState(master, _redacted(parsed), options)
    except (redis.RedisError, ValueError) as e:
        raise ConfigError([f"state: cannot use {_redacted(parsed)!r}: {e}"]) from None
    raise ConfigError([f"state: unsupported backend {url!r}"])


def _options(query: dict[str, str], url: str) -> SharedOptions:
    """Take scrapeguard's own options out of `query`."""
    defaults = SharedOptions()
    values: dict[str, Any] = {}
    for name, kind in (("timeout", float), ("retry", float), ("backlog", int), ("max_actors", int)):
        if name in query:
            try:
                values[name] = kind(query.pop(name))
            except ValueError:
                raise ConfigError([f"state: {name} must be a number in {url!r}"]) from None
            if values[name] <= 0:
                raise ConfigError([f"state: {name} must be positive in {url!r}"])
    if "prefix" in query:
        values["prefix"] = query.pop("prefix")
    return SharedOptions(**{**defaults.__dict__, **values})


def _hosts(netloc: str, url: str) -> list[tuple[str, int]]:
    hosts = []
    for part in netloc.split(","):
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError([f"state: expected host:port[,host:port...] in {url!r}"])
        hosts.append((host.strip("[]"), int(port)))
    return hosts


def _redacted(parsed: Any) -> str:
    """The URL without its password, for logs and errors."""
    netloc = parsed.netloc.rpartition("@")[2]
    return str(urlunparse(parsed._replace(netloc=netloc, query="")))


class RedisState(MemoryState):
    """Actor states shared through Redis (see the module's docstring)."""

    def __init__(
        self, client: Any, url: str, options: SharedOptions | None = None, cluster: bool = False
    ) -> None:
        options = options if options is not None else SharedOptions()
        super().__init__(max_actors=options.max_actors)
        self.url = url
        self.client = client
        self.cluster = cluster
        self.options = options
        self.up = True
        self.outages = 0
        self.round_trips = 0
        self.replayed = 0
        self.dropped = 0
        self._prefix = options.prefix
        self._channel = f"{options.prefix}:decisions"
        self._node = os.urandom(8).hex()
        self._lock = threading.Lock()
        self._pending: list[Op] = []
        self._pending_since = 0.0
        self._backlog: deque[Op] = deque()
        self._ahead: deque[tuple[RequestEvent, Sequence[str], list[Any] | None]] = deque()
        self._retry_at = 0.0
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()
        self._pid = 0
        self._connect()
        self._ensure_listener()

    # -- counting ---------------------------------------------------------------------------

    def observe(
        self, keys: Sequence[str], event: RequestEvent, access: Access, now: float
    ) -> list[ActorState]:
        """Count `event` in this process's states and in Redis; the states carry the shared
        counts afterwards (this process's own when Redis is unreachable)."""
        self._ensure_listener()
        states = super().observe(keys, event, access, now)
        ahead = self._ahead
        if ahead:
            e, k, answer = ahead.popleft()
            if e is not event or list(k) != list(keys):  # not the batch's next request
                ahead.clear()
                answer = self._answer(self._op(keys, event, access, now))
        elif access.kind == Kind.STATIC:  # nothing to decide: it rides with the next trip
            self._defer([self._op(keys, event, access, now)])
            return states
        else:
            answer = self._answer(self._op(keys, event, access, now))
        if answer:
            self._adopt(states, answer, bool(access.disclosures))
        return states

    def prefetch(self, batch: Sequence[tuple[Sequence[str], RequestEvent, Access, float]]) -> None:
        """Count a batch of requests in Redis in one round trip; `observe` then takes their
        answers in order (log replay)."""
        self._ahead.clear()
        ops = [self._op(keys, event, access, now) for keys, event, access, now in batch]
        shared = self._count(ops)
        for i, (keys, event, _, _) in enumerate(batch):
            self._ahead.append((event, keys, shared[i] if shared else None))

    def _answer(self, op: Op) -> list[Any] | None:
        results = self._count([op])
        return results[0] if results else None

    def _op(self, keys: Sequence[str], event: RequestEvent, access: Access, now: float) -> Op:
        static = access.kind == Kind.STATIC
        disclosures = () if static else access.disclosures
        head: list[Any] = [repr(now), repr(access.weight), access.people, len(disclosures)]
        for d in disclosures:
            head += (d.subject, d.people)
        redis_keys: list[str] = []
        tail: list[Any] = []
        for key in keys:
            redis_keys += self._keys_of(key)
            account, member = ("", "") if static else accounts_noted(key, event, access, now)
            tail += (self._ttl(key), _flags(key, event, access), account, member)
            tail.append(MAX_EXACT_SUBJECTS)
        if disclosures:
            redis_keys += self._keys_of(UNIVERSE)
            tail += (int(self.flagged_ttl), "X", "", "", UNIVERSE_EXACT)
        return ("eval", redis_keys, head, tail)

    def _keys_of(self, key: str) -> list[str]:
        base = f"{self._prefix}:{{{key}}}"  # one hash slot per actor (Redis Cluster)
        return [base, base + ":s", base + ":h", base + ":x"]

    def _ttl(self, key: str) -> int:
        state = self.actors.get(key)
        flagged = state is not None and (state.peak or state.bot)
        return int(self.flagged_ttl if flagged else self.idle_ttl)

    def _adopt(self, states: list[ActorState], raw: list[Any], disclosed: bool) -> None:
        values = [float(v) if v else None for v in raw]
        for i, state in enumerate(states):
            state.adopt(values[i * FIELDS : (i + 1) * FIELDS])
        if disclosed:
            self.universe.total = int(values[-1] or 0)

    # -- decisions and single-use tokens ----------------------------------------------------

    def record_decision(self, decision: Decision) -> None:
        """Remember `decision` here, and in Redis for every other node (sent with the next
        round trip, or within `FLUSH_AFTER` seconds)."""
        super().record_decision(decision)
        fields = [getattr(decision, f.name) for f in dataclasses.fields(decision)]
        payload = json.dumps([self._node, fields])
        ms = max(1, int(decision.ttl * 1000))
        self._defer([("decision", decision.key, payload, ms)])

    def claim(self, token: str, until: float, now: float) -> bool:
        """True only the first time `token` is claimed, on any node."""
        if self.up:
            ms = max(1, int((until - now) * 1000))
            try:
                return bool(self.client.set(f"{self._prefix}:claim:{token}", 1, nx=True, px=ms))
            except Exception as e:  # noqa: BLE001 - any client failure means: decide locally
                self._down(e)
        return super().claim(token, until, now)

    def _heard(self, payload: bytes) -> None:
        from ..engine import Decision

        node, fields = json.loads(payload)
        if node != self._node:
            fields[5] = tuple(fields[5])  # reasons
            super().record_decision(Decision(*fields))

    def _load_decisions(self) -> None:
        """Decisions in force that other nodes took (at start-up and after an outage)."""
        for key in self.client.scan_iter(match=f"{self._prefix}:d:*", count=1000):
            payload = self.client.get(key)
            if payload is not None:
                self._heard(payload)

    # -- round trips ------------------------------------------------------------------------

    def _defer(self, ops: list[Op]) -> None:
        with self._lock:
            if not self._pending:
                self._pending_since = time.monotonic()
            self._pending += ops
        if not self.up:
            self._count([])  # straight to the backlog

    def _count(self, ops: list[Op]) -> list[list[Any]] | None:
        """Send the pending writes and `ops` in one round trip; the script's answer for each of
        `ops`, or None when Redis could not be used (then they wait in the backlog)."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not self.up:
            self._keep(pending + ops)
            return None
        try:
            results = self._send(pending + ops)
        except Exception as e:  # noqa: BLE001 - any client failure means: decide locally
            self._down(e)
            self._keep(pending + ops)
            return None
        return results[len(pending) :]

    def _send(self, ops: list[Op]) -> list[list[Any]]:
        """Run `ops` in one pipeline; per op, its results. Loads the script once if Redis
        forgot it (a restart)."""
        for attempt in (1, 2):
            pipe = self.client.pipeline(transaction=False)
            for op in ops:
                self._queue(pipe, op)
            raw = pipe.execute(raise_on_error=False)
            self.round_trips += 1
            failed = [r for r in raw if isinstance(r, Exception)]
            if not failed:
                break
            if attempt == 1 and all("NOSCRIPT" in str(r) for r in failed):
                self.client.script_load(SCRIPT)
                continue
            raise failed[0]
        out: list[list[Any]] = []
        i = 0
        for op in ops:
            if op[0] == "eval":
                calls = len(op[1]) // 4 if self.cluster else 1
                out.append([v for r in raw[i : i + calls] for v in r])
                i += calls
            else:
                out.append(raw[i : i + 2])
                i += 2
        return out

    def _queue(self, pipe: Any, op: Op) -> None:
        if op[0] == "decision":
            _, key, payload, ms = op
            pipe.set(f"{self._prefix}:d:{key}", payload, px=ms)
            pipe.publish(self._channel, payload)
            return
        _, keys, head, tail = op
        if not self.cluster:
            pipe.evalsha(SCRIPT_SHA, len(keys), *keys, *head, *tail)
            return
        # In a cluster each actor lives in its own slot: one call per actor, same round trip.
        for a in range(len(keys) // 4):
            pipe.evalsha(SCRIPT_SHA, 4, *keys[4 * a : 4 * a + 4], *head, *tail[5 * a : 5 * a + 5])

    # -- outages ----------------------------------------------------------------------------

    def _down(self, error: BaseException) -> None:
        self._retry_at = time.monotonic() + self.options.retry
        if self.up:
            self.up = False
            self.outages += 1
            log.warning(
                "scrapeguard: shared state %s unavailable (%s); each process decides from its "
                "own counts until it returns",
                self.url,
                error,
            )

    def _keep(self, ops: list[Op]) -> None:
        backlog = self._backlog
        with self._lock:
            backlog.extend(ops)
            over = len(backlog) - self.options.backlog
            for _ in range(max(0, over)):
                backlog.popleft()
            self.dropped += max(0, over)

    def _resync(self) -> bool:
        """Reach Redis again; add what was counted meanwhile; reload decisions."""
        away = time.monotonic()
        try:
            self.client.ping()
            self.client.script_load(SCRIPT)
            while True:
                with self._lock:
                    batch = [self._backlog.popleft() for _ in range(min(500, len(self._backlog)))]
                    if not batch:
                        batch, self._pending = self._pending, []
                if not batch:
                    break
                try:
                    self._send(batch)
                except Exception:
                    with self._lock:
                        self._backlog.extendleft(reversed(batch))
                    raise
                self.replayed += len(batch)
            self._load_decisions()
        except Exception as e:  # noqa: BLE001 - still away
            self._retry_at = time.monotonic() + self.options.retry
            log.debug("scrapeguard: shared state still unavailable: %s", e)
            return False
        self.up = True
        log.warning(
            "scrapeguard: shared state %s is back; %d writes kept meanwhile were added (%d lost) "
            "in %.2fs",
            self.url,
            self.replayed,
            self.dropped,
            time.monotonic() - away,
        )
        return True

    # -- the listener: other nodes' decisions, deferred writes, reconnection -----------------

    def _connect(self) -> None:
        try:
            self.client.script_load(SCRIPT)
            self._load_decisions()
        except Exception as e:  # noqa: BLE001 - start anyway, on local state
            self._down(e)

    def _ensure_listener(self) -> None:
        pid = os.getpid()
        if self._pid != pid:  # first use, or a worker forked after the state was opened
            self._pid = pid
            self._thread = threading.Thread(
                target=self._listen, name="scrapeguard-state", daemon=True
            )
            self._thread.start()

    def _listen(self) -> None:
        pubsub = None
        while not self._closed.is_set():
            if not self.up:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        pubsub.close()
                    pubsub = None
                if time.monotonic() < self._retry_at or not self._resync():
                    self._closed.wait(0.05)
                continue
            try:
                if pubsub is None:
                    pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                    pubsub.subscribe(self._channel)
                message = pubsub.get_message(timeout=FLUSH_AFTER)
                while message is not None:
                    if message.get("type") == "message":
                        self._heard(message["data"])
                    message = pubsub.get_message(timeout=0)
                if self._pending and time.monotonic() - self._pending_since >= FLUSH_AFTER:
                    self._count([])
            except Exception as e:  # noqa: BLE001 - reconnect on the next turn
                self._down(e)

    def flush(self) -> None:
        """Send the pending writes now."""
        if self._pending:
            self._count([])

    def close(self) -> None:
        """Send the pending writes and stop listening."""
        self.flush()
        self._closed.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)


def _flags(key: str, event: RequestEvent, access: Access) -> str:
    """What observe.lua counts for actor `key` (see its header), as ActorState.observe does."""
    kind = access.kind
    if kind == Kind.STATIC:
        return "S"
    flags = "V" if kind == Kind.PERSON else ""
    if access.attempt:
        flags += "U" if kind == Kind.SIGNUP else "I" if kind == Kind.LOGIN else ""
    if not key.startswith("net:"):
        if event.headers is not None and event.session is None:
            flags += "C"
        if kind == Kind.LOOKUP:
            flags += "LM" if access.miss else "L"
    return flags
