"""A real PostgreSQL (Debian package) started by the tests on a free loopback port."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from support import free_port


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        pytest.skip("POSTGRESQL TESTS NOT RUN: needs PostgreSQL (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("POSTGRESQL TESTS NOT RUN: needs the Python package psycopg")
    return Path(found[-1]).parent


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder, on 127.0.0.1; root runs it as `postgres`."""

    def __init__(self, workdir: Path) -> None:
        self.bin = _binaries()
        self.port = free_port()
        self.workdir = workdir
        self.data = workdir / "data"
        self.process: subprocess.Popen[bytes] | None = None
        self._as: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.skip("POSTGRESQL TESTS NOT RUN: as root, needs runuser to become postgres")
            self._as = [runuser, "-u", "postgres", "--"]
            shutil.chown(workdir, "postgres")

    def url(self, database: str = "postgres") -> str:
        """The URL of `database`."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """initdb, then start and wait until it accepts connections (at most 30 s)."""
        if not self.data.exists():
            subprocess.run(
                [
                    *self._as,
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
                check=True,
                capture_output=True,
            )
        log = self.workdir / "postgres.log"
        args = [
            *self._as,
            str(self.bin / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-k",
            str(self.workdir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
        ]
        with open(log, "ab") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        import psycopg

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {log.read_text()[-2000:]}")
            try:
                psycopg.connect(self.url(), connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise RuntimeError("postgres did not start within 30 s")

    def new_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"t{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
