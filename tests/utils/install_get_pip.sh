#!/usr/bin/env bash
# Install tests/utils/get_pip.py where ansible-test looks for its pip bootstrap script:
# ~/.ansible/test/cache/get_pip_<X_Y>.py, X_Y being the pip version ansible-test pins (read
# from each installed ansible-test, so every ansible-core gets the name it looks for:
# get_pip_25_2.py for 2.20 and 2.21, get_pip_24_2.py for 2.18 and 2.19, get_pip_23_1_2.py for 2.16
# and 2.17).
#
# Usage: install_get_pip.sh PYTHON...   (the python of each venv that holds an ansible-core:
#        the project venv, and the per-core venvs of `make cores`)
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: install_get_pip.sh PYTHON..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
cache_dir="$HOME/.ansible/test/cache"

pinned_pip_version() {  # pinned_pip_version PYTHON: the pip version its ansible-test installs
    "$1" - <<'PY'
import pathlib
import re

import ansible_test

source = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
match = re.search(r"\bpip='([0-9.]+)'", source.read_text())
if not match:
    raise SystemExit('cannot find the pinned pip version in %s' % source)
print(match.group(1))
PY
}

mkdir -p "$cache_dir"
for python in "$@"; do
    pip_version=$(pinned_pip_version "$python")
    target="$cache_dir/get_pip_${pip_version//./_}.py"
    if ! cmp -s "$here/get_pip.py" "$target" 2>/dev/null; then
        cp "$here/get_pip.py" "$target"
        echo "installed the offline pip bootstrap as $target"
    fi
done
