"""Django middleware, configured from settings.

    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "scrapeguard.integrations.django.ScrapeguardMiddleware",   # after authentication
        ...,
    ]
    SCRAPEGUARD = {"config": BASE_DIR / "scrapeguard.yaml"}

The logged-in user (`request.user`: its primary key and `date_joined`) is reported to
scrapeguard without any code in the views; views report what they disclosed with
`scrapeguard.protection(request).disclose(...)`. Under ASGI, Django runs this middleware in a
thread like any synchronous one; to tarpit without a worker, wrap the ASGI application in
`scrapeguard.integrations.asgi.ScrapeguardMiddleware` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]

from ..enforce.pages import Response
from .inline import Inline, Protection
from .loading import build_inline
from .wsgi import headers_of


class ScrapeguardMiddleware:
    """Decides on each request with the same engine as `scrapeguard analyze`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        options: dict[str, Any] = getattr(settings, "SCRAPEGUARD", {}) or {}
        inline = options.get("inline")
        self.inline: Inline = (
            inline if isinstance(inline, Inline) else build_inline(_str(options.get("config")))
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        inline = self.inline
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            user = None
        p = inline.begin(
            request.method or "GET",
            request.path,
            request.META.get("QUERY_STRING", ""),
            headers_of(request.META),
            request.META.get("REMOTE_ADDR") or None,
            request.scheme or "http",
            # Known before the view runs: a blocked account is refused before it does any work.
            account=user.pk if user is not None else None,
            created=getattr(user, "date_joined", None),
        )
        request.scrapeguard = p
        request.META["scrapeguard"] = p
        if p.internal:
            if p.internal == "verify":
                return _django(inline.verify(p, request.content_type or "", request.body[:4097]))
            return _django(inline.internal(p))
        if p.response is not None:
            inline.finish(p, p.response.status)
            return _django(p.response)
        try:
            response = self.get_response(request)
        except BaseException:
            inline.finish(p, 500)
            raise
        _identify(p, request)  # the view may have logged the user in
        length = len(response.content) if not response.streaming else 0
        replacement = inline.finish(p, response.status_code, length)
        if replacement is not None:
            return _django(replacement)
        for name, value in p.headers:
            response[name] = value
        return response


def _identify(p: Protection, request: HttpRequest) -> None:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        p.identify(user.pk, getattr(user, "date_joined", None))


def _django(response: Response) -> HttpResponse:
    out = HttpResponse(response.body, status=response.status)
    for name, value in response.headers:
        if name.lower() == "set-cookie":
            out.cookies.load(value)  # Django emits cookies from here, one header each
        else:
            out[name] = value
    return out


def _str(value: object) -> str | None:
    return str(value) if value is not None else None
