"""Reasons, the words that say why scrapeguard thinks what it thinks, written when read.

Most reasons are never read: a replay reads those of a few thousand actors, out of millions
of requests that raised a signal. So a detector on the hot path gives `Later(write, values…)`
instead of a text: the function that writes the reason and the values it names. It holds
values, not variables (unlike a lambda), so what it writes later is what was true when the
signal was raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, final


@final
class Later:
    """A reason not yet written: `write(*values)`, once someone reads it."""

    __slots__ = ("write", "values")

    def __init__(self, write: Callable[..., str], *values: Any) -> None:
        self.write = write
        self.values = values

    def __call__(self) -> str:
        return self.write(*self.values)


Words = str | Later
"""A reason: its text, or what writes it."""


def words(reason: Words) -> str:
    """The text of `reason`, written now if it was deferred."""
    return reason if isinstance(reason, str) else reason()
