"""Property tests: the numbers a request names (a profile's id, a listing's page) are read as
plain decimal numbers, and no text a client sends in their place stops a request from being
judged."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from scrapeguard.config import load_document
from scrapeguard.events import RequestEvent
from scrapeguard.site import Kind, SiteModel, site_from_document

SITE = site_from_document(
    load_document(
        """
site:
  personal_data:
    - {route: "/api/v1/users/{id}", fields: [name, email]}
    - {route: "/directory", list: {page_size: 50}, fields: [name]}
  search: [{route: /search, param: q, page_size: 20, fields: [name]}]
""",
        "site.yaml",
    )
)

# Digits of every kind Unicode knows (superscripts, other scripts), ASCII ones, anything.
DIGITS = "0123456789²³¹⁰٣൬߂１"
number_text = st.one_of(
    st.text(alphabet=DIGITS, min_size=1, max_size=8),
    st.text(min_size=1, max_size=8),
    st.integers(0, 10**12).map(str),
)


def plain_number(text: str) -> int | None:
    """`text` as a number if it is written in ASCII digits 0-9 only, else None."""
    return int(text) if text and all(c in "0123456789" for c in text) else None


def ask(model: SiteModel, path: str, query: str = "") -> RequestEvent:
    return RequestEvent(1_767_225_600.0, "198.51.100.1", "GET", path, query)


@given(number_text)
def test_a_listing_page_is_its_plain_number_or_the_first(text: str) -> None:
    """Any `page=` a client sends (percent-encoded, as clients send it) is judged: its number
    when it is one, the first page when it is not, never an error that leaves the request
    unjudged (inline protection would let it through; a log replay would stop)."""
    query = "page=" + quote(text, safe="")
    expected = plain_number(text)
    for path, extra in (("/directory", ""), ("/search", "&q=anna")):
        access = SITE.classify(ask(SITE, path, query + extra))
        assert access.kind in (Kind.LIST, Kind.SEARCH)
        assert access.page == (1 if expected is None else expected)


@given(number_text)
def test_a_profile_id_is_numbered_only_when_it_is_a_plain_number(text: str) -> None:
    """Sequential-id walks are read from ids that are plain numbers; any other id is still a
    profile, of its own subject, with no number."""
    access = SITE.classify(ask(SITE, "/api/v1/users/" + quote(text, safe="")))
    if access.kind != Kind.PERSON:
        return  # a text the route does not match (a slash, a dot segment)
    expected = plain_number(text)
    assert access.subject_number == (expected if expected is not None and len(text) < 19 else None)
    assert access.disclosures[0].subject == text
