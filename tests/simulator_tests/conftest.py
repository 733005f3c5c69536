# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: one in-process simulator on 127.0.0.1 (random port) for the session, reset before each test."""

import base64
import os
import sys

import pytest
import requests

SIMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'simulator')
sys.path.insert(0, SIMULATOR_DIR)

from atlas_simulator import Simulator  # noqa: E402  pylint: disable=wrong-import-position

VERSION = 'application/vnd.atlas.2024-08-05+json'
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_DIR = os.path.join(os.path.dirname(REPO_ROOT), 'shared')


def basic(client_id, secret):
    """An HTTP Basic header value."""
    return 'Basic ' + base64.b64encode(f'{client_id}:{secret}'.encode()).decode()


class Api:
    """A small client: versioned Accept, JSON bodies, Bearer or Digest auth, one keep-alive session."""

    def __init__(self, simulator, token=None, auth=None):
        self.sim = simulator
        self.url = simulator.url
        self.session = requests.Session()
        self.token = token
        self.session.auth = auth

    def call(self, method, path, body=None, params=None, headers=None):
        """Send one request to ``/api/atlas/v2`` + path (or an absolute /api path)."""
        url = self.url + (path if path.startswith('/api/') else '/api/atlas/v2' + path)
        sent = {'Accept': VERSION}
        if self.token:
            sent['Authorization'] = f'Bearer {self.token}'
        sent.update(headers or {})
        return self.session.request(method, url, json=body, params=params, headers=sent, timeout=30)

    def get(self, path, **kwargs):
        """GET."""
        return self.call('GET', path, **kwargs)

    def post(self, path, body=None, **kwargs):
        """POST."""
        return self.call('POST', path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        """PATCH."""
        return self.call('PATCH', path, body, **kwargs)

    def delete(self, path, **kwargs):
        """DELETE."""
        return self.call('DELETE', path, **kwargs)


def mint(simulator, client_id, secret):
    """An access token for a service account (asserts success)."""
    response = requests.post(simulator.url + '/api/oauth/token', data={'grant_type': 'client_credentials'},
                             headers={'Authorization': basic(client_id, secret), 'Accept': 'application/json'}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()['access_token']


def control(simulator, method, path, body=None):
    """Call the /_sim control API and return its JSON."""
    response = requests.request(method, simulator.url + '/_sim/' + path, json=body, timeout=30)
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope='session')
def server():
    """The simulator, started once (strict response validation on)."""
    simulator = Simulator(strict=True)
    simulator.start('127.0.0.1', 0)
    yield simulator
    simulator.stop()


@pytest.fixture
def sim(server):  # pylint: disable=redefined-outer-name
    """The simulator reset to its seed; fails the test if any response broke the spec."""
    server.reset()
    yield server
    assert not server.violations, server.violations


@pytest.fixture
def info(sim):  # pylint: disable=redefined-outer-name
    """The info document (url, ids, admin credentials)."""
    return sim.info


@pytest.fixture
def org_id(info):  # pylint: disable=redefined-outer-name
    """The seeded first organization."""
    return info['org_id']


@pytest.fixture
def project_id(info):  # pylint: disable=redefined-outer-name
    """The first seeded project of the first organization."""
    return info['project_ids'][0]


@pytest.fixture
def api(sim, info):  # pylint: disable=redefined-outer-name
    """A client authenticated as the admin service account (Bearer)."""
    return Api(sim, token=mint(sim, info['admin']['client_id'], info['admin']['client_secret']))


@pytest.fixture
def digest_api(sim, info):  # pylint: disable=redefined-outer-name
    """A client authenticated with the admin API key (HTTP Digest)."""
    admin = info['admin']
    return Api(sim, auth=requests.auth.HTTPDigestAuth(admin['public_key'], admin['private_key']))


def new_org_account(api, org_id, name='Automation', roles=('ORG_MEMBER',), hours=24):  # pylint: disable=redefined-outer-name
    """Create an org service account; return its body (with the plaintext first secret)."""
    response = api.post(f'/orgs/{org_id}/serviceAccounts',
                        {'name': name, 'description': 'made by a test', 'roles': list(roles), 'secretExpiresAfterHours': hours})
    assert response.status_code == 201, response.text
    return response.json()


def new_project_account(api, project_id, name='Project bot', roles=('GROUP_READ_ONLY',), hours=24):  # pylint: disable=redefined-outer-name
    """Create a project service account; return its body (with the plaintext first secret)."""
    response = api.post(f'/groups/{project_id}/serviceAccounts',
                        {'name': name, 'description': 'made by a test', 'roles': list(roles), 'secretExpiresAfterHours': hours})
    assert response.status_code == 201, response.text
    return response.json()
