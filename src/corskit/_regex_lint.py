"""Checking a user's ``allow_origin_regex`` for the classic mistakes, at construction.

Holes are judged by meaning, not by shape. The regex is read for the origins its author meant, which
name the registrable domains spelled out in it; from those, the look-alikes a stranger could register
are derived (letters before the domain, the domain followed by another label, each unescaped dot
replaced, a label under a public suffix, with either scheme and with or without a port) and the
compiled regex is asked to fully match each. A problem is reported only when one really gets through,
and its message names that origin and the fix. What a regex lets in beyond look-alikes of its own
names is a choice, not a mistake: Starlette's ``https://.*`` and ``https://.*\\.example.org`` (whose
unescaped dot sits before the top-level domain, where nobody can register ``examplexorg``) pass.

Registrability comes from the Public Suffix List (see ``corskit._fetch``); names under the
reserved suffixes (``.test``, ``.localhost``, ...) are nobody's to register, exactly as for patterns.

Codes (all for ``allow_origin_regex``):

- ``regex-unescaped-dot``: a bare ``.`` lets another character in (``https://api.example.com``
  matches ``https://apixexample.com``).
- ``regex-suffix-match``: letters can come before the domain without a dot
  (``https://.*example\\.com`` matches ``https://evilexample.com``).
- ``regex-prefix-match``: the host can go on after the domain (``https://example\\.com.*`` matches
  ``https://example.com.evil.net``).
- ``regex-public-suffix``: a wildcard label in front of a public suffix (``https://.*\\.com``,
  ``https://[a-z]+\\.github\\.io``, ``https://.*\\.amazonaws\\.com`` for ``evil.s3.amazonaws.com``).
- ``regex-wildcard-domain``: a wildcard inside the registered name itself (``https://example[0-9]\\.com``,
  ``https://example\\.[a-z]+``).
- ``regex-glob-wildcard``: ``://*`` - glob syntax; in a regex it repeats the ``/``.
- ``regex-nested-quantifier``: a repeated group whose body is itself just a repetition
  (``([a-z]+)+``): exponential backtracking on a near-miss origin.
- ``regex-never-matches``: a top-level alternative made only of literal text that is not a serialized
  origin (``https://a\\.com|b\\.com``, ``https://a\\.com/``): the author expected it to match something.

The match itself is always a full match on a well-formed origin of bounded length, so "unanchored"
alternations such as ``^https://a\\.com|https://b\\.com$`` are safe in corskit and not reported.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from ._errors import Problem
from ._fetch import longer_top_level_label, open_suffix_under, registrable_by_anyone, registrable_domain
from ._limits import MAX_ORIGIN_LENGTH
from ._origins import split_serialized_origin

if sys.version_info >= (3, 11):
    from re import _constants as sre_constants
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

Item = tuple[Any, Any]

_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_HOST_END_ATS = ("AT_END", "AT_END_STRING")
_PARAMETER = "allow_origin_regex"


def _name(code: Any) -> str:
    return str(getattr(code, "name", code))


def _items(sub: Any) -> list[Item]:
    return list(sub)


def _char_in_class(items: Sequence[Item], char: str) -> bool:
    negate = False
    found = False
    for op, av in items:
        kind = _name(op)
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            found = found or chr(av).lower() == char.lower()
        elif kind == "RANGE":
            low, high = av
            found = found or any(low <= ord(c) <= high for c in {char.lower(), char.upper()})
        elif kind == "CATEGORY":
            found = found or _in_category(_name(av), char)
    return found != negate


def _in_category(category: str, char: str) -> bool:
    name = category.removeprefix("CATEGORY_")
    negated = name.startswith("NOT_")
    name = name.removeprefix("NOT_").removeprefix("UNI_").removeprefix("LOC_")
    tests = {
        "DIGIT": char.isdigit(),
        "WORD": char.isalnum() or char == "_",
        "SPACE": char.isspace(),
        "LINEBREAK": char == "\n",
    }
    if name not in tests:
        return False
    return tests[name] != negated


def _check_sequence(seq: Sequence[Item], problems: list[Problem], parameter: str) -> None:
    """The shape checks that need no meaning: exponential backtracking, anywhere in the tree."""
    for item in seq:
        op, _av = item
        if _name(op) in _REPEATS and _nested_quantifier(item):
            problems.append(
                Problem(
                    "regex-nested-quantifier",
                    parameter,
                    "a repeated group whose body is itself just a repetition (like '([a-z]+)+') backtracks "
                    "exponentially on an origin that almost matches. Repeat once: '[a-z]+'.",
                )
            )
        for child in _children(item):
            _check_sequence(child, problems, parameter)


def _children(item: Item) -> list[list[Item]]:
    """The sub-sequences of an item."""
    op, av = item
    kind = _name(op)
    if kind == "SUBPATTERN":
        return [_items(av[3])]
    if kind == "BRANCH":
        return [_items(branch) for branch in av[1]]
    if kind in _REPEATS:
        return [_items(av[2])]
    if kind == "ATOMIC_GROUP":
        return [_items(av)]
    if kind in ("ASSERT", "ASSERT_NOT"):
        return [_items(av[1])]
    if kind == "GROUPREF_EXISTS":
        return [_items(branch) for branch in av[1:] if branch is not None]
    return []


def _unwrap(seq: list[Item]) -> list[Item]:
    while len(seq) == 1 and _name(seq[0][0]) == "SUBPATTERN":
        seq = _items(seq[0][1][3])
    return seq


def _nested_quantifier(item: Item) -> bool:
    """``(X+)+``, ``(X*)*``, ``(X+Y?)+``: a repetition whose body can be matched by one inner repetition
    alone, so a run of input splits between the two loops in exponentially many ways."""
    op, av = item
    if _name(op) == "POSSESSIVE_REPEAT" or av[1] <= 1:
        return False
    body = _unwrap(_items(av[2]))
    loops = 0
    required: list[str] = []  # items that must match something: at most one, and it must be a loop
    for op_inner, av_inner in body:
        inner = _name(op_inner)
        if inner in ("MAX_REPEAT", "MIN_REPEAT") and av_inner[1] > 1:
            loops += 1
            if av_inner[0] > 0:
                required.append("loop")
        elif (inner in _REPEATS and av_inner[0] == 0) or inner == "AT":
            continue
        else:
            required.append(inner)
    return loops >= 1 and required in ([], ["loop"])


def _literal_text(seq: Sequence[Item]) -> str | None:
    """The text of an alternative made only of literal characters (anchors ignored), else None."""
    text = ""
    for op, av in seq:
        kind = _name(op)
        if kind == "LITERAL":
            text += chr(av)
        elif kind == "AT" and _name(av) in ("AT_BEGINNING", "AT_BEGINNING_STRING", *_HOST_END_ATS):
            continue
        elif kind == "SUBPATTERN":
            inner = _literal_text(_items(av[3]))
            if inner is None:
                return None
            text += inner
        else:
            return None
    return text


# --- Trying the origins an attacker could register -------------------------------------------------
#
# The regex is first read for the origins its author meant: each alternative and optional part taken
# both ways, each wildcard run as one character, each bare '.' between letters as the dot it was
# meant to be. Those origins name the registrable domains the author owns (the ones spelled out in
# literal text). From each, the look-alikes a stranger could register are derived, and the compiled
# regex is asked to fully match them; every refusal names an origin that really gets through.

# A piece of a sample: its text, and what wrote it -- "lit" (literal text), "dot" (a bare '.', read
# as a dot) or "wild" (a wildcard's stand-in).
Piece = tuple[str, str]
Sample = tuple[Piece, ...]

_MAX_SAMPLES = 256
_STAND_INS = "a1-_."
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
_SCHEMES = ("https", "http")
_EXTRA_PORTS = ("", ":8443")
# Letters an attacker puts before a domain, and hosts an attacker appends after one.
_PREFIXES = ("evil", "0", "evil-")
_APPENDED = (".evil.net", "-evil.net", "evil.net")
# Top-level labels of several lengths, tried where the regex leaves the top-level label to a wildcard.
_SOME_TOP_LABELS = ("com", "net", "br", "uk", "io", "info")


def _stand_in(item: Item) -> Piece | None:
    """One character a single-character item matches, preferring host characters."""
    op, av = item
    kind = _name(op)
    if kind == "LITERAL":
        return chr(av), "lit"
    if kind == "ANY":
        return ".", "dot"
    if kind == "NOT_LITERAL":
        return ("a" if chr(av).lower() != "a" else "0"), "wild"
    if kind == "IN":
        members = [char for char in _STAND_INS if _char_in_class(av, char)]
        everything = [char for char in "abcdefghijklmnopqrstuvwxyz0123456789" if _char_in_class(av, char)]
        if len(everything) == 1 and members == everything:
            return everything[0], "lit"  # [e] or [.] is literal text
        if members == ["."]:
            return ".", "lit"
        return (members[0], "wild") if members else None
    return None


def _samples(seq: Sequence[Item], ignore_case: bool, wild: bool = False) -> list[Sample]:
    """Origins the author meant, as pieces. ``wild`` inside a repetition: a '.' there is a wildcard.

    At most ``_MAX_SAMPLES`` of them, none longer than an origin can be: the cost is linear in the
    pattern and bounded."""
    results: list[list[Piece]] = [[]]
    for item in seq:
        options = _item_samples(item, ignore_case, wild)
        if not options:
            return []
        if len(options) == 1:
            for result in results:
                result.extend(options[0])
        else:
            results = [[*result, *option] for result in results for option in options][:_MAX_SAMPLES]
        results = [result for result in results if len(result) <= MAX_ORIGIN_LENGTH]
        if not results:
            return []
    return [tuple(result) for result in results]


def _item_samples(item: Item, ignore_case: bool, wild: bool) -> list[Sample]:
    op, av = item
    kind = _name(op)
    if kind in ("LITERAL", "ANY", "NOT_LITERAL", "IN"):
        piece = _stand_in(item)
        if piece is None:
            return []
        text, how = piece
        if ignore_case and how == "lit":
            text = text.lower()
        if wild and how == "dot":
            text, how = "a", "wild"
        return [((text, how),)]
    if kind in _REPEATS:
        low, high, body = av
        inner = _samples(_items(body), ignore_case, wild or high > 1)
        if low == 0:
            return [(), *inner] if high >= 1 else [()]
        return [sample * low for sample in inner if len(sample) * low <= MAX_ORIGIN_LENGTH]
    if kind == "SUBPATTERN":
        case = ignore_case or bool(av[1] & sre_constants.SRE_FLAG_IGNORECASE)
        return _samples(_items(av[3]), case, wild)
    if kind == "ATOMIC_GROUP":
        return _samples(_items(av), ignore_case, wild)
    if kind in ("BRANCH", "GROUPREF_EXISTS"):
        branches = [_items(branch) for branch in (av[1] if kind == "BRANCH" else av[1:]) if branch is not None]
        return [sample for branch in branches for sample in _samples(branch, ignore_case, wild)][:_MAX_SAMPLES]
    if kind in ("AT", "ASSERT", "ASSERT_NOT"):
        return [()]  # anchors are implied by the full match; lookarounds are left to the regex
    return []  # a back-reference: no sample here


def _host_span(text: str) -> tuple[int, int] | None:
    """Where the host sits in a serialized origin."""
    parts = split_serialized_origin(text)
    if parts is None:
        return None
    start = text.index("://") + 3
    return start, start + len(parts[1])


def _kinds(sample: Sample) -> str:
    return "".join(how[0] for text, how in sample for _ in text)


def _owned(host: str, kinds: str) -> str | None:
    """The registrable domain of a meant host when its author spelled it out (no wildcard in it)."""
    domain = registrable_by_anyone(host)
    if domain is None or "w" in kinds[len(host) - len(domain) :]:
        return None
    return domain


def _fix_for(code: str, domain: str) -> str:
    escaped = domain.replace(".", "\\.")
    return {
        "regex-unescaped-dot": "Write '\\.' for a literal dot.",
        "regex-suffix-match": f"Match subdomains only after a dot: '(.*\\.)?{escaped}' or '([a-z0-9-]+\\.)*{escaped}'.",
        "regex-prefix-match": f"End the host there: '{escaped}(:[0-9]+)?' for an optional port, nothing after it.",
        "regex-public-suffix": f"Name your own domain: '[a-z0-9-]+\\.yourdomain\\.{escaped}'.",
        "regex-wildcard-domain": "Spell out the domains you own, and use wildcards only for whole labels before them.",
    }[code]


def _explain(code: str, origin: str, domain: str) -> str:
    why = {
        "regex-unescaped-dot": "an unescaped '.' matches any character",
        "regex-suffix-match": f"letters can come before {domain!r} without a dot",
        "regex-prefix-match": "the host may go on after the domain you named",
        "regex-public-suffix": f"a wildcard label sits directly under the public suffix {domain!r}",
        "regex-wildcard-domain": f"a wildcard reaches into the name people register under {domain!r}",
    }[code]
    return f"it fully matches {origin!r}, a site anyone can register: {why}."


class _Trial:
    """The regex, the domains its author owns, and the first hole found for each code.

    Matching goes through ``re.fullmatch`` and its cache of compiled patterns, so checking a regex does
    not compile a second copy of the one the middleware keeps."""

    def __init__(self, pattern: str, owned: set[str]) -> None:
        self.pattern = pattern
        self.owned = owned
        self.found: dict[str, tuple[str, str]] = {}

    def attack(self, code: str, scheme: str, host: str, port: str, shown: str, default_rule: bool = False) -> bool:
        """Record ``code`` when some spelling of this origin is registrable by a stranger and matches.

        ``default_rule``: the host sits under a suffix the author wrote, so a top-level label the list
        does not know counts as open (as in ``allow_origins`` patterns: it may be delegated tomorrow)."""
        if code in self.found or not host or not set(host) <= _NAME_CHARS:
            return False
        domain = registrable_domain(host) if default_rule else registrable_by_anyone(host)
        if domain is None or domain in self.owned:
            return False
        web = (scheme,) if scheme in ("https", "http", "wss", "ws") else ()
        dot = "." if port.startswith(".") else ""
        for variant_scheme in dict.fromkeys((*web, *_SCHEMES, scheme)):
            for variant_port in dict.fromkeys((port, *(dot + extra for extra in _EXTRA_PORTS))):
                origin = f"{variant_scheme}://{host}{variant_port}"
                if split_serialized_origin(origin) is not None and re.fullmatch(self.pattern, origin):
                    self.found[code] = (origin, shown)
                    return True
        return False


def _public_suffix_of(host: str) -> str | None:
    domain = registrable_by_anyone(host)
    if domain is None or domain == host:
        return None if domain is None else domain.split(".", 1)[1]
    return domain.split(".", 1)[1]


def _escape_bare_dots(pattern: str) -> str:
    """The pattern with each '.' that stands alone (not in a class, not repeated) written '\\.'."""
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "." and pattern[index + 1 : index + 2] not in ("*", "+", "?", "{"):
            char = "\\."
        out.append(char)
        index += 1
    return "".join(out)


def _with_scheme(pattern: str, text: str, kinds: str) -> tuple[str, str]:
    """A sample without a scheme (``.*example\\.com`` read as ``example.com``) is what the regex's
    leading wildcard lets through after ``https://`` or ``http://``: it is read with that scheme."""
    if "://" in text:
        return text, kinds
    for scheme in ("https://", "http://"):
        if re.fullmatch(pattern, scheme + text):
            return scheme + text, "l" * len(scheme) + kinds
    return text, kinds


