"""User agents and the headers that go with them, as of September 2026.

Browsers are drawn from current and recent versions of Chrome, Edge, Firefox, Safari and
Samsung Internet on desktop and mobile; each family sends its own `Accept` headers for pages,
stylesheets, scripts and images, and an `Accept-Language` in its own style. Programs (HTTP
client libraries, headless browsers, crawlers) send what those programs send.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")

CHROME_PAGE = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
FIREFOX_PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SAFARI_PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_IMAGE = {
    "chrome": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "firefox": "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
    "safari": (
        "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,"
        "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
    ),
}
_PAGE = {"chrome": CHROME_PAGE, "firefox": FIREFOX_PAGE, "safari": SAFARI_PAGE}
CSS_ACCEPT = "text/css,*/*;q=0.1"
JS_ACCEPT = "*/*"

_CHROME = ((152, 50), (151, 28), (150, 10), (149, 5), (146, 4), (142, 3))
_FIREFOX = ((155, 45), (154, 25), (153, 10), (140, 15), (128, 5))
_SAFARI = (("26.6", 35), ("26.5", 30), ("26.4", 12), ("18.6", 15), ("17.6", 8))
_CHROME_BUILDS = {152: 7444, 151: 7390, 150: 7339, 149: 7296, 146: 7148, 142: 6983}

_WIN = "Windows NT 10.0; Win64; x64"
_MAC = "Macintosh; Intel Mac OS X 10_15_7"
_LINUX = "X11; Linux x86_64"
_ANDROID_MODELS = ("SM-S931B", "SM-A556B", "SM-S921B", "SM-A356B")
_ANDROID_VERSIONS = ("14", "15", "16")


@dataclass(frozen=True, slots=True)
class Agent:
    """A client program as the site sees it.

    `family` picks the `Accept` headers ("chrome", "firefox", "safari"; "" for programs, whose
    `accept` is fixed); `mobile` is a phone.
    """

    user_agent: str
    family: str = ""
    mobile: bool = False
    accept: str = ""

    def page_accept(self) -> str:
        """`Accept` of a page request."""
        return _PAGE.get(self.family, self.accept)

    def asset_accept(self, path: str) -> str:
        """`Accept` of a subresource request for `path`."""
        if not self.family:
            return self.accept
        if path.endswith(".css"):
            return CSS_ACCEPT
        if path.endswith(".js"):
            return JS_ACCEPT
        return _IMAGE[self.family]


def fetch_metadata(accept: str, referer: str) -> dict[str, str]:
    """The fetch metadata (Sec-Fetch-*) a browser sends with a request of this `accept` and
    `referer` to an HTTPS or loopback site: navigations from a link or typed in, and
    subresources of a page of the site."""
    site = "same-origin" if referer else "none"
    if accept.startswith("text/html"):
        return {
            "sec-fetch-site": site,
            "sec-fetch-mode": "navigate",
            "sec-fetch-user": "?1",
            "sec-fetch-dest": "document",
        }
    if accept.startswith("text/css"):
        dest = "style"
    elif accept.startswith("image/"):
        dest = "image"
    elif accept == JS_ACCEPT:
        dest = "script"
    else:
        return {"sec-fetch-site": site, "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}
    return {"sec-fetch-site": site, "sec-fetch-mode": "no-cors", "sec-fetch-dest": dest}


def _weighted(rng: random.Random, table: tuple[tuple[_T, int], ...]) -> _T:
    values = [v for v, _ in table]
    weights = [w for _, w in table]
    return rng.choices(values, weights)[0]


def chrome_version(rng: random.Random) -> int:
    """A Chrome major version in use in September 2026."""
    return _weighted(rng, _CHROME)


def _chrome_full(rng: random.Random, major: int) -> str:
    return f"{major}.0.{_CHROME_BUILDS.get(major, 7000)}.{rng.randint(40, 180)}"


def browser(rng: random.Random, *, mobile: bool | None = None, family: str | None = None) -> Agent:
    """A browser of a person: desktop or phone (`mobile`), of `family` or any."""
    if mobile is None:
        mobile = rng.random() < 0.55
    if family is None:
        weights = (60, 10, 30) if mobile else (62, 16, 22)
        family = rng.choices(("chrome", "firefox", "safari"), weights)[0]
    if family == "chrome":
        major = chrome_version(rng)
        if mobile:
            roll = rng.random()
            if roll < 0.15:  # Chrome on iPhone is WebKit underneath
                ua = (
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 "
                    f"(KHTML, like Gecko) CriOS/{_chrome_full(rng, major)} Mobile/15E148 "
                    "Safari/604.1"
                )
                return Agent(ua, "safari", True)
            if roll < 0.35:
                model = rng.choice(_ANDROID_MODELS)
                android = rng.choice(_ANDROID_VERSIONS)
                ua = (
                    f"Mozilla/5.0 (Linux; Android {android}; SAMSUNG {model}) AppleWebKit/537.36 "
                    "(KHTML, like Gecko) SamsungBrowser/29.0 Chrome/136.0.0.0 Mobile "
                    "Safari/537.36"
                )
                return Agent(ua, "chrome", True)
            ua = (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                f"Chrome/{major}.0.0.0 Mobile Safari/537.36"
            )
            return Agent(ua, "chrome", True)
        system = rng.choices((_WIN, _MAC, _LINUX), (70, 24, 6))[0]
        ua = (
            f"Mozilla/5.0 ({system}) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{major}.0.0.0 Safari/537.36"
        )
        if system == _WIN and rng.random() < 0.3:
            ua += f" Edg/{major}.0.0.0"
        return Agent(ua, "chrome", False)
    if family == "firefox":
        major = _weighted(rng, _FIREFOX)
        if mobile:
            android = rng.choice(_ANDROID_VERSIONS)
            ua = (
                f"Mozilla/5.0 (Android {android}; Mobile; rv:{major}.0) Gecko/{major}.0 "
                f"Firefox/{major}.0"
            )
            return Agent(ua, "firefox", True)
        system = rng.choices(
            (
                "Windows NT 10.0; Win64; x64",
                "Macintosh; Intel Mac OS X 10.15",
                "X11; Linux x86_64",
                "X11; Ubuntu; Linux x86_64",
            ),
            (60, 18, 12, 10),
        )[0]
        ua = f"Mozilla/5.0 ({system}; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"
        return Agent(ua, "firefox", False)
    version = _weighted(rng, _SAFARI)
    if mobile:
        ios = "18_6" if version.startswith("26") else version.replace(".", "_")
        ua = (
            f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 "
            f"(KHTML, like Gecko) Version/{version} Mobile/15E148 Safari/604.1"
        )
        return Agent(ua, "safari", True)
    ua = (
        f"Mozilla/5.0 ({_MAC}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{version} "
        "Safari/605.1.15"
    )
    return Agent(ua, "safari", False)


def headless(rng: random.Random, declared: bool) -> Agent:
    """Headless Chrome: with "HeadlessChrome" in the user agent (`declared`) or a normal one."""
    major = chrome_version(rng)
    system = _LINUX if declared or rng.random() < 0.5 else _WIN
    product = "HeadlessChrome" if declared else "Chrome"
    version = _chrome_full(rng, major) if declared else f"{major}.0.0.0"
    ua = (
        f"Mozilla/5.0 ({system}) AppleWebKit/537.36 (KHTML, like Gecko) {product}/{version} "
        "Safari/537.36"
    )
    return Agent(ua, "chrome", False)


#: HTTP client libraries: user agent, Accept, Accept-Language (None: not sent).
LIBRARIES: tuple[tuple[str, str, str | None], ...] = (
    ("python-requests/2.32.5", "*/*", None),
    ("python-requests/2.32.3", "*/*", None),
    ("python-requests/2.31.0", "*/*", None),
    ("curl/8.15.0", "*/*", None),
    ("curl/8.5.0", "*/*", None),
    ("curl/7.81.0", "*/*", None),
    ("Go-http-client/1.1", "", None),
    ("Go-http-client/2.0", "", None),
    ("Python/3.12 aiohttp/3.12.15", "*/*", None),
    ("Python/3.11 aiohttp/3.9.5", "*/*", None),
    ("python-httpx/0.28.1", "*/*", None),
    ("axios/1.11.0", "application/json, text/plain, */*", None),
    ("okhttp/4.12.0", "", None),
    ("Scrapy/2.13.3 (+https://scrapy.org)", FIREFOX_PAGE, "en"),
    ("Wget/1.25.0", "*/*", None),
    ("libwww-perl/6.77", "", None),
)


def library(rng: random.Random) -> tuple[Agent, str | None]:
    """An HTTP client library and the Accept-Language it sends (usually none)."""
    ua, accept, language = rng.choice(LIBRARIES)
    return Agent(ua, "", False, accept), language


GOOGLEBOT_ACCEPT = (
    "text/html,application/xhtml+xml,application/signed-exchange;v=b3,application/xml;q=0.9,"
    "*/*;q=0.8"
)


def googlebot(rng: random.Random) -> Agent:
    """One of Googlebot's user agents (desktop, smartphone or the classic one)."""
    full = _chrome_full(rng, chrome_version(rng))
    ua = rng.choice(
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
            f"+http://www.google.com/bot.html) Chrome/{full} Safari/537.36",
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
            f"(KHTML, like Gecko) Chrome/{full} Mobile Safari/537.36 (compatible; "
            "Googlebot/2.1; +http://www.google.com/bot.html)",
        )
    )
    return Agent(ua, "", False, GOOGLEBOT_ACCEPT)


