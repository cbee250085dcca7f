"""Hostile request inputs, checked property by property against an independent reference.

For any configuration and any bytes in Origin, Access-Control-Request-Method, -Headers, -Private-Network
and the app's own Vary, the middleware must not raise, must send only well-formed headers, and must
grant Access-Control-Allow-Origin exactly when the reference predicate in ``_reference`` says so.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.asgi import Response, assert_wellformed, http_scope, through

from corskit import CORSMiddleware
from security import _reference as ref
from security import _strategies as strat

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ACAO = b"access-control-allow-origin"
ACAC = b"access-control-allow-credentials"
ACEH = b"access-control-expose-headers"
ACAH = b"access-control-allow-headers"
ACAPN = b"access-control-allow-private-network"


def check_allow_origin(config: dict[str, Any], origin: bytes | None, response: Response) -> bool:
    """ACAO is '*' only for allow_origins=['*'], else a byte-for-byte copy of an allowed origin."""
    assert_wellformed(response)
    acao = response.one(ACAO)
    allowed = origin is not None and ref.origin_allowed(config, origin)
    if acao is None:
        assert not allowed, f"allowed origin {origin!r} got no Access-Control-Allow-Origin"
        # Credentials and exposed headers are for allowed origins only.
        assert response.one(ACAC) is None
        assert response.one(ACEH) is None
        assert response.one(ACAPN) is None
        return False
    assert allowed, f"origin {origin!r} is not allowed by {config} but got {acao!r}"
    if acao == b"*":
        assert config["allow_origins"] == ["*"] and not config["allow_credentials"]
    else:
        assert acao == origin
    return True


@SETTINGS
@given(config=strat.configs(), origin=st.one_of(st.none(), strat.origins()), vary=strat.vary_values())
def test_simple_request_allow_origin_matches_reference(config: dict[str, Any], origin: bytes | None, vary: list[bytes]):
    headers = [] if origin is None else [(b"origin", origin)]
    app_headers = [(b"content-type", b"text/plain")] + [(b"vary", v) for v in vary]
    response = through(CORSMiddleware, config, http_scope("GET", "/", headers), app_headers)
    assert response.app_called and response.status == 200
    check_allow_origin(config, origin, response)
    # One merged Vary that still covers Origin: a cache must never serve one origin's answer to another.
    assert len(response.raw_values(b"vary")) == 1
    tokens = response.vary_tokens()
    assert b"origin" in tokens or b"*" in tokens
    # The app's own Vary values are all kept.
    for value in vary:
        for item in value.split(b","):
            assert item.strip().lower() in tokens


@SETTINGS
@given(
    config=strat.configs(),
    origin=strat.origins(),
    method=strat.methods(),
    requested=st.one_of(st.none(), strat.header_lists()),
    private_network=st.one_of(st.none(), st.sampled_from([b"true", b"", b"false", b"\x00"])),
)
def test_preflight_matches_reference(
    config: dict[str, Any], origin: bytes, method: bytes, requested: bytes | None, private_network: bytes | None
):
    headers = [(b"origin", origin), (b"access-control-request-method", method)]
    if requested is not None:
        headers.append((b"access-control-request-headers", requested))
    if private_network is not None:
        headers.append((b"access-control-request-private-network", private_network))
    response = through(CORSMiddleware, config, http_scope("OPTIONS", "/", headers))
    assert not response.app_called
    origin_ok = check_allow_origin(config, origin, response)
    method_ok = method.decode("latin-1") in ref.methods(config)
    headers_ok = requested is None or ref.headers_allowed(config, requested)
    pna_ok = private_network is None or config["allow_private_network"]
    expected_ok = origin_ok and method_ok and headers_ok and pna_ok
    assert response.status == (200 if expected_ok else 400), (response.status, response.body)
    assert b"origin" in response.vary_tokens()
    acah = response.one(ACAH)
    if origin_ok and "*" in config["allow_headers"] and requested is not None and headers_ok:
        assert acah == requested  # mirrored, and only ever a list of tokens
        assert ref.header_names(requested) is not None
    elif acah is not None:
        names = {n.strip().lower() for n in acah.decode().split(",")}
        assert names == ref.SAFELISTED | {h.lower() for h in config["allow_headers"]}
    if private_network is not None and config["allow_private_network"] and origin_ok:
        assert response.one(ACAPN) == b"true"


@settings(max_examples=150, deadline=None)
@given(config=strat.configs(), first=strat.origins(), second=strat.origins())
def test_duplicate_origin_headers_are_never_reflected(config: dict[str, Any], first: bytes, second: bytes):
    for method, extra in (("GET", []), ("OPTIONS", [(b"access-control-request-method", b"GET")])):
        response = through(
            CORSMiddleware, config, http_scope(method, "/", [(b"origin", first), *extra, (b"origin", second)])
        )
        assert_wellformed(response)
        acao = response.one(ACAO)
        if config["allow_origins"] == ["*"]:
            assert acao == b"*"
        else:
            assert acao is None, f"two Origin headers ({first!r}, {second!r}) answered with {acao!r}"
