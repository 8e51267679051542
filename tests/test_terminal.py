"""Client-sent text shown in a terminal cannot drive it."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.terminal import json_line, printable

BIDI = {
    "\u061c",
    "\u200e",
    "\u200f",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
}
LINES = {"\u2028", "\u2029"}


def unsafe(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) == "Cc" or c in BIDI or c in LINES]


@given(st.text())
def test_no_control_or_bidirectional_character_reaches_the_terminal(text: str) -> None:
    shown = printable(text)
    assert not unsafe(shown)
    assert (shown == text) == (not unsafe(text))  # anything else is shown as it is


@given(st.dictionaries(st.text(max_size=5), st.text() | st.lists(st.text(), max_size=3)))
def test_a_json_line_parses_back_and_holds_nothing_unsafe(value: dict[str, object]) -> None:
    line = json_line(value)
    assert json.loads(line) == value
    assert not unsafe(line)


def test_escapes_are_written_out() -> None:
    assert printable("curl\x1b]0;x\x07 \u202eabc\x9b") == "curl\\x1b]0;x\\x07 \\u202eabc\\x9b"
    assert printable("Ünïcödé 名前 ok") == "Ünïcödé 名前 ok"
