"""Reading log sources: plain files, gzip files and stdin, merged in time order.

Each source is read in binary in large chunks and split on `\\n` only; bytes are decoded as
UTF-8 with replacement characters. Gzip is recognised by its magic bytes (concatenated gzip
members are read in turn). Several sources are merged by event time with `heapq.merge`, which
assumes each source is itself (mostly) in time order, as access logs and their rotations are;
out-of-order lines inside a source stay where they are.
"""

from __future__ import annotations

import heapq
import os
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import BinaryIO, ClassVar, cast

from ..events import RequestEvent
from .base import LogFormat, UnknownLogFormat, UnreadableSource
from .registry import DETECT_SAMPLE, detect_format, get_format

CHUNK_BYTES = 256 * 1024
"""Bytes read from a source at a time."""

MAX_LINE_BYTES = 1024 * 1024
"""Longer lines are skipped and counted as malformed (hostile input must not eat memory)."""

_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_INFLATE_STEP = 16 * 1024  # compressed bytes inflated at a time: bounds gzip-bomb memory
STDIN = "-"
"""The source name that reads standard input."""


@dataclass
class IngestStats:
    """Counters for one ingestion run, updated while events are read.

    `lines` counts every line including blank ones; a blank (empty or whitespace-only) line is
    neither `parsed` nor `malformed`. `bytes_read` counts raw input bytes (compressed bytes for
    gzip sources), for progress against file sizes. `errors` keeps the first `MAX_ERRORS`
    malformed lines as (source, 1-based line number, reason). `formats` records the format
    used per source (the detected one under auto-detection).
    """

    lines: int = 0
    parsed: int = 0
    malformed: int = 0
    blank: int = 0
    bytes_read: int = 0
    errors: list[tuple[str, int, str]] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    MAX_ERRORS: ClassVar[int] = 10

    def add_malformed(self, source: str, line_number: int, reason: str) -> None:
        """Count one malformed line, keeping its details if fewer than `MAX_ERRORS` are kept."""
        self.malformed += 1
        if len(self.errors) < self.MAX_ERRORS:
            self.errors.append((source, line_number, reason))

    def summary(self) -> str:
        """A human-readable report: counts, formats, warnings and the first malformed lines."""
        share = f" ({self.malformed / self.lines:.2%})" if self.lines else ""
        out = [
            f"{self.lines} lines read: {self.parsed} parsed, {self.malformed} malformed{share}, "
            f"{self.blank} blank"
        ]
        for source, name in self.formats.items():
            out.append(f"  format of {source}: {name}")
        out.extend(f"  warning: {w}" for w in self.warnings)
        for source, line_number, reason in self.errors:
            out.append(f"  {source}:{line_number}: {reason}")
        if self.malformed > len(self.errors):
            out.append(f"  ... and {self.malformed - len(self.errors)} more malformed lines")
        return "\n".join(out)


def read_events(
    sources: list[str],
    fmt: str | LogFormat = "auto",
    stats: IngestStats | None = None,
) -> Iterator[RequestEvent]:
    """Read request events from log files, gzip files or stdin (`-`), merged by time.

    `fmt` is `"auto"` (detected separately for each source from its first non-blank lines),
    a registered format name, a custom nginx / Apache format string, or a `LogFormat`.
    Every source is checked for readability before anything is read: a missing or
    unreadable file raises `UnreadableSource` naming it. Malformed lines are counted in
    `stats` and skipped, never fatal.
    """
    if stats is None:
        stats = IngestStats()
    fixed = None if isinstance(fmt, str) and fmt == "auto" else get_format(fmt)
    if sources.count(STDIN) > 1:
        raise UnreadableSource(STDIN, "standard input can be read only once")
    for source in sources:
        if source != STDIN:
            _check_readable(source)
    streams = [_source_events(source, fixed, stats) for source in sources]
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams, key=attrgetter("time"))


