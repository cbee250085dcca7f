"""Starlette 1.10.0's own CORS test suite, run against corskit.CORSMiddleware.

Starlette's test file is not vendored: it is taken from the published sdist at test time (checked
against the sdist's sha256), its one import of Starlette's CORSMiddleware is rewritten to corskit's, and
it runs in a pytest subprocess. The same file run unchanged against Starlette's class must pass
entirely, which shows the harness itself is sound.

Expected result with corskit: 15 passed; the three tests that configure allow_origins=["*"] with
allow_credentials=True fail, each because corskit refuses that configuration at construction.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

# Starlette 1.10's own tests, which expect the Starlette installed beside them to be 1.10.
pytestmark = pytest.mark.starlette_reference

STARLETTE_VERSION = "1.10.0"
SDIST_NAME = f"starlette-{STARLETTE_VERSION}.tar.gz"
# sha256 of the sdist published on PyPI; a different file is not the suite the issue names.
SDIST_SHA256 = "b8399098d4c1e3522734f7235dc79b1fc967f96cf139c81e0fa30479e0685f9b"
MEMBER = f"starlette-{STARLETTE_VERSION}/tests/middleware/test_cors.py"
STARLETTE_IMPORT = "from starlette.middleware.cors import CORSMiddleware\n"
CORSKIT_IMPORT = "from corskit import CORSMiddleware\n"

ALL_TESTS = {
    "test_cors_allow_all",
    "test_cors_allow_all_except_credentials",
    "test_cors_allow_specific_origin",
    "test_cors_disallowed_preflight",
    "test_preflight_allows_request_origin_if_origins_wildcard_and_credentials_allowed",
    "test_cors_preflight_allow_all_methods",
    "test_cors_preflight_rejects_custom_method_with_wildcard",
    "test_cors_allow_all_methods",
    "test_cors_allow_origin_regex",
    "test_cors_allow_origin_regex_fullmatch",
    "test_cors_vary_header_defaults_to_origin",
    "test_cors_vary_header_is_set_for_non_credentialed_request",
    "test_cors_vary_header_is_properly_set_for_credentialed_request",
    "test_cors_vary_header_is_properly_set_when_allow_origins_is_not_wildcard",
    "test_cors_allowed_origin_does_not_leak_between_requests",
    "test_cors_private_network_access_allowed",
    "test_cors_private_network_access_disallowed",
    "test_cors_vary_origin_with_gzip",
}
# The tests whose configuration is allow_origins=["*"] + allow_credentials=True.
WILDCARD_WITH_CREDENTIALS = {
    "test_cors_allow_all",
    "test_preflight_allows_request_origin_if_origins_wildcard_and_credentials_allowed",
    "test_cors_vary_header_is_properly_set_for_credentialed_request",
}

TYPES_PY = """\
from collections.abc import Callable
from typing import Any

TestClientFactory = Callable[..., Any]
"""

CONFTEST_PY = """\
import functools

import pytest
from starlette.testclient import TestClient


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def test_client_factory(anyio_backend):
    return functools.partial(TestClient, backend=anyio_backend)
