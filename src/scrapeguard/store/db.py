"""Opening the store, and its schema migrations (Alembic).

`sqlite:///scrapeguard.db` (the default: one file, nothing to set up) or
`postgresql://user:password@host/db` for production (psycopg 3).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from ..errors import ConfigError, ScrapeguardError

DEFAULT_URL = "sqlite:///scrapeguard.db"


class StoreUnavailable(ScrapeguardError):
    """The store's database does not answer: not running, unreachable, refusing the login, or
    a SQLite file that cannot be opened."""


def engine_url(url: str) -> str:
    """`url` as SQLAlchemy wants it (PostgreSQL through psycopg 3)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite://", "postgresql+psycopg://")):
        return url
    raise ConfigError(
        [f"store: unsupported database {redact(url)!r}; use sqlite:/// or postgresql://"]
    )


def redact(url: str) -> str:
    """`url` without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}@{host}" if user else f"{scheme}{sep}{host}"


def create(url: str) -> Any:
    """A SQLAlchemy engine for `url`; SQLite waits for locks and keeps a write-ahead log."""
    try:
        from sqlalchemy import create_engine, event
    except ImportError:
        raise ConfigError(["store: needs SQLAlchemy: pip install 'scrapeguard[store]'"]) from None
    target = engine_url(url)
    if target.startswith("sqlite"):
        engine = create_engine(target, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(target, pool_pre_ping=True)


def _config(engine: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("scrapeguard.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database at `url` to `revision`; (revision before, revision after)."""
    from alembic import command

    engine = create(url)
    try:
        before = current(engine)
        with engine.begin() as connection:
            cfg = _config(engine)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
        return before, current(engine)
    finally:
        engine.dispose()


def current(engine: Any) -> str | None:
    """The database's schema revision (None: an empty database); `StoreUnavailable` when the
    database does not answer."""
    from alembic.migration import MigrationContext
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as connection:
            rev: str | None = MigrationContext.configure(connection).get_current_revision()
            return rev
    except SQLAlchemyError as exc:
        raise StoreUnavailable(driver_message(exc)) from None


def driver_message(exc: BaseException) -> str:
    """What the database driver said, on one line (SQLAlchemy adds its own advice to it)."""
    return " ".join(str(getattr(exc, "orig", None) or exc).split())


def head() -> str:
    """The newest schema revision this version of scrapeguard knows."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    cfg = _config(create_engine("sqlite://"))
    found = ScriptDirectory.from_config(cfg).get_current_head()
    assert found is not None
    return found
