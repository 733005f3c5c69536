#!/usr/bin/env bash
# Install tests/utils/get_pip.py where ansible-test looks for its pip bootstrap script:
# ~/.ansible/test/cache/get_pip_<X_Y>.py, X_Y being the pip version ansible-test pins
# (read from the installed ansible-test, so a newer ansible-core picks the right name).
# Usage: install_get_pip.sh PYTHON   (the python of the venv that holds ansible-core)
set -euo pipefail

python=${1:?usage: install_get_pip.sh PYTHON}
here=$(cd "$(dirname "$0")" && pwd)

pip_version=$("$python" - <<'PY'
import pathlib
import re

import ansible_test

source = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
match = re.search(r"\bpip='([0-9.]+)'", source.read_text())
if not match:
    raise SystemExit('cannot find the pinned pip version in %s' % source)
print(match.group(1))
PY
)

cache_dir="$HOME/.ansible/test/cache"
target="$cache_dir/get_pip_${pip_version//./_}.py"
mkdir -p "$cache_dir"
if ! cmp -s "$here/get_pip.py" "$target" 2>/dev/null; then
    cp "$here/get_pip.py" "$target"
    echo "installed the offline pip bootstrap as $target"
fi