"""


def cache_dir() -> Path:
    return Path(os.environ.get("CORSKIT_COMPAT_CACHE", Path.home() / ".cache" / "corskit-compat"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def obtain_sdist() -> Path:
    """The Starlette sdist, downloaded with pip unless a verified copy is already cached."""
    directory = cache_dir()
    sdist = directory / SDIST_NAME
    if sdist.exists() and sha256(sdist) == SDIST_SHA256:
        return sdist
    directory.mkdir(parents=True, exist_ok=True)
    # Download into a private directory, then move into place: concurrent runs never see half a file.
    with tempfile.TemporaryDirectory(dir=directory) as staging:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"starlette=={STARLETTE_VERSION}",
                "-d",
                staging,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        # A failed download is a failed test, never a skip: without the suite nothing is proven.
        assert result.returncode == 0, f"pip download failed:\n{result.stdout}\n{result.stderr}"
        downloaded = Path(staging) / SDIST_NAME
        assert downloaded.exists(), f"pip did not produce {SDIST_NAME}:\n{result.stdout}"
        assert sha256(downloaded) == SDIST_SHA256, "the downloaded sdist is not Starlette 1.10.0 as published"
        os.replace(downloaded, sdist)
    return sdist


@dataclass
class SuiteRun:
    passed: set[str]
    failed: dict[str, str]  # test name -> failure text (message and traceback)
    other: set[str]
    output: str


def write_suite(root: Path, source: str) -> None:
    (root / "tests" / "middleware").mkdir(parents=True)
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "middleware" / "__init__.py").write_text("")
    (root / "tests" / "types.py").write_text(TYPES_PY)
    (root / "tests" / "conftest.py").write_text(CONFTEST_PY)
    (root / "tests" / "middleware" / "test_cors.py").write_text(source)
    (root / "pytest.ini").write_text("[pytest]\n")  # keep the subprocess away from corskit's own config


def start_suite(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--junitxml=junit.xml",
            "tests/middleware/test_cors.py",
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def collect_suite(root: Path, process: subprocess.Popen[str]) -> SuiteRun:
    output, _ = process.communicate(timeout=120)
    junit = root / "junit.xml"
    assert junit.exists(), f"the subprocess wrote no junit report:\n{output}"
    passed: set[str] = set()
    failed: dict[str, str] = {}
    other: set[str] = set()
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        problems = [child for child in case if child.tag in ("failure", "error")]
        if problems:
            failed[name] = "\n".join(f"{p.get('message', '')}\n{p.text or ''}" for p in problems)
        elif any(child.tag == "skipped" for child in case):
            other.add(name)
        else:
            passed.add(name)
    return SuiteRun(passed, failed, other, output)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """Starlette's test file run twice, concurrently: as published, and with corskit's class."""
    with tarfile.open(obtain_sdist()) as archive:
        member = archive.extractfile(MEMBER)
        assert member is not None, f"{MEMBER} missing from the sdist"
        source = member.read().decode("utf-8")
    assert source.count(STARLETTE_IMPORT) == 1, "Starlette's test file no longer imports CORSMiddleware as expected"
    sources = {"starlette": source, "corskit": source.replace(STARLETTE_IMPORT, CORSKIT_IMPORT)}
    assert "starlette.middleware.cors" not in sources["corskit"]
    started = {}
    for label, text in sources.items():
        root = tmp_path_factory.mktemp(f"suite-{label}")
        write_suite(root, text)
        started[label] = (root, start_suite(root))
    return {label: collect_suite(root, process) for label, (root, process) in started.items()}


def test_harness_passes_all_18_with_starlettes_own_class(runs: dict[str, SuiteRun]) -> None:
    run = runs["starlette"]
    assert run.failed == {}, run.output
    assert run.other == set(), run.output
    assert run.passed == ALL_TESTS, run.output


def test_starlette_suite_with_corskit(runs: dict[str, SuiteRun]) -> None:
    run = runs["corskit"]
    assert run.other == set(), run.output
    assert len(run.passed) == 15, run.output
    assert run.passed == ALL_TESTS - WILDCARD_WITH_CREDENTIALS, run.output
    assert set(run.failed) == WILDCARD_WITH_CREDENTIALS, run.output
    for name, text in run.failed.items():
        # Each fails because construction is refused, not because a response was wrong.
        assert "CORSConfigError" in text, f"{name} failed for another reason:\n{text}"
        assert "[wildcard-with-credentials]" in text, f"{name}:\n{text}"
        assert "AssertionError" not in text, f"{name} failed on an assertion:\n{text}"
        # Refused while Starlette built its stack (on first use): the stack holds corskit's refusal, which
        # raises the configuration error for the first request instead of answering it.
        assert "raise CORSConfigError(self.error.problems)" in text, f"{name} did not fail on the refusal:\n{text}"
        assert "corskit/_middleware.py" in text, text
