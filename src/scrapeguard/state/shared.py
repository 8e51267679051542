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
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlencode, urlparse, urlunparse

from ..enforce.lists import AccessList, ListEntry
from ..errors import ConfigError, ScrapeguardError
from ..events import RequestEvent
from ..site import Access, Kind
from .actor import ActorState
from .memory import MemoryState
from .script import SCRIPT, Call, adopt, call_for

if TYPE_CHECKING:
    from ..engine import Decision

log = logging.getLogger("scrapeguard.state")

FLUSH_AFTER = 0.1  # seconds a pending write waits for a round trip before it is sent alone
SCHEMES = ("redis", "rediss", "redis+sentinel", "redis+cluster")

try:
    from hiredis import pack_command as _hiredis_pack
except ImportError:
    _hiredis_pack = None  # type: ignore[assignment]


def _pack(command: tuple[Any, ...]) -> bytes:
    """`command` in the Redis protocol."""
    if _hiredis_pack is not None:
        return bytes(_hiredis_pack(command))
    parts = [str(a).encode() if not isinstance(a, bytes) else a for a in command]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


#: One write to Redis: ("eval", Call) runs observe.lua; ("decision", key, payload, ms) stores
#: and publishes a decision.
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

            nodes = [ClusterNode(h, p) for h, p in hosts]  # type: ignore[no-untyped-call,unused-ignore]
            cluster = RedisCluster(startup_nodes=nodes, password=password, **common)
            return RedisState(cluster, _redacted(parsed), options, cluster=True)
        if scheme == "redis+sentinel":
            from redis.sentinel import Sentinel

            path = [p for p in parsed.path.split("/") if p]
            if not path:
                raise ConfigError([f"state: name the monitored service in {_redacted(parsed)!r}"])
            db = int(path[1]) if len(path) > 1 else 0
            sentinel = Sentinel(  # type: ignore[no-untyped-call,unused-ignore]
                hosts, sentinel_kwargs=common, password=password, db=db, **common
            )
            master = sentinel.master_for(path[0])  # type: ignore[no-untyped-call,unused-ignore]
            return RedisState(master, _redacted(parsed), options)
    except (redis.RedisError, ValueError) as e:
        raise ConfigError([f"state: cannot use {_redacted(parsed)!r}: {e}"]) from None
    raise ConfigError([f"state: unsupported backend {url!r}"])


def _options(query: dict[str, str], url: str) -> SharedOptions:
    """Take scrapeguard's own options out of `query`."""
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
    return dataclasses.replace(SharedOptions(), **values)


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