def bingbot(rng: random.Random) -> Agent:
    """One of Bingbot's user agents."""
    ua = rng.choice(
        (
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
            "+http://www.bing.com/bingbot.htm) Chrome/136.0.0.0 Safari/537.36",
        )
    )
    return Agent(ua, "", False, "*/*")


#: Self-declared SEO crawlers whose operators publish no address ranges.
SEO_BOTS = (
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
    "Mozilla/5.0 (compatible; BLEXBot/1.0; +https://help.seranking.com/en/blex-crawler)",
    "Mozilla/5.0 (compatible; DataForSeoBot/1.0; +https://dataforseo.com/dataforseo-bot)",
    "Mozilla/5.0 (compatible; SeekportBot; +https://bot.seekport.com)",
)


def seo_bot(rng: random.Random) -> Agent:
    """A lesser-known SEO crawler, declared by name and URL."""
    return Agent(rng.choice(SEO_BOTS), "", False, rng.choice(("*/*", FIREFOX_PAGE)))


_BOT_NAMES = ("PeopleIndex", "ProfileScout", "TalentRadar", "OpenDirectory", "Crawlio", "Findr")


def crawler_script(rng: random.Random) -> Agent:
    """A home-made crawler's self-description: bot-like with a URL, or a contact address."""
    name = rng.choice(_BOT_NAMES)
    major, minor = rng.randint(0, 3), rng.randint(0, 9)
    domain = f"{name.lower()}.example"
    ua = rng.choice(
        (
            f"Mozilla/5.0 (compatible; {name}Bot/{major}.{minor}; +https://{domain}/bot)",
            f"{name.lower()}-crawler/{major}.{minor} (+https://{domain}; crawler@{domain})",
            f"{name}/{major}.{minor} (research crawler; mailto:ops@{domain})",
        )
    )
    return Agent(ua, "", False, rng.choice(("*/*", FIREFOX_PAGE, "text/html")))


#: Locales of the site's visitors (a British site with European and other visitors).
_LOCALES = (
    ("en-GB", 60),
    ("en-US", 12),
    ("en-IN", 3),
    ("en-IE", 2),
    ("de-DE", 5),
    ("fr-FR", 4),
    ("pl-PL", 4),
    ("es-ES", 3),
    ("it-IT", 3),
    ("nl-NL", 2),
    ("ro-RO", 2),
)


def accept_language(rng: random.Random, family: str) -> str:
    """An Accept-Language header in the style of `family`."""
    locale = _weighted(rng, _LOCALES)
    lang = locale[:2]
    if family == "firefox":
        if lang == "en":
            return f"{locale},{lang};q=0.5"
        return f"{locale},{lang};q=0.8,en-US;q=0.5,en;q=0.3"
    if family == "safari":
        return f"{locale},{lang};q=0.9" if rng.random() < 0.8 else locale
    if lang == "en":
        if locale == "en-GB" and rng.random() < 0.4:
            return "en-GB,en-US;q=0.9,en;q=0.8"
        return f"{locale},{lang};q=0.9"
    return f"{locale},{lang};q=0.9,en-US;q=0.8,en;q=0.7"
