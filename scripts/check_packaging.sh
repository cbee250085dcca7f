#!/usr/bin/env bash
# Builds corskit's release artifacts and checks them as a user receives them. The wheels of the other
# platforms are built and checked the same way by hosted CI (.github/workflows/release.yml).
#   - the sdist, and from the sdist a wheel on every CPython here, repaired by auditwheel to a manylinux tag;
#   - each repaired wheel installed into a new virtualenv with no C compiler (CC=/bin/false): the C
#     extension loads and serves requests (scripts/check_install.py speedups);
#   - the sdist installed into a new virtualenv with no C compiler: the Python steps serve requests
#     (scripts/check_install.py pure);
#   - twine check --strict, the contents and metadata (scripts/check_dists.py), cibuildwheel's reading of
#     pyproject.toml, zizmor on the workflow, and pyright --verifytypes on the installed wheel.
# Leaves the artifacts in build/release/ (wheelhouse/ is what scripts/test_matrix.sh installs).
# Usage: bash scripts/check_packaging.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=scripts/pythons.sh
source scripts/pythons.sh

OUT=$ROOT/build/release
rm -rf "$OUT"
mkdir -p "$OUT/dist" "$OUT/wheelhouse" "$OUT/venvs" "$OUT/logs"

# The release tools, in a virtualenv of their own that is kept between runs.
TOOLS=$ROOT/.venv-release
[ -x "$TOOLS/bin/python" ] || python3 -m venv "$TOOLS"
"$TOOLS/bin/python" -m pip install -q --upgrade pip >/dev/null
"$TOOLS/bin/python" -m pip install -q --group release

"$TOOLS/bin/python" -m build --sdist --outdir "$OUT/dist" . >"$OUT/logs/sdist.log" 2>&1 || {
    cat "$OUT/logs/sdist.log"
    exit 1
}
SDIST=$(ls "$OUT"/dist/corskit-*.tar.gz)
# Unpacked too: scripts/test_matrix.sh runs the test suite from it, which shows the sdist holds what the
# tests need.
mkdir -p "$OUT/sdist"
tar -xzf "$SDIST" -C "$OUT/sdist"

# One CPython: a wheel from the sdist (the extension required), repaired; then the two clean installs.
check_python() {
    local python=$1 tag wheels venv
    tag=$("$python" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')
    wheels=$OUT/wheels-$tag
    CORSKIT_REQUIRE_SPEEDUPS=1 "$python" -m pip wheel -q --no-deps --no-cache-dir --wheel-dir "$wheels" "$SDIST"
    # The target is named: the extension calls nothing in libc (its one memcmp is inlined), so it links no
    # libc for auditwheel to recognise; manylinux images name theirs in AUDITWHEEL_PLAT the same way.
    PATH="$TOOLS/bin:$PATH" "$TOOLS/bin/auditwheel" repair --plat "manylinux_2_17_$(uname -m)" --wheel-dir "$OUT/wheelhouse" \
        "$wheels"/corskit-*.whl
    "$TOOLS/bin/auditwheel" show "$OUT"/wheelhouse/corskit-*-cp"${tag#py}"-*.whl

    venv=$OUT/venvs/wheel-$tag
    "$python" -m venv "$venv"
    CC=/bin/false "$venv/bin/python" -m pip install -q --only-binary=:all: "$OUT"/wheelhouse/corskit-*-cp"${tag#py}"-*.whl
    (cd "$OUT/venvs" && "$venv/bin/python" "$ROOT/scripts/check_install.py" speedups)

    venv=$OUT/venvs/sdist-$tag
    "$python" -m venv "$venv"
    CC=/bin/false "$venv/bin/python" -m pip install -q --no-cache-dir "$SDIST"
    (cd "$OUT/venvs" && "$venv/bin/python" "$ROOT/scripts/check_install.py" pure)
}

# Two interpreters at a time (two cores); each one's output goes to its log, printed when it fails.
pids=()
names=()
for python in $PYTHONS; do
    name=$(basename "$python")
    check_python "$python" >"$OUT/logs/$name.log" 2>&1 &
    pids+=("$!")
    names+=("$name")
    if [ "${#pids[@]}" -ge 2 ]; then
        wait "${pids[0]}" || { cat "$OUT/logs/${names[0]}.log"; exit 1; }
        pids=("${pids[@]:1}")
        names=("${names[@]:1}")
    fi
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { cat "$OUT/logs/${names[$i]}.log"; exit 1; }
done
grep -h "check_install:\|is consistent with the following platform tag" "$OUT"/logs/python*.log

"$TOOLS/bin/twine" check --strict "$SDIST" "$OUT"/wheelhouse/*.whl
"$TOOLS/bin/python" scripts/check_dists.py "$SDIST" "$OUT"/wheelhouse/*.whl

# cibuildwheel refuses unknown options in pyproject.toml; the build list is the platforms x versions promised.
for platform_count in linux:24 macos:12 windows:6; do
    platform=${platform_count%%:*}
    count=$("$TOOLS/bin/cibuildwheel" --print-build-identifiers --platform "$platform" | wc -l)
    if [ "$count" -ne "${platform_count##*:}" ]; then
        echo "cibuildwheel would build $count wheels for $platform, not ${platform_count##*:}" >&2
        exit 1
    fi
done
echo "cibuildwheel: 24 Linux, 12 macOS and 6 Windows wheels configured"
"$TOOLS/bin/zizmor" --offline --quiet .github/workflows/

# The public API is typed completely, as an installed wheel presents it (pyright reads the virtualenv on
# PATH). It exits non-zero on any public symbol whose type is missing or ambiguous.
venv=$(find "$OUT/venvs" -maxdepth 1 -name 'wheel-py*' | sort | head -n 1)
(cd "$OUT" && PATH="$venv/bin:$PATH" VIRTUAL_ENV=$venv "$TOOLS/bin/pyright" --verifytypes corskit \
    >"$OUT/logs/verifytypes.log") || {
    cat "$OUT/logs/verifytypes.log"
    exit 1
}
grep "Type completeness score" "$OUT/logs/verifytypes.log"
echo "check_packaging: ok"
