# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Throughput of the simulator with strict validation on (not a test).

``python tests/simulator/benchmark.py [--requests 3000] [--threads 2] [--max-seconds 30]`` starts the
simulator as its own process (as tests and playbooks use it, so client and server do not share one
interpreter lock), then each client thread sends a GET list / GET one / PATCH mix over its own
keep-alive session, and prints requests per second. Bounded by request count and by time.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import requests

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'run_simulator.py')

VERSION = 'application/vnd.atlas.2024-08-05+json'


def worker(url, token, org_id, client_ids, count, deadline, results, index):
    """Send ``count`` requests (or stop at ``deadline``); record (requests sent, failures)."""
    session = requests.Session()
    session.headers.update({'Authorization': f'Bearer {token}', 'Accept': VERSION})
    base = f'{url}/api/atlas/v2/orgs/{org_id}/serviceAccounts'
    sent = failures = 0
    while sent < count and time.monotonic() < deadline:
        client_id = client_ids[sent % len(client_ids)]
        kind = sent % 3
        if kind == 0:
            response = session.get(base, params={'itemsPerPage': 10})
        elif kind == 1:
            response = session.get(f'{base}/{client_id}')
        else:
            response = session.patch(f'{base}/{client_id}', json={'description': f'round {sent}'})
        failures += response.status_code != 200
        sent += 1
    results[index] = (sent, failures)


def main():
    """Run the benchmark and print the result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--requests', type=int, default=3000, help='total requests (default 3000)')
    parser.add_argument('--threads', type=int, default=2, help='client threads (default 2)')
    parser.add_argument('--max-seconds', type=float, default=30, help='stop after this long (default 30)')
    parser.add_argument('--no-strict', dest='strict', action='store_false', help='compare: response validation off')
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        info_file = os.path.join(directory, 'info.json')
        server = subprocess.Popen([sys.executable, LAUNCHER, '--port', '0', '--info-file', info_file]  # pylint: disable=consider-using-with
                                  + ([] if args.strict else ['--no-strict']), stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while not os.path.exists(info_file) and time.monotonic() < deadline and server.poll() is None:
                time.sleep(0.05)
            with open(info_file, encoding='utf-8') as handle:
                info = json.load(handle)
            return run(info, args)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)


def run(info, args):
    """Create a few accounts, then measure the request mix."""
    url, org_id, admin = info['url'], info['org_id'], info['admin']
    token = requests.post(f'{url}/api/oauth/token', data={'grant_type': 'client_credentials'},
                          auth=(admin['client_id'], admin['client_secret']), timeout=10).json()['access_token']
    client_ids = []
    for number in range(10):
        response = requests.post(f'{url}/api/atlas/v2/orgs/{org_id}/serviceAccounts', timeout=10,
                                 headers={'Authorization': f'Bearer {token}', 'Accept': VERSION},
                                 json={'name': f'bench {number}', 'description': 'benchmark', 'roles': ['ORG_MEMBER'],
                                       'secretExpiresAfterHours': 24})
        client_ids.append(response.json()['clientId'])
    results = [None] * args.threads
    deadline = time.monotonic() + args.max_seconds
    per_thread = args.requests // args.threads
    threads = [threading.Thread(target=worker, args=(url, token, org_id, client_ids, per_thread, deadline, results, i))
               for i in range(args.threads)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    sent = sum(result[0] for result in results)
    failures = sum(result[1] for result in results)
    violations = requests.get(f'{url}/_sim/violations', timeout=10).json()['violations']
    print(f'{sent} requests in {elapsed:.2f} s with {args.threads} threads: {sent / elapsed:.0f} req/s '
          f'(strict validation {"on" if args.strict else "off"}, {failures} failures, {len(violations)} spec violations)')
    return 1 if failures or violations else 0


if __name__ == '__main__':
    sys.exit(main())
