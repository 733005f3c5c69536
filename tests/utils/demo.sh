#!/usr/bin/env bash
# `make demo`: start a fresh Atlas simulator and an OpenBao (Vault) dev server, run
# playbooks/onboard.yml against them three times (create; again with no change; a week later on the
# simulator's clock, rotating the secrets that are due), then stop both. Every new secret goes to a
# credentials file and to Vault (the third way, for jobs whose files are gone when they end).
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
    "$venv_bin/python" "$root/tests/utils/secret_servers.py" stop "$demo/vault" >/dev/null 2>&1 || true
    rm -rf "$cache"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$root/tests/utils/simulator.sh" start "$demo/sim"
"$venv_bin/python" "$root/tests/utils/integration_config.py" "$demo/sim/info.json" "$demo/atlas_sim.yml"
mkdir -p "$demo/vault"
"$venv_bin/python" "$root/tests/utils/secret_servers.py" start openbao "$demo/vault" >/dev/null
echo "demo: OpenBao (Vault) dev server at $("$venv_bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$demo/vault/openbao.json")"

if [ ! -f "$playbook" ]; then
    echo
    echo "demo: $playbook has not landed yet (it comes with the project_onboarding role)."
    echo "demo: the simulator started; nothing else to show yet."
    exit 0
fi

eval "$("$venv_bin/python" - "$demo/sim/info.json" "$demo/vault/openbao.json" <<'PY'
import json
import shlex
import sys

info = json.load(open(sys.argv[1]))
vault = json.load(open(sys.argv[2]))
# As AWX credentials would inject them: Atlas's service account, and the store's address and token.
for name, value in (('MONGODB_ATLAS_BASE_URL', info['url']),
                    ('MONGODB_ATLAS_CLIENT_ID', info['admin']['client_id']),
                    ('MONGODB_ATLAS_CLIENT_SECRET', info['admin']['client_secret']),
                    ('VAULT_ADDR', vault['url']), ('VAULT_TOKEN', vault['token'])):
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
    "$venv_bin/ansible-playbook" -i "$inventory" "$playbook" -e "@$demo/atlas_sim.yml" \
        -e '{"onboard_secret_store": {"type": "vault_kv2", "path": "atlas/{project_id}/{name}"}}'
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

# What a consumer (an AWX credential through its Vault lookup, a `bao kv get`) reads from Vault; the
# secret's value is not printed.
"$venv_bin/python" - "$demo/sim/info.json" <<'PY'
import json
import os
import sys
import urllib.request

project = json.load(open(sys.argv[1]))['project_ids'][0]
path = 'atlas/%s/shop-reporting' % project
request = urllib.request.Request('%s/v1/secret/data/%s' % (os.environ['VAULT_ADDR'], path),
                                 headers={'X-Vault-Token': os.environ['VAULT_TOKEN']})
with urllib.request.urlopen(request, timeout=10) as response:
    data = json.load(response)['data']
document = dict(data['data'], client_secret='(%d characters, not shown)' % len(data['data']['client_secret']))
print()
print('demo: Vault holds secret/%s at version %d:' % (path, data['metadata']['version']))
for key in sorted(document):
    print('demo:   %-14s %s' % (key, document[key]))
PY
