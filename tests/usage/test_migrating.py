"""docs/migrating.md: its examples run and type-check, and what it says about Starlette and corskit holds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from corskit import CORSConfigError, CORSMiddleware

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "migrating.md"
TEXT = GUIDE.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_guide_example_runs(source: str) -> None:
    exec(compile(source, str(GUIDE), "exec"), {"__name__": "guide_example"})


def test_guide_examples_type_check(tmp_path: Path) -> None:
    files = []
    for index, source in enumerate(BLOCKS):
        (tmp_path / f"guide_block{index}.py").write_text(source, encoding="utf-8")
        files.append(f"guide_block{index}.py")
    cache = GUIDE.parents[1] / ".mypy_cache" / "docs"
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--cache-dir", str(cache)]
    done = subprocess.run([*command, *files], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_starlette_matches_substrings_of_a_plain_string() -> None:
    app = StarletteCORSMiddleware(
        Starlette(routes=[Route("/", lambda request: PlainTextResponse("hi"))]),
        allow_origins="https://app.example.com",  # type: ignore[arg-type]
    )
    response = TestClient(app).get("/", headers={"Origin": "https://app.e"})
    assert response.headers["access-control-allow-origin"] == "https://app.e"


SPELLINGS = re.findall(r"^\| (.+?) \| (.+?) \|$", TEXT.split("| you wrote | write |")[1].split("\n\n")[0], re.M)


@pytest.mark.parametrize(("wrote", "write"), SPELLINGS[1:])  # [0] is the table's separator row
def test_each_spelling_in_the_table_is_refused_with_the_right_one(wrote: str, write: str) -> None:
    written = re.findall(r"`([^`]+)`", wrote)
    suggested = re.findall(r"`([^`]+)`", write)
    origins = [w for w in written if "://" in w or w in ("null", "app.example.com")]
    assert origins
    for origin in origins:
        if origin.startswith("..."):
            origin = "https://app.example.com" + origin[3:]
        with pytest.raises(CORSConfigError) as caught:
            CORSMiddleware(Starlette(), allow_origins=[origin])
        message = caught.value.problems[0].message
        assert not suggested or any(f"'{s}'" in message for s in suggested), (origin, message)
