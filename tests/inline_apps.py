"""One tiny people site, written for Starlette, Flask and Django, each behind scrapeguard, and
a uniform client for each: the action tests run the same scenarios through all three."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from scrapeguard.config import load_document
from scrapeguard.engine import Guard, NetworkInfo, NoNetworkInfo
from scrapeguard.integrations.inline import Inline, protection
from scrapeguard.integrations.loading import read_config
from scrapeguard.state import open_state

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
PROXY = "10.0.0.1"
SECRET = b"k" * 32
BROWSER = {
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "accept-language": "en-GB,en;q=0.9",
    "accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    # Fetch metadata, as Chrome sends it to an HTTPS or loopback site (Flask's test host is
    # localhost).
    "sec-fetch-site": "none",
    "sec-fetch-mode": "navigate",
    "sec-fetch-dest": "document",
}

CONFIG = """
site:
  personal_data:
    - {route: "/u/{name}", subject: name, fields: [name, bio, email, phone]}
    - {route: "/api/users/{name}", subject: name, fields: [name, bio, email, phone]}
  search:
    - {route: /search, param: q, page_size: 20}
  signup: [/signup]
  login: [/login]
network:
  trusted_proxies: [10.0.0.1]
policy:
  mode: MODE
  partners:
    - {name: lab, purpose: "academic study", match: {ip: [192.0.2.50]}, people_per_day: 1000,
       expires: 2030-01-01}
  limits: {guest: {people_per_day: 30}, search: {max_page: 5, max_results: 60}}
enforce:
  appeal: "mailto:appeals@example.org"
  secure_cookies: false
  client_header: x-forwarded-for
  challenge: {difficulty: 8, wait: 1s}
  tarpit: {delay: 0.3s}
  on_error: ON_ERROR
"""


class Clock:
    """The injected clock: tests move time by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def make_inline(
    mode: str = "enforce",
    on_error: str = "open",
    clock: Clock | None = None,
    can_wait: bool = False,
    network: NetworkInfo | None = None,
) -> Inline:
    """An `Inline` for CONFIG in `mode`, failing `on_error`, on the test clock, knowing no
    network (or `network`)."""
    text = CONFIG.replace("MODE", mode).replace("ON_ERROR", on_error)
    doc = load_document(text, "inline.yaml")
    site, policy, settings, state_url = read_config(doc)
    network = network if network is not None else NoNetworkInfo()
    guard = Guard(site, policy, open_state(state_url), network, clock or Clock())
    return Inline(guard, settings, secret=SECRET, can_wait=can_wait)


def person(name: str) -> dict[str, str]:
    """A person of the test site; contact fields are fictional."""
    return {
        "name": name.title(),
        "bio": f"{name} likes tests",
        "email": f"{name}@people.example.net",
        "phone": "+44 7700 900123",
    }


def _profile(p: Any, name: str) -> dict[str, Any]:
    p.disclose(name, ("name", "bio", "email", "phone"))
    return p.filter(person(name), name)


def _search(p: Any, query: dict[str, str]) -> dict[str, Any]:
    page = int(query.get("page", "1") or 1)
    names = [f"{query.get('q', '')}{i}" for i in range((page - 1) * 20, page * 20)]
    if p.max_results:
        names = [n for i, n in enumerate(names) if (page - 1) * 20 + i < p.max_results]
    p.disclose(names, ("name",))
    return {"results": [{"name": n} for n in names]}


# -- Starlette ------------------------------------------------------------------------------


