# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: a real OpenBao dev server and a real moto server on 127.0.0.1, one each per session, stopped at
the end (also when tests fail), started by tests/utils/secret_servers.py.

The collection's helpers are imported as ansible_collections.cloudops.atlas...: a temporary directory holds
ansible_collections/cloudops/atlas as a symlink to this tree (plain pytest, unlike ansible-test, accepts it).
"""

import atexit
import os
import shutil
import sys
import tempfile
import uuid

import pytest
import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'utils'))

_COLLECTIONS = tempfile.mkdtemp(prefix='secret-stores-collections-')
atexit.register(shutil.rmtree, _COLLECTIONS, True)
os.makedirs(os.path.join(_COLLECTIONS, 'ansible_collections', 'cloudops'))
os.symlink(REPO_ROOT, os.path.join(_COLLECTIONS, 'ansible_collections', 'cloudops', 'atlas'))
sys.path.insert(0, _COLLECTIONS)

import secret_servers  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No Vault, OpenBao or AWS settings of the machine leak into a test (each test sets what it uses)."""
    for name in list(os.environ):
        if name.startswith(('VAULT_', 'BAO_', 'AWS_')):
            monkeypatch.delenv(name)
    monkeypatch.setenv('AWS_CONFIG_FILE', os.devnull)
    monkeypatch.setenv('AWS_SHARED_CREDENTIALS_FILE', os.devnull)
    monkeypatch.setenv('AWS_EC2_METADATA_DISABLED', 'true')


def _server(tmp_path_factory, name, **kwargs):
    state = str(tmp_path_factory.mktemp(name))
    info = secret_servers.start(name, state, **kwargs)
    return state, info


@pytest.fixture(scope='session')
def openbao(tmp_path_factory):
    """An OpenBao dev server: dict(url, token, ...) with KV v2 at secret/."""
    state, info = _server(tmp_path_factory, 'openbao')
    try:
        yield info
    finally:
        secret_servers.stop(state)


@pytest.fixture(scope='session')
def openbao_tls(tmp_path_factory):
    """An OpenBao dev server on https with its own CA (info['ca_path'])."""
    state, info = _server(tmp_path_factory, 'openbao', tls=True)
    try:
        yield info
    finally:
        secret_servers.stop(state)


@pytest.fixture(scope='session')
def moto(tmp_path_factory):
    """moto's AWS server: dict(url, region, access_key_id, secret_access_key, ...)."""
    state, info = _server(tmp_path_factory, 'moto')
    try:
        yield info
    finally:
        secret_servers.stop(state)


class Bao:
    """Root-token REST calls to set the scene (mounts, policies, AppRole), outside the code under test."""

    def __init__(self, info):
        self.url = info['url']
        self.token = info['token']
        self.verify = info.get('ca_path') or True

    def call(self, method, path, body=None, token=None, namespace=None, expect=(200, 204)):
        headers = {'X-Vault-Token': token or self.token}
        if namespace:
            headers['X-Vault-Namespace'] = namespace
        response = requests.request(method, '%s/v1/%s' % (self.url, path), json=body, headers=headers, timeout=10,
                                    verify=self.verify)
        assert response.status_code in expect, (method, path, response.status_code, response.text)
        return response.json() if response.content else None


@pytest.fixture(scope='session')
def bao(openbao):
    return Bao(openbao)


@pytest.fixture
def unique():
    """A fresh path prefix per test, so tests share one server without seeing each other's secrets."""
    return 't' + uuid.uuid4().hex[:12]
