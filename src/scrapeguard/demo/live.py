"""Live mode of the simulator: send simulated traffic to a running site over loopback.

Each simulated actor gets its own HTTP client with its own cookie jar, so sessions are the
site's real ones: an actor that has an account signs up (or logs in) before its first request.
The simulated client address travels in a forwarded-for header that the site trusts from
loopback, or, with `bind=True`, as a real source address: every simulated address is mapped to
one in 127.0.0.0/8 (any of which can be bound on Linux).

Sending is bounded: at most `max_requests`, for at most `duration` seconds, at most
`concurrency` requests in flight; time runs `speed` times faster than simulated time.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from .people import Directory
from .site import member_password
from .traffic import SimRequest
from .traffic_agents import fetch_metadata

PASSWORD = "demo-password"  # noqa: S105 - new accounts of simulated actors, on loopback


@dataclass
class LiveStats:
    """What live sending did."""

    sent: int = 0
    failed: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0


def loopback_address(ip: str) -> str:
    """The 127.x.y.z address that stands for simulated address `ip` (stable per address)."""
    digest = hashlib.blake2b(ip.encode(), digest_size=3).digest()
    x, y, z = digest
    return f"127.{x}.{y}.{max(z, 2)}"


class LiveSender:
    """Sends `SimRequest`s to `base_url` at their (sped-up) simulated times."""

    def __init__(
        self,
        base_url: str,
        directory: Directory,
        speed: float = 60.0,
        bind: bool = False,
        concurrency: int = 50,
        timeout: float = 10.0,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.base_url = base_url.rstrip("/")
        self.directory = directory
        self.speed = speed
        self.bind = bind
        self.timeout = timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._clients: dict[tuple[str, str], httpx.AsyncClient] = {}
        self._jars: dict[str, httpx.Cookies] = {}
        self._accounts: set[str] = set()
        self.stats = LiveStats()

    async def run(
        self,
        requests: Iterable[SimRequest],
        max_requests: int = 10_000,
        duration: float = 60.0,
        stop: Callable[[], bool] = lambda: False,
    ) -> LiveStats:
        """Send `requests` (time-ordered) until they run out, the bounds are reached or
        `stop()` says so; waits for requests in flight, then closes every client."""
        began = time.monotonic()
        first: float | None = None
        tasks: set[asyncio.Task[None]] = set()
        try:
            for request in requests:
                if self.stats.sent >= max_requests or stop():
                    break
                if first is None:
                    first = request.time
                due = began + (request.time - first) / self.speed
                wait = due - time.monotonic()
                if due - began > duration:
                    break
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._slots.acquire()
                self.stats.sent += 1
                task = asyncio.create_task(self._send(request))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.wait(tasks, timeout=self.timeout + 1)
        finally:
            for client in self._clients.values():
                await client.aclose()
            self._clients.clear()
            self.stats.seconds = time.monotonic() - began
        return self.stats

    async def _send(self, r: SimRequest) -> None:
        try:
            client = self._client(r)
            own_login = r.method == "POST" and r.path in ("/signup", "/login")
            if r.account is not None and r.account not in self._accounts and not own_login:
                await self._log_in(client, r)
            if r.account is not None:
                self._accounts.add(r.account)
            headers = {"user-agent": r.user_agent, "accept": r.accept}
            if r.accept_language:
                headers["accept-language"] = r.accept_language
            if r.referer:
                headers["referer"] = r.referer
            if r.fetch_metadata:
                headers.update(fetch_metadata(r.accept, r.referer))
            if not self.bind:
                headers["x-forwarded-for"] = r.ip
            url = self.base_url + r.path + ("?" + r.query if r.query else "")
            post = r.method == "POST" and r.path in ("/signup", "/login")
            data = self._form(r.account or r.actor) if post else None
            response = await client.request(r.method, url, headers=headers, data=data)
            self.stats.statuses[response.status_code] += 1
        except (httpx.HTTPError, OSError):
            self.stats.failed += 1
        finally:
            self._slots.release()

    async def _log_in(self, client: httpx.AsyncClient, r: SimRequest) -> None:
        """An actor with an account gets a real session: a directory member logs in, anyone
        else signs up (or logs in, if an earlier run created the account)."""
        assert r.account is not None
        self._accounts.add(r.account)
        headers = {"user-agent": r.user_agent}
        if r.fetch_metadata:  # the form's own page is the referer
            headers.update(fetch_metadata("text/html", self.base_url))
        if not self.bind:
            headers["x-forwarded-for"] = r.ip
        form = self._form(r.account)
        if r.account not in self.directory.by_username:
            answer = await client.post(self.base_url + "/signup", data=form, headers=headers)
            if answer.status_code != 409:
                return
        await client.post(self.base_url + "/login", data=form, headers=headers)

    def _form(self, account: str) -> dict[str, str]:
        member = account in self.directory.by_username
        password = member_password(self.directory, account) if member else PASSWORD
        return {"username": account, "email": f"{account}@example.org", "password": password}

    def _client(self, r: SimRequest) -> httpx.AsyncClient:
        source = loopback_address(r.ip) if self.bind else ""
        key = (r.actor, source)
        client = self._clients.get(key)
        if client is None:
            jar = self._jars.setdefault(r.actor, httpx.Cookies())
            transport = httpx.AsyncHTTPTransport(local_address=source or None, retries=0)
            client = httpx.AsyncClient(
                transport=transport, cookies=jar, timeout=self.timeout, follow_redirects=False
            )
            self._clients[key] = client
        return client
