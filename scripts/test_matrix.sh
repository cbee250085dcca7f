#!/usr/bin/env bash
# The suites that need no browser on every CPython here, each against that Python's repaired wheel from
# scripts/check_packaging.sh (run it first) and from its unpacked sdist, in virtualenvs kept between runs
# (.venv-py310, ...):
#   - the oldest CPython with the oldest supported Starlette and FastAPI (scripts/oldest-supported.txt),
#     leaving out the tests that compare answers with the installed Starlette's own class (they hold for
#     Starlette 1.10, the behaviour corskit copies);
#   - every other CPython with the newest Starlette, Starlette's own CORS suite included.
# The main .venv (scripts/test) runs everything on one CPython, Chromium included.
# Usage: bash scripts/test_matrix.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=scripts/pythons.sh
source scripts/pythons.sh
WHEELHOUSE=$ROOT/build/release/wheelhouse
SDIST_TREE=$(find "$ROOT/build/release/sdist" -mindepth 1 -maxdepth 1 -type d -name 'corskit-*')
LOGS=$ROOT/build/matrix
rm -rf "$LOGS"
mkdir -p "$LOGS"
OLDEST=$(echo "$PYTHONS" | awk '{print $1}')

# One CPython: its venv brought up to date, this build's wheel installed, the suites run.
run_python() {
    local python=$1 tag venv wheel constraints="" markers="not chromium and not firefox and not webkit"
    tag=$("$python" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')
    venv=$ROOT/.venv-$tag
    wheel=$(ls "$WHEELHOUSE"/corskit-*-cp"${tag#py}"-*.whl)
    if [ "$python" = "$OLDEST" ]; then
        constraints="--constraint $ROOT/scripts/oldest-supported.txt"
        markers="not chromium and not firefox and not webkit and not starlette_reference"
    fi
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install -q $constraints "${wheel}[test]"
    "$venv/bin/python" -m pip install -q --no-deps --force-reinstall "$wheel"
    "$venv/bin/python" -c 'import corskit, corskit._speedups, starlette, fastapi, sys
print(f"{sys.argv[1]}: corskit from {corskit.__file__}, Starlette {starlette.__version__}, FastAPI {fastapi.__version__}")' "$tag"
    # From the unpacked sdist, whose src/ is not on the path: the tests import the installed wheel.
    (cd "$SDIST_TREE" && "$venv/bin/python" -m pytest -q -p no:cacheprovider -m "$markers")
}

pids=()
tags=()
for python in $PYTHONS; do
    [ "$python" = "$(readlink -f .venv/bin/python 2>/dev/null || true)" ] && continue
    tag=$("$python" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')
    run_python "$python" >"$LOGS/$tag.log" 2>&1 &
    pids+=("$!")
    tags+=("$tag")
done
failed=0
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
        grep -h ": corskit from" "$LOGS/${tags[$i]}.log"
        echo "${tags[$i]}: $(tail -n 1 "$LOGS/${tags[$i]}.log")"
    else
        cat "$LOGS/${tags[$i]}.log"
        failed=1
    fi
done
exit "$failed"