def read_lines(source: str, stats: IngestStats | None = None) -> Iterator[tuple[int, list[str]]]:
    """Read one source as batches of decoded lines: (1-based number of the first line, lines).

    Lines are split on `\\n` only (a `\\r` before it stays on the line); a leading UTF-8 byte
    order mark is dropped. A line longer than `MAX_LINE_BYTES` is left out, and counted in
    `stats` as a line and as malformed.
    """
    if stats is None:
        stats = IngestStats()
    name = _display_name(source)
    number = 1  # number of the first line not yet emitted
    pending = b""
    skipping = False  # inside an overlong line, already counted
    at_start = True
    head = b""  # the first bytes, while they may still be a byte order mark cut short
    for chunk in _raw_chunks(source, stats):
        if at_start:  # a UTF-8 byte order mark would otherwise stick to the first field
            head += chunk
            if len(head) < len(_BOM) and _BOM.startswith(head):
                continue  # gzip can inflate the first bytes a few at a time
            at_start = False
            chunk, head = head.removeprefix(_BOM), b""
        if skipping:
            newline = chunk.find(b"\n")
            if newline < 0:
                continue
            skipping = False
            chunk = chunk[newline + 1 :]
            number += 1
        cut = chunk.rfind(b"\n")
        if cut < 0:
            pending += chunk
            if len(pending) > MAX_LINE_BYTES:
                _overlong(stats, name, number)
                pending = b""
                skipping = True
            continue
        data = pending + chunk[:cut] if pending else chunk[:cut]
        pending = chunk[cut + 1 :]
        if len(data) <= MAX_LINE_BYTES:
            lines = data.decode("utf-8", "replace").split("\n")
            yield number, lines
            number += len(lines)
        else:
            raw = data.split(b"\n")
            yield from _split_overlong(number, raw, stats, name)
            number += len(raw)
    if head:  # the whole source is a part of a byte order mark: keep it as written
        pending = head
    if pending and not skipping:
        yield from _split_overlong(number, [pending], stats, name)


def _overlong(stats: IngestStats, name: str, number: int) -> None:
    stats.lines += 1
    stats.add_malformed(name, number, f"line longer than {MAX_LINE_BYTES} bytes, skipped")


def _split_overlong(
    number: int, raw: list[bytes], stats: IngestStats, name: str
) -> Iterator[tuple[int, list[str]]]:
    """Decode raw lines, leaving out (and counting) those longer than `MAX_LINE_BYTES` bytes.

    Lengths are taken before decoding: a bad byte decodes to a 3-byte replacement character.
    """
    start = 0
    for k, line in enumerate(raw):
        if len(line) > MAX_LINE_BYTES:
            if k > start:
                yield number + start, _decode(raw[start:k])
            _overlong(stats, name, number + k)
            start = k + 1
    if start < len(raw):
        yield number + start, _decode(raw[start:])


def _decode(raw: list[bytes]) -> list[str]:
    return b"\n".join(raw).decode("utf-8", "replace").split("\n")


def _source_events(
    source: str, fmt: LogFormat | None, stats: IngestStats
) -> Iterator[RequestEvent]:
    name = _display_name(source)
    if fmt is not None:
        stats.formats[name] = fmt.name
    held: list[tuple[int, list[str]]] = []  # batches read before the format is known
    sample: list[str] = []
    for first, lines in read_lines(source, stats):
        if fmt is None:
            sample.extend(line for line in lines if line and not line.isspace())
            if not sample:  # only blank lines so far: nothing to detect from yet
                stats.lines += len(lines)
                stats.blank += len(lines)
                continue
            held.append((first, lines))
            if len(sample) < DETECT_SAMPLE:
                continue
            fmt = _detect(name, sample, stats)
            for held_first, held_lines in held:
                yield from _parse(fmt, name, held_first, held_lines, stats)
            held = []
            continue
        yield from _parse(fmt, name, first, lines, stats)
    if held:
        fmt = _detect(name, sample, stats)
        for held_first, held_lines in held:
            yield from _parse(fmt, name, held_first, held_lines, stats)


