#!/usr/bin/env bash
# `make demo`: start a fresh Atlas simulator, run playbooks/onboard.yml against it three times
# (create; again with no change; a week later on the simulator's clock, rotating the secrets
# that are due), then stop the simulator.
#
# Usage: demo.sh STAGE_DIR   (the directory holding ansible_collections/, see stage.sh)
#
# The playbook gets the simulator's settings twice, the ways a user would pass them: as
# MONGODB_ATLAS_* environment variables (the modules' fallbacks) and as variables in
# .demo/atlas_sim.yml (the same names as the integration tests: atlas_base_url,
# atlas_client_id, ...). The modules' token cache goes to a private directory per run.
set -euo pipefail

stage=${1:?usage: demo.sh STAGE_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
venv_bin=$(cd "$(dirname "${PYTHON:-$root/.venv/bin/python}")" && pwd)
playbook=playbooks/onboard.yml
# localhost with a local connection and this venv's Python: without an inventory,
# ansible-playbook warns that none was parsed and that the hosts list is empty.
inventory=playbooks/inventory/localhost.yml
demo="$root/.demo"

cd "$root"
if [ ! -f tests/simulator/run_simulator.py ]; then
    echo "demo: the Atlas simulator (tests/simulator/run_simulator.py) has not landed yet" >&2
    exit 1
fi

# A fresh simulator knows none of the accounts of an earlier demo: drop that demo's files too.
"$root/tests/utils/simulator.sh" stop "$demo/sim" >/dev/null || true
rm -rf "$demo"
mkdir -p "$demo"
cache=$(mktemp -d "${TMPDIR:-/tmp}/atlas-demo-cache.XXXXXX")
cleanup() {
    "$root/tests/utils/simulator.sh" stop "$demo/sim" || true
    rm -rf "$cache"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$root/tests/utils/simulator.sh" start "$demo/sim"
"$venv_bin/python" "$root/tests/utils/integration_config.py" "$demo/sim/info.json" "$demo/atlas_sim.yml"

if [ ! -f "$playbook" ]; then
    echo
    echo "demo: $playbook has not landed yet (it comes with the project_onboarding role)."
    echo "demo: the simulator started; nothing else to show yet."
    exit 0
fi

eval "$("$venv_bin/python" - "$demo/sim/info.json" <<'PY'
import json
import shlex
import sys

info = json.load(open(sys.argv[1]))
for name, value in (('MONGODB_ATLAS_BASE_URL', info['url']),
                    ('MONGODB_ATLAS_CLIENT_ID', info['admin']['client_id']),
                    ('MONGODB_ATLAS_CLIENT_SECRET', info['admin']['client_secret'])):
    print('export %s=%s' % (name, shlex.quote(value)))
PY
)"
export XDG_CACHE_HOME="$cache"
# Use this checkout's modules (the staged copy), not an installed cloudops.atlas.
export ANSIBLE_COLLECTIONS_PATH="$stage"
run() {
    echo
    echo "demo: $1"
    echo "demo: ansible-playbook -i $inventory $playbook against $MONGODB_ATLAS_BASE_URL"
    "$venv_bin/ansible-playbook" -i "$inventory" "$playbook" -e "@$demo/atlas_sim.yml"
}

run "1st run: creates the service accounts, their secrets and credentials files"
run "2nd run: everything is in place, nothing changes"
# The simulator runs on its own clock; a week later the short-lived secret is due for rotation.
"$venv_bin/python" - "$MONGODB_ATLAS_BASE_URL/_sim/clock" <<'PY'
import json
import sys
import urllib.request

request = urllib.request.Request(sys.argv[1], data=json.dumps({'advance_hours': 168}).encode(),
                                 headers={'Content-Type': 'application/json'}, method='POST')
with urllib.request.urlopen(request, timeout=10) as response:
    print('demo: simulator clock moved a week on, now %s' % json.load(response)['now'])
PY
run "3rd run, a week later: secrets close to expiry are rotated"
