"""Generated (request, server answer) cases for the Chromium-vs-simulator differential test.

Deterministic: a fixed seed samples the product of request dimensions and (often broken) server answers,
and a curated list adds sequences that exercise the CORS-preflight cache and redirects. Expected results
are not written anywhere: the test asks real Chromium and compares.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from support.cors_server import Answer

SEED = 20261126


@dataclass
class Case:
    id: str
    #: one or more JavaScript RequestInit dicts, fetched one after the other (same URL);
    #: ``{"sleep": seconds}`` pauses between two of them
    inits: list[dict[str, Any]]
    preflight: Answer
    actual: Answer
    #: redirect targets: case id -> (preflight answer, actual answer)
    extra: dict[str, tuple[Answer, Answer]] = field(default_factory=dict)


# -- request dimensions -------------------------------------------------------------------------------
METHODS = [
    "GET",
    "GET",
    "POST",
    "POST",
    "HEAD",
    "PUT",
    "put",
    "DELETE",
    "delete",
    "PATCH",
    "patch",
    "OPTIONS",
    "Foo",
    "options",
    "head",
]
HEADER_SETS: list[dict[str, str]] = [
    {},
    {},
    {"X-Token": "1"},
    {"Content-Type": "application/json"},
    {"Content-Type": "text/plain;charset=utf-8"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {"Accept": "application/json"},
    {"Accept": "text/(html)"},
    {"Accept-Language": "en-US,en;q=0.9"},
    {"Accept-Language": "en_US"},
    {"Content-Language": "de-DE"},
    {"Authorization": "Bearer abc"},
    {"X-Token": "1", "x-other": "2"},
    {"Range": "bytes=0-10"},
    {"Range": "bytes=-5"},
    {"DPR": "2"},
    {"Save-Data": "on"},
    {"Accept": "a" * 129},
    {"User-Agent": "custom"},
    {"Cookie": "a=b"},
    {"X-Token": "1", "Authorization": "x", "Content-Type": "application/json"},
    {"Content-Type": "text/plain ;charset=utf-8"},
    {"Content-Type": "text/ plain"},
    {"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*", "Content-Language": "en"},
    {"X-Requested-With": "XMLHttpRequest"},
    {"ECT": "4G"},
    {"Intervention": "x"},
]
CREDENTIALS = ["omit", "same-origin", "same-origin", "include"]

# -- answer dimensions ----------------------------------------------------------------------------------
ACAO = [
    [("Access-Control-Allow-Origin", "$ORIGIN")],
    [("Access-Control-Allow-Origin", "$ORIGIN")],
    [("Access-Control-Allow-Origin", "$ORIGIN")],
    [("Access-Control-Allow-Origin", "*")],
    [("Access-Control-Allow-Origin", "*")],
    [],
    [("Access-Control-Allow-Origin", "$ORIGIN_UPPER")],
    [("Access-Control-Allow-Origin", "$ORIGIN/")],
    [("Access-Control-Allow-Origin", "$ORIGIN"), ("Access-Control-Allow-Origin", "$ORIGIN")],
    [("Access-Control-Allow-Origin", "null")],
    [("Access-Control-Allow-Origin", "*, $ORIGIN")],
    [("access-control-allow-origin", "$ORIGIN")],
]
ACAC = [
    [],
    [],
    [("Access-Control-Allow-Credentials", "true")],
    [("Access-Control-Allow-Credentials", "true")],
    [("Access-Control-Allow-Credentials", "True")],
    [("Access-Control-Allow-Credentials", "true"), ("Access-Control-Allow-Credentials", "true")],
    [("Access-Control-Allow-Credentials", "false")],
]
ACAM = [
    [],
    [("Access-Control-Allow-Methods", "$ACRM")],
    [("Access-Control-Allow-Methods", "$ACRM")],
    [("Access-Control-Allow-Methods", "*")],
    [("Access-Control-Allow-Methods", "$ACRM_UPPER")],
    [("Access-Control-Allow-Methods", "$ACRM_LOWER")],
    [("Access-Control-Allow-Methods", "GET, POST")],
    [("Access-Control-Allow-Methods", "PUT DELETE")],
    [("Access-Control-Allow-Methods", "GET,, $ACRM,")],
    [("Access-Control-Allow-Methods", "GET"), ("Access-Control-Allow-Methods", "$ACRM")],
]
ACAH = [
    [],
    [("Access-Control-Allow-Headers", "$ACRH")],
    [("Access-Control-Allow-Headers", "$ACRH")],
    [("Access-Control-Allow-Headers", "*")],
    [("Access-Control-Allow-Headers", "$ACRH_UPPER")],
    [("Access-Control-Allow-Headers", "x-token")],
    [("Access-Control-Allow-Headers", "x-token;")],
    [("Access-Control-Allow-Headers", "*, authorization")],
    [("Access-Control-Allow-Headers", "authorization, x-token, content-type, x-other")],
    [("Access-Control-Allow-Headers", '"x-token"')],
]
MAX_AGE = [
    [],
    [],
    [("Access-Control-Max-Age", "0")],
    [("Access-Control-Max-Age", "600")],
    [("Access-Control-Max-Age", "-1")],
]
PREFLIGHT_STATUS = [204, 204, 204, 204, 200, 200, 299, 202, 400, 403, 404, 405, 500, 301, 307, 304]
ACTUAL_STATUS = [200, 200, 200, 200, 201, 204, 404, 500, 301, 302, 303, 307, 308]
CACHE_MODES = ["default", "default", "default", "no-store", "reload", "no-cache", "force-cache"]
ACEH = [
    [],
    [],
    [("Access-Control-Expose-Headers", "X-Custom")],
    [("Access-Control-Expose-Headers", "*")],
    [("Access-Control-Expose-Headers", "*")],
    [("Access-Control-Expose-Headers", "x-custom, set-cookie, content-language")],
    [("Access-Control-Expose-Headers", "X-Custom X-Other")],
    [("Access-Control-Expose-Headers", "*, x-other")],
    [("Access-Control-Expose-Headers", "x-custom"), ("Access-Control-Expose-Headers", "x-other")],
]
EXTRA = [
    ("X-Custom", "c"),
    ("X-Other", "o"),
    ("Set-Cookie", "session=1; Path=/"),
    ("Content-Language", "en"),
    ("Server-Timing", "db;dur=1"),
    ("Content-Type", "text/plain; charset=utf-8"),
]
_REDIRECT_TARGET = Answer(
    200,
    [("Access-Control-Allow-Origin", "$ORIGIN"), ("Access-Control-Allow-Credentials", "true"), *EXTRA],
    body="target",
)


def _generated(rng: random.Random, n: int) -> list[Case]:
    cases = []
    for i in range(n):
        method = rng.choice(METHODS)
        init: dict[str, Any] = {"method": method, "credentials": rng.choice(CREDENTIALS)}
        headers = rng.choice(HEADER_SETS)
        if headers:
            init["headers"] = headers
        if method.upper() not in ("GET", "HEAD") and rng.random() < 0.6:
            init["body"] = "payload"
        cache = rng.choice(CACHE_MODES)
        if cache != "default":
            init["cache"] = cache
        preflight_status = rng.choice(PREFLIGHT_STATUS)
        pre_headers = rng.choice(ACAO) + rng.choice(ACAC) + rng.choice(ACAM) + rng.choice(ACAH) + rng.choice(MAX_AGE)
        case_id = f"g{i:03d}"
        if preflight_status in (301, 307):
            pre_headers.append(("Location", f"/c/{case_id}-t?$QUERY"))
        actual_status = rng.choice(ACTUAL_STATUS)
        act_headers = rng.choice(ACAO) + rng.choice(ACAC) + rng.choice(ACEH) + EXTRA
        extra: dict[str, tuple[Answer, Answer]] = {}
        if actual_status in (301, 302, 303, 307, 308):
            # Same-origin (api -> api) or cross-origin (api -> other, which taints the origin) redirect.
            if rng.random() < 0.5:
                act_headers.append(("Location", f"/c/{case_id}-t?$QUERY"))
                target_acao = "$ORIGIN"
            else:
                act_headers.append(("Location", f"http://other.localhost:$PORT/c/{case_id}-t?$QUERY"))
                target_acao = rng.choice(["*", "null", "$ORIGIN"])
            target_pre = Answer(
                204,
                [
                    ("Access-Control-Allow-Origin", target_acao),
                    ("Access-Control-Allow-Credentials", "true"),
                    *rng.choice(ACAM),
                    *rng.choice(ACAH),
                ],
            )
            target = Answer(200, [("Access-Control-Allow-Origin", target_acao), *EXTRA], body="target")
            extra[f"{case_id}-t"] = (target_pre, target)
        cases.append(
            Case(
                case_id,
                [init],
                Answer(preflight_status, pre_headers, body="preflight body"),
                Answer(actual_status, act_headers, body=f"body of {case_id}"),
                extra,
            )
        )
    return cases


def _curated() -> list[Case]:
    """Sequences on one URL: what the CORS-preflight cache keeps, per profile rule, plus redirects."""
    ok = [("Access-Control-Allow-Origin", "$ORIGIN"), ("Access-Control-Allow-Credentials", "true")]
    actual = Answer(200, [*ok, *EXTRA], body="cached?")
    cases: list[Case] = []

    def add(case_id: str, inits: list[dict[str, Any]], pre: list[tuple[str, str]], status: int = 204) -> None:
        cases.append(Case(case_id, inits, Answer(status, ok + pre), actual))

    put = {"method": "PUT"}
    for label, max_age in [
        ("absent", None),
        ("zero", "0"),
        ("neg", "-1"),
        ("ten", "10"),
        ("junk", "abc"),
        ("huge", "99999999999999999999"),
        ("plus", "+7"),
    ]:
        pre = [("Access-Control-Allow-Methods", "PUT")]
        if max_age is not None:
            pre.append(("Access-Control-Max-Age", max_age))
        add(f"cache-maxage-{label}", [put, put], pre)
    allow_put = [("Access-Control-Allow-Methods", "PUT")]
    add("cache-cred-then-plain", [{"method": "PUT", "credentials": "include"}, put], allow_put)
    add("cache-plain-then-cred", [put, {"method": "PUT", "credentials": "include"}], allow_put)
    add("cache-omit-then-same", [{"method": "PUT", "credentials": "omit"}, put], allow_put)
    for mode in ("no-store", "reload", "no-cache", "force-cache"):
        add(f"cache-mode-first-{mode}", [{"method": "PUT", "cache": mode}, put], allow_put)
        add(f"cache-mode-second-{mode}", [put, {"method": "PUT", "cache": mode}], allow_put)
    add("cache-other-method", [put, {"method": "DELETE"}], [("Access-Control-Allow-Methods", "PUT, DELETE")])
    add("cache-method-missing", [put, {"method": "DELETE"}, put], allow_put)
    add("cache-star-method", [put, {"method": "DELETE"}], [("Access-Control-Allow-Methods", "*")])
    add(
        "cache-star-method-cred",
        [put, {"method": "DELETE", "credentials": "include"}],
        [("Access-Control-Allow-Methods", "*")],
    )
    xa, xb = {"headers": {"X-A": "1"}}, {"headers": {"X-B": "1"}}
    add("cache-headers", [xa, xb, xa], [("Access-Control-Allow-Headers", "x-a, x-b")])
    add("cache-header-missing", [xa, xb, xa], [("Access-Control-Allow-Headers", "x-a")])
    add("cache-header-star", [xa, xb], [("Access-Control-Allow-Headers", "*")])
    add(
        "cache-header-star-auth",
        [xa, {"headers": {"Authorization": "x"}}],
        [("Access-Control-Allow-Headers", "*")],
    )
    add("cache-replaced", [put, {"method": "PATCH"}, put], [("Access-Control-Allow-Methods", "$ACRM")])
    add("cache-failed-then", [{"method": "DELETE"}, put], allow_put)
    add(
        "cache-case-method",
        [{"method": "patch"}, {"method": "PATCH"}],
        [("Access-Control-Allow-Methods", "patch")],
    )
    # One request each, against a preflight that allows nothing but a dummy header: does the header
    # alone trigger a preflight (and then get blocked)? Chromium's extra safelist and dropped headers.
    only_dummy = [("Access-Control-Allow-Headers", "x-dummy")]
    singles = [
        ("DPR", "2"),
        ("DPR", ".5"),
        ("DPR", "1."),
        ("Width", "10.0"),
        ("Width", "640"),
        ("Viewport-Width", "1"),
        ("Device-Memory", "0.5"),
        ("Downlink", "1.5"),
        ("RTT", "1.5"),
        ("RTT", "50"),
        ("ECT", "4G"),
        ("ECT", "slow-2g"),
        ("Save-Data", "ON"),
        ("Save-Data", "off"),
        ("Intervention", "x"),
        ("User-Agent", "custom"),
        ("Range", "bytes=5-3"),
        ("Range", "BYTES=0-1"),
        ("Content-Type", "text/plain;"),
        ("Content-Type", "text/plain/x"),
        ("Content-Type", ""),
        ("Accept", ""),
        ("Content-Language", ""),
        ("Accept-Language", "*"),
        ("X-HTTP-Method-Override", "TRACE"),
        ("Access-Control-Request-Private-Network", "true"),
    ]
    for number, (name, value) in enumerate(singles):
        add(
            f"header-{number:02d}-{name.lower()}",
            [{"method": "POST", "headers": {name: value}, "body": "x"}],
            only_dummy,
        )
    # Chromium strips page-set Client Hints when it follows a redirect (an unsafe DPR value then needs no
    # preflight at the target); Save-Data stays.
    for number, (name, value) in enumerate([("DPR", ".5"), ("DPR", "2"), ("Save-Data", "on"), ("RTT", "50")]):
        case_id = f"redirect-hint-{number}"
        target_pre = Answer(204, [*ok, ("Access-Control-Allow-Headers", "dpr, save-data, rtt")])
        cases.append(
            Case(
                case_id,
                [{"headers": {name: value}}],
                Answer(204, [*ok, ("Access-Control-Allow-Headers", "dpr, save-data, rtt")]),
                Answer(307, [*ok, ("Location", f"/c/{case_id}-t?$QUERY")]),
                {f"{case_id}-t": (target_pre, Answer(200, [*ok, *EXTRA], body="hinted"))},
            )
        )
    # Odd Location values: empty (Chromium: no redirect at all), other schemes, credentials, relative forms.
    locations = {
        "empty": "",
        "ftp": "ftp://files.example/x",
        "data": "data:text/plain,hi",
        "credentials": "http://user:pw@api.localhost:$PORT/c/location-credentials-t",
        "scheme-relative": "//api.localhost:$PORT/c/location-scheme-relative-t?$QUERY",
        "dot-dot": "../c/location-dot-dot-t?$QUERY",
        "fragment": "/c/location-fragment-t?$QUERY#part",
        "space": "/c/location-space-t x?$QUERY",
        "unparsable": "http://[bad/",
    }
    target_ids = {"space": "location-space-t x"}  # the server sees the path percent-decoded
    for label, location in locations.items():
        cases.append(
            Case(
                f"location-{label}",
                [{}],
                Answer(204),
                Answer(302, [*ok, ("Location", location)], body="the redirect itself"),
                {
                    target_ids.get(label, f"location-{label}-t"): (
                        Answer(204),
                        Answer(200, [*ok, *EXTRA], body="t"),
                    )
                },
            )
        )
    # Odd requests: value normalization, combining, exotic methods, what fetch() itself refuses.
    odd_requests: list[dict[str, Any]] = [
        {"headers": {"X-A": "  padded\t"}},
        {"headers": {"Accept": "text/html\t"}},
        {"headers": {"X-A": ""}},
        {"headers": [["Accept", "a"], ["accept", "b"]]},
        {"headers": {"Range": "bytes=0-1, 2-3"}},
        {"headers": {"Content-Language": "en, de"}},
        {"headers": {"Content-Type": 'text/plain;charset="utf-8"'}, "method": "POST", "body": "x"},
        {"method": "GeT"},
        {"method": "M-SEARCH"},
        {"method": "get "},
        {"method": "TRACE"},
        {"headers": {"X A": "1"}},
        {"headers": {"X-A": "a\u0000b"}},
        {"method": "PUT", "body": "x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"method": "HEAD", "body": "x"},
        {"mode": "no-cors", "method": "PATCH"},
    ]
    allow_all = [
        ("Access-Control-Allow-Headers", "x-a, range, accept"),
        ("Access-Control-Allow-Methods", "*"),
    ]
    for number, init in enumerate(odd_requests):
        add(f"odd-request-{number:02d}", [init], allow_all)
    add("auth-star", [{"headers": {"Authorization": "x"}}], [("Access-Control-Allow-Headers", "*")])
    add(
        "auth-star-include",
        [{"headers": {"Authorization": "x"}, "credentials": "include"}],
        [("Access-Control-Allow-Headers", "*")],
    )
    add(
        "auth-listed",
        [{"headers": {"Authorization": "x"}}],
        [("Access-Control-Allow-Headers", "Authorization")],
    )
    # Redirect chains: the origin stays "null" once tainted, each hop is checked, preflights are redone.
    other = "http://other.localhost:$PORT/c"
    null_ok = [("Access-Control-Allow-Origin", "null"), ("Access-Control-Allow-Credentials", "true")]
    cases.append(
        Case(
            "chain-simple",
            [{}],
            Answer(204),
            Answer(302, [*ok, ("Location", "/c/chain-simple-a?$QUERY")]),
            {
                "chain-simple-a": (
                    Answer(204),
                    Answer(302, [*ok, ("Location", f"{other}/chain-simple-b?$QUERY")]),
                ),
                "chain-simple-b": (
                    Answer(204),
                    Answer(302, [*null_ok, ("Location", "/c/chain-simple-c?$QUERY")]),
                ),
                "chain-simple-c": (Answer(204), Answer(200, [*null_ok, *EXTRA], body="end")),
            },
        )
    )
    put_include = {"method": "PUT", "credentials": "include", "headers": {"X-Token": "1"}, "body": "b"}
    cases.append(
        Case(
            "chain-preflighted",
            [put_include],
            Answer(
                204,
                [*ok, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "x-token")],
            ),
            Answer(307, [*ok, ("Location", f"{other}/chain-preflighted-b?$QUERY")]),
            {
                "chain-preflighted-b": (
                    Answer(
                        204,
                        [
                            *null_ok,
                            ("Access-Control-Allow-Methods", "PUT"),
                            ("Access-Control-Allow-Headers", "X-Token"),
                        ],
                    ),
                    Answer(308, [*null_ok, ("Location", "/c/chain-preflighted-c?$QUERY")]),
                ),
                "chain-preflighted-c": (
                    Answer(204, [*null_ok, ("Access-Control-Allow-Methods", "PUT")]),  # X-Token not allowed
                    Answer(200, [*null_ok, *EXTRA], body="end"),
                ),
            },
        )
    )
    cases.append(
        Case(
            "chain-303",
            [put_include],
            Answer(
                204,
                [*ok, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "x-token")],
            ),
            Answer(303, [*ok, ("Location", f"{other}/chain-303-b?$QUERY")]),
            {"chain-303-b": (Answer(204, null_ok), Answer(200, [*null_ok, *EXTRA], body="after 303"))},
        )
    )
    # With a pause longer than the 5 s default: which Access-Control-Max-Age values still hold the entry?
    waits = [("absent", None), ("3", "3"), ("10", "10"), ("junk", "abc"), ("plus", "+10")]
    waits += [("decimal", "10.5"), ("zeros", "0010"), ("dup", "10, 10"), ("neg", "-10")]
    for label, max_age in waits:
        pre = [("Access-Control-Allow-Methods", "PUT")]
        if max_age is not None:
            pre.append(("Access-Control-Max-Age", max_age))
        add(f"cache-wait-{label}", [put, {"sleep": 6}, put], pre)
    return cases


_SOUP = [*"abcxyzXAP-_ ,;*\"'()/.:=@\t", "PUT", "x-a", "X-A", "GET", "patch", "*", "authorization"]
_VALUE_CHARS = [chr(c) for c in range(0x20, 0x7F)] + ["\u00e9", "\t"]
_SOUP_HEADERS = [
    "Accept",
    "Accept-Language",
    "Content-Language",
    "Content-Type",
    "Range",
    "X-A",
    "DPR",
    "ECT",
    "Save-Data",
    "Width",
]


def _soup_cases(rng: random.Random, n: int) -> list[Case]:
    """Random character soup in the Access-Control-* lists and in request header values: parsing edges."""

    def soup(size: int = 4) -> str:
        return "".join(rng.choice(_SOUP) for _ in range(rng.randint(0, size)))

    def value(size: int = 10) -> str:
        return "".join(rng.choice(_VALUE_CHARS) for _ in range(rng.randint(0, size)))

    cases = []
    for i in range(n):
        method = rng.choice(["GET", "POST", "PUT", "patch", "DELETE", "HEAD"])
        init: dict[str, Any] = {"method": method, "credentials": rng.choice(CREDENTIALS)}
        headers: dict[str, str] = {}
        for _ in range(rng.randint(0, 2)):
            name = rng.choice(_SOUP_HEADERS)
            if name == "Content-Type":
                essence = rng.choice(["text/plain", "multipart/form-data", "application/x-www-form-urlencoded"])
                headers[name] = essence + rng.choice(["", ";", "; a=b", value(4), " ;x"])
            else:
                headers[name] = value()
        if headers:
            init["headers"] = headers
        if method not in ("GET", "HEAD") and rng.random() < 0.5:
            init["body"] = "b"
        pre = [("Access-Control-Allow-Origin", rng.choice(["$ORIGIN", "$ORIGIN", "*", "$ORIGIN,"]))]
        if rng.random() < 0.5:
            pre.append(("Access-Control-Allow-Credentials", rng.choice(["true", "true", "TRUE"])))
        if rng.random() < 0.8:
            pre.append(("Access-Control-Allow-Methods", rng.choice(["$ACRM", "*", soup(), "$ACRM, " + soup()])))
        if rng.random() < 0.8:
            choices = ["$ACRH", "*", soup(), "$ACRH," + soup(), soup() + ",$ACRH"]
            pre.append(("Access-Control-Allow-Headers", rng.choice(choices)))
        actual = [
            ("Access-Control-Allow-Origin", rng.choice(["$ORIGIN", "*", "$ORIGIN"])),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Expose-Headers", rng.choice(["*", soup(), "x-a," + soup(), soup() + ", x-b"])),
            ("X-A", "1"),
            ("X-B", "2"),
            ("A", "3"),
            ("P", "4"),
        ]
        cases.append(Case(f"s{i:03d}", [init], Answer(204, pre), Answer(200, actual, body="soup")))
    return cases


def all_cases() -> list[Case]:
    rng = random.Random(SEED)
    return _curated() + _generated(rng, 260) + _soup_cases(random.Random(SEED + 1), 120)
