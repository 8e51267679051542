"""WSGI middleware: Flask, Django's WSGI application, any WSGI app.

    app.wsgi_app = ScrapeguardWSGI(app.wsgi_app, config="scrapeguard.yaml")

The decision is taken when the app calls `start_response`, before any body is sent. WSGI cannot
hold a response without holding a worker, so a tarpit answers 429 here instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from ..enforce.pages import MAX_VERIFY_BODY, Response
from .inline import Inline, Protection
from .loading import build_inline

Environ = dict[str, Any]
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class ScrapeguardWSGI:
    """Protects a WSGI app."""

    def __init__(
        self, app: WSGIApp, config: str | None = None, inline: Inline | None = None
    ) -> None:
        self.app = app
        self.inline = inline if inline is not None else build_inline(config)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        inline = self.inline
        p = inline.begin(
            environ.get("REQUEST_METHOD", "GET"),
            _path(environ),
            environ.get("QUERY_STRING", ""),
            headers_of(environ),
            environ.get("REMOTE_ADDR") or None,
            environ.get("wsgi.url_scheme", "http"),
        )
        environ["scrapeguard"] = p
        if p.internal:
            return _send(start_response, _internal(inline, p, environ))
        if p.response is not None:
            inline.finish(p, p.response.status)
            return _send(start_response, p.response)
        return _Guarded(self.app, environ, start_response, inline, p).run()


class _Guarded:
    """One request through the app, with `start_response` held until the decision."""

    def __init__(
        self,
        app: WSGIApp,
        environ: Environ,
        start_response: StartResponse,
        inline: Inline,
        p: Protection,
    ) -> None:
        self.app = app
        self.environ = environ
        self.start_response = start_response
        self.inline = inline
        self.p = p
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.exc_info: ExcInfo | None = None
        self.write: Callable[[bytes], object] | None = None
        self.replacement: Response | None = None

    def capture(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        self.status, self.headers, self.exc_info = status, headers, exc_info
        return self._write

    def _write(self, data: bytes) -> object:
        """The legacy `write` callable: the response must start now."""
        if self.write is None:
            self.decide()
            if self.replacement is not None:
                return None
            self.write = self._start()
        return self.write(data)

    def decide(self) -> None:
        if self.p.finished:
            return
        code = int(self.status.split(" ", 1)[0]) if self.status else 500
        length = next(
            (int(v) for k, v in self.headers if k.lower() == "content-length" and v.isdigit()), 0
        )
        self.replacement = self.inline.finish(self.p, code, length)

    def _start(self) -> Callable[[bytes], object]:
        headers = self.headers + self.p.headers
        return self.start_response(self.status, headers, self.exc_info)

    def run(self) -> Iterable[bytes]:
        try:
            result = self.app(self.environ, self.capture)
        except BaseException:
            self.inline.finish(self.p, 500)
            raise
        first: list[bytes] = []
        if self.status is None:  # a lazy app starts its response with its first chunk
            iterator = iter(result)
            try:
                first = [next(iterator)]
            except StopIteration:
                pass
            except BaseException:
                self.inline.finish(self.p, 500)
                _close(result)
                raise
            result = _chain(first, iterator, result)
        self.decide()
        if self.replacement is not None:
            _close(result)
            return _send(self.start_response, self.replacement)
        if self.write is None:
            self._start()
        return result


def _chain(first: list[bytes], rest: Iterator[bytes], original: Iterable[bytes]) -> Iterable[bytes]:
    class Chained:
        def __iter__(self) -> Iterator[bytes]:
            yield from first
            yield from rest

        def close(self) -> None:
            _close(original)

    return Chained()


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def _path(environ: Environ) -> str:
    raw = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", "") or "/")
    try:  # PEP 3333 carries the path as latin-1-decoded bytes
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return raw


def headers_of(environ: Environ) -> dict[str, str]:
    """The request headers of a WSGI environ (or Django's `META`), with lower-case names."""
    out: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[key[5:].replace("_", "-").lower()] = str(value)
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            out[key.replace("_", "-").lower()] = str(environ[key])
    return out


def _internal(inline: Inline, p: Protection, environ: Environ) -> Response:
    if p.internal != "verify":
        return inline.internal(p)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    body = b""
    if stream is not None and length > 0:  # never read(-1): a negative length reads it all
        body = stream.read(min(length, MAX_VERIFY_BODY + 1))
    return inline.verify(p, environ.get("CONTENT_TYPE", ""), body)


def _send(start_response: StartResponse, response: Response) -> list[bytes]:
    headers = [*response.headers, ("Content-Length", str(len(response.body)))]
    status = f"{response.status} {_REASONS.get(response.status, 'Unknown')}"
    start_response(status, headers)
    return [response.body]


_REASONS = {
    200: "OK",
    303: "See Other",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    429: "Too Many Requests",
    503: "Service Unavailable",
}