def starlette_app(inline: Inline) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    from scrapeguard.integrations.asgi import ScrapeguardMiddleware

    def account(request: Request) -> None:
        if "account" in request.cookies:
            protection(request).identify(request.cookies["account"], T0 - 86400 * 365)

    async def profile(request: Request) -> JSONResponse:
        account(request)
        return JSONResponse(_profile(protection(request), request.path_params["name"]))

    async def search(request: Request) -> JSONResponse:
        account(request)
        query = dict(request.query_params)
        if request.method == "POST":  # the search form may post its terms
            query.update({k: str(v) for k, v in (await request.form()).items()})
        return JSONResponse(_search(protection(request), query))

    async def signup(request: Request) -> PlainTextResponse:
        form = await request.form()
        protection(request).signup(str(form.get("account")))
        return PlainTextResponse("welcome")

    async def webhook(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hook ok: " + (await request.body()).decode())

    async def boom(request: Request) -> PlainTextResponse:
        raise RuntimeError("the app failed")

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("home")

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/u/{name}", profile),
            Route("/api/users/{name}", profile),
            Route("/search", search, methods=["GET", "POST"]),
            Route("/signup", signup, methods=["POST"]),
            Route("/webhooks/github", webhook, methods=["POST"]),
            Route("/boom", boom),
        ]
    )
    return ScrapeguardMiddleware(app, inline=inline)


# -- Flask ------------------------------------------------------------------------------------


def flask_app(inline: Inline) -> Any:
    from flask import Flask, jsonify, request

    from scrapeguard.integrations.flask import Scrapeguard

    app = Flask("people")

    def account() -> None:
        if "account" in request.cookies:
            protection(request).identify(request.cookies["account"], T0 - 86400 * 365)

    @app.get("/")
    def home() -> str:
        return "home"

    @app.get("/u/<name>")
    @app.get("/api/users/<name>")
    def profile(name: str) -> Any:
        account()
        return jsonify(_profile(protection(request), name))

    @app.route("/search", methods=["GET", "POST"])
    def search() -> Any:
        account()
        return jsonify(_search(protection(request), dict(request.values)))

    @app.post("/signup")
    def signup() -> str:
        protection(request).signup(request.form["account"])
        return "welcome"

    @app.post("/webhooks/github")
    def webhook() -> str:
        return "hook ok: " + request.get_data(as_text=True)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("the app failed")

    Scrapeguard(app, inline=inline)
    return app


# -- Django -----------------------------------------------------------------------------------


def _django_urls() -> list[Any]:
    from django.http import HttpRequest, HttpResponse, JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    def account(request: HttpRequest) -> None:
        if "account" in request.COOKIES:
            protection(request).identify(request.COOKIES["account"], T0 - 86400 * 365)

    def profile(request: HttpRequest, name: str) -> JsonResponse:
        account(request)
        return JsonResponse(_profile(protection(request), name))

    @csrf_exempt
    def search(request: HttpRequest) -> JsonResponse:
        account(request)
        return JsonResponse(
            _search(protection(request), {**request.GET.dict(), **request.POST.dict()})
        )

    @csrf_exempt
    def signup(request: HttpRequest) -> HttpResponse:
        protection(request).signup(request.POST["account"])
        return HttpResponse("welcome")

    @csrf_exempt
    def webhook(request: HttpRequest) -> HttpResponse:
        return HttpResponse("hook ok: " + request.body.decode())

    def boom(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("the app failed")

    return [
        path("", lambda r: HttpResponse("home")),
        path("u/<str:name>", profile),
        path("api/users/<str:name>", profile),
        path("search", search),
        path("signup", signup),
        path("webhooks/github", webhook),
        path("boom", boom),
    ]


urlpatterns: list[Any] = []


def django_setup() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests-only",
            ROOT_URLCONF=__name__,
            ALLOWED_HOSTS=["*"],
            MIDDLEWARE=["scrapeguard.integrations.django.ScrapeguardMiddleware"],
            INSTALLED_APPS=[],
            SCRAPEGUARD={},
        )
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        django.setup()
        urlpatterns.extend(_django_urls())


# -- uniform clients ------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class Client(Protocol):
    inline: Inline

    def get(self, path: str, ip: str, headers: dict[str, str] | None = None) -> Reply: ...

    def post(
        self, path: str, ip: str, data: dict[str, str] | str, headers: dict[str, str] | None = None
    ) -> Reply: ...

    def set_cookie(self, name: str, value: str) -> None: ...

    def cookie(self, name: str) -> str | None: ...


