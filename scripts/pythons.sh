# shellcheck shell=bash
# Sourced by the matrix scripts: PYTHONS lists one interpreter per supported CPython minor version installed
# on this machine (pyenv's, under ~/.pyenv/versions, on these machines). A supported version that is missing
# is an error: CI tests what the project claims. CPython 3.14 is not installed here; the wheel builds on
# hosted CI (.github/workflows/release.yml) build and check it.
LOCAL_MINORS="3.10 3.11 3.12 3.13"

find_python() {
    local minor=$1 candidate
    for candidate in "$HOME/.pyenv/versions/$minor".*/bin/"python$minor" "/usr/bin/python$minor" "/usr/local/bin/python$minor"; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    echo "no CPython $minor found (install it, e.g. with pyenv)" >&2
    return 1
}

PYTHONS=""
for minor in $LOCAL_MINORS; do
    PYTHONS="$PYTHONS $(find_python "$minor")"
done
