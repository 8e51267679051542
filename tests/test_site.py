"""The site model: loading and validating `site:`/`network:`, and classifying requests."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapeguard import ConfigError, SiteModel, load_site
from scrapeguard.config import load_document
from scrapeguard.engine import Guard, NoNetworkInfo
from scrapeguard.events import Disclosure, RequestEvent
from scrapeguard.policy import Policy, policy_from_document
from scrapeguard.site import PATHS_REMEMBERED, Access, Kind, _unquote, site_from_document

CONFIG = Path(__file__).parent / "testdata" / "config"
GOOD = CONFIG / "good-site.yaml"
BAD = CONFIG / "bad-site.yaml"
T = 1_767_225_600.0
MESSAGE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<path>\S+): (?P<text>.+)$")


def expected_errors(path: Path) -> list[tuple[int, str]]:
    """(line, dotted path) of every mistake marked `# ERR: a, b` in a fixture file."""
    out = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.lstrip().startswith("#") and "# ERR:" in line:
            out += [(number, p.strip()) for p in line.split("# ERR:")[1].split(",")]
    return sorted(out)


def reported(messages: list[str], source: str) -> list[tuple[int, str]]:
    out = []
    for m in messages:
        parsed = MESSAGE.match(m)
        assert parsed is not None, f"not in file:line: path: message form: {m!r}"
        assert parsed["file"] == source
        out.append((int(parsed["line"]), parsed["path"]))
    return sorted(out)


def site(text: str) -> SiteModel:
    return site_from_document(load_document(text, "site.yaml"))


def ask(model: SiteModel, target: str, status: int = 200, method: str = "GET") -> Access:
    path, _, query = target.partition("?")
    return model.classify(RequestEvent(T, "198.51.100.1", method, path, query, status))


@pytest.fixture(scope="module")
def good() -> SiteModel:
    return load_site(str(GOOD))


# -- the good file -------------------------------------------------------------------------


def test_the_good_file_loads_with_its_network_facts(good: SiteModel) -> None:
    assert good.directory_size == 5000
    assert good.trusted_proxies == ["127.0.0.1/32", "10.0.0.0/8"]
    assert good.shared_ranges == ["192.0.2.0/24"]
    assert good.robots_disallow == ["/admin/*", "/api/internal/*"]
    kinds = sorted(r.kind for r in good.routes)
    assert kinds == sorted(
        [Kind.PERSON] * 4 + [Kind.LIST] * 2
        + [Kind.SEARCH, Kind.LOOKUP, Kind.SIGNUP, Kind.LOGIN, Kind.STATIC, Kind.TRAP]
    )  # fmt: skip


def test_a_person_route_names_its_subject_and_fields(good: SiteModel) -> None:
    a = ask(good, "/u/alice")
    assert (a.kind, a.route, a.people) == (Kind.PERSON, "/u/{username}", 1)
    assert a.disclosures == (
        Disclosure("alice", ("name", "photo", "bio", "location", "employer"), 1, "normal"),
    )
    assert a.subject_number is None and not a.sensitive


def test_a_numeric_subject_is_numbered_and_sensitivity_is_kept(good: SiteModel) -> None:
    a = ask(good, "/api/v1/users/4711")
    assert (a.kind, a.subject_number, a.sensitive) == (Kind.PERSON, 4711, True)
    assert a.disclosures[0].subject == "4711"
    assert a.disclosures[0].sensitivity == "high"


def test_the_subject_is_the_declared_placeholder_of_several(good: SiteModel) -> None:
    a = ask(good, "/teams/red/members/ann")
    assert a.disclosures[0].subject == "ann"


def test_a_star_matches_anything_a_placeholder_one_segment(good: SiteModel) -> None:
    assert ask(good, "/cards/2024/q3/bob").disclosures[0].subject == "bob"
    # `{username}` is one segment: /u/alice/photos is no profile.
    assert ask(good, "/u/alice/photos").kind == Kind.OTHER


def test_a_trailing_slash_and_percent_encoding_are_normalised(good: SiteModel) -> None:
    assert ask(good, "/u/alice/").disclosures[0].subject == "alice"
    assert ask(good, "/u/j%C3%BCrgen").disclosures[0].subject == "jürgen"


def test_a_failed_request_discloses_nobody(good: SiteModel) -> None:
    for status in (404, 410, 500):
        a = ask(good, "/u/alice", status=status)
        assert (a.kind, a.people, a.disclosures) == (Kind.PERSON, 0, ())
    assert ask(good, "/u/alice", status=304).people == 1


def test_a_list_route_discloses_a_page_of_people(good: SiteModel) -> None:
    a = ask(good, "/directory?page=3")
    assert (a.kind, a.page, a.people) == (Kind.LIST, 3, 50)
    first = ask(good, "/directory")
    assert (first.page, first.people) == (1, 50)
    assert a.disclosures[0].subject != first.disclosures[0].subject
    followers = ask(good, "/u/alice/followers?page=2")
    assert (followers.kind, followers.route, followers.people) == (
        Kind.LIST,
        "/u/{username}/followers",
        50,
    )


def test_a_search_has_a_term_a_page_and_a_page_of_results(good: SiteModel) -> None:
    a = ask(good, "/search?q=Anna+Schmidt&page=4")
    assert (a.kind, a.term, a.page, a.people) == (Kind.SEARCH, "anna schmidt", 4, 20)
    assert a.disclosures[0].people == 20
    assert ask(good, "/search?q=anna").page == 1


def test_a_lookup_hit_and_miss_are_told_apart_by_status(good: SiteModel) -> None:
    hit = ask(good, "/find?q=ann%40example.com")
    assert (hit.kind, hit.term, hit.miss, hit.people) == (Kind.LOOKUP, "ann@example.com", False, 1)
    miss = ask(good, "/find?q=nobody%40example.com", status=404)
    assert (miss.kind, miss.miss, miss.people) == (Kind.LOOKUP, True, 0)
    # This site declares only 404 as "nobody": a 204 is an (empty-bodied) hit.
    assert ask(good, "/find?q=x", status=204).miss is False


def test_traps_win_over_profiles(good: SiteModel) -> None:
    a = ask(good, "/u/~canary-42")
    assert (a.kind, a.people) == (Kind.TRAP, 0)
    assert ask(good, "/u/canary-42").kind == Kind.PERSON


def test_static_routes_and_extensions(good: SiteModel) -> None:
    assert ask(good, "/static/fonts/inter").kind == Kind.STATIC
    assert ask(good, "/img/logo.svg").kind == Kind.STATIC
    assert ask(good, "/u/alice/avatar.webp").kind == Kind.STATIC


def test_signup_login_robots_and_other(good: SiteModel) -> None:
    assert ask(good, "/signup", method="POST").kind == Kind.SIGNUP
    assert ask(good, "/login", method="POST").kind == Kind.LOGIN
    assert ask(good, "/robots.txt").kind == Kind.ROBOTS
    other = ask(good, "/about")
    assert (other.kind, other.disallowed) == (Kind.OTHER, False)


def test_robots_disallowed_paths_are_marked(good: SiteModel) -> None:
    a = ask(good, "/admin/users/3")
    assert (a.kind, a.disallowed) == (Kind.OTHER, True)
    assert ask(good, "/api/internal/export").disallowed
    assert not ask(good, "/administration").disallowed


def test_what_an_integration_says_was_disclosed_wins(good: SiteModel) -> None:
    said = (Disclosure("u1", ("name",)), Disclosure("u2", ("name",)), Disclosure("u3", ("name",)))
    e = RequestEvent(T, "198.51.100.1", path="/directory", disclosed=said)
    a = good.classify(e)
    assert (a.kind, a.people, a.disclosures) == (Kind.LIST, 3, said)


def test_a_path_asked_again_is_judged_on_its_own_request(good: SiteModel) -> None:
    """The route of a path is remembered; what depends on the request is not."""
    assert ask(good, "/u/alice").people == 1
    assert ask(good, "/u/alice", status=404).people == 0
    said = (Disclosure("u9", ("name",)),)
    e = RequestEvent(T, "198.51.100.1", path="/u/alice", disclosed=said)
    assert good.classify(e).disclosures == said
    assert ask(good, "/u/alice").disclosures[0].subject == "alice"


def test_remembered_paths_are_bounded_and_still_right() -> None:
    model = SiteModel.default()
    for i in range(PATHS_REMEMBERED + 100):
        assert ask(model, f"/u/person{i}").disclosures[0].subject == f"person{i}"
    assert len(model._paths) <= PATHS_REMEMBERED
    assert ask(model, "/u/person0").disclosures[0].subject == "person0"
    assert ask(model, "/static/app.css").kind == Kind.STATIC


def test_the_good_file_holds_the_policy_too() -> None:
    doc = load_document(GOOD.read_text(), str(GOOD))
    policy = policy_from_document(doc)
    assert policy.mode == "shadow" and len(policy.partners) == 1


@given(st.from_regex(r"[A-Za-z0-9_.\-]{1,30}", fullmatch=True))
def test_any_handle_is_the_subject_of_its_profile(handle: str) -> None:
    model = SiteModel.default()
    a = ask(model, f"/u/{handle}")
    if handle.endswith(model.static_extensions):
        assert a.kind == Kind.STATIC
    elif handle in (".", ".."):
        return
    else:
        assert a.kind == Kind.PERSON
        assert a.disclosures[0].subject == handle


# -- the default model ---------------------------------------------------------------------


def test_the_default_model_knows_common_conventions() -> None:
    model = SiteModel.default()
    cases = {
        "/u/ann": Kind.PERSON,
        "/users/42": Kind.PERSON,
        "/profile/ann": Kind.PERSON,
        "/people/ann": Kind.PERSON,
        "/members/ann": Kind.PERSON,
        "/in/ann": Kind.PERSON,
        "/@ann": Kind.PERSON,
        "/api/v2/users/42": Kind.PERSON,
        "/search": Kind.SEARCH,
        "/find": Kind.LOOKUP,
        "/signup": Kind.SIGNUP,
        "/register": Kind.SIGNUP,
        "/login": Kind.LOGIN,
        "/signin": Kind.LOGIN,
        "/static/x": Kind.STATIC,
        "/assets/x": Kind.STATIC,
        "/favicon.ico": Kind.STATIC,
        "/about": Kind.OTHER,
    }
    assert {path: ask(model, path).kind for path in cases} == cases
    assert ask(model, "/users/42").subject_number == 42
    assert ask(model, "/search?q=ann").people == 20


def test_a_guard_without_a_site_file_uses_the_default_model() -> None:
    g = Guard(policy=Policy(), network=NoNetworkInfo())
    access, decision = g.evaluate(RequestEvent(T, "198.51.100.1", path="/users/42"))
    assert access.kind == Kind.PERSON and access.people == 1
    assert decision.action == "allow"


# -- mistakes ------------------------------------------------------------------------------


def test_every_mistake_of_the_bad_file_is_reported_at_once_with_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_site(str(BAD))
    messages = info.value.messages
    expected = expected_errors(BAD)
    assert len(expected) == 12
    assert len(messages) == len(expected)
    assert reported(messages, str(BAD)) == expected
    assert str(info.value) == "\n".join(messages)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("site.personal_data.1.route", "must start with '/', got 'u/{id}/card'"),
        (
            "site.personal_data.2.subject",
            "must name a {placeholder} of the route (route has: slug)",
        ),
        ("site.personal_data.3.sensitivity", "must be one of low, normal, high; got 'secret'"),
        ("site.personal_data.4.subjct", "unknown setting; expected one of:"),
        ("site.serach", "unknown setting; expected one of:"),
        ("network.trusted_proxies.1", "not an IP address or CIDR range: '10.0.0.0/33'"),
        ("network.shared_ranges.1", "not an IP address or CIDR range: 'carrier-nat'"),
        ("site.lookup.0.miss_status.1", "must be between 100 and 599, got 999"),
        ("site.directory_size", "must be at least 0, got -10"),
    ],
)
def test_each_mistake_is_explained(path: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_site(str(BAD))
    [message] = [m for m in info.value.messages if f": {path}: " in m]
    assert words in message


def test_a_typo_names_the_expected_keys() -> None:
    with pytest.raises(ConfigError) as info:
        site('site:\n  personal_data:\n    - {route: "/u/{id}", feilds: [name]}\n')
    [message] = info.value.messages
    assert message.startswith("site.yaml:3: site.personal_data.0.feilds: unknown setting")
    assert "fields" in message and "subject" in message


def test_a_route_with_several_placeholders_needs_a_subject() -> None:
    with pytest.raises(ConfigError) as info:
        site('site:\n  personal_data: ["/teams/{team}/members/{member}"]\n')
    assert info.value.messages == [
        "site.yaml:2: site.personal_data.0.subject: must name a {placeholder} of the route "
        "(route has: team, member)"
    ]


def test_invalid_yaml_reports_its_line() -> None:
    text = "site:\n  directory_size: 10\n  login: [/login]]\n  signup: [/signup]\n"
    with pytest.raises(ConfigError) as info:
        load_document(text, "broken.yaml")
    [message] = info.value.messages
    assert message == "broken.yaml:3: invalid YAML: expected <block end>, but found ']'"
    with pytest.raises(ConfigError) as info:
        load_document("site:\n  directory_size: 10\n\tlogin: [/login]\n", "tabs.yaml")
    assert info.value.messages[0].startswith("tabs.yaml:3: invalid YAML: ")


def test_invalid_yaml_in_a_file_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "site.yaml"
    f.write_text("site:\n  directory_size: 10\n  static: [/static/*\n")
    with pytest.raises(ConfigError) as info:
        load_site(str(f))
    [message] = info.value.messages
    assert message.startswith(f"{f}:")
    assert "invalid YAML" in message


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_site(str(missing))
    assert info.value.messages == [f"{missing}: cannot read: No such file or directory"]


def test_a_site_section_of_the_wrong_type_is_reported() -> None:
    with pytest.raises(ConfigError) as info:
        site('site: ["/u/{id}"]\n')
    assert info.value.messages == ["site.yaml:1: site: must be a mapping, got a list"]


def test_an_empty_file_gives_a_model_with_only_static_assets() -> None:
    model = site("")
    assert [(r.kind, r.pattern) for r in model.routes] == [(Kind.STATIC, "/static/*")]


def test_a_repeated_placeholder_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        site('site:\n  personal_data:\n    - {route: "/u/{id}/x/{id}", subject: id}\n')
    assert info.value.messages[0].startswith("site.yaml:3: site.personal_data.0.route")


def test_a_top_level_typo_is_reported() -> None:
    doc = load_document("stie:\n  directory_size: 10\npolcy: {mode: enforce}\n", "typo.yaml")
    messages: list[str] = []
    for loader in (site_from_document, policy_from_document):
        try:
            loader(doc)  # type: ignore[operator]
        except ConfigError as exc:
            messages += exc.messages
    assert any("stie" in m for m in messages)
    assert any("polcy" in m for m in messages)


ESCAPES = ["%", "%2", "%41", "%c3", "%C3%A9", "%e9", "%zz", "%F0%9F%98%80", "%F0%9F", "%25"]


@given(
    st.one_of(
        st.lists(st.sampled_from([*ESCAPES, "a", "+", " ", "@", "é", "\x00"])).map("".join),
        st.text(max_size=30),
    )
)
def test_query_values_are_unquoted_as_urllib_unquotes_them(text: str) -> None:
    assert _unquote(text) == unquote(text)


def test_robots_disallow_entries_may_share_a_placeholder() -> None:
    """Placeholders in robots_disallow, repeated in one entry or across several, became one
    regex with repeated group names: re.error when the model was built, after the check."""
    model = site('site:\n  robots_disallow: ["/a/{x}", "/b/{x}/{x}"]\n')
    assert ask(model, "/a/1").disallowed and ask(model, "/b/1/2").disallowed
    assert not ask(model, "/b/1").disallowed


def test_the_network_section_counts_without_a_site_section() -> None:
    """A config of the default routes behind a proxy (`network:`, no `site:`) as inline
    protection and `scrapeguard check` read it: its trusted proxies were dropped and their
    mistakes never reported, so every visitor was the proxy."""
    from scrapeguard.integrations.loading import read_config

    text = "network:\n  trusted_proxies: [10.0.0.0/8]\n  shared_ranges: [192.0.2.0/24]\n"
    model = read_config(load_document(text, "site.yaml"))[0]
    assert model.trusted_proxies == ["10.0.0.0/8"] and model.shared_ranges == ["192.0.2.0/24"]
    assert model.routes == SiteModel.default().routes
    with pytest.raises(ConfigError) as info:
        read_config(load_document("network:\n  trusted_proxies: [10.0.0.0/33]\n", "site.yaml"))
    [message] = info.value.messages
    assert message.startswith("site.yaml:2: network.trusted_proxies.0: not an IP address")


def test_a_trusted_proxy_on_a_unix_socket_is_accepted() -> None:
    """docs/inline.md: trusted proxies are addresses, CIDR ranges, and `unix` for a Unix-socket
    peer such as gunicorn behind nginx; the loader refused `unix`."""
    from scrapeguard.integrations.clientaddr import ClientAddress

    model = site("site: {}\nnetwork:\n  trusted_proxies: [unix, 10.0.0.0/8]\n")
    assert model.trusted_proxies == ["unix", "10.0.0.0/8"]
    clients = ClientAddress(model.trusted_proxies, "x-forwarded-for")
    assert clients.resolve(None, {"x-forwarded-for": "198.51.100.7"}) == "198.51.100.7"
    with pytest.raises(ConfigError) as info:
        site("network:\n  shared_ranges: [unix]\n")
    assert info.value.messages == [
        "site.yaml:2: network.shared_ranges.0: not an IP address or CIDR range: 'unix'"
    ]
