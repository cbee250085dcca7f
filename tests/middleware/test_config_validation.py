"""Construction-time validation: every problem code, each triggered on its own, and all reported at once."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware
from support.asgi import Endpoint, request

from corskit import CORSConfigError, CORSMiddleware

ALLOWED = ["https://app.example.com"]

# (keyword arguments, the one problem code they must raise, the parameter it is about)
CASES: list[tuple[dict[str, Any], str, str]] = [
    # A bare string where a list belongs (Starlette would substring-match it).
    ({"allow_origins": "https://a.com"}, "not-a-list", "allow_origins"),
    ({"allow_origins": ALLOWED, "allow_methods": "GET"}, "not-a-list", "allow_methods"),
    ({"allow_origins": ALLOWED, "allow_headers": "X-Token"}, "not-a-list", "allow_headers"),
    ({"allow_origins": ALLOWED, "expose_headers": "X-Total"}, "not-a-list", "expose_headers"),
    ({"allow_origins": [b"https://a.com"]}, "wrong-type", "allow_origins"),
    ({"allow_origins": None}, "wrong-type", "allow_origins"),
    ({"allow_origins": 42}, "wrong-type", "allow_origins"),
    ({"allow_origins": ALLOWED, "allow_methods": ["GET", 1]}, "wrong-type", "allow_methods"),
    ({"allow_origins": ALLOWED, "allow_origin_regex": 5}, "wrong-type", "allow_origin_regex"),
    ({"allow_origins": ALLOWED, "allow_credentials": "true"}, "not-a-bool", "allow_credentials"),
    ({"allow_origins": ALLOWED, "allow_credentials": 1}, "not-a-bool", "allow_credentials"),
    ({"allow_origins": ALLOWED, "allow_private_network": "no"}, "not-a-bool", "allow_private_network"),
    # Origins that are not scheme://host[:port] as a browser serializes it.
    ({"allow_origins": ["null"]}, "origin-null", "allow_origins"),
    ({"allow_origins": ["a.com"]}, "origin-malformed", "allow_origins"),
    ({"allow_origins": ["https://"]}, "origin-malformed", "allow_origins"),
    ({"allow_origins": ["https://a.com:99999"]}, "origin-malformed", "allow_origins"),
    ({"allow_origins": ["https://a.com:"]}, "origin-malformed", "allow_origins"),
    ({"allow_origins": ["https://a.com:port"]}, "origin-malformed", "allow_origins"),
    ({"allow_origins": ["https://a b.com"]}, "origin-malformed", "allow_origins"),
    ({"allow_origins": ["https://bücher.example"]}, "origin-malformed", "allow_origins"),
    ({"allow_origins": ["https://a.com/app"]}, "origin-has-path", "allow_origins"),
    ({"allow_origins": ["https://a.com/"]}, "origin-trailing-slash", "allow_origins"),
    ({"allow_origins": ["https://a.com?x=1"]}, "origin-has-query", "allow_origins"),
    ({"allow_origins": ["https://a.com#top"]}, "origin-has-fragment", "allow_origins"),
    ({"allow_origins": ["https://user:pw@a.com"]}, "origin-has-userinfo", "allow_origins"),
    ({"allow_origins": ["https://a.com:443"]}, "origin-default-port", "allow_origins"),
    ({"allow_origins": ["http://a.com:80"]}, "origin-default-port", "allow_origins"),
    ({"allow_origins": ["https://App.example.com"]}, "origin-uppercase", "allow_origins"),
    ({"allow_origins": ["HTTPS://app.example.com"]}, "origin-uppercase", "allow_origins"),
    # Wildcards.
    ({"allow_origins": ["*", "https://a.com"]}, "wildcard-mixed", "allow_origins"),
    ({"allow_origins": ["*"], "allow_credentials": True}, "wildcard-with-credentials", "allow_origins"),
    ({"allow_origins": ["https://a.*.com"]}, "pattern-malformed", "allow_origins"),
    ({"allow_origins": ["https://*a.example.com"]}, "pattern-malformed", "allow_origins"),
    ({"allow_origins": ["https://example.*"]}, "pattern-malformed", "allow_origins"),
    ({"allow_origins": ["https://*.*.example.com"]}, "pattern-malformed", "allow_origins"),
    ({"allow_origins": ["https://*.com"]}, "pattern-public-suffix", "allow_origins"),
    ({"allow_origins": ["https://*.co.uk"]}, "pattern-public-suffix", "allow_origins"),
    ({"allow_origins": ["https://*.github.io"]}, "pattern-public-suffix", "allow_origins"),
    ({"allow_origins": ["https://*"]}, "pattern-too-broad", "allow_origins"),
    ({"allow_origins": ALLOWED, "allow_origin_regex": "https://(app"}, "regex-invalid", "allow_origin_regex"),
    # Methods.
    ({"allow_origins": ALLOWED, "allow_methods": ["GE T"]}, "method-not-token", "allow_methods"),
    ({"allow_origins": ALLOWED, "allow_methods": ["GET,POST"]}, "method-not-token", "allow_methods"),
    ({"allow_origins": ALLOWED, "allow_methods": [""]}, "method-not-token", "allow_methods"),
    ({"allow_origins": ALLOWED, "allow_methods": ["CONNECT"]}, "method-forbidden", "allow_methods"),
    ({"allow_origins": ALLOWED, "allow_methods": ["trace"]}, "method-forbidden", "allow_methods"),
    ({"allow_origins": ALLOWED, "allow_methods": ["TRACK"]}, "method-forbidden", "allow_methods"),
    # Request headers.
    ({"allow_origins": ALLOWED, "allow_headers": ["X Token"]}, "header-not-token", "allow_headers"),
    ({"allow_origins": ALLOWED, "allow_headers": ["X-A, X-B"]}, "header-not-token", "allow_headers"),
    ({"allow_origins": ALLOWED, "allow_headers": ["Cookie"]}, "header-forbidden", "allow_headers"),
    ({"allow_origins": ALLOWED, "allow_headers": ["host"]}, "header-forbidden", "allow_headers"),
    ({"allow_origins": ALLOWED, "allow_headers": ["Content-Length"]}, "header-forbidden", "allow_headers"),
    ({"allow_origins": ALLOWED, "allow_headers": ["Origin"]}, "header-forbidden", "allow_headers"),
    ({"allow_origins": ALLOWED, "allow_headers": ["Sec-Fetch-Mode"]}, "header-forbidden", "allow_headers"),
    ({"allow_origins": ALLOWED, "allow_headers": ["Proxy-Authorization"]}, "header-forbidden", "allow_headers"),
    # Exposed response headers.
    ({"allow_origins": ALLOWED, "expose_headers": ["X Total"]}, "expose-not-token", "expose_headers"),
    ({"allow_origins": ALLOWED, "expose_headers": ["Set-Cookie"]}, "expose-set-cookie", "expose_headers"),
    ({"allow_origins": ALLOWED, "expose_headers": ["set-cookie2"]}, "expose-set-cookie", "expose_headers"),
    (
        {"allow_origins": ALLOWED, "allow_credentials": True, "expose_headers": ["*"]},
        "expose-wildcard-with-credentials",
        "expose_headers",
    ),
    # max_age.
    ({"allow_origins": ALLOWED, "max_age": "600"}, "max-age-type", "max_age"),
    ({"allow_origins": ALLOWED, "max_age": 1.5}, "max-age-type", "max_age"),
    ({"allow_origins": ALLOWED, "max_age": True}, "max-age-type", "max_age"),
    ({"allow_origins": ALLOWED, "max_age": -1}, "max-age-range", "max_age"),
    ({"allow_origins": ALLOWED, "max_age": 86401}, "max-age-range", "max_age"),
]

ISSUE_CODES = {
    "not-a-list", "wrong-type", "not-a-bool", "origin-null", "origin-malformed", "origin-has-path",
    "origin-trailing-slash", "origin-has-query", "origin-has-fragment", "origin-has-userinfo",
    "origin-default-port", "origin-uppercase", "wildcard-mixed", "wildcard-with-credentials",
    "pattern-malformed", "pattern-public-suffix", "pattern-too-broad", "regex-invalid", "method-not-token",
    "method-forbidden", "header-not-token", "header-forbidden", "expose-not-token", "expose-set-cookie",
    "expose-wildcard-with-credentials", "max-age-type", "max-age-range",
}  # fmt: skip


def test_every_code_of_the_issue_has_a_case() -> None:
    assert {code for _, code, _ in CASES} == ISSUE_CODES


@pytest.mark.parametrize(("kwargs", "code", "parameter"), CASES, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(CASES)])
def test_each_problem_is_refused_with_its_code(kwargs: dict[str, Any], code: str, parameter: str) -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Endpoint(), **kwargs)
    [problem] = caught.value.problems
    assert problem.code == code
    assert problem.parameter == parameter
    assert len(problem.message) > 20
    assert f"[{code}]" in str(caught.value)


# Configurations the issue says are fine: none of them may raise.
VALID: list[dict[str, Any]] = [
    {"allow_origins": ["http://*.localhost:3000"]},
    {"allow_origins": ["http://localhost:*"]},
    {"allow_origins": ["https://*.example.com", "https://example.com"]},
    {"allow_origins": ["https://*.example.co.uk"]},
    {"allow_origins": ["http://[::1]:8080", "http://127.0.0.1:8000"]},
    {"allow_origins": ["https://xn--bcher-kva.example"]},
    {"allow_origins": ("https://a.com", "https://a.com")},
    {"allow_origins": {"https://a.com"}},
    {"allow_origins": ["*"], "expose_headers": ["*"]},
    {"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"]},
    {"allow_origins": ALLOWED, "allow_credentials": True, "allow_methods": ["*"], "allow_headers": ["*"]},
    {"allow_origins": ALLOWED, "allow_methods": ["PURGE", "get"], "allow_headers": ["X-Requested-With"]},
    {"allow_origins": ALLOWED, "max_age": 0},
    {"allow_origins": ALLOWED, "max_age": 86400},
    {"allow_origin_regex": r"https://[a-z]+\.example\.org"},
    {},
]


@pytest.mark.parametrize("kwargs", VALID)
def test_valid_configurations_are_accepted(kwargs: dict[str, Any]) -> None:
    CORSMiddleware(Endpoint(), **kwargs)


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(
            Endpoint(),
            allow_origins=["https://a.com/", "null", "https://*.com"],
            allow_methods=["TRACE"],
            allow_headers=["Cookie"],
            expose_headers=["Set-Cookie"],
            allow_credentials="yes",
            allow_origin_regex="(",
            max_age=-5,
        )
    error = caught.value
    assert sorted(p.code for p in error.problems) == sorted(
        [
            "origin-trailing-slash",
            "origin-null",
            "pattern-public-suffix",
            "method-forbidden",
            "header-forbidden",
            "expose-set-cookie",
            "not-a-bool",
            "regex-invalid",
            "max-age-range",
        ]
    )
    message = str(error)
    assert "9 problems" in message
    for problem in error.problems:
        assert problem.code in message


def test_config_error_is_a_value_error_with_actionable_problems() -> None:
    with pytest.raises(ValueError) as caught:
        CORSMiddleware(Endpoint(), allow_origins=["https://a.com/", "https://b.com:443"])
    error = caught.value
    assert isinstance(error, CORSConfigError)
    by_code = {p.code: p for p in error.problems}
    assert set(by_code) == {"origin-trailing-slash", "origin-default-port"}
    # Each message names the fix: the origin as it should have been written.
    assert "'https://a.com'" in by_code["origin-trailing-slash"].message
    assert "'https://b.com'" in by_code["origin-default-port"].message
    assert all(p.parameter == "allow_origins" for p in error.problems)


@pytest.mark.parametrize(
    ("entry", "fix"),
    [
        ("https://a.com/app/", "'https://a.com'"),
        ("https://a.com?x=1", "'https://a.com'"),
        ("https://a.com#top", "'https://a.com'"),
        ("https://user:pw@a.com", "'https://a.com'"),
        ("https://App.Example.com", "'https://app.example.com'"),
    ],
)
def test_origin_messages_suggest_the_corrected_origin(entry: str, fix: str) -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Endpoint(), allow_origins=[entry])
    assert fix in caught.value.problems[0].message


def test_wildcard_with_credentials_message_says_what_to_do_instead() -> None:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Endpoint(), allow_origins=["*"], allow_credentials=True)
    message = caught.value.problems[0].message
    assert "allow_credentials=False" in message
    assert "https://*." in message  # suggests a pattern


def test_plain_string_origin_would_allow_a_substring_in_starlette_but_is_refused_by_corskit() -> None:
    # The hazard: Starlette tests `origin in "https://a.com"`, so the origin "a.c" is allowed.
    starlette_app = StarletteCORSMiddleware(Endpoint(), allow_origins="https://a.com")
    hazard = request(starlette_app, "GET", "/", [("Origin", "a.c")])
    assert hazard.get("access-control-allow-origin") == "a.c"
    # corskit refuses the configuration before any request.
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Endpoint(), allow_origins="https://a.com")
    [problem] = caught.value.problems
    assert problem.code == "not-a-list"
    assert "['https://a.com']" in problem.message


def test_forbidden_method_beside_the_wildcard_is_still_refused() -> None:
    with pytest.raises(CORSConfigError) as raised:
        CORSMiddleware(None, allow_methods=["*", "CONNECT"])  # type: ignore[arg-type]
    assert raised.value.codes == ["method-forbidden"]


def test_a_custom_method_beside_the_wildcard_is_kept() -> None:
    methods = CORSMiddleware(None, allow_methods=["*", "PURGE"]).allow_methods  # type: ignore[arg-type]
    assert set(methods) == {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "PURGE"}


def test_hosts_with_underscores_are_real_origins() -> None:
    # Browsers send such origins; the configuration must be able to name them.
    middleware = CORSMiddleware(None, allow_origins=["https://my_app.example.com"])  # type: ignore[arg-type]
    assert middleware.is_allowed_origin("https://my_app.example.com")
    assert not middleware.is_allowed_origin("https://myapp.example.com")


def test_a_generator_of_origins_is_read_once_and_kept() -> None:
    middleware = CORSMiddleware(None, allow_origins=(o for o in ["https://a.com", "https://b.com"]))  # type: ignore[arg-type]
    assert middleware.allow_origins == ("https://a.com", "https://b.com")
    assert middleware.is_allowed_origin("https://b.com")


# -- the options record: one list of options behind the constructor -----------------------------------------


def test_the_constructor_takes_starlettes_eight_options_in_order_then_corskits_by_keyword() -> None:
    import inspect

    ours = list(inspect.signature(CORSMiddleware).parameters.values())
    theirs = [p for p in inspect.signature(StarletteCORSMiddleware).parameters.values() if p.name != "app"]
    assert [(p.name, p.default) for p in ours[1:9]] == [(p.name, p.default) for p in theirs]
    assert ours[0].name == "app"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in ours[9:])
    assert [p.name for p in ours[9:]] == [
        "allow_origin_func",
        "origin_cache_size",
        "origin_cache_ttl",
        "check_websocket_origin",
        "path_policies",
    ]


def test_starlettes_options_may_be_positional() -> None:
    cors = CORSMiddleware(Endpoint(), ["https://a.example"], ["GET", "PUT"], ["X-Token"], True)
    assert (cors.allow_origins, cors.allow_methods, cors.allow_credentials) == (
        ("https://a.example",),
        ("GET", "PUT"),
        True,
    )
    assert "x-token" in cors.allow_headers
    with pytest.raises(TypeError, match="at most 8 positional"):
        CORSMiddleware(Endpoint(), (), ("GET",), (), False, None, False, (), 600, None)
    with pytest.raises(TypeError, match="multiple values for argument 'allow_origins'"):
        CORSMiddleware(Endpoint(), ["https://a.example"], allow_origins=["https://b.example"])


def test_an_unknown_option_is_reported_with_every_other_problem_and_the_likely_name() -> None:
    with pytest.raises(CORSConfigError) as info:
        CORSMiddleware(Endpoint(), allow_orgins=["https://a.example"], max_age=-1)
    assert info.value.codes == ["unknown-option", "max-age-range"]
    unknown = info.value.problems[0]
    assert unknown.parameter == "allow_orgins"
    assert "did you mean 'allow_origins'?" in unknown.message
    with pytest.raises(CORSConfigError) as info:
        CORSMiddleware(Endpoint(), path_policies={"/x": {"check_websocket_origin": False}})
    assert info.value.codes == ["unknown-option"]
    assert info.value.problems[0].parameter == "path_policies['/x'].check_websocket_origin"


def test_the_options_record_is_kept_as_given() -> None:
    from corskit import Options

    cors = CORSMiddleware(Endpoint(), allow_origins=iter(["https://a.example"]), max_age=60)
    assert cors.options == Options(allow_origins=("https://a.example",), max_age=60)
    assert Options().allow_methods == ("GET",)
