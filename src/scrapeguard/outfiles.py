"""The files commands write (reports, exports, models): checked before the work that fills
them, so that a long run is not lost to a typo in a path, and written with a clear error."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TextIO

from .errors import ScrapeguardError


def check_writable(path: str) -> None:
    """Raise `ScrapeguardError` now, saying why, if `path` cannot be written."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise ScrapeguardError(f"cannot write {path}: {folder} is not a writable folder")


def write_file(path: str, write: Callable[[TextIO], object]) -> None:
    """Call `write` with `path` opened for text; a failure is a `ScrapeguardError`."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            write(fh)
    except OSError as exc:
        raise ScrapeguardError(f"cannot write {path}: {exc.strerror or exc}") from None