def attacker_origin_problems(pattern: str, top: list[Item], ignore_case: bool, parameter: str) -> list[Problem]:
    """Problems naming origins a stranger can register that the regex lets in."""
    try:
        re.fullmatch(pattern, "")
    except re.error:
        return []
    meant: list[tuple[str, str, str, str, str]] = []  # scheme, host, port, kinds of the host, full text
    for sample in dict.fromkeys(_samples(top, ignore_case)):
        text, kinds = _with_scheme(pattern, "".join(piece for piece, _how in sample), _kinds(sample))
        span = _host_span(text)
        if span is None or re.fullmatch(pattern, text) is None:
            continue
        start, end = span
        # A trailing dot stays with the port: the look-alikes of 'example.com.' are those of 'example.com'.
        host = text[start:end].removesuffix(".")
        after = text[start + len(host) :]
        meant.append((text[: start - 3], host, after, kinds[start : start + len(host)], text))
    owned = {domain for _s, host, _p, kinds, _t in meant if (domain := _owned(host, kinds)) is not None}
    trial = _Trial(pattern, owned)
    for scheme, host, port, kinds, _text in meant:
        # Each bare '.' replaced: 'api.example.com' also matches 'apixexample.com'.
        for index in (i for i, kind in enumerate(kinds) if kind == "d"):
            for char in "x-":
                trial.attack("regex-unescaped-dot", scheme, host[:index] + char + host[index + 1 :], port, host)
        domain = _owned(host, kinds)
        if domain is not None:
            # Letters before the domain: 'evilexample.com'.
            head = host[: len(host) - len(domain)]
            for prefix in _PREFIXES:
                for before in dict.fromkeys(("", head)):
                    trial.attack("regex-suffix-match", scheme, before + prefix + domain, port, domain)
        # The host followed by more: 'example.com.evil.net' (also from the literal part alone).
        literal_end = next((i for i, kind in enumerate(kinds) if kind == "w"), len(kinds))
        last_wild = max((index for index, kind in enumerate(kinds) if kind == "w"), default=-1)
        tail = host[last_wild + 1 :]
        dot = "." if port.startswith(".") else ""
        # Stems: the literal name after the last wildcard, the whole host, the literal start of the host.
        stems = {
            tail.lstrip("."): kinds[-1:],
            host: kinds[-1:],
            host[:literal_end]: kinds[literal_end - 1 : literal_end],
        }
        for stem, last_kind in stems.items():
            if not stem or last_kind != "l":  # only after a name the author wrote
                continue
            for appended in _APPENDED:
                trial.attack("regex-prefix-match", scheme, stem + appended, dot, stem)
            # Letters going on after the top-level label reach another one: 'example.comsec'.
            name, _, last_label = stem.rpartition(".")
            longer = longer_top_level_label(last_label) if name else None
            if longer is not None:
                trial.attack("regex-prefix-match", scheme, f"{name}.{longer}", dot, stem)
        # Wildcard labels in front of a public suffix the author wrote: 'evil.github.io', or one
        # further down, 'evil.s3.amazonaws.com' for '.*\.amazonaws\.com'.
        public = open_suffix_under(tail[1:]) if last_wild >= 0 and tail.startswith(".") else None
        if public is not None:
            for candidate in (f"evil.{public}", f"evil.x.{public}"):
                trial.attack("regex-public-suffix", scheme, candidate, port, public, default_rule=True)
    if not trial.found:
        for scheme, host, port, kinds, _text in meant:
            if _owned(host, kinds) is not None or "w" not in kinds:
                continue
            # A wildcard inside the registered name ('example[0-9].com') or for the top-level label.
            labels = host.rsplit(".", 1)
            wild_top = len(labels) == 2 and "w" in kinds[-len(labels[1]) :]
            retopped = [f"{labels[0]}.{top_label}" for top_label in _SOME_TOP_LABELS] if wild_top else []
            for candidate in (host, *retopped):
                trial.attack("regex-wildcard-domain", scheme, candidate, port, _public_suffix_of(candidate) or "")
    problems = []
    for code, (origin, shown) in trial.found.items():
        fix = _fix_for(code, shown)
        if code == "regex-unescaped-dot":
            fix = f"Write '\\.' for a literal dot: '{_escape_bare_dots(pattern)}'."
        message = f"{_explain(code, origin, shown)} {fix}"
        problems.append(Problem(code, parameter, message))
    return problems


