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

    def __init__(self, workdir: Path, *extra: str, max_port: int = 65535) -> None:
        self.binary = require_redis()
        self.port = free_port()
        while self.port > max_port:
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
        port = [] if "--port" in self.extra else ["--port", str(self.port)]
        args = [self.binary, *port, "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir), *self.extra]
        log = self.workdir / f"redis-{self.port}.log"
        with log.open("ab") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {log.read_text()[-2000:]}")
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


class RedisSentinel:
    """A Redis primary watched by one Sentinel (both redis-server), service name `sg`."""

    def __init__(self, workdir: Path) -> None:
        self.primary = RedisServer(workdir)
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The `redis+sentinel://` URL of the service's database 0."""
        return f"redis+sentinel://127.0.0.1:{self.port}/sg/0"

    def start(self) -> None:
        """Start both and wait until the Sentinel names the primary (at most 10 s)."""
        self.primary.start()
        conf = self.workdir / "sentinel.conf"
        conf.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.workdir}\n"
            f"sentinel monitor sg 127.0.0.1 {self.primary.port} 1\n"
        )
        binary = require_redis()
        self.process = subprocess.Popen(
            [binary, str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                s = redis.Redis(port=self.port, socket_timeout=0.5)
                if s.execute_command("SENTINEL", "get-master-addr-by-name", "sg"):
                    return
            except redis.RedisError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis sentinel did not start within 10 s")

    def stop(self) -> None:
        """Stop the Sentinel and the primary."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.primary.stop()


class RedisClusterServers:
    """A Redis Cluster of three primaries on loopback, created with `redis-cli --cluster`."""

    def __init__(self, workdir: Path) -> None:
        self.nodes = [
            RedisServer(
                workdir,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                f"nodes-{i}.conf",
                "--cluster-node-timeout",
                "2000",
                max_port=65535 - 10000,  # a node's cluster bus listens on its port + 10000
            )
            for i in range(3)
        ]

    @property
    def url(self) -> str:
        """The `redis+cluster://` URL naming every node."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def start(self) -> None:
        """Start the nodes, create the cluster and wait until it serves (at most 20 s)."""
        cli = shutil.which("redis-cli")
        if cli is None:
            pytest.skip(
                "REDIS CLUSTER TESTS NOT RUN: needs redis-cli (apt-get install redis-tools)"
            )
        for n in self.nodes:
            n.start()
        created = subprocess.run(
            [
                cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{n.port}" for n in self.nodes),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout[-2000:]}")
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            infos = [
                redis.Redis(port=n.port).execute_command("CLUSTER", "INFO") for n in self.nodes
            ]
            if all(
                b"cluster_state:ok" in (i if isinstance(i, bytes) else i.encode()) for i in infos
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("redis cluster did not become ready within 20 s")

    def stop(self) -> None:
        """Stop every node."""
        for n in self.nodes:
            n.stop()


class RedisTLS:
    """A redis-server that speaks only TLS, with a self-signed certificate (openssl)."""

    def __init__(self, workdir: Path) -> None:
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("REDIS TLS TESTS NOT RUN: needs openssl (apt-get install openssl)")
        self.cert, key = workdir / "cert.pem", workdir / "key.pem"
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
            + ["-keyout", str(key), "-out", str(self.cert), "-subj", "/CN=127.0.0.1"]
            + ["-addext", "subjectAltName=IP:127.0.0.1"],
            check=True,
            capture_output=True,
        )
        self.server = RedisServer(workdir, "--port", "0", "--tls-auth-clients", "no")
        self.server.extra += ("--tls-port", str(self.server.port))
        self.server.extra += ("--tls-cert-file", str(self.cert), "--tls-key-file", str(key))

    @property
    def url(self) -> str:
        """The `rediss://` URL, trusting the test certificate."""
        return f"rediss://127.0.0.1:{self.server.port}/0?ssl_ca_certs={self.cert}"

    def start(self) -> None:
        """Start the server."""
        self.server.start()

    def stop(self) -> None:
        """Stop the server."""
        self.server.stop()
