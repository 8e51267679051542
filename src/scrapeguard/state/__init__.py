"""Actor state: windowed counters, quotas and distinct-people sketches per actor.

Backends are chosen by URL. `memory://` keeps state in this process; `redis://`, `rediss://`,
`redis+sentinel://` and `redis+cluster://` share it between processes and nodes (Valkey works
the same) behind the same `observe` call, which a decision makes once.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from ..errors import ConfigError
from .actor import ActorState, Counted, Sketch
from .memory import MemoryState
from .shared import SCHEMES, RedisState, open_shared

__all__ = ["ActorState", "Counted", "MemoryState", "RedisState", "Sketch", "open_state"]


def open_state(url: str = "memory://") -> MemoryState:
    """Open the state backend named by `url` (`memory://?max_actors=500000`,
    `redis://localhost:6379/0?timeout=0.25`)."""
    parsed = urlparse(url)
    if parsed.scheme in SCHEMES:
        return open_shared(url)
    if parsed.scheme != "memory":
        raise ConfigError(
            [
                f"state: unsupported backend {url!r}; use memory:// or one of "
                + ", ".join(f"{s}://" for s in SCHEMES)
            ]
        )
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    try:
        max_actors = int(options.pop("max_actors", 1_000_000))
    except ValueError:
        raise ConfigError([f"state: max_actors must be an integer in {url!r}"]) from None
    if options:
        raise ConfigError([f"state: unknown option(s) {', '.join(options)} in {url!r}"])
    return MemoryState(max_actors=max_actors)
