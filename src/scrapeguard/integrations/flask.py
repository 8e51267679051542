"""Flask extension.

    from scrapeguard.integrations.flask import Scrapeguard
    guard = Scrapeguard(app)            # or Scrapeguard() then guard.init_app(app)
    app.config["SCRAPEGUARD_CONFIG"] = "scrapeguard.yaml"   # before init_app

Views reach the request's `Protection` with `scrapeguard.protection(flask.request)`: report
the logged-in account (`identify`) and what the response disclosed (`disclose`).
"""

from __future__ import annotations

from typing import Any

from .inline import Inline
from .loading import build_inline
from .wsgi import ScrapeguardWSGI


class Scrapeguard:
    """Wraps a Flask app's WSGI callable in `ScrapeguardWSGI`."""

    def __init__(self, app: Any = None, inline: Inline | None = None) -> None:
        self._inline = inline
        self.inline: Inline | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        """Install the middleware on `app`, configured from `SCRAPEGUARD_CONFIG`."""
        inline = self._inline or build_inline(app.config.get("SCRAPEGUARD_CONFIG"))
        self.inline = inline
        app.wsgi_app = ScrapeguardWSGI(app.wsgi_app, inline=inline)
        app.extensions["scrapeguard"] = self
