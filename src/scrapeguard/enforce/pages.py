"""What a visitor sees for each action, as framework-neutral responses (HTML or JSON).

Pages are self-contained (no external resources), accessible, never cached or indexed, and
never tell the private reason for a decision: a blocked visitor sees only a reference id. The
challenge page solves its proof of work in the browser with a small pure-JavaScript SHA-256
(`crypto.subtle` is missing on plain-http origins) and offers, without JavaScript, a form
that succeeds after a short wait.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from json import dumps, loads
from typing import Final
from urllib.parse import parse_qsl, urlencode

from .challenge import MAX_TOKEN_CHARS, Challenge, Challenges, Claim, Result, safe_next

PASS_COOKIE: Final = "sg_pass"
PASS_HEADER: Final = "Scrapeguard-Pass"
#: The largest verify request body accepted; read at most one byte more to detect larger ones.
MAX_VERIFY_BODY: Final = 4096
ALGORITHM: Final = "sha256-leading-zero-bits"

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Response:
    """A complete HTTP response for the middleware to send instead of the app's."""

    status: int
    headers: Headers
    body: bytes


def blocked(reference: str, appeal: str | None, json: bool) -> Response:
    """403: access is blocked. Shows the `reference` support looks up and how to appeal
    (`appeal`: a mailto:, http(s) or same-site address), never the reason."""
    if json:
        return _json(403, {"error": "blocked", "reference": reference, "appeal": appeal})
    if appeal is None:
        how = "contact this site's support"
    elif _LINKABLE.match(appeal):
        how = f'<a href="{escape(appeal)}">contact us</a>'
    else:
        how = f"contact us at {escape(appeal)}"
    content = (
        "<p>Access to this site from your connection is blocked for now.</p>"
        f"<p>If you think this is a mistake, {how} and quote this reference: "
        f"<strong><code>{escape(reference)}</code></strong></p>"
    )
    return _html(403, "Access blocked", content)


def throttled(retry_after: int, json: bool) -> Response:
    """429: too many requests, with `Retry-After` and deliberately no `RateLimit-*` headers,
    which would teach a scraper the speed limit."""
    retry = (("Retry-After", str(max(0, retry_after))),)
    if json:
        return _json(429, {"error": "throttled", "retry_after": retry_after}, retry)
    content = f"<p>Please slow down, and try again in {_duration(retry_after)}.</p>"
    return _html(429, "Too many requests", content, retry)


def limited(retry_after: int, json: bool, reason_public: str) -> Response:
    """429: a data limit was reached (people seen per hour or day, search depth);
    `reason_public` is a short neutral sentence for the visitor."""
    retry = (("Retry-After", str(max(0, retry_after))),)
    if json:
        body = {"error": "limited", "message": reason_public, "retry_after": retry_after}
        return _json(429, body, retry)
    content = f"<p>{escape(reason_public)}</p><p>You can continue in {_duration(retry_after)}.</p>"
    return _html(429, "Limit reached", content, retry)


def login_required(login_url: str, next_url: str, json: bool) -> Response:
    """401: this content needs signing in. Links to `login_url` with `next=` the page the
    visitor was going to (a same-site path, else "/")."""
    joiner = "&" if "?" in login_url else "?"
    link = login_url + joiner + urlencode({"next": safe_next(next_url)})
    if json:
        return _json(401, {"error": "login-required", "login": link})
    content = (
        "<p>To protect the people on this site, this page is shown only to signed-in "
        f'members.</p><p><a class="button" href="{escape(link)}">Sign in</a></p>'
    )
    return _html(401, "Please sign in to continue", content)


def unavailable(json: bool) -> Response:
    """503: scrapeguard failed, and is configured to fail closed on personal data."""
    retry = (("Retry-After", "60"),)
    if json:
        return _json(503, {"error": "unavailable", "retry_after": 60}, retry)
    content = "<p>This page is unavailable for a moment. Please try again in a minute.</p>"
    return _html(503, "Temporarily unavailable", content, retry)


