"""Bad input never crashes the simulator with an obscure error: a FetchResult, or a clear ValueError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cors_server import Answer, ScriptedServer

from corskit.browser import Browser, FetchResult

_latin1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40)
_names = st.sampled_from(
    [
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Credentials",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
        "Access-Control-Expose-Headers",
        "Access-Control-Max-Age",
        "Location",
        "X-Custom",
        "Set-Cookie",
        "Content-Type",
    ]
)
_answers = st.builds(
    Answer,
    status=st.sampled_from([200, 204, 299, 301, 302, 303, 304, 307, 308, 400, 500]),
    headers=st.lists(st.tuples(_names, st.one_of(_latin1, st.just("$ORIGIN"), st.just("*"))), max_size=6),
    body=st.text(max_size=20),
)
_request_headers = st.one_of(
    st.none(),
    st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=4),
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=30)), max_size=4),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    preflight=_answers,
    actual=_answers,
    method=st.one_of(st.sampled_from(["GET", "put", "PATCH", "CONNECT", "", "G\u00e9T"]), st.text(max_size=8)),
    headers=_request_headers,
    body=st.one_of(st.none(), st.text(max_size=10), st.binary(max_size=10)),
    credentials=st.sampled_from(["omit", "same-origin", "include", "bogus"]),
    cache=st.sampled_from(["default", "no-store", "reload"]),
)
def test_any_request_against_any_answer(
    preflight: Answer,
    actual: Answer,
    method: str,
    headers: object,
    body: object,
    credentials: str,
    cache: str,
) -> None:
    server = ScriptedServer()
    server.script("x", preflight=preflight, actual=actual)
    with Browser(origin="https://app.example", app=server) as browser:
        try:
            result = browser.fetch(
                "https://api.example/c/x",
                method=method,
                headers=headers,
                body=body,  # type: ignore[arg-type]
                credentials=credentials,
                cache=cache,
            )
        except ValueError as exc:
            assert str(exc)  # a ValueError must say what is wrong
            return
    assert isinstance(result, FetchResult)
    assert credentials != "bogus"  # an invalid enum value must have raised
    if result.blocked:
        assert result.error and result.status is None and len(result.headers) == 0
    else:
        assert result.status is not None
    assert len(result.exchanges) <= 2 * 21
