# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line: launcher script and ``python -m``, info file, seed file, start time, clean stop."""

import json
import os
import signal
import subprocess
import sys
import time

import requests

from conftest import SIMULATOR_DIR


def start(argv, info_file, env=None):
    """Start a simulator process and wait (bounded) for its info file."""
    process = subprocess.Popen(argv + ['--port', '0', '--info-file', str(info_file)], stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                               stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 20
    while not os.path.exists(info_file):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, 'simulator did not start'
        time.sleep(0.05)
    with open(info_file, encoding='utf-8') as handle:
        return process, json.load(handle)


def stop(process, sig):
    process.send_signal(sig)
    stdout, _stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    return stdout


def test_launcher_script_and_sigterm(tmp_path):
    info_file = tmp_path / 'sim.json'
    process, info = start([sys.executable, os.path.join(SIMULATOR_DIR, 'run_simulator.py')], info_file)
    assert set(info['admin']) == {'client_id', 'client_secret', 'public_key', 'private_key'}
    assert len(info['project_ids']) == 3 and len(info['orgs']) == 3
    assert requests.get(info['url'] + '/_sim/clock', timeout=10).status_code == 200
    assert stop(process, signal.SIGTERM).strip() == f"Atlas simulator listening on {info['url']}"


def test_module_with_seed_start_time_and_sigint(tmp_path):
    seed = {'orgs': [{'id': 'aaaaaaaaaaaaaaaaaaaaaaaa', 'name': 'Seeded', 'projects': [{'id': 'bbbbbbbbbbbbbbbbbbbbbbbb'}]}],
            'admin': {'org_id': 'aaaaaaaaaaaaaaaaaaaaaaaa', 'client_id': 'mdb_sa_id_cccccccccccccccccccccccc',
                      'client_secret': 'mdb_sa_sk_custom', 'public_key': 'abcdefgh',
                      'private_key': '00000000-0000-4000-8000-000000000000'}}
    seed_file = tmp_path / 'seed.json'
    seed_file.write_text(json.dumps(seed))
    env = dict(os.environ, PYTHONPATH=SIMULATOR_DIR)
    process, info = start([sys.executable, '-m', 'atlas_simulator', '--seed', str(seed_file),
                           '--start-time', '2031-02-03T04:05:06Z', '--token-ttl', '60'], tmp_path / 'info.json', env)
    assert info['org_id'] == 'aaaaaaaaaaaaaaaaaaaaaaaa' and info['project_ids'] == ['bbbbbbbbbbbbbbbbbbbbbbbb']
    assert requests.get(info['url'] + '/_sim/clock', timeout=10).json()['now'].startswith('2031-02-03T04:0')
    token = requests.post(info['url'] + '/api/oauth/token', data={'grant_type': 'client_credentials'},
                          auth=('mdb_sa_id_cccccccccccccccccccccccc', 'mdb_sa_sk_custom'), timeout=10).json()
    assert token['expires_in'] == 60
    stop(process, signal.SIGINT)