def challenge(ch: Challenge, verify_path: str, json: bool) -> Response:
    """403: the proof-of-work challenge.

    403, not 200, so that no cache or search engine keeps the interstitial as the page, and not
    429, which tells clients to come back later rather than to solve. The HTML page solves the
    challenge by itself and posts the proof to `verify_path`; without JavaScript it offers a
    form that succeeds after `ch.wait` seconds. The JSON variant is for API and mobile clients.
    """
    if json:
        body = {
            "error": "challenge",
            "challenge": {
                "token": ch.token,
                "algorithm": ALGORITHM,
                "difficulty": ch.difficulty,
                "input": "<token>:<counter>",
                "verify": verify_path,
                "expires": ch.expires,
            },
        }
        return _json(403, body)
    action = escape(verify_path)
    wait = f"Please wait {_duration(ch.wait)}, then press Continue."
    content = (
        "<p>This site protects the personal data of the people on it from bulk copying, so it "
        "first checks that visitors use a browser.</p>"
        '<div id="sg-auto" hidden>'
        "<p>Your browser is solving a small puzzle. This usually takes a few seconds and needs "
        "nothing from you.</p>"
        '<p id="sg-status" role="status" aria-live="polite">Checking…</p>'
        '<progress id="sg-progress" max="100" value="0" aria-label="Progress of the check">'
        "</progress>"
        f'<form id="sg-work" method="post" action="{action}" data-difficulty="{ch.difficulty}">'
        f'<input type="hidden" name="token" value="{escape(ch.token)}">'
        '<input type="hidden" name="mode" value="work">'
        '<input type="hidden" name="counter" value="">'
        "</form></div>"
        '<div id="sg-fallback" hidden>'
        + _wait_form(ch.token, action, f"Your browser could not run the check. {wait}")
        + "</div><noscript>"
        + _wait_form(
            ch.token,
            action,
            f"JavaScript is turned off in your browser, so the check cannot run by itself. "
            f"{wait} If you press it too early, you will be told how long is left.",
        )
        + "</noscript>"
    )
    return _html(403, "Checking your browser", content, script=_SOLVER)


def handle_verify(
    challenges: Challenges,
    method: str,
    content_type: str,
    body: bytes,
    now: float,
    ip: str,
    session: str | None,
    claim: Claim,
    json: bool,
    secure_cookie: bool,
) -> tuple[Response, str | None]:
    """The verify endpoint: check a solved (or waited-out) challenge and grant a pass.

    Accepts a POST, form-encoded (browsers) or JSON (API clients), with `token` and either
    `counter` (a decimal integer) or `mode` "wait"; other fields are ignored, `next` included:
    the visitor goes where the token, signed, says. On success HTML gets a 303 there that sets
    the `sg_pass` cookie (`Secure` if `secure_cookie`), JSON gets `{"pass", "expires"}`, the pass
    to send back in the `Scrapeguard-Pass` header. Returns the response and the pass token
    (None on failure).
    """
    if method.upper() != "POST":
        return _problem(405, json, (("Allow", "POST"),)), None
    if len(body) > MAX_VERIFY_BODY:
        return _problem(413, json), None
    fields = _fields(content_type, body)
    if fields is None or "token" not in fields:
        return _problem(400, json), None
    token = fields["token"]
    mode = fields.get("mode", "work")
    counter = fields.get("counter", "")
    if mode == "wait":
        result = challenges.verify_wait(token, now, ip, session, claim)
    elif mode == "work" and _COUNTER.fullmatch(counter):
        result = challenges.verify_work(token, int(counter), now, ip, session, claim)
    else:
        return _problem(400, json), None
    if result.ok:
        return _passed(result, now, json, secure_cookie), result.pass_token
    if result.reason == "too-early":
        return _too_early(result, token, json), None
    return _failed(result, json), None


def _fields(content_type: str, body: bytes) -> dict[str, str] | None:
    """The verify fields of a form-encoded or JSON body; None if it is malformed."""
    kind = content_type.partition(";")[0].strip().lower()
    try:
        if kind == "application/x-www-form-urlencoded":
            text = body.decode("ascii")
            form = parse_qsl(text, keep_blank_values=True, strict_parsing=True, max_num_fields=8)
            pairs: list[tuple[str, str | None]] = list(form)
        elif kind == "application/json":
            data = loads(body)
            if not isinstance(data, dict):
                return None
            pairs = [(k, _json_text(v)) for k, v in data.items()]
        else:
            return None
    except ValueError:  # also UnicodeDecodeError and JSONDecodeError
        return None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name not in _FIELDS:
            continue
        if value is None or name in fields or len(value) > MAX_TOKEN_CHARS:
            return None
        fields[name] = value
    return fields


