#!/usr/bin/env bash
# Print the path of the first usable Python among the VERSIONs given, in the order given, and
# exit 1 (printing nothing) when none is usable. The path printed is the interpreter itself, never
# a pyenv shim or a venv's python. "Usable" means it runs and has venv and
# ensurepip, so `python -m venv` gives a venv with pip (the Makefile builds every venv so).
#
# Usage: find_python.sh VERSION...   e.g. find_python.sh 3.13 3.12 3.11
#
# For each version, the places a user's machine offers that interpreter, in this order:
#   1. pythonX.Y on PATH (a pyenv shim there only counts when it runs: a shim of a version
#      that is installed but not selected exits 127, "command not found");
#   2. pyenv's installed versions, ${PYENV_ROOT:-~/.pyenv}/versions/X.Y*/bin/pythonX.Y
#      (PYENV_ROOT from `pyenv root` when pyenv is on PATH), the newest patch release first.
# With -v the candidates tried go to stderr.
set -uo pipefail

verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
[ $# -gt 0 ] || { echo "usage: find_python.sh [-v] VERSION..." >&2; exit 2; }

say() { [ "$verbose" -eq 0 ] || echo "find_python: $*" >&2; }

# resolve PYTHON VERSION: print the interpreter itself when it runs as that version with venv and
# ensurepip, else fail. The interpreter itself: a pyenv shim resolves to the version it runs, and
# a venv's python (the project venv is first on PATH in make's recipes) to the venv's base.
resolve() {
    "$1" -c 'import sys, venv, ensurepip
want = tuple(int(p) for p in sys.argv[1].split("."))
if sys.version_info[:2] != want:
    sys.exit(1)
print(getattr(sys, "_base_executable", sys.executable) if sys.prefix != sys.base_prefix else sys.executable)' "$2" 2>/dev/null
}

pyenv_root=${PYENV_ROOT:-}
if [ -z "$pyenv_root" ] && command -v pyenv >/dev/null 2>&1; then
    pyenv_root=$(pyenv root 2>/dev/null || true)
fi
[ -n "$pyenv_root" ] || pyenv_root="$HOME/.pyenv"

for version in "$@"; do
    candidates=()
    if path=$(command -v "python$version" 2>/dev/null); then
        candidates+=("$path")
    fi
    if [ -d "$pyenv_root/versions" ]; then
        # Newest patch release first: 3.12.10 before 3.12.9 (version sort), no -dev/-t builds.
        while IFS= read -r dir; do
            [ -x "$dir/bin/python$version" ] && candidates+=("$dir/bin/python$version")
        done < <(find "$pyenv_root/versions" -mindepth 1 -maxdepth 1 -name "$version.*" \
            -regex ".*/$version\.[0-9]+" 2>/dev/null | sort -rV)
    fi
    for candidate in ${candidates[@]+"${candidates[@]}"}; do
        if python=$(resolve "$candidate" "$version") && [ -x "$python" ]; then
            say "python$version: $candidate ($python)"
            echo "$python"
            exit 0
        fi
        say "python$version: $candidate does not run as $version with venv and ensurepip"
    done
    say "python$version: not found"
done
exit 1
