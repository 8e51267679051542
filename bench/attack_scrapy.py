"""One Scrapy crawl of the demo site, run by bench/attack_suite.py in its own process (Twisted's
reactor starts once per process).

    python3 bench/attack_scrapy.py --base http://127.0.0.1:8000 --bind 127.10.4.1 \
        --variant default --seconds 60 --max-requests 2000 --out hits.jsonl

`default` is Scrapy with its default settings. `stealth` turns on AutoThrottle, sends a
browser's user agent and headers, and signs up for an account first so that it crawls with a
session cookie. Both walk the member directory and every profile it links, each request
from `--bind` (Scrapy's `bindaddress` request meta). Every response, whatever its status, is
appended to `--out` as one JSON line: time, url, status, and the body (the suite counts the
people in it).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import FormRequest, Request, Response

BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/142.0.0.0 Safari/537.36"
)
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.9",
}


class DirectorySpider(scrapy.Spider):
    """Walks /directory page by page and follows every profile link."""

    name = "directory"
    custom_settings = {"HTTPERROR_ALLOW_ALL": True}  # hand every status to the spider

    def __init__(self, base: str, bind: str, signup: bool, **kw: Any) -> None:
        super().__init__(**kw)
        self.base = base.rstrip("/")
        self.bind = bind
        self.signup = signup

    def _meta(self) -> dict[str, Any]:
        return {"bindaddress": (self.bind, 0)}

    async def start(self) -> AsyncIterator[Request]:
        if self.signup:
            name = "sc" + secrets.token_hex(5)
            yield FormRequest(
                self.base + "/signup",
                formdata={
                    "username": name,
                    "email": f"{name}@example.net",
                    "password": secrets.token_hex(8),
                },
                meta=self._meta(),
                callback=self.after_signup,
                dont_filter=True,
            )
        else:
            yield self._get("/directory?page=1")

    def after_signup(self, response: Response) -> Iterator[Request]:
        yield self._get("/directory?page=1")

    def _get(self, path: str) -> Request:
        return Request(self.base + path, meta=self._meta(), callback=self.parse)

    def parse(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            return
        for href in response.css("ol.people a::attr(href)").getall():
            yield self._get(href)
        for href in response.css('a[rel="next"]::attr(href)').getall():
            yield self._get(href)


def main() -> None:
    """Run one bounded crawl and write every response to `--out`."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--base", required=True)
    ap.add_argument("--bind", required=True)
    ap.add_argument("--variant", choices=("default", "stealth"), default="default")
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--max-requests", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    settings: dict[str, Any] = {
        "LOG_LEVEL": os.environ.get("SCRAPY_LOG", "WARNING"),
        "TELNETCONSOLE_ENABLED": False,
        "CLOSESPIDER_TIMEOUT": args.seconds,
        "CLOSESPIDER_PAGECOUNT": args.max_requests,
    }
    if args.variant == "stealth":
        settings |= {
            "AUTOTHROTTLE_ENABLED": True,
            "USER_AGENT": BROWSER_UA,
            "DEFAULT_REQUEST_HEADERS": BROWSER_HEADERS,
            "COOKIES_ENABLED": True,
        }
    out = open(args.out, "a", encoding="utf-8")  # noqa: SIM115 - closed when the crawl ends

    def received(response: Response, request: Request, spider: scrapy.Spider) -> None:
        row = {
            "t": time.time(),
            "url": response.url,
            "status": response.status,
            "body": response.text if hasattr(response, "text") else "",
        }
        out.write(json.dumps(row) + "\n")
        out.flush()

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DirectorySpider)
    crawler.signals.connect(received, signal=signals.response_received)
    process.crawl(crawler, base=args.base, bind=args.bind, signup=args.variant == "stealth")
    process.start()
    out.close()


if __name__ == "__main__":
    main()
