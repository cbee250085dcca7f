"""Fetch: "CORS check" -- may the page read this response (or rely on this preflight response)?

Returns None on success, else the reason in the words Chromium's console uses, followed by a fix.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._headers import get_header

__all__ = ["cors_check"]


def cors_check(response_headers: Iterable[tuple[str, str]], origin: str, include_credentials: bool) -> str | None:
    """``origin`` is the serialized request origin ("null" once the request's origin is tainted)."""
    headers = list(response_headers)
    # Fetch: CORS check, step 1: "Let origin be the result of getting `Access-Control-Allow-Origin`".
    allow_origin = get_header(headers, "Access-Control-Allow-Origin")
    if allow_origin is None:
        return (
            "No 'Access-Control-Allow-Origin' header is present on the requested resource. "
            f"Fix: have the server answer with 'Access-Control-Allow-Origin: {origin}'."
        )
    if allow_origin == "*":
        # Step 3: "*" is accepted only when credentials are not included.
        if not include_credentials:
            return None
        return (
            "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard "
            "'*' when the request's credentials mode is 'include'. "
            f"Fix: echo the origin ('Access-Control-Allow-Origin: {origin}') and send 'Vary: Origin', "
            "or do not send credentials."
        )
    if allow_origin != origin:
        # Step 4: a byte-for-byte comparison with the serialized origin (so no case folding, no slash).
        if " " in allow_origin or "," in allow_origin:
            return (
                "The 'Access-Control-Allow-Origin' header contains multiple values "
                f"'{allow_origin}', but only "
                f"one is allowed. Fix: send exactly one header with the single value '{origin}'."
            )
        return (
            f"The 'Access-Control-Allow-Origin' header has a value '{allow_origin}' that is not equal to the "
            f"supplied origin. Fix: send 'Access-Control-Allow-Origin: {origin}' (exactly: scheme, host and "
            "port in lower case, no trailing slash)."
        )
    if not include_credentials:
        return None
    # Step 6-7: with credentials, `Access-Control-Allow-Credentials` must be exactly `true` (case-sensitive).
    allow_credentials = get_header(headers, "Access-Control-Allow-Credentials")
    if allow_credentials != "true":
        return (
            "The value of the 'Access-Control-Allow-Credentials' header in the response is "
            f"'{allow_credentials or ''}' which must be 'true' when the request's credentials mode is "
            "'include'. Fix: send 'Access-Control-Allow-Credentials: true' (lower case, once)."
        )
    return None
