"""Reading and parsing logs in a second process, so that the engine has a core to itself.

`read_events_parallel` yields exactly what `read_events` yields, in the same order, and fills
the same `IngestStats` (counts are final once the iterator is exhausted; `bytes_read` follows
along for progress). The reader process ends with the iterator, or when the caller stops.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from dataclasses import fields
from multiprocessing.connection import Connection
from typing import Any

from ..errors import ScrapeguardError
from ..events import RequestEvent
from .base import LogFormat
from .handoff import decode, encode
from .reader import STDIN, IngestStats, _check_readable, read_events
from .registry import get_format

BATCH_EVENTS = 4096


def can_read_in_parallel(sources: list[str]) -> bool:
    """Whether a second process would help: two cores, fork available, files (not stdin)."""
    return (
        (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and STDIN not in sources
    )


def read_events_parallel(
    sources: list[str], fmt: str | LogFormat = "auto", stats: IngestStats | None = None
) -> Iterator[RequestEvent]:
    """Like `read_events`, with reading and parsing done by a forked reader process."""
    if stats is None:
        stats = IngestStats()
    if not (isinstance(fmt, str) and fmt == "auto"):
        get_format(fmt)  # a bad format name is reported here, before any process starts
    for source in sources:
        if source != STDIN:
            _check_readable(source)
    return _consume(sources, fmt, stats)


def _consume(
    sources: list[str], fmt: str | LogFormat, stats: IngestStats
) -> Iterator[RequestEvent]:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    reader = context.Process(target=_produce, args=(sender, sources, fmt), daemon=True)
    reader.start()
    sender.close()
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise ScrapeguardError("the log reader process stopped unexpectedly") from None
            kind = message[0]
            if kind == "events":
                stats.bytes_read = message[2]
                yield from decode(message[1])
            elif kind == "done":
                final: IngestStats = message[1]
                for f in fields(IngestStats):
                    setattr(stats, f.name, getattr(final, f.name))
                return
            else:
                raise ScrapeguardError(message[1])
    finally:
        receiver.close()
        reader.join(timeout=2)
        if reader.is_alive():
            reader.terminate()
            reader.join()


def _produce(sender: Connection, sources: list[str], fmt: str | LogFormat) -> None:
    """The reader process: parse, and send batches of encoded events, then the stats."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    stats = IngestStats()
    message: Any
    batch: list[RequestEvent] = []
    try:
        for event in read_events(sources, fmt, stats):
            batch.append(event)
            if len(batch) >= BATCH_EVENTS:
                full, batch = batch, []
                sender.send(("events", encode(full), stats.bytes_read))
        message = ("done", stats)
    except ScrapeguardError as exc:
        message = ("error", str(exc))
    except Exception as exc:  # reported to the caller, never a silent stop
        message = ("error", f"the log reader failed: {exc!r}")
    try:
        if batch:  # what was read before an error too, as `read_events` yields it
            sender.send(("events", encode(batch), stats.bytes_read))
        sender.send(message)
    except (BrokenPipeError, OSError):
        pass  # the caller stopped reading
    finally:
        sender.close()