def lint_origin_regex(pattern: str, parameter: str = _PARAMETER) -> list[Problem]:
    """The classic mistakes in an ``allow_origin_regex``; an empty list when none can be decided.

    A pattern that does not compile yields no problem here (the configuration reports that itself).
    """
    try:
        with warnings.catch_warnings():  # re.compile already warns about e.g. '[[' once
            warnings.simplefilter("ignore")
            parsed = sre_parse.parse(pattern)
        top = _items(parsed)
        ignore_case = bool(parsed.state.flags & sre_constants.SRE_FLAG_IGNORECASE)
    except Exception:  # re.error, or a parser that changed shape: nothing decidable
        return []
    problems: list[Problem] = []
    if "://*" in pattern:
        problems.append(
            Problem(
                "regex-glob-wildcard",
                parameter,
                "'://*' is glob syntax: in a regular expression '/*' repeats the slash and the '*' does not "
                "stand for a subdomain. Write 'https://[a-z0-9-]+\\.example\\.com', or use "
                "allow_origins=['https://*.example.com'] instead of a regex.",
            )
        )
    try:
        _check_sequence(top, problems, parameter)
        # A backtracking blow-up would make trying origins hang.
        if not any(problem.code == "regex-nested-quantifier" for problem in problems):
            with warnings.catch_warnings():  # re already warned about e.g. '[[' when compiling it
                warnings.simplefilter("ignore")
                problems.extend(attacker_origin_problems(pattern, top, ignore_case, parameter))
    except RecursionError:  # pragma: no cover - absurdly nested pattern
        return problems
    alternatives = (
        [_items(branch) for branch in top[0][1][1]] if len(top) == 1 and _name(top[0][0]) == "BRANCH" else [top]
    )
    for alternative in alternatives:
        text = _literal_text(alternative)
        if text is None:
            continue
        if ignore_case:
            text = text.lower()
        if split_serialized_origin(text) is None:
            problems.append(
                Problem(
                    "regex-never-matches",
                    parameter,
                    f"the alternative {text!r} can never match: browsers send an origin as "
                    "scheme://host[:port], lower-case, without path or trailing slash "
                    "(each alternative of a top-level '|' must match the whole origin).",
                )
            )
    return list(dict.fromkeys(problems))  # without duplicates, in order
