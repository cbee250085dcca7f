"""Checks what the built sdist and wheels hold and what their metadata says.

    python scripts/check_dists.py SDIST WHEEL [WHEEL ...]

- a wheel: the package (modules, py.typed, the extension's stub and binary, package data) and its
  dist-info only; no C source, no tests;
- the sdist: what builds corskit and runs its tests (setup.py, pyproject.toml, the C source, tests/, the
  README and docs/ the tests read, examples/);
- the metadata: one version everywhere, a classifier for every supported Python and only known
  classifiers, and a long description without links that lead nowhere on a package index.

Prints one line per artifact; exits non-zero listing every problem found.
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

from trove_classifiers import classifiers as KNOWN_CLASSIFIERS

SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
# A markdown link whose target is neither a URL nor an anchor on the same page.
RELATIVE_LINK = re.compile(r"\[[^\]]+\]\((?![a-z][a-z0-9+.-]*:|#)[^)]*\)", re.IGNORECASE)
SDIST_NEEDS = (
    "setup.py",
    "pyproject.toml",
    "MANIFEST.in",
    "LICENSE",
    "README.md",
    "src/corskit/__init__.py",
    "src/corskit/_speedups.c",
    "src/corskit/_speedups.pyi",
    "src/corskit/py.typed",
    "tests/conftest.py",
    "tests/support/__init__.py",
    "docs/security.md",
    "examples/seed_app.py",
)
# Sources that build the package, which a wheel never needs (package data such as a page's static files
# is fine).
WHEEL_FORBIDDEN_SUFFIXES = {".c", ".h", ".o", ".obj", ".pyc"}


def metadata_problems(name: str, text: str, version: str) -> list[str]:
    message = Parser().parsestr(text)
    problems = []
    if message["Version"] != version:
        problems.append(f"{name}: version {message['Version']} in the metadata, {version} in the file name")
    classifiers = message.get_all("Classifier") or []
    problems += [f"{name}: unknown classifier {c!r}" for c in classifiers if c not in KNOWN_CLASSIFIERS]
    for python in SUPPORTED_PYTHONS:
        if f"Programming Language :: Python :: {python}" not in classifiers:
            problems.append(f"{name}: no classifier for Python {python}")
    for wanted in ("Framework :: Pytest", "Framework :: FastAPI", "Framework :: AsyncIO", "Typing :: Typed"):
        if wanted not in classifiers:
            problems.append(f"{name}: no classifier {wanted!r}")
    if message["License-Expression"] != "MIT":
        problems.append(f"{name}: License-Expression is {message['License-Expression']!r}")
    description = message.get_payload()
    assert isinstance(description, str)
    if not description.lstrip().startswith("# corskit"):
        problems.append(f"{name}: the long description is not the README")
    for link in RELATIVE_LINK.findall(description):
        problems.append(f"{name}: link that only works in the repository: {link}")
    return problems


def wheel_problems(path: Path) -> list[str]:
    version = path.name.split("-")[1]
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"corskit-{version}.dist-info/METADATA").decode()
    problems = metadata_problems(path.name, metadata, version)
    for name in names:
        top = name.split("/")[0]
        if top == f"corskit-{version}.dist-info" or (name.endswith("/") and top == "corskit"):
            continue
        if top != "corskit":
            problems.append(f"{path.name}: {name} is outside the package")
        elif Path(name).suffix in WHEEL_FORBIDDEN_SUFFIXES or "/tests/" in name or Path(name).name == "conftest.py":
            problems.append(f"{path.name}: {name} does not belong in a wheel")
    if not any(n.startswith("corskit/_speedups.") and n.endswith((".so", ".pyd")) for n in names):
        problems.append(f"{path.name}: no compiled corskit._speedups")
    return problems


def sdist_problems(path: Path) -> list[str]:
    version = path.name.removeprefix("corskit-").removesuffix(".tar.gz")
    root = f"corskit-{version}"
    with tarfile.open(path) as sdist:
        names = {member.name.removeprefix(f"{root}/") for member in sdist.getmembers()}
        pkg_info = sdist.extractfile(f"{root}/PKG-INFO")
        assert pkg_info is not None
        metadata = pkg_info.read().decode()
    problems = metadata_problems(path.name, metadata, version)
    problems += [f"{path.name}: {need} is missing" for need in SDIST_NEEDS if need not in names]
    problems += [f"{path.name}: {name} is a build output" for name in names if name.endswith((".so", ".pyc", ".pyd"))]
    return problems


def main(paths: list[str]) -> int:
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        found = sdist_problems(path) if path.name.endswith(".tar.gz") else wheel_problems(path)
        print(f"check_dists: {path.name}: {'ok' if not found else f'{len(found)} problem(s)'}")
        problems += found
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: check_dists.py SDIST WHEEL [WHEEL ...]")
    sys.exit(main(sys.argv[1:]))
