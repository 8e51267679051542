"""Reading YAML configuration with line numbers, and reporting every error at once."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml

from .errors import ConfigError

T = TypeVar("T")

Path = tuple[str | int, ...]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}

#: How deep a document may nest mappings and lists: a configuration needs a handful of levels;
#: thousands would exhaust the parser's stack.
MAX_DEPTH = 100
#: Values a document may repeat through YAML aliases (`*name`) beyond those it writes out: a
#: configuration reuses a block or two, while a "billion laughs" document of nested aliases
#: would expand to more values than memory holds.
MAX_ALIASED_VALUES = 100_000
#: The longest configuration file read: real ones are a few kilobytes.
MAX_FILE_CHARS = 10_000_000


def parse_duration(text: str) -> float | None:
    """Seconds in `text` (`90`, `90s`, `15m`, `24h`, `7d`, `2w`), or None if it is not one."""
    m = _DURATION.match(text)
    if m is None:
        return None
    seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    return seconds if math.isfinite(seconds) else None


@dataclass
class Document:
    """A parsed YAML document that remembers the line of every value."""

    source: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """Return the 1-based line of `path`, or of its nearest ancestor that has one."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than `MAX_DEPTH` with the line where it goes
    too deep (instead of a RecursionError)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    problem=f"nested more than {MAX_DEPTH} levels deep",
                    problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_document(text: str, source: str) -> Document:
    """Parse YAML text into a `Document`; a syntax error raises `ConfigError` with its line.

    So do keys written twice in one mapping (YAML keeps only the last, silently), an alias
    that contains itself, and aliases that expand to more than `MAX_ALIASED_VALUES` values."""
    try:
        node = _compose(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a file
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        problem = f"character {shown} is not allowed"
        raise ConfigError([f"{source}:{line}: invalid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{source}:{line}: invalid YAML: {problem}"]) from None
    doc = Document(source, None)
    if node is None:
        doc.data = {}
        return doc
    converter = _Converter(text, source, doc.lines)
    doc.data = converter.convert(node, ())
    if converter.problems:
        raise ConfigError(converter.problems)
    return doc


def _compose(text: str) -> Any:
    """The node tree of YAML `text` (None for an empty document)."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def load_file(path: str) -> Document:
    """Read and parse a YAML file; an unreadable file, or one longer than
    `MAX_FILE_CHARS` (`/dev/zero`, a log named by mistake), raises `ConfigError`."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(MAX_FILE_CHARS + 1)
        if len(text) > MAX_FILE_CHARS:
            raise ConfigError(
                [f"{path}: longer than {MAX_FILE_CHARS:,} characters: not a configuration file"]
            )
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}:{_undecodable_line(path)}: not UTF-8 text"]) from None
    return load_document(text, path)


def _undecodable_line(path: str) -> int:
    """The line of the first byte of file `path` that is not UTF-8 (1 if it cannot be told),
    found in as many bytes as `MAX_FILE_CHARS` characters can take (`/dev/urandom` is endless)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(4 * MAX_FILE_CHARS)
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    except OSError:
        pass
    return 1


class _Converter:
    """Turns composed YAML nodes into plain values, recording the line of each."""

    def __init__(self, text: str, source: str, lines: dict[Path, int]) -> None:
        self.text, self.source, self.lines = text, source, lines
        self.problems: list[str] = []
        self.seen: set[int] = set()  # nodes converted once: converting one again is an alias
        self.aliased = 0  # values converted again through aliases
        self.open: set[int] = set()  # collections being converted, to catch one inside itself
        self.constructor = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, path: Path) -> Any:
        line = self.lines[path] = node.start_mark.line + 1
        if id(node) in self.seen:
            self.aliased += 1
            if self.aliased > MAX_ALIASED_VALUES:
                raise ConfigError(
                    [
                        f"{self.source}:{line}: {_dotted(path)}: aliases (*name) expand to "
                        f"more than {MAX_ALIASED_VALUES:,} values"
                    ]
                )
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self.open:
            self.problems.append(
                f"{self.source}:{line}: {_dotted(path)}: an alias (*name) inside the value it "
                "names would repeat forever"
            )
            return None
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            out: dict[Any, Any] = {}
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = self._key(key_node)
                key_line = key_node.start_mark.line + 1
                if key in first:
                    self.problems.append(
                        f"{self.source}:{key_line}: {_dotted((*path, key))}: written twice in "
                        f"one mapping (first on line {first[key]}); only one can count"
                    )
                first.setdefault(key, key_line)
                out[key] = self.convert(value_node, (*path, key))
                self.lines[(*path, key)] = key_line
            return out
        finally:
            self.open.discard(id(node))

    def _key(self, node: yaml.Node) -> str:
        """A mapping key as text: a plain value as read, a mapping or list as written."""
        if isinstance(node, yaml.ScalarNode):
            return str(self._scalar(node))
        written = self.text[node.start_mark.index : node.end_mark.index]
        return " ".join(written.split())[:80]

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        """The value of a scalar; one that YAML cannot construct (a date like 2027-13-45, a
        tag it does not know, `<<` or `=`) is its text as written, for the setting to judge."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception:  # ConstructorError, ValueError, IndexError (`!!int ''`), …
            self.constructor.recursive_objects.clear()
            return node.value