class _Flight:
    """A batch of writes sent to Redis; `results` once its replies are read (empty when they
    could not be: then its writes wait in the backlog)."""

    __slots__ = ("ops", "replies", "results")

    def __init__(self, ops: list[Op]) -> None:
        self.ops = ops
        self.replies = 0
        self.results: list[list[Any]] | None = None


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
        self._told: dict[str, tuple[int, float]] = {}  # decisions the other nodes hold
        self._lists: dict[str, AccessList] = {}
        self._lists_key = f"{options.prefix}:lists"
        self._pending_since = 0.0
        self._backlog: deque[Op] = deque()
        self._ahead: deque[tuple[RequestEvent, Sequence[str], _Flight, int]] = deque()
        self._in_air: deque[_Flight] = deque()  # batches sent on `_wire`, replies unread
        self._wire: Any = None
        self.shared = True
        self._retry_at = 0.0
        self._listener: threading.Thread | None = None
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
            e, k, flight, index = ahead.popleft()
            if e is event and list(k) == list(keys):
                answer = self._result(flight, index)
            else:  # not the batch's next request: forget the batches ahead
                self._land_all()
                ahead.clear()
                answer = self._answer(self._op(keys, event, access, now))
        elif access.kind == Kind.STATIC:  # nothing to decide: it rides with the next trip
            self._defer([self._op(keys, event, access, now)])
            return states
        else:
            answer = self._answer(self._op(keys, event, access, now))
        if answer:
            directory = adopt(states, answer)
            if directory >= 0:
                self.universe.total = directory
        return states

    def prefetch(self, batch: Sequence[tuple[Sequence[str], RequestEvent, Access, float]]) -> None:
        """Send a batch of requests to be counted in Redis, in one round trip, without waiting
        for the answer; `observe` takes the answers in order (log replay, where the next batch
        travels while this one is decided)."""
        ops = [self._op(keys, event, access, now) for keys, event, access, now in batch]
        with self._lock:
            pending, self._pending = self._pending, []
        flight = _Flight(pending + ops)
        if self.up and not self.cluster:
            try:
                self._launch(flight)
            except Exception as e:  # noqa: BLE001 - any client failure means: decide locally
                self._lose_wire(e)
                self._keep(flight.ops)
                flight.results = []
        else:
            flight.results = self._count(flight.ops) or []
        for i, (keys, event, _, _) in enumerate(batch):
            self._ahead.append((event, keys, flight, len(pending) + i))

    def _launch(self, flight: _Flight) -> None:
        commands = [c for op in flight.ops for c in self._commands(op)]
        if self._wire is None:
            self._wire = self.client.connection_pool.get_connection()
        self._wire.send_packed_command([b"".join(_pack(c) for c in commands)])
        flight.replies = len(commands)
        self._in_air.append(flight)

    def _result(self, flight: _Flight, index: int) -> list[Any] | None:
        while flight.results is None:
            self._land(self._in_air.popleft())
        return flight.results[index] if index < len(flight.results) else None

    def _land(self, flight: _Flight) -> None:
        """Read the replies of the oldest batch in the air."""
        from redis.exceptions import ResponseError  # loaded by now: not on every import

        wire = self._wire
        try:
            replies: list[Any] = []
            for _ in range(flight.replies):
                try:
                    replies.append(wire.read_response())
                except ResponseError as e:
                    replies.append(e)
        except Exception as e:  # noqa: BLE001 - any client failure means: decide locally
            self._keep(flight.ops)
            flight.results = []
            self._lose_wire(e)
            return
        self.round_trips += 1
        failed = [r for r in replies if isinstance(r, Exception)]
        if not failed:
            flight.results = self._split(flight.ops, replies)
        elif all("NOSCRIPT" in str(r) for r in failed):  # Redis restarted: load, send again
            self.client.script_load(SCRIPT)
            flight.results = self._count(flight.ops) or []
        else:
            self._keep(flight.ops)
            flight.results = []
            self._down(failed[0])

    def _land_all(self) -> None:
        while self._in_air:
            self._land(self._in_air.popleft())

    def _lose_wire(self, error: BaseException) -> None:
        """The batch connection failed: what was in the air waits in the backlog."""
        for flight in self._in_air:
            self._keep(flight.ops)
            flight.results = []
        self._in_air.clear()
        if self._wire is not None:
            self._wire.disconnect()
            self.client.connection_pool.release(self._wire)
            self._wire = None
        self._down(error)

    def _answer(self, op: Op) -> list[Any] | None:
        results = self._count([op])
        return results[0] if results else None

    def _op(self, keys: Sequence[str], event: RequestEvent, access: Access, now: float) -> Op:
        actors, idle, flagged = self.actors, int(self.idle_ttl), int(self.flagged_ttl)
        ttls = []
        for key in keys:
            s = actors.get(key)
            ttls.append(flagged if s is not None and (s.peak or s.bot) else idle)
        return ("eval", call_for(self._prefix, keys, event, access, now, ttls))

    # -- decisions and single-use tokens ----------------------------------------------------

    def record_decision(self, decision: Decision) -> None:
        """Remember `decision` here, and in Redis for every other node (sent with the next
        round trip, or within `FLUSH_AFTER` seconds)."""
        super().record_decision(decision)
        if not self._news(decision):
            return
        payload = json.dumps(["decision", self._node, decision.values()])
        ms = max(1, int(decision.ttl * 1000))
        self._defer([("decision", decision.key, payload, ms)])

    def _news(self, decision: Decision) -> bool:
        """Whether other nodes need to hear `decision`: it is stronger than what they hold, or
        extends it by more than a tenth of its time (a blocked scraper keeps renewing its
        block on every request; the nodes need not hear each renewal)."""
        told = self._told
        held = told.get(decision.key)
        if (
            held is not None
            and held[0] >= decision.rank
            and held[1] > decision.time
            and decision.expires - held[1] < decision.ttl / 10
        ):
            return False
        if len(told) >= 100_000:
            for key in [k for k, (_, until) in told.items() if until <= decision.time]:
                del told[key]
        told[decision.key] = (decision.rank, decision.expires)
        return True

    def claim(self, token: str, until: float, now: float) -> bool:
        """True only the first time `token` is claimed, on any node. It is claimed in this
        process too, first: a token claimed here during an outage is not in Redis, and would
        be claimed again there once Redis returns."""
        if not super().claim(token, until, now):
            return False
        if self.up:
            ms = max(1, int((until - now) * 1000))
            try:
                return bool(self.client.set(f"{self._prefix}:claim:{token}", 1, nx=True, px=ms))
            except Exception as e:  # noqa: BLE001 - any client failure means: decide locally
                self._down(e)
        return True

    def _heard(self, payload: bytes) -> None:
        """A message on the channel: another node's decision, or a change to an access list."""
        from ..engine import Decision

        message = json.loads(payload)
        if message[1] == self._node:
            return
        if message[0] == "decision":
            fields = message[2]
            fields[5] = tuple(fields[5])  # reasons
            decision = Decision(*fields)
            super().record_decision(decision)
            self._told[decision.key] = (decision.rank, decision.expires)
        elif message[0] == "list":
            self._apply_list(*message[2:])

    def _load_decisions(self) -> None:
        """Decisions in force that other nodes took, and the access lists' shared entries (at
        start-up and after an outage)."""
        for key in self.client.scan_iter(match=f"{self._prefix}:d:*", count=1000):
            payload = self.client.get(key)
            if payload is not None:
                self._heard(payload)
        if self._lists:
            self._load_lists()

    # -- access lists changed at run time ---------------------------------------------------

    def attach_lists(self, blocklist: AccessList, allowlist: AccessList) -> None:
        """Keep these lists up to date with the entries added or removed at run time on any
        node (`Guard.block`, `scrapeguard block`)."""
        self._lists = {blocklist.name: blocklist, allowlist.name: allowlist}
        if self.up:
            try:
                self._load_lists()
            except Exception as e:  # noqa: BLE001 - loaded again when Redis returns
                self._down(e)

    def share_list(self, name: str, kind: str, value: str, entry: ListEntry | None) -> None:
        """Tell every node that `value` was added to (`entry`) or removed from (None) the
        access list `name`. Raises ScrapeguardError when Redis cannot be reached."""
        field = f"{name}|{kind}|{value}"
        stored = None if entry is None else [entry.expires, entry.reason, entry.added]
        message = json.dumps(["list", self._node, name, kind, value, stored])
        if stored is None:
            write: tuple[Any, ...] = ("HDEL", self._lists_key, field)
        else:
            write = ("HSET", self._lists_key, field, json.dumps(stored))
        try:
            replies = self._execute([write, ("PUBLISH", self._channel, message)])
            error = next((r for r in replies if isinstance(r, Exception)), None)
        except Exception as e:  # noqa: BLE001 - said to the operator, who can retry
            error = e
        if error is not None:
            raise ScrapeguardError(f"cannot reach the shared state {self.url}: {error}")

    def _load_lists(self) -> None:
        now = time.time()
        for field, stored in self.client.hgetall(self._lists_key).items():
            name, kind, value = field.decode().split("|", 2)
            entry = json.loads(stored)
            if entry[0] is not None and entry[0] <= now:
                self.client.hdel(self._lists_key, field)
            else:
                self._apply_list(name, kind, value, entry)

    def _apply_list(self, name: str, kind: str, value: str, entry: list[Any] | None) -> None:
        target = self._lists.get(name)
        if target is None:
            return
        if entry is None:
            target.remove(value, kind=kind)
        else:
            expires, reason, added = entry
            target.add(value, kind=kind, expires=expires, reason=reason, now=added)

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
        """Run `ops` in one round trip; per op, its results. Loads the script once if Redis
        forgot it (a restart)."""
        commands = [c for op in ops for c in self._commands(op)]
        for attempt in (1, 2):
            raw = self._execute(commands)
            self.round_trips += 1
            failed = [r for r in raw if isinstance(r, Exception)]
            if not failed:
                break
            if attempt == 1 and all("NOSCRIPT" in str(r) for r in failed):
                self.client.script_load(SCRIPT)
                continue
            raise failed[0]
        return self._split(ops, raw)

    def _split(self, ops: list[Op], raw: list[Any]) -> list[list[Any]]:
        """Per op, its script's records (nothing for a decision's writes)."""
        out: list[list[Any]] = []
        i = 0
        for op in ops:
            if op[0] == "eval":
                calls = len(op[1].keys) // 4 if self.cluster else 1
                out.append([record for r in raw[i : i + calls] for record in r])
            else:
                calls = 2
                out.append([])
            i += calls
        return out

    def _commands(self, op: Op) -> list[tuple[Any, ...]]:
        if op[0] == "decision":
            _, key, payload, ms = op
            return [
                ("SET", f"{self._prefix}:d:{key}", payload, "PX", ms),
                ("PUBLISH", self._channel, payload),
            ]
        call: Call = op[1]
        return call.per_actor() if self.cluster else [call.command()]

    def _execute(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Send `commands` at once and read every reply (an error reply as its exception)."""
        if self.cluster:  # the cluster client routes each command to its node
            pipe = self.client.pipeline(transaction=False)
            for c in commands:
                pipe.execute_command(*c)
            return list(pipe.execute(raise_on_error=False))
        from redis.exceptions import ResponseError  # loaded by now: not on every import

        pool = self.client.connection_pool
        conn = pool.get_connection()
        try:
            conn.send_packed_command([b"".join(_pack(c) for c in commands)])
            replies: list[Any] = []
            for _ in commands:
                try:
                    replies.append(conn.read_response())
                except ResponseError as e:
                    replies.append(e)
            return replies
        except BaseException:
            conn.disconnect()  # a half-read connection must not go back to the pool
            raise
        finally:
            pool.release(conn)

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
            self._listener = threading.Thread(
                target=self._listen, name="scrapeguard-state", daemon=True
            )
            self._listener.start()

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
        self._land_all()
        self._ahead.clear()
        if self._wire is not None:
            self.client.connection_pool.release(self._wire)
            self._wire = None
        self.flush()
        self._closed.set()
        if self._listener is not None and self._listener is not threading.current_thread():
            self._listener.join(timeout=1.0)
