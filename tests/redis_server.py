"""A real redis-server (Debian package) started by the tests on a free loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from support import free_port

BINARY = "redis-server"


def require_redis() -> str:
    """The redis-server binary, or a loud skip (a failure under SCRAPEGUARD_REQUIRE_REAL=1)."""
    path = shutil.which(BINARY)
    if path is None:
        pytest.skip("REDIS TESTS NOT RUN: needs redis-server (apt-get install redis-server)")
    try:
        import redis  # noqa: F401
    except ImportError:
        pytest.skip("REDIS TESTS NOT RUN: needs the Python package redis (pip install redis)")
    return path


class RedisServer:
    """One redis-server process on 127.0.0.1; `stop` and `start` again keep its port."""

    def __init__(self, workdir: Path, *extra: str) -> None:
        self.binary = require_redis()
        self.port = free_port()
        self.workdir = workdir
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The `redis://` URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it accepts connections (at most 10 s)."""
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir), *self.extra]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"redis-server exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self) -> None:
        """Stop the server (SIGKILL: an outage, not a clean shutdown)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
