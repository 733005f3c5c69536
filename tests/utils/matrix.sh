#!/usr/bin/env bash
# Print which ansible-core and Python each step of `make test` runs on, and what this machine
# cannot cover: the project venv's core and Python (every step but `cores`), then each core of
# `make cores` with the Python it gets (tests/utils/find_python.sh, from the "# pythons:" line of
# requirements-core-<X.Y>.txt). A line starting with "NOT COVERED" names a current ansible-core
# (2.20, 2.21) or a core of `make cores` that no Python on this machine can run.
#
# Usage: matrix.sh VENV_PYTHON CORE...   (`make matrix`; run_steps.sh prints it first and last)
# MOLECULE_CORES (default: every CORE): the cores the molecule scenario runs on.
set -uo pipefail

venv_python=${1:?usage: matrix.sh VENV_PYTHON CORE...}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
# The newest ansible-core release; the project venv must have it for `make test` to cover it.
newest_core=2.21

read -r core_version python_version base < <("$venv_python" - <<'PY'
import platform
import sys

from ansible.release import __version__

print(__version__, platform.python_version(), getattr(sys, '_base_executable', sys.executable))
PY
)
echo "steps    ansible-core $core_version on Python $python_version (.venv, from $base): every step but cores"
if [ "${core_version%.*}" != "$newest_core" ]; then
    echo "NOT COVERED: ansible-core $newest_core (the newest release; it needs Python 3.12 or 3.13, and the project venv has Python $python_version, so ansible-core $core_version)"
fi

molecule_cores=" ${MOLECULE_CORES:-$*} "
for core in "$@"; do
    checks="units, integration"
    [[ "$molecule_cores" == *" $core "* ]] && checks="$checks, molecule"
    reqs="$root/requirements-core-$core.txt"
    pythons=$(sed -n 's/^# pythons: *//p' "$reqs" 2>/dev/null)
    pin=$(sed -n 's/^ansible-core==//p' "$reqs" 2>/dev/null)
    # shellcheck disable=SC2086  # a list of versions
    if python=$("$root/tests/utils/find_python.sh" $pythons); then
        echo "cores    ansible-core ${pin:-$core} on Python $("$python" -c 'import platform; print(platform.python_version())') (from $python): $checks"
    else
        echo "NOT COVERED: ansible-core $core (make cores needs one of Python ${pythons:-?}; none found on PATH or in pyenv's versions folder)"
    fi
done
