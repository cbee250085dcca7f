"""The parts of the build that pyproject.toml cannot say through setuptools' stable interface.

Everything else (name, dependencies, classifiers, the version) is declared in pyproject.toml.

- The optional C extension ``corskit._speedups``: ``Extension(optional=True)`` is setuptools' long-standing
  way to say "skip this extension if it fails to build", so a machine without a C compiler still gets a
  working corskit (the same steps in Python, ``corskit._send``). A release build sets
  ``CORSKIT_REQUIRE_SPEEDUPS=1`` so that a compiler problem fails the build instead of producing a wheel
  tagged for a platform but holding no extension.
- The long description: the README, with links to files of the repository (``docs/browser.md``) turned
  into plain file names, because on a package index such a link leads nowhere. The files themselves
  ship in the sdist.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent

# [text](target) where target is neither an absolute URL nor an in-page anchor.
RELATIVE_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)", re.IGNORECASE)


def long_description() -> str:
    readme = (HERE / "README.md").read_text(encoding="utf-8")

    def plain(match: re.Match[str]) -> str:
        text, target = match.group(1), match.group(2)
        name = text.strip("`")
        return f"`{target}`" if name == target else f"{text} (`{target}`)"

    return RELATIVE_LINK.sub(plain, readme)


speedups = Extension(
    "corskit._speedups",
    sources=["src/corskit/_speedups.c"],
    optional=os.environ.get("CORSKIT_REQUIRE_SPEEDUPS") != "1",
)

setup(
    ext_modules=[speedups],
    long_description=long_description(),
    long_description_content_type="text/markdown",
)
