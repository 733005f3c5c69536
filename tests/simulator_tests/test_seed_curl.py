# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay every curl example of the documentation pages in ``<repo>/../shared/atlas/seeds`` with real curl.

Each page shows one operation as a Bearer and a Digest curl command, then the example request body
(used when the command sends the ``{ <Payload> }`` placeholder). Placeholders are replaced with live
values: a fresh service account per command (assigned to the project), the admin token and API key.
The expected status is the one the page documents (``(201)``, ``• 201``), else the operation's
success status in the spec.
"""

import glob
import json
import os
import re
import shlex
import shutil
import subprocess

import pytest

from conftest import SHARED_DIR, mint, new_project_account

SEEDS = sorted(glob.glob(os.path.join(SHARED_DIR, 'atlas', 'seeds', '*.txt')))
MINIMAL_BODIES = {
    'secrets': {'secretExpiresAfterHours': 8},
    'serviceAccounts': {'name': 'Seed replay', 'description': 'Seed replay', 'roles': ['GROUP_OWNER'], 'secretExpiresAfterHours': 8},
    'accessList': [{'ipAddress': '192.0.2.10'}],
}


def curl_commands(text):
    """The curl commands of a page, as argument lists (continuation lines joined, glued commands split)."""
    text = re.sub(r"'\s*curl ", "'\ncurl ", text)
    lines = text.split('\n')
    commands = []
    for index, line in enumerate(lines):
        if not line.lstrip().startswith('curl '):
            continue
        parts = [line.strip()]
        while parts[-1].endswith('\\') and index + 1 < len(lines):
            index += 1
            parts[-1] = parts[-1][:-1]
            parts.append(lines[index].strip())
        command = ' '.join(parts)
        with_body = re.match(r"(.*?\s-d\s+'[^']*')", command)
        commands.append(shlex.split(with_body.group(1) if with_body else command))
    return commands


def example_body(text):
    """The first JSON document after the last curl command (the page's request example), or None."""
    decoder = json.JSONDecoder()
    start = text.rfind('curl ')
    for match in re.finditer(r'[\[{]', text[start:]):
        try:
            value, _end = decoder.raw_decode(text[start + match.start():])
        except ValueError:
            continue
        if isinstance(value, (dict, list)) and value and '<Payload>' not in json.dumps(value):
            return value
    return None


def documented_status(text):
    """The success status the page documents, if it labels one."""
    match = re.search(r'(?:\((20[0-4])\)|•\s*(20[0-4])\b)', text)
    return int(match.group(1) or match.group(2)) if match else None


def cases():
    """(page, command index) pairs, or one explicit skip when the shared pages are absent."""
    if not SEEDS:
        return [pytest.param(None, 0, marks=pytest.mark.skip(reason=f'no seed pages under {SHARED_DIR}/atlas/seeds'))]
    found = []
    for path in SEEDS:
        with open(path, encoding='utf-8') as handle:
            count = len(curl_commands(handle.read()))
        found += [pytest.param(path, i, id=f'{os.path.basename(path)}-{i}') for i in range(count)]
    return found


@pytest.mark.skipif(shutil.which('curl') is None, reason='curl is not installed')
@pytest.mark.parametrize('page, index', cases())
def test_curl_example(sim, api, info, page, index):
    with open(page, encoding='utf-8') as handle:
        text = handle.read()
    argv = curl_commands(text)[index]
    project_id = info['project_ids'][0]
    account = new_project_account(api, project_id, roles=['GROUP_OWNER'])
    admin = info['admin']
    values = {
        'https://cloud.mongodb.com': sim.url, '{orgId}': info['org_id'], '{groupId}': project_id,
        '{clientId}': account['clientId'], '{secretId}': account['secrets'][0]['id'],
        '${ACCESS_TOKEN}': mint(sim, admin['client_id'], admin['client_secret']),
        '${PUBLIC_KEY}': admin['public_key'], '${PRIVATE_KEY}': admin['private_key'],
    }
    resolved = []
    for arg in argv:
        for placeholder, value in values.items():
            arg = arg.replace(placeholder, value)
        resolved.append(arg)
    url = next(arg for arg in resolved if arg.startswith(sim.url))
    method = next(resolved[i + 1] for i, a in enumerate(resolved) if a == '-X')
    operation, _params = sim.contract.match(method, url[len(sim.url):].split('?')[0])
    if '-d' in resolved:
        position = resolved.index('-d') + 1
        if '<Payload>' in resolved[position]:
            body = example_body(text) or MINIMAL_BODIES[url.rstrip('/').rsplit('/', 1)[-1]]
            resolved[position] = json.dumps(body)
    expected = documented_status(text) or min(code for code in operation.responses if 200 <= code < 300)
    result = subprocess.run(resolved + ['--silent', '--show-error', '--max-time', '20', '--output', os.devnull,
                                        '--write-out', '%{http_code}'],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == expected, (resolved, result.stdout)
    journal = [e for e in sim.journal.since(0) if e['path'] == url[len(sim.url):].split('?')[0]]
    assert journal[-1]['status'] == expected
    assert journal[-1]['auth'] == ('digest' if '--digest' in resolved else 'bearer')
