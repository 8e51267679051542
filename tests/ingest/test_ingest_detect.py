"""Auto-detection and the format registry."""

from __future__ import annotations

import pytest
from ingest_samples import APACHE_LINE, CADDY_LINE, COMMON_LINE, NGINX_LINE

from scrapeguard.errors import ScrapeguardError
from scrapeguard.ingest import (
    FORMATS,
    UnknownLogFormat,
    custom_format,
    detect_format,
    get_format,
    register_format,
)


def test_registry_names() -> None:
    assert list(FORMATS)[:3] == ["combined", "common", "json"]
    for name, fmt in FORMATS.items():
        assert fmt.name == name


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([NGINX_LINE, APACHE_LINE] * 5, "combined"),
        ([COMMON_LINE] * 3, "common"),
        ([CADDY_LINE] * 3, "json"),
        (['{"remote_addr":"1.2.3.4","msec":"1.5","request":"GET / HTTP/1.1"}'], "json"),
        (["", "  ", NGINX_LINE, "garbage", NGINX_LINE], "combined"),
        ([NGINX_LINE[:-5]] + [NGINX_LINE] * 9, "combined"),
    ],
)
def test_detects(lines: list[str], expected: str) -> None:
    assert detect_format(lines).name == expected


def test_nothing_fits_names_what_was_tried() -> None:
    with pytest.raises(UnknownLogFormat) as info:
        detect_format(["hello", "world"])
    message = str(info.value)
    assert "combined 0/2" in message and "common 0/2" in message and "json 0/2" in message
    assert "'hello'" in message
    assert isinstance(info.value, ScrapeguardError)
    with pytest.raises(UnknownLogFormat, match="no non-blank"):
        detect_format(["", " "])


def test_needs_a_majority() -> None:
    with pytest.raises(UnknownLogFormat):
        detect_format([NGINX_LINE] + ["junk"] * 5)


def test_registered_custom_formats_take_part() -> None:
    fmt = custom_format("$remote_addr|$msec|$request_uri", name="pipes-test")
    lines = ["1.2.3.4|1431857103.1|/a?b", "5.6.7.8|1431857104.2|/c"]
    try:
        register_format(fmt)
        assert detect_format(lines) is fmt
        assert get_format("pipes-test") is fmt
    finally:
        del FORMATS["pipes-test"]
    with pytest.raises(UnknownLogFormat):
        detect_format(lines)


def test_unknown_name() -> None:
    with pytest.raises(UnknownLogFormat, match="unknown log format 'w3c'"):
        get_format("w3c")
