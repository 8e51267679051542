"""Text for a terminal: what clients sent, shown so that it cannot drive the reader's terminal.

User agents, paths and account ids come from the clients scrapeguard watches. Printed as they
are, an escape sequence in one of them could retitle, clear or recolour the terminal of the
person reading the report, a bidirectional control could make a line read other than it is,
and a line separator could split one log line in two. `printable` writes such characters out
as escapes for lines of text; `json_line` does the same, as JSON escapes, for the JSON lines
of the decision log, which people also read in a terminal.
"""

from __future__ import annotations

import json
from typing import Any, Final

#: Control characters (C0, DEL, C1), the line and paragraph separators and the bidirectional
#: formatting characters.
_UNSAFE: Final = [
    *range(0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
_ESCAPES: Final = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in _UNSAFE}
#: `json.dumps` escapes the C0 controls itself.
_JSON_ESCAPES: Final = {c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x20}


def printable(text: str) -> str:
    """`text` with every control, line-separating and bidirectional formatting character
    written as an escape (ESC as ``\\x1b``, U+202E as ``\\u202e``)."""
    return text.translate(_ESCAPES)


def json_line(value: Any) -> str:
    """`value` as one line of JSON, other scripts kept readable (not `\\u` escaped), the
    characters `printable` writes out escaped as JSON escapes (so the line still parses)."""
    return json.dumps(value, ensure_ascii=False).translate(_JSON_ESCAPES)