def _detect(name: str, sample: list[str], stats: IngestStats) -> LogFormat:
    try:
        fmt = detect_format(sample)
    except UnknownLogFormat as exc:
        raise UnknownLogFormat(f"{name}: {exc}") from None
    stats.formats[name] = fmt.name
    return fmt


def _parse(
    fmt: LogFormat, name: str, first: int, lines: list[str], stats: IngestStats
) -> list[RequestEvent]:
    events, bad = fmt.parse_batch(lines)
    stats.lines += len(lines)
    stats.parsed += len(events)
    stats.blank += len(lines) - len(events) - len(bad)
    for index, reason in bad:
        stats.add_malformed(name, first + index, reason)
    return events


def _display_name(source: str) -> str:
    return "<stdin>" if source == STDIN else source


def _check_readable(path: str) -> None:
    """Fail early, naming the file, if a source cannot be read (FIFOs are not opened)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise UnreadableSource(path, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableSource(path, "is a directory")
    if stat.S_ISREG(info.st_mode):
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise UnreadableSource(path, exc.strerror or str(exc)) from None


def _open(source: str) -> BinaryIO:
    if source == STDIN:
        stream = cast(BinaryIO | None, getattr(sys.stdin, "buffer", sys.stdin))
        if stream is None:
            raise UnreadableSource("<stdin>", "no standard input")
        return stream
    try:
        return open(source, "rb")
    except OSError as exc:
        raise UnreadableSource(source, exc.strerror or str(exc)) from None


def _raw_chunks(source: str, stats: IngestStats) -> Iterator[bytes]:
    """Yield the source's bytes in chunks, inflating gzip; counts raw bytes in `stats`."""
    name = _display_name(source)
    stream = _open(source)
    try:
        data = _read(stream, name, stats)
        if data[:2] != _GZIP_MAGIC:
            while data:
                yield data
                data = _read(stream, name, stats)
            return
        yield from _inflate(stream, data, name, stats)
    finally:
        if source != STDIN:
            stream.close()


def _inflate(stream: BinaryIO, data: bytes, name: str, stats: IngestStats) -> Iterator[bytes]:
    """Inflate gzip members one after another; warn on truncation or trailing garbage."""
    inflater = None  # None: at the start of a gzip member
    carry = b""
    while data:
        if carry:
            data, carry = carry + data, b""
        pos = 0
        while pos < len(data):
            if inflater is None:
                if len(data) - pos < 2:
                    carry = data[pos:]
                    break
                if data[pos : pos + 2] != _GZIP_MAGIC:
                    if data[pos:].strip(b"\0"):
                        stats.warnings.append(f"{name}: ignored trailing data after gzip data")
                    return
                inflater = zlib.decompressobj(wbits=31)
            piece = data[pos : pos + _INFLATE_STEP]
            pos += len(piece)
            try:
                out = inflater.decompress(piece)
            except zlib.error as exc:
                raise UnreadableSource(name, f"corrupt gzip data ({exc})") from None
            if out:
                yield out
            if inflater.eof:
                pos -= len(inflater.unused_data)
                inflater = None
        data = _read(stream, name, stats)
    if carry.strip(b"\0"):
        stats.warnings.append(f"{name}: ignored trailing data after gzip data")
    if inflater is not None:
        out = inflater.flush()
        if out:
            yield out
        if not inflater.eof:
            stats.warnings.append(f"{name}: gzip data is truncated (read what was there)")


def _read(stream: BinaryIO, name: str, stats: IngestStats) -> bytes:
    try:
        data = stream.read(CHUNK_BYTES)
    except OSError as exc:
        raise UnreadableSource(name, exc.strerror or str(exc)) from None
    if isinstance(data, str):  # a text stream standing in for stdin
        data = data.encode("utf-8", "surrogateescape")
    stats.bytes_read += len(data)
    return data
