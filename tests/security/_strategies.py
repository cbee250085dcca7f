"""Hypothesis strategies for configurations and hostile request values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Valid configured exact origins and patterns (all accepted by corskit's validation).
EXACT_POOL = [
    "https://example.com",
    "https://app.example.com",
    "http://localhost:3000",
    "http://127.0.0.1:8080",
    "http://[::1]:5173",
    "https://xn--bcher-kva.example",
    "https://example.org:8443",
    "wss://chat.example.com",
]
PATTERN_POOL = [
    "https://*.example.com",
    "http://localhost:*",
    "http://*.localhost:3000",
    "https://*.a.example.net:8443",
    "http://[::1]:*",
    "https://*.example.org:*",
]
# Regexes that corskit's own hygiene check accepts (Starlette's test suite uses the first two).
REGEX_POOL = [
    None,
    r"https://.*\.example\.org",
    "https://.*",
    r"https://[a-z0-9-]+\.regex\.test",
    r"http://localhost(:[0-9]{1,5})?",
]
HEADER_POOL = ["X-Token", "x-requested-with", "Authorization", "X-A", "x-b", "Content-Type"]


@st.composite
def configs(draw: Any, allow_star: bool = True) -> dict[str, Any]:
    credentials = draw(st.booleans())
    if allow_star and not credentials and draw(st.integers(0, 9)) == 0:
        origins = ["*"]
    else:
        origins = draw(st.lists(st.sampled_from(EXACT_POOL), max_size=4, unique=True))
        origins += draw(st.lists(st.sampled_from(PATTERN_POOL), max_size=3, unique=True))
    headers = draw(st.one_of(st.just(["*"]), st.lists(st.sampled_from(HEADER_POOL), max_size=3, unique=True)))
    methods = draw(
        st.one_of(st.just(["*"]), st.lists(st.sampled_from(["GET", "post", "PATCH", "DELETE", "patch"]), max_size=3))
    )
    return {
        "allow_origins": origins,
        "allow_origin_regex": draw(st.sampled_from(REGEX_POOL)),
        "allow_credentials": credentials,
        "allow_methods": methods,
        "allow_headers": headers,
        "allow_private_network": draw(st.booleans()),
        "expose_headers": draw(st.lists(st.sampled_from(["X-Total", "ETag", "x-request-id"]), max_size=2)),
        "max_age": draw(st.integers(0, 86400)),
    }


SCHEMES = ["https", "http", "ws", "wss", "HTTPS", "Http", "ftp", "chrome-extension", "null", ""]
HOSTS = [
    "example.com",
    "app.example.com",
    "a.b.example.com",
    "example.org",
    "x.example.org",
    "evil-example.com",
    "example.com.evil.net",
    "evilexample.com",
    "example.co",
    "localhost",
    "app.localhost",
    "localhost.evil.net",
    "127.0.0.1",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::FFFF:7f00:1]",
    "xn--bcher-kva.example",
    "bücher.example",
    "EXAMPLE.COM",
    "App.Example.com",
    "example.com.",
    "app.example.com.",
    "a..example.com",
    ".example.com",
    "a_b.example.com",
    "x.a.example.net",
    "foo.regex.test",
    "foo.regex.test.evil",
    "",
]
PORTS = ["", ":80", ":443", ":3000", ":3001", ":5173", ":8080", ":8443", ":65535", ":65536", ":0", ":03000", ":", ":*"]
ODD = ["\r\n", "\n", "\r", "\x00", "\x80", "\xff", "\t", " ", "@", "/", "?", "#", ".", ":", "%0d%0a", ",", ";"]


@st.composite
def composed_origins(draw: Any) -> bytes:
    scheme = draw(st.sampled_from(SCHEMES))
    userinfo = draw(st.sampled_from(["", "", "", "user@", "user:pass@", "example.com@", "app.example.com:443@"]))
    host = draw(st.sampled_from(HOSTS))
    port = draw(st.sampled_from(PORTS))
    tail = draw(st.sampled_from(["", "", "", "", "/", "/path", "?q", "#f", ".", " ", "\r\nSet-Cookie: a=b", "\x00"]))
    text = f"{scheme}://{userinfo}{host}{port}{tail}"
    return text.encode("utf-8")


@st.composite
def mutated_origins(draw: Any) -> bytes:
    """A configured origin one edit away: a character changed, inserted or removed, or a port moved."""
    base = draw(st.sampled_from(EXACT_POOL + [p.replace("*.", "sub.").replace(":*", ":4000") for p in PATTERN_POOL]))
    kind = draw(st.sampled_from(["insert", "delete", "replace", "port", "upper", "same"]))
    if kind == "same" or not base:
        return base.encode()
    position = draw(st.integers(0, len(base) - 1))
    char = draw(st.one_of(st.sampled_from(ODD), st.characters(min_codepoint=0, max_codepoint=0x17F)))
    if kind == "insert":
        text = base[:position] + char + base[position:]
    elif kind == "delete":
        text = base[:position] + base[position + 1 :]
    elif kind == "replace":
        text = base[:position] + char + base[position + 1 :]
    elif kind == "upper":
        text = base[:position] + base[position:].upper()
    else:
        delta = draw(st.sampled_from([1, -1, 10000]))
        head, sep, port = base.rpartition(":")
        text = f"{head}:{int(port) + delta}" if sep and port.isdigit() else base + ":" + str(443 + delta)
    return text.encode("utf-8", "surrogatepass")


# Origins that some configuration in the pools allows.
INSTANCES = [
    "https://sub.example.com",
    "https://a.b.example.com",
    "http://localhost",
    "http://localhost:1234",
    "http://x.localhost:3000",
    "https://q.a.example.net:8443",
    "http://[::1]:9",
    "https://w.example.org:444",
    "https://w.example.org",
    "https://foo.regex.test",
    "http://localhost:65535",
    "https://anything.at.all",
]


def origins() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(EXACT_POOL + INSTANCES).map(str.encode),
        composed_origins(),
        mutated_origins(),
        st.sampled_from([b"null", b"", b" ", b"\t", b"*", b"https://", b"://", b"https://example.com " * 3]),
        st.binary(max_size=40),
    )


def header_lists() -> st.SearchStrategy[bytes]:
    name = st.one_of(st.sampled_from([*HEADER_POOL, "accept", "X-Evil", "Cookie"]), st.text("xXaA-_", min_size=1))
    sep = st.sampled_from([",", ", ", " , ", ",\t", ",,", " ", ""])
    listed = st.lists(st.tuples(name, sep), min_size=1, max_size=6).map(
        lambda items: "".join(n + s for n, s in items).rstrip(",")
    )
    return st.one_of(
        listed.map(lambda s: s.encode()),
        st.sampled_from([b"", b" ", b"\t", b",", b"x-token\r\nx-evil: 1", b"x-token\x00", b"x-\xfftoken"]),
        st.binary(max_size=30),
    )


def methods() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from([b"GET", b"get", b"POST", b"PATCH", b"patch", b"DELETE", b"QUERY", b"TRACE", b"", b" GET"]),
        st.binary(max_size=10),
    )


def vary_values() -> st.SearchStrategy[list[bytes]]:
    value = st.one_of(
        st.sampled_from([b"Accept-Encoding", b"origin", b"ORIGIN", b"*", b"", b" , ", b"Cookie, Origin", b"Originx"]),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=20).map(
            lambda s: s.encode("latin-1")
        ),
    )
    return st.lists(value, max_size=3)
