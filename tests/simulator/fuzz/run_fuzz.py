# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fuzz step (`make fuzz`): schemathesis, an independent judge, against a fresh Atlas simulator.

1. Check the reviewed baseline (baseline.json): every entry needs a one-line ``reason``.
2. Start a fresh simulator with tests/utils/simulator.sh in the work directory (stopped on exit, also
   on failure or SIGTERM), mint a token for the seeded admin service account from its info file, lift
   the capacity of every Admin API endpoint set (the run measures the API, not the limiter; the sets
   themselves stay, so /rateLimits answers with them), and create a few resources whose ids feed
   schemathesis's dictionaries (see schemathesis.toml).
3. Run schemathesis on the simulator's copy of the spec with the fixed seed, the versioned Accept
   header (2025-03-12: served as 2025-03-12 by /rateLimits, snapped down to 2024-08-05 and 2023-01-01
   by the others), the Bearer token, every check, the baseline and hooks.py (which keeps the run's own identity
   out of the requests). Schemathesis exits non-zero on any finding the baseline does not hold.
4. Fail as well when the simulator itself logged a traceback or a strict-mode response violation.

Usage: run_fuzz.py [--work-dir DIR] [--update-baseline]
``--update-baseline`` merges new findings into baseline.json (schemathesis's ``--baseline-update``);
the step then fails until each new entry has been reviewed and given its reason.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SPEC = os.path.join(ROOT, 'tests', 'simulator', 'atlas_simulator', 'spec', 'atlas-admin-subset.openapi.json')
CONFIG = os.path.join(HERE, 'schemathesis.toml')
BASELINE = os.path.join(HERE, 'baseline.json')
SIMULATOR_SH = os.path.join(ROOT, 'tests', 'utils', 'simulator.sh')
ACCEPT = 'application/vnd.atlas.2025-03-12+json'
LIFTED = 1000000
IDENTITY = ('operation', 'check', 'failure', 'signature')


def log(message):
    """One progress line of the step."""
    print(f'fuzz: {message}', flush=True)


def baseline_problems(path):
    """Why the reviewed baseline is not acceptable (empty list when it is)."""
    try:
        with open(path, encoding='utf-8') as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        return [f'{path}: {exc}']
    problems = []
    for index, entry in enumerate(document.get('entries', [])):
        label = ' '.join(str(entry.get(key)) for key in IDENTITY)
        missing = [key for key in IDENTITY if not isinstance(entry.get(key), str)]
        if missing:
            problems.append(f'entry {index} ({label}) lacks {", ".join(missing)}')
        reason = entry.get('reason')
        if not isinstance(reason, str) or not reason.strip() or '\n' in reason:
            problems.append(f'entry {index} ({label}) needs a one-line "reason" tied to Atlas behaviour or the spec')
    return problems


class Api:
    """Just enough of a client to prepare the run."""

    def __init__(self, url, token):
        self.url = url
        self.session = requests.Session()
        self.session.headers.update({'Authorization': f'Bearer {token}', 'Accept': ACCEPT})

    def call(self, method, path, body=None, expect=(200, 201)):
        response = self.session.request(method, f'{self.url}/api/atlas/v2{path}', json=body, timeout=30)
        if response.status_code not in expect:
            raise RuntimeError(f'{method} {path}: {response.status_code} {response.text}')
        return response.json()


def mint(info):
    """An access token of the seeded admin service account (client credentials from the info file)."""
    admin = info['admin']
    response = requests.post(info['url'] + '/api/oauth/token', data={'grant_type': 'client_credentials'},
                             auth=(admin['client_id'], admin['client_secret']), timeout=30)
    response.raise_for_status()
    return response.json()['access_token']


def prepare(info, token, work):
    """Create the resources the dictionaries name and write the *.dict files (libFuzzer format)."""
    api = Api(info['url'], token)
    org, project = info['org_id'], info['project_ids'][0]
    limits = requests.get(info['url'] + '/_sim/rate-limits', timeout=30).json()['config']
    lifted = {item['endpointSetId']: {'capacity': LIFTED, 'refillRate': LIFTED} for item in limits['endpointSets']}
    requests.post(info['url'] + '/_sim/rate-limits', json={'update': lifted, 'resetBuckets': True},
                  timeout=30).raise_for_status()
    hours = {'secretExpiresAfterHours': 8760}
    in_project = api.call('POST', f'/groups/{project}/serviceAccounts',
                          dict(hours, name='Fuzz project fixture', description='fuzz', roles=['GROUP_OWNER']))
    in_org = api.call('POST', f'/orgs/{org}/serviceAccounts',
                      dict(hours, name='Fuzz org fixture', description='fuzz', roles=['ORG_MEMBER']))
    api.call('POST', f"/groups/{project}/serviceAccounts/{in_org['clientId']}:invite", {'roles': ['GROUP_READ_ONLY']})
    key = api.call('POST', f'/orgs/{org}/apiKeys', {'desc': 'Fuzz fixture', 'roles': ['ORG_MEMBER']})
    entries = [{'ipAddress': '192.0.2.10'}, {'cidrBlock': '198.51.100.0/24'}]
    for account in (in_project, in_org):
        api.call('POST', f"/orgs/{org}/serviceAccounts/{account['clientId']}/accessList", entries)
    api.call('POST', f"/orgs/{org}/apiKeys/{key['id']}/accessList", entries)
    dictionaries = {
        'orgs': [org],
        'groups': [project],
        'clients': [in_project['clientId'], in_org['clientId']],
        'secrets': [in_project['secrets'][0]['id'], in_org['secrets'][0]['id']],
        'api-keys': [key['id']],
        'addresses': ['192.0.2.10', '198.51.100.0%2F24'],
        'endpoint-sets': sorted(lifted),
    }
    for name, values in dictionaries.items():
        with open(os.path.join(work, f'{name}.dict'), 'w', encoding='utf-8') as handle:
            handle.writelines(f'"{value}"\n' for value in values)


def simulator(command, state_dir):
    """tests/utils/simulator.sh start|stop STATE_DIR with this interpreter."""
    return subprocess.run([SIMULATOR_SH, command, state_dir], env=dict(os.environ, PYTHON=sys.executable),
                          check=command == 'start')


def run(args):
    """The step; returns its exit status."""
    started = time.monotonic()
    problems = baseline_problems(BASELINE)
    if problems and not args.update_baseline:
        for problem in problems:
            log(f'baseline: {problem}')
        return 1
    work = os.path.abspath(args.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    state_dir = os.path.join(work, 'sim')
    status = 1
    try:
        simulator('start', state_dir)
        with open(os.path.join(state_dir, 'info.json'), encoding='utf-8') as handle:
            info = json.load(handle)
        token = mint(info)
        prepare(info, token, work)
        shutil.copy(CONFIG, os.path.join(work, 'schemathesis.toml'))
        command = [os.path.join(os.path.dirname(sys.executable), 'schemathesis'),
                   '--config-file', os.path.join(work, 'schemathesis.toml'), '--no-color',
                   'run', SPEC, '--url', info['url'],
                   '-H', f'Authorization: Bearer {token}', '-H', f'Accept: {ACCEPT}',
                   '--checks', 'all', '--baseline', BASELINE,
                   '--report', 'junit,json', '--report-dir', os.path.join(work, 'report')]
        if args.update_baseline:
            command.append('--baseline-update')
        log('schemathesis ' + ' '.join(arg if not arg.startswith('Authorization') else 'Authorization: Bearer ***'
                                       for arg in command[1:]))
        hooks = {'SCHEMATHESIS_HOOKS': os.path.join(HERE, 'hooks.py'), 'FUZZ_PROTECTED_IDS': info['admin']['client_id']}
        status = subprocess.run(command, cwd=work, check=False, env=dict(os.environ, **hooks)).returncode
        # What the simulator saw, for a post-mortem of any finding.
        with open(os.path.join(work, 'journal.json'), 'w', encoding='utf-8') as handle:
            handle.write(requests.get(info['url'] + '/_sim/journal', timeout=60).text)
        violations = requests.get(info['url'] + '/_sim/violations', timeout=30).json()['violations']
        if violations:
            log(f'{len(violations)} simulator response(s) broke the spec (strict mode): '
                + '; '.join(f"{v['operation']} {v['status']}" for v in violations[:5]))
            status = status or 1
    finally:
        simulator('stop', state_dir)
    with open(os.path.join(state_dir, 'simulator.log'), encoding='utf-8', errors='replace') as handle:
        if 'Traceback' in handle.read():
            log(f'the simulator logged a traceback: see {state_dir}/simulator.log')
            status = status or 1
    if args.update_baseline:
        for problem in baseline_problems(BASELINE):
            log(f'baseline: {problem}')
            status = status or 1
    log(f"{'passed' if status == 0 else 'FAILED'} in {time.monotonic() - started:.0f}s (reports in {work}/report)")
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--work-dir', default=os.path.join(ROOT, '.cache', 'fuzz'),
                        help='scratch directory, emptied first (default .cache/fuzz)')
    parser.add_argument('--update-baseline', action='store_true',
                        help='merge new findings into baseline.json (then give each a reason)')
    args = parser.parse_args(argv)
    # SIGTERM (a CI timeout, make being stopped) unwinds through the finally that stops the simulator.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return run(args)


if __name__ == '__main__':
    sys.exit(main())