def _dotted(path: Path) -> str:
    """`path` as `policy.partners.0.expires`; a key with a line break or a control character
    is quoted and escaped, so that a message stays on its line."""
    parts = (str(p) if str(p).isprintable() else repr(p) for p in path)
    return ".".join(parts) or "(top level)"


class Errors:
    """Collects validation errors with `file:line` so that all are reported together."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.messages: list[str] = []

    def add(self, path: Path, message: str) -> None:
        """Record an error about the value at `path`."""
        self.messages.append(f"{self.doc.source}:{self.doc.line(path)}: {_dotted(path)}: {message}")

    def raise_if_any(self) -> None:
        """Raise `ConfigError` listing every recorded error, if there are any."""
        if self.messages:
            raise ConfigError(self.messages)

    # Typed getters: each returns a usable default after recording an error.

    def mapping(self, value: Any, path: Path) -> dict[str, Any]:
        """`value` as a mapping (None counts as empty)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping, got {_kind(value)}")
            return {}
        return value

    def sequence(self, value: Any, path: Path) -> list[Any]:
        """`value` as a list (a single scalar becomes a one-item list; None is empty)."""
        if value is None:
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, str | int | float):
            return [value]
        self.add(path, f"must be a list, got {_kind(value)}")
        return []

    def number(
        self, value: Any, path: Path, default: float, low: float = 0, high: float | None = None
    ) -> float:
        """`value` as a number within [low, high]."""
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(path, f"must be a number, got {value!r}")
            return default
        number = _finite(value)
        if number is None:
            self.add(path, f"must be a finite number, got {_short(value)}")
            return default
        if number < low or (high is not None and number > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            self.add(path, f"must be {bounds}, got {_short(value)}")
            return default
        return number

    def boolean(self, value: Any, path: Path, default: bool) -> bool:
        """`value` as a boolean."""
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(path, f"must be true or false, got {value!r}")
            return default
        return value

    def string(self, value: Any, path: Path, default: str = "") -> str:
        """`value` as a non-empty string."""
        if value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
            self.add(path, f"must be a non-empty string, got {value!r}")
            return default
        return str(value)

    def choice(self, value: Any, path: Path, choices: tuple[str, ...], default: str) -> str:
        """`value` as one of `choices`."""
        if value is None:
            return default
        if value not in choices:
            self.add(path, f"must be one of {', '.join(choices)}; got {value!r}")
            return default
        return str(value)

    def duration(self, value: Any, path: Path, default: float) -> float:
        """`value` as seconds: a number, or a string like `90s`, `15m`, `24h`, `7d`, `2w`."""
        if value is None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = _finite(value)
            if seconds is not None and seconds >= 0:
                return seconds
        seconds = parse_duration(value) if isinstance(value, str) else None
        if seconds is None:
            self.add(path, f"must be a duration such as 30s, 15m, 24h or 7d; got {_short(value)}")
            return default
        return seconds

    def unknown_keys(
        self, value: dict[str, Any], path: Path, known: Iterator[str] | set[str]
    ) -> None:
        """Report keys of `value` that are not in `known` (catches typos)."""
        allowed = set(known)
        for key in value:
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                self.add((*path, key), f"unknown setting; expected one of: {hint}")


def _finite(value: int | float) -> float | None:
    """`value` as a float, or None when it is NaN, infinite or too large for one."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _short(value: Any) -> str:
    """`repr(value)`, cut short: a number of a thousand digits is no help in a message."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "a mapping", list: "a list", str: "a string"}
    return kinds.get(type(value), repr(value))


def collect(errors: list[str], step: Callable[[Any], T], arg: Any) -> T | None:
    """Run one loading step, adding its error messages to `errors` instead of stopping, so
    that the mistakes of several files or sections are reported together."""
    try:
        return step(arg)
    except ConfigError as exc:
        errors.extend(exc.messages)
    return None