class StarletteClient:
    def __init__(self, inline: Inline) -> None:
        from starlette.testclient import TestClient

        self.inline = inline
        self.http = TestClient(
            starlette_app(inline),
            client=(PROXY, 40000),
            follow_redirects=False,
            raise_server_exceptions=False,
        )

    def get(self, path: str, ip: str, headers: dict[str, str] | None = None) -> Reply:
        r = self.http.get(path, headers={"x-forwarded-for": ip, **BROWSER, **(headers or {})})
        return Reply(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.text)

    def post(
        self, path: str, ip: str, data: dict[str, str] | str, headers: dict[str, str] | None = None
    ) -> Reply:
        h = {"x-forwarded-for": ip, **BROWSER, **(headers or {})}
        if isinstance(data, str):
            r = self.http.post(path, content=data, headers=h)
        else:
            r = self.http.post(path, data=data, headers=h)
        return Reply(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.text)

    def set_cookie(self, name: str, value: str) -> None:
        self.http.cookies.set(name, value)

    def cookie(self, name: str) -> str | None:
        return self.http.cookies.get(name)


class FlaskClient:
    def __init__(self, inline: Inline) -> None:
        self.inline = inline
        self.http = flask_app(inline).test_client()

    def _reply(self, r: Any) -> Reply:
        return Reply(
            r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.get_data(as_text=True)
        )

    def get(self, path: str, ip: str, headers: dict[str, str] | None = None) -> Reply:
        return self._reply(
            self.http.get(
                path,
                headers={"X-Forwarded-For": ip, **BROWSER, **(headers or {})},
                environ_base={"REMOTE_ADDR": PROXY},
            )
        )

    def post(
        self, path: str, ip: str, data: dict[str, str] | str, headers: dict[str, str] | None = None
    ) -> Reply:
        return self._reply(
            self.http.post(
                path,
                data=data,
                headers={"X-Forwarded-For": ip, **BROWSER, **(headers or {})},
                environ_base={"REMOTE_ADDR": PROXY},
            )
        )

    def set_cookie(self, name: str, value: str) -> None:
        self.http.set_cookie(name, value)

    def cookie(self, name: str) -> str | None:
        c = self.http.get_cookie(name)
        return c.value if c is not None else None


class DjangoClient:
    def __init__(self, inline: Inline) -> None:
        django_setup()
        from django.conf import settings
        from django.test import Client as TestClient

        self.inline = inline
        settings.SCRAPEGUARD = {"inline": inline}
        self.http = TestClient(REMOTE_ADDR=PROXY, raise_request_exception=False)

    def _reply(self, r: Any) -> Reply:
        body = b"".join(r.streaming_content) if r.streaming else r.content
        return Reply(r.status_code, {k.lower(): v for k, v in r.items()}, body.decode())

    @staticmethod
    def _meta(ip: str, headers: dict[str, str] | None) -> dict[str, str]:
        out = {"HTTP_X_FORWARDED_FOR": ip}
        for k, v in {**BROWSER, **(headers or {})}.items():
            out["HTTP_" + k.upper().replace("-", "_")] = v
        return out

    def get(self, path: str, ip: str, headers: dict[str, str] | None = None) -> Reply:
        return self._reply(self.http.get(path, **self._meta(ip, headers)))  # type: ignore[arg-type]

    def post(
        self, path: str, ip: str, data: dict[str, str] | str, headers: dict[str, str] | None = None
    ) -> Reply:
        meta = self._meta(ip, headers)
        if isinstance(data, str):
            r = self.http.generic("POST", path, data.encode(), "text/plain", **meta)  # type: ignore[arg-type]
        else:
            form = urlencode(data)
            r = self.http.post(path, form, "application/x-www-form-urlencoded", **meta)  # type: ignore[arg-type]
        return self._reply(r)

    def set_cookie(self, name: str, value: str) -> None:
        self.http.cookies[name] = value

    def cookie(self, name: str) -> str | None:
        c = self.http.cookies.get(name)
        return c.value if c is not None else None


CLIENTS: dict[str, Callable[[Inline], Client]] = {
    "starlette": StarletteClient,
    "flask": FlaskClient,
    "django": DjangoClient,
}
