"""A refused configuration says everything at once: every problem of an entry, the fully corrected value."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from corskit import CORSConfigError, CORSMiddleware

SUBSTRING_REMARK = "by substring"


def refused(**options: Any) -> CORSConfigError:
    with pytest.raises(CORSConfigError) as caught:
        CORSMiddleware(Starlette(), **options)
    return caught.value


def test_a_plain_string_origin_gets_every_problem_and_the_corrected_list() -> None:
    error = refused(allow_origins="https://App.Example.com:443/")
    assert sorted(error.codes) == sorted(
        ["not-a-list", "origin-trailing-slash", "origin-uppercase", "origin-default-port"]
    )
    assert error.codes[0] == "not-a-list"
    not_a_list = error.problems[0]
    assert "['https://app.example.com']" in not_a_list.message
    assert SUBSTRING_REMARK in not_a_list.message
    for problem in error.problems[1:]:
        assert problem.parameter == "allow_origins"
        assert problem.message.endswith("Use 'https://app.example.com'."), problem.message


@pytest.mark.parametrize(
    ("value", "meant"),
    [
        ("http://localhost:3000/", "['http://localhost:3000']"),
        ("https://a.example.com, https://b.example.com", "['https://a.example.com', 'https://b.example.com']"),
        ("https://a.example.com", "['https://a.example.com']"),
    ],
)
def test_a_plain_string_origin_suggests_the_list_it_meant(value: str, meant: str) -> None:
    assert meant in refused(allow_origins=value).problems[0].message


@pytest.mark.parametrize(
    ("parameter", "value", "meant"),
    [
        ("allow_methods", "GET,POST", "['GET', 'POST']"),
        ("allow_methods", "GET, POST, PUT", "['GET', 'POST', 'PUT']"),
        ("allow_headers", "X-Token", "['X-Token']"),
        ("expose_headers", "X-Total, X-Page", "['X-Total', 'X-Page']"),
    ],
)
def test_other_plain_strings_suggest_a_list_without_the_origin_remark(parameter: str, value: str, meant: str) -> None:
    error = refused(**{parameter: value})
    assert error.codes == ["not-a-list"]
    message = error.problems[0].message
    assert meant in message
    assert SUBSTRING_REMARK not in message and "origin" not in message


@pytest.mark.parametrize(
    ("entry", "codes"),
    [
        ("https://App.Example.com:443/", {"origin-trailing-slash", "origin-uppercase", "origin-default-port"}),
        ("HTTPS://app.example.com/spa", {"origin-has-path", "origin-uppercase"}),
        ("https://user@App.example.com:443", {"origin-has-userinfo", "origin-uppercase", "origin-default-port"}),
        (
            "https://app.example.com:443/?x=1#top",
            {"origin-has-query", "origin-has-fragment", "origin-trailing-slash", "origin-default-port"},
        ),
    ],
)
def test_every_problem_of_an_entry_names_the_fully_corrected_origin(entry: str, codes: set[str]) -> None:
    error = refused(allow_origins=[entry])
    assert set(error.codes) == codes
    assert len(error.codes) == len(codes)
    for problem in error.problems:
        assert problem.message.endswith("Use 'https://app.example.com'."), problem.message


def test_one_problem_per_entry_still_reports_each_entry() -> None:
    error = refused(allow_origins=["https://a.example.com/", "http://B.example.com"])
    assert error.codes == ["origin-trailing-slash", "origin-uppercase"]
    assert error.problems[0].message.endswith("Use 'https://a.example.com'.")
    assert error.problems[1].message.endswith("Use 'http://b.example.com'.")


# -- explain() ---------------------------------------------------------------------------------------

ORIGIN = "https://app.example.com"


def _preflight(cors: CORSMiddleware, method: str, headers: str | None = None) -> list[str]:
    request = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
    if headers is not None:
        request["Access-Control-Request-Headers"] = headers
    return [f.message for f in cors.explain("OPTIONS", "/", request).failures]


def test_headers_refused_when_none_were_configured_are_not_described_as_a_user_list() -> None:
    cors = CORSMiddleware(Starlette(), allow_origins=[ORIGIN])
    [message] = _preflight(cors, "GET", "x-token")
    assert "allow_headers is not set" in message
    assert "allow_headers [" not in message and "allow_headers ['accept'" not in message
    assert "'x-token'" in message


def test_headers_refused_by_a_configured_list_quote_that_list() -> None:
    cors = CORSMiddleware(Starlette(), allow_origins=[ORIGIN], allow_headers=["X-Request-Id"])
    [message] = _preflight(cors, "GET", "x-token")
    assert "allow_headers ['x-request-id']" in message  # names are case-insensitive


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "TRACK"])
def test_a_forbidden_method_is_never_offered_the_wildcard(method: str) -> None:
    cors = CORSMiddleware(Starlette(), allow_origins=[ORIGIN], allow_methods=["*"])
    [message] = _preflight(cors, method)
    assert "['*']" not in message and "'*'" not in message
    assert "browsers never send" in message


def test_a_method_outside_the_wildcards_list_is_not_offered_it() -> None:
    cors = CORSMiddleware(Starlette(), allow_origins=[ORIGIN])
    [message] = _preflight(cors, "PROPFIND")
    assert "add it" in message and "use ['*']" not in message
    [patch] = _preflight(cors, "PATCH")
    assert "use ['*']" in patch
