"""Checking a user's ``allow_origin_regex`` for the classic mistakes, at construction.

Each check looks at the parsed regular expression (not its text) and reports a problem only where the
mistake can be decided without knowing the user's intent: a construct that lets a host *anyone can
register* through, or that can never match what a browser sends, or that backtracks exponentially.
Sloppy-but-harmless patterns pass; in particular Starlette's own examples ``https://.*`` and
``https://.*\\.example.org`` (whose unescaped dot sits before the top-level domain, where nobody can
register a look-alike) are accepted.

Codes (all for ``allow_origin_regex``):

- ``regex-unescaped-dot``: ``.`` between two host labels that are followed by at least one more label
  (``api.example\\.com`` matches ``https://apixexample.com``).
- ``regex-suffix-match``: a wildcard run glued to the registrable domain without a dot
  (``https://.*example\\.com`` matches ``https://evilexample.com``).
- ``regex-prefix-match``: a wildcard run after the host (``https://example\\.com.*`` matches
  ``https://example.com.evil.net``).
- ``regex-public-suffix``: a wildcard label directly in front of a public suffix
  (``https://.*\\.com``, ``https://[a-z]+\\.github\\.io``).
- ``regex-glob-wildcard``: ``://*`` - glob syntax; in a regex it repeats the ``/``.
- ``regex-nested-quantifier``: a repeated group whose body is itself just a repetition
  (``([a-z]+)+``): exponential backtracking on a near-miss origin.
- ``regex-never-matches``: a top-level alternative made only of literal text that is not a serialized
  origin (``https://a\\.com|b\\.com``, ``https://a\\.com/``): the author expected it to match something.

The match itself is always a full match on a well-formed origin of bounded length, so "unanchored"
alternations such as ``^https://a\\.com|https://b\\.com$`` are safe in corskit and not reported.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

from ._errors import Problem
from ._fetch import MULTI_LABEL_PUBLIC_SUFFIXES
from ._limits import MAX_ORIGIN_LENGTH
from ._origins import split_serialized_origin

if sys.version_info >= (3, 11):
    from re import _constants as sre_constants
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

Item = tuple[Any, Any]

_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_HOST_END_ATS = ("AT_END", "AT_END_STRING")
_PARAMETER = "allow_origin_regex"
# Labels read on either side of a wildcard: public suffixes have at most three.
_MAX_DOTS = 4


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


def _single_can_match(item: Item, char: str) -> bool:
    """Whether a one-character item (literal, '.', class) can match ``char``."""
    op, av = item
    kind = _name(op)
    if kind == "LITERAL":
        return bool(chr(av).lower() == char.lower())
    if kind == "NOT_LITERAL":
        return bool(chr(av).lower() != char.lower())
    if kind == "ANY":
        return char != "\n"
    if kind == "IN":
        return _char_in_class(av, char)
    return False


def _wildcard_repeat(item: Item, char: str) -> bool:
    """A repetition (at most once is not enough) of one character item that can match ``char``."""
    op, av = item
    if _name(op) not in _REPEATS:
        return False
    _low, high, body = av
    body_items = _items(body)
    return high > 1 and len(body_items) == 1 and _single_can_match(body_items[0], char)


def _literal_char(item: Item) -> str | None:
    op, av = item
    return chr(av).lower() if _name(op) == "LITERAL" else None


def _dot_kind(item: Item) -> str | None:
    """'escaped' for a literal dot (``\\.`` or ``[.]``), 'any' for an unescaped ``.``, else None."""
    op, _av = item
    if _name(op) == "ANY":
        return "any"
    return "escaped" if _literal_char(item) == "." else None


def _read_host(seq: Sequence[Item], start: int, top: bool) -> tuple[list[str], list[str], bool]:
    """Read literal host text from ``seq[start:]``: labels, the kind of each dot between them, and
    whether the host ends there (end of the whole pattern, ``$``, or a ``:port``)."""
    labels = [""]
    dots: list[str] = []
    index = start
    stop = min(len(seq), start + MAX_ORIGIN_LENGTH)  # no host is longer
    while index < stop:
        item = seq[index]
        char = _literal_char(item)
        dot = _dot_kind(item)
        if dot is not None:
            if len(dots) == _MAX_DOTS:  # enough to decide; keeps the lint linear in the pattern
                break
            labels.append("")
            dots.append(dot)
        elif char is not None and char in _LABEL_CHARS:
            labels[-1] += char
        else:
            break
        index += 1
    if index == len(seq):
        ends = top
    else:
        op, av = seq[index]
        ends = (_name(op) == "AT" and _name(av) in _HOST_END_ATS) or _literal_char(seq[index]) == ":"
    return labels, dots, ends


def _read_back(seq: Sequence[Item], end: int) -> tuple[str, bool]:
    """Literal host text just before ``seq[end]`` (dots shown as '.'), and whether '://' precedes it."""
    text = ""
    index = end - 1
    dots = 0
    while index >= max(0, end - MAX_ORIGIN_LENGTH):
        item = seq[index]
        char = _literal_char(item)
        if _dot_kind(item) is not None:
            dots += 1
            if dots > _MAX_DOTS:
                break
            text = "." + text
        elif char is not None and char in _LABEL_CHARS:
            text = char + text
        else:
            break
        index -= 1
    after_scheme = index >= 2 and [_literal_char(seq[i]) for i in range(index - 2, index + 1)] == [":", "/", "/"]
    return text, after_scheme


# Special-use and reserved names nobody can register a domain under (RFC 2606, RFC 6761, RFC 6762,
# RFC 8375, ICANN's .internal): a wildcard under them is a local or test setup, not a public hole.
_RESERVED_SUFFIXES = frozenset({"localhost", "test", "example", "invalid", "internal", "local", "home.arpa"})


def _is_public_suffix(labels: list[str]) -> bool:
    """A top-level domain anyone can register under, or a known multi-label public suffix."""
    if not labels or any(label == "" for label in labels):
        return False
    suffix = ".".join(labels)
    if suffix in _RESERVED_SUFFIXES:
        return False
    return len(labels) == 1 or suffix in MULTI_LABEL_PUBLIC_SUFFIXES


def _check_sequence(seq: Sequence[Item], top: bool, problems: list[Problem], parameter: str) -> None:
    anchors_from = len(seq)  # seq[anchors_from:] holds only end-of-string anchors
    while (
        anchors_from > 0
        and _name(seq[anchors_from - 1][0]) == "AT"
        and _name(seq[anchors_from - 1][1]) in _HOST_END_ATS
    ):
        anchors_from -= 1
    for index, item in enumerate(seq):
        op, _av = item
        kind = _name(op)
        previous = seq[index - 1] if index > 0 else None
        previous_char = None if previous is None else _literal_char(previous)

        if kind == "ANY":
            labels, _dots, _ends = _read_host(seq, index + 1, top)
            if len(labels) >= 2 and labels[0] and labels[1]:
                before, _ = _read_back(seq, index)
                stem = before.rsplit(".", 1)[-1]
                example = f"{stem}x{labels[0]}.{'.'.join(labels[1:])}"
                who = "which anyone can register" if _is_public_suffix(labels[1:]) else "which you did not mean"
                problems.append(
                    Problem(
                        "regex-unescaped-dot",
                        parameter,
                        f"the '.' before '{labels[0]}.{labels[1]}' is not escaped, so it matches any character "
                        f"and a host such as {example!r} ({who}) is allowed too. Write '\\.' for a literal dot.",
                    )
                )

        if _wildcard_repeat(item, "a"):
            labels, _dots, ends = _read_host(seq, index + 1, top)
            starts_label = previous is None or previous_char in ("/", ".") or _name(previous[0]) == "AT"
            if starts_label and labels[0] and len(labels) >= 2 and ends and _is_public_suffix(labels[1:]):
                domain = ".".join(labels)
                problems.append(
                    Problem(
                        "regex-suffix-match",
                        parameter,
                        f"the wildcard is glued to {domain!r} without a dot, so 'https://evil{domain}' "
                        "(a domain anyone can register) is allowed too. Match subdomains with "
                        f"'(.*\\.)?{domain.replace('.', chr(92) + '.')}' instead.",
                    )
                )
            if labels[0] == "" and len(labels) >= 2 and ends and _is_public_suffix(labels[1:]):
                suffix = ".".join(labels[1:])
                problems.append(
                    Problem(
                        "regex-public-suffix",
                        parameter,
                        f"a wildcard label directly under the public suffix {suffix!r} allows every site "
                        f"registered there. Name your own domain: '[a-z0-9-]+\\.yourdomain\\.{suffix}'.",
                    )
                )

        ends_pattern = top and index + 1 >= anchors_from
        if ends_pattern and _wildcard_repeat(item, ".") and previous_char is not None and previous_char in _LABEL_CHARS:
            before, after_scheme = _read_back(seq, index)
            labels = before.split(".")
            if after_scheme or (len(labels) >= 2 and all(labels)):
                problems.append(
                    Problem(
                        "regex-prefix-match",
                        parameter,
                        f"the wildcard after {before!r} lets any host that starts with it through, such as "
                        f"'https://{before}.evil.net'. End the host there (use '(:[0-9]+)?' for a port).",
                    )
                )

        if kind in _REPEATS and _nested_quantifier(item):
            problems.append(
                Problem(
                    "regex-nested-quantifier",
                    parameter,
                    "a repeated group whose body is itself just a repetition (like '([a-z]+)+') backtracks "
                    "exponentially on an origin that almost matches. Repeat once: '[a-z]+'.",
                )
            )
        for child, child_top in _children(item, top and index == len(seq) - 1):
            _check_sequence(child, child_top, problems, parameter)


def _children(item: Item, last: bool) -> list[tuple[list[Item], bool]]:
    """Sub-sequences of an item; ``top`` is kept for the branches of a group that ends the pattern."""
    op, av = item
    kind = _name(op)
    if kind == "SUBPATTERN":
        return [(_items(av[3]), last)]
    if kind == "BRANCH":
        return [(_items(branch), last) for branch in av[1]]
    if kind in _REPEATS:
        return [(_items(av[2]), False)]
    if kind == "ATOMIC_GROUP":
        return [(_items(av), last)]
    if kind in ("ASSERT", "ASSERT_NOT"):
        return [(_items(av[1]), False)]
    if kind == "GROUPREF_EXISTS":
        return [(_items(branch), False) for branch in av[1:] if branch is not None]
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
        _check_sequence(top, True, problems, parameter)
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
