# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX's own HashiCorp Vault lookup reads back what the vault_kv2 store wrote.

awx_plugins.credentials.hashivault.kv_backend (PyPI awx-plugins-core, the code AWX runs for its
"HashiCorp Vault Secret Lookup" credential) is called with the inputs AWX passes to it: the lookup
credential's url, token or AppRole, namespace, and the metadata of the credential field that it feeds
(secret_backend, secret_path, secret_key, api_version v2).
"""

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._secret_stores import open_secret_store

hashivault = pytest.importorskip('awx_plugins.credentials.hashivault', reason='awx-plugins-core (requirements-dev.txt)')

ORG = 'a' * 24
PROJECT = 'b' * 24
PLANTED = 'mdb_sa_sk_awx-0123456789abcdef'


def deliver(openbao, path, name, client_secret=PLANTED, **options):
    settings = dict(type='vault_kv2', url=openbao['url'], token=openbao['token'], path=path)
    settings.update(options)
    store = open_secret_store(settings)
    location = store.location(ORG, PROJECT, name)
    credentials = dict(client_id='mdb_sa_id_' + 'c' * 24, client_secret=client_secret, secret_id='s-' + name,
                       expires_at='2027-01-01T00:00:00Z', api_base_url='https://cloud.mongodb.com', org_id=ORG, project_id=PROJECT)
    return store, store.write(location, credentials, store.read(location))


def test_awx_reads_the_client_secret_with_the_mount_as_secret_backend(openbao, unique):
    dummy, held = deliver(openbao, unique + '/{project_id}/{name}', 'ci-bot')

    secret = hashivault.kv_backend(url=openbao['url'], token=openbao['token'], api_version='v2',
                                   secret_backend='secret', secret_path=held.location, secret_key='client_secret')

    assert secret == PLANTED


def test_awx_reads_the_path_the_result_names(openbao, unique):
    """Without secret_backend AWX takes the mount from the first segment: path_or_name of the result works as is."""
    store, held = deliver(openbao, unique + '/{project_id}/{name}', 'ci-bot', client_secret='mdb_sa_sk_second')

    secret = hashivault.kv_backend(url=openbao['url'], token=openbao['token'], api_version='v2',
                                   secret_path=store.result(held)['path_or_name'], secret_key='client_secret')

    assert secret == 'mdb_sa_sk_second'
    for key, expected in (('client_id', 'mdb_sa_id_' + 'c' * 24), ('secret_id', 's-ci-bot'), ('expires_at', '2027-01-01T00:00:00Z'),
                          ('api_base_url', 'https://cloud.mongodb.com')):
        assert hashivault.kv_backend(url=openbao['url'], token=openbao['token'], api_version='v2', secret_backend='secret',
                                     secret_path=held.location, secret_key=key) == expected


def test_awx_reads_the_newest_version_after_a_rotation(openbao, unique):
    store, held = deliver(openbao, unique + '/{name}', 'ci-bot')
    newer = store.write(held.location, dict(client_id='mdb_sa_id_' + 'c' * 24, client_secret='mdb_sa_sk_rotated', secret_id='s-2',
                                            expires_at='2027-02-01T00:00:00Z', api_base_url='https://cloud.mongodb.com'), held)
    assert newer.version == 2

    assert hashivault.kv_backend(url=openbao['url'], token=openbao['token'], api_version='v2', secret_backend='secret',
                                 secret_path=held.location, secret_key='client_secret') == 'mdb_sa_sk_rotated'


def test_awx_reads_a_name_with_spaces_and_a_namespace_with_approle(openbao, bao, unique):
    namespace = 'awx-' + unique
    bao.call('POST', 'sys/namespaces/' + namespace, {})
    bao.call('POST', 'sys/mounts/kv', {'type': 'kv', 'options': {'version': '2'}}, namespace=namespace)
    bao.call('POST', 'sys/auth/approle', {'type': 'approle'}, namespace=namespace)
    bao.call('PUT', 'sys/policies/acl/reader', {'policy': 'path "kv/data/*" { capabilities = ["read", "create", "update"] }'},
             namespace=namespace)
    bao.call('POST', 'auth/approle/role/awx', {'token_policies': ['reader']}, namespace=namespace)
    role_id = bao.call('GET', 'auth/approle/role/awx/role-id', namespace=namespace)['data']['role_id']
    secret_id = bao.call('POST', 'auth/approle/role/awx/secret-id', namespace=namespace)['data']['secret_id']
    dummy, held = deliver(openbao, unique + '/{name}', 'CI deploy, prod', mount='kv', namespace=namespace,
                          token=None, role_id=role_id, secret_id=secret_id)

    secret = hashivault.kv_backend(url=openbao['url'], role_id=role_id, secret_id=secret_id, default_auth_path='approle',
                                   namespace=namespace, api_version='v2', secret_backend='kv', secret_path=held.location,
                                   secret_key='client_secret')

    assert secret == PLANTED
