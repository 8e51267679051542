"""Every store test runs on SQLite and on a real PostgreSQL started on loopback."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from postgres_server import PostgresServer


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL for the session; each test gets a database of its own. (Its folder is
    outside pytest's, which the `postgres` user may not enter.)"""
    folder = Path(tempfile.mkdtemp(prefix="scrapeguard-pg-"))
    server = PostgresServer(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scrapeguard.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def store_url(empty_url: str) -> str:
    """A database of each kind, upgraded to the current schema."""
    from scrapeguard.store import upgrade

    upgrade(empty_url)
    return empty_url


@pytest.fixture
def fresh_url(empty_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[], str]:
    """A factory of new, upgraded databases of the kind of `empty_url`, one per example."""
    from scrapeguard.store import upgrade

    upgrade(empty_url)
    if empty_url.startswith("sqlite"):
        template = Path(empty_url.removeprefix("sqlite:///"))
        folder = Path(tempfile.mkdtemp(dir=tmp_path))

        def new_sqlite() -> str:
            target = Path(tempfile.mkdtemp(dir=folder)) / "s.db"
            shutil.copyfile(template, target)
            return f"sqlite:///{target}"

        return new_sqlite

    def new_postgres() -> str:  # one database, emptied (creating one is slow)
        from sqlalchemy import create_engine

        from scrapeguard.store.db import engine_url
        from scrapeguard.store.models import Base

        engine = create_engine(engine_url(empty_url))
        try:
            with engine.begin() as connection:
                # All but the one row the migrations put in `ledger_numbering`.
                names = ", ".join(
                    t.name for t in Base.metadata.sorted_tables if t.name != "ledger_numbering"
                )
                connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY")
        finally:
            engine.dispose()
        return empty_url

    return new_postgres
