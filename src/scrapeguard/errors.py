"""The error tree: every error scrapeguard raises on purpose derives from `ScrapeguardError`."""

from __future__ import annotations


class ScrapeguardError(Exception):
    """Base of every error scrapeguard raises on purpose."""


class ConfigError(ScrapeguardError):
    """A site model or policy file is invalid; `messages` lists every problem with file:line."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))