def _json_text(value: object) -> str | None:
    """A JSON field as text (a counter may come as a number); None if it is neither."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _passed(result: Result, now: float, json: bool, secure_cookie: bool) -> Response:
    token = result.pass_token or ""
    if json:
        return _json(200, {"pass": token, "expires": result.expires})
    max_age = max(0, math.ceil(result.expires - now))
    cookie = f"{PASS_COOKIE}={token}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax"
    if secure_cookie:
        cookie += "; Secure"
    target = escape(result.next_url)
    content = f'<p><a href="{target}">Continue to the page</a></p>'
    headers = (("Location", result.next_url), ("Set-Cookie", cookie))
    return _html(303, "Thank you", content, headers)


def _too_early(result: Result, token: str, json: bool) -> Response:
    """429 and the same form again: the challenge was not used up."""
    retry = (("Retry-After", str(result.retry_after)),)
    if json:
        return _json(429, {"error": "too-early", "retry_after": result.retry_after}, retry)
    text = f"Almost there. Please wait {_duration(result.retry_after)} more, then press Continue."
    # No action: the form posts back to this page's address, the verify path.
    return _html(429, "Checking your browser", _wait_form(token, None, text), retry)


def _failed(result: Result, json: bool) -> Response:
    if json:
        return _json(403, {"error": "challenge-failed", "reason": result.reason})
    why = _FAILED.get(result.reason, "The check could not be verified.")
    content = (
        f"<p>{why} A new check will start when you try again.</p>"
        f'<p><a class="button" href="{escape(result.next_url)}">Try again</a></p>'
    )
    return _html(403, "The check did not succeed", content)


def _problem(status: int, json: bool, headers: Headers = ()) -> Response:
    error, title, text = _PROBLEMS[status]
    if json:
        return _json(status, {"error": error}, headers)
    return _html(status, title, f"<p>{text}</p>", headers)


def _wait_form(token: str, action: str | None, text: str) -> str:
    """The no-JavaScript form: `action` is already HTML-escaped (None posts to this page)."""
    target = f' action="{action}"' if action is not None else ""
    return (
        f'<form method="post"{target}><p>{text}</p>'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        '<input type="hidden" name="mode" value="wait">'
        '<button type="submit">Continue</button></form>'
    )


def _duration(seconds: int) -> str:
    """Seconds in words, rounded up to the largest sensible unit ("2 minutes")."""
    if seconds <= 0:
        return "a moment"
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            count = math.ceil(seconds / size)
            return f"{count} {unit}s"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def _html(
    status: int, title: str, content: str, headers: Headers = (), script: str | None = None
) -> Response:
    nonce = secrets.token_urlsafe(16)
    scripts = f"script-src 'nonce-{nonce}'; " if script is not None else ""
    csp = (
        f"default-src 'none'; {scripts}style-src 'nonce-{nonce}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark"><meta name="robots" content="noindex">'
        f'<title>{escape(title)}</title><style nonce="{nonce}">{_CSS}</style></head>'
        f"<body><main><h1>{escape(title)}</h1>{content}</main>"
        + (f'<script nonce="{nonce}">{script}</script>' if script is not None else "")
        + "</body></html>\n"
    )
    return Response(
        status,
        (
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", csp),
            *_BASE_HEADERS,
            *headers,
        ),
        page.encode(),
    )


def _json(status: int, body: Mapping[str, object], headers: Headers = ()) -> Response:
    return Response(
        status,
        (
            ("Content-Type", "application/json"),
            ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            *_BASE_HEADERS,
            *headers,
        ),
        dumps(body, separators=(",", ":")).encode(),
    )


_FIELDS = frozenset({"token", "mode", "counter"})
_COUNTER = re.compile(r"0|[1-9][0-9]{0,15}")
_LINKABLE = re.compile(r"(mailto:|https?://|/)")
_BASE_HEADERS: Headers = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Robots-Tag", "noindex"),
)
_FAILED = {
    "expired": "The check was not finished in time and has expired.",
    "replayed": "This check has already been used.",
    "wrong-binding": "Your connection changed during the check.",
}
_PROBLEMS = {
    400: ("bad-request", "Bad request", "The check's form was incomplete or malformed."),
    405: ("method-not-allowed", "Method not allowed", "This address only accepts the check."),
    413: ("too-large", "Request too large", "The check's form was too large."),
}
# No colours and no motion: the browser's own light or dark scheme, nothing to reduce.
_CSS = (
    "body{font:1.125rem/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem}"
    "main{max-width:36rem;margin:0 auto}"
    "progress{width:100%;height:1rem}"
    "button,.button{display:inline-block;font:inherit;padding:.5rem 1.25rem;"
    "border:2px solid currentColor;border-radius:.25rem;cursor:pointer}"
)
# Finds the counter whose SHA-256 of "<token>:<counter>" starts with `difficulty` zero bits.
# The state after the token's whole 64-byte blocks is computed once, so each try hashes only
# the last one or two blocks. It works in slices of about 50 ms, yielding to the event loop
# between them so that the page stays responsive.
_SOLVER = r"""
(function () {
  "use strict";
  var K = new Int32Array([
    0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
    0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
    0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
    0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
    0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
    0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
    0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
    0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]);
  var W = new Int32Array(64);

  function compress(s, m, o) {
    var i, x, y, t1, t2;
    for (i = 0; i < 16; i++) W[i] = m[o + i];
    for (i = 16; i < 64; i++) {
      x = W[i - 15];
      y = W[i - 2];
      W[i] = (W[i - 16] + W[i - 7]
        + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3))
        + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    }
    var a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (i = 0; i < 64; i++) {
      t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))
        + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10)))
        + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    s[0] = (s[0] + a) | 0; s[1] = (s[1] + b) | 0; s[2] = (s[2] + c) | 0; s[3] = (s[3] + d) | 0;
    s[4] = (s[4] + e) | 0; s[5] = (s[5] + f) | 0; s[6] = (s[6] + g) | 0; s[7] = (s[7] + h) | 0;
  }

  function put(words, at, code) {
    words[at >> 2] |= code << (24 - 8 * (at & 3));
  }

  var auto = document.getElementById("sg-auto");
  var form = document.getElementById("sg-work");
  var progress = document.getElementById("sg-progress");

  function fallback() {
    auto.hidden = true;
    document.getElementById("sg-fallback").hidden = false;
  }

  try {
    auto.hidden = false;
    var difficulty = Number(form.getAttribute("data-difficulty"));
    var prefix = form.elements.token.value + ":";
    var whole = prefix.length - prefix.length % 64;
    var rest = prefix.length - whole;
    var mid = new Int32Array([
      0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19]);
    var head = new Int32Array(whole / 4);
    var tail = new Int32Array(32);
    var block = new Int32Array(32);
    var state = new Int32Array(8);
    var i;
    for (i = 0; i < whole; i++) put(head, i, prefix.charCodeAt(i));
    for (i = 0; i < head.length; i += 16) compress(mid, head, i);
    for (i = 0; i < rest; i++) put(tail, i, prefix.charCodeAt(whole + i));
    var expected = Math.pow(2, difficulty);
    var counter = 0;
  } catch (err) {
    fallback();
    return;
  }

  function solves(n) {
    var digits = String(n);
    var size = rest + digits.length;
    block.set(tail);
    for (var j = 0; j < digits.length; j++) put(block, rest + j, digits.charCodeAt(j));
    put(block, size, 0x80);
    var blocks = size + 9 <= 64 ? 1 : 2;
    block[blocks * 16 - 1] = (whole + size) * 8;
    state.set(mid);
    compress(state, block, 0);
    if (blocks === 2) compress(state, block, 16);
    return Math.clz32(state[0]) >= difficulty;
  }

  function finish() {
    progress.value = 100;
    document.getElementById("sg-status").textContent = "Done. Continuing\u2026";
    form.elements.counter.value = String(counter);
    form.submit();
  }

  function work() {
    try {
      var until = performance.now() + 50;
      do {
        for (var k = 0; k < 2048; k++, counter++) {
          if (solves(counter)) return finish();
        }
      } while (performance.now() < until);
      progress.value = 100 * (1 - Math.exp(-counter / expected));
      setTimeout(work, 0);
    } catch (err) {
      fallback();
    }
  }

  setTimeout(work, 0);
})();
"""
