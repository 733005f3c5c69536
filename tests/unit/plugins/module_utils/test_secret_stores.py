# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Secret stores: input checks, the argument spec and its doc fragment, and each store as a conversation.

Vault speaks HTTP through responses; AWS through botocore's Stubber (when botocore is installed). The real
servers (OpenBao, moto) are exercised by tests/secret_stores/.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import json

import pytest
import responses
import yaml
from requests import exceptions as req_exc

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cloudops.atlas.plugins.doc_fragments.secret_store import ModuleDocFragment
from ansible_collections.cloudops.atlas.plugins.module_utils import _secret_stores
from ansible_collections.cloudops.atlas.plugins.module_utils._secret_stores import (
    Held, StoreConflict, StoreError, check_secret_store, open_secret_store, secret_store_argument, secret_store_spec)
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import InputError

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode('utf-8')
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

VAULT = 'https://vault.example:8200'
TOKEN = 'hvs.planted-token-0123456789'
ROLE_ID = 'planted-role-id-0123'
SECRET_ID = 'planted-secret-id-4567'
PLANTED = 'mdb_sa_sk_planted-0123456789abcdef'
ORG = 'a' * 24
PROJECT = 'b' * 24
LOCATION = 'atlas/%s/ci-bot' % PROJECT
DATA_URL = VAULT + '/v1/secret/data/' + LOCATION
PROBE_URL = VAULT + '/v1/sys/internal/ui/mounts/secret'
LOGIN_URL = VAULT + '/v1/auth/approle/login'
KV2_MOUNT = {'data': {'type': 'kv', 'path': 'secret/', 'options': {'version': '2'}}}
CREDENTIALS = dict(client_id='mdb_sa_id_' + 'c' * 24, client_secret=PLANTED, secret_id='s-2', expires_at='2027-01-01T00:00:00Z',
                   api_base_url='https://cloud.mongodb.com', org_id=ORG, project_id=PROJECT)
WRITTEN = dict(client_id='mdb_sa_id_' + 'c' * 24, client_secret=PLANTED, secret_id='s-2', expires_at='2027-01-01T00:00:00Z',
               api_base_url='https://cloud.mongodb.com')


@pytest.fixture(autouse=True)
def no_store_env(monkeypatch):
    for name in ('VAULT_ADDR', 'VAULT_TOKEN', 'VAULT_NAMESPACE', 'AWS_REGION', 'AWS_DEFAULT_REGION'):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def vault():
    """The mocked Vault: every registered reply must be consumed, unexpected calls fail."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_store(sleeps):
    def factory(**options):
        settings = dict(type='vault_kv2', url=VAULT, token=TOKEN, path='atlas/{project_id}/{name}')
        settings.update(options)
        return open_secret_store(settings, sleep=sleeps.append)
    return factory


def secret_body(data, version, deleted=False, destroyed=False):
    metadata = {'version': version, 'created_time': '2026-12-01T00:00:00Z', 'deletion_time': '2026-12-02T00:00:00Z' if deleted else '',
                'destroyed': destroyed, 'custom_metadata': None}
    return {'data': {'data': data, 'metadata': metadata}}


def sent(mock):
    return [(call.request.method, call.request.url) for call in mock.calls]


def assert_clean(text, *planted):
    for value in (TOKEN, ROLE_ID, SECRET_ID, PLANTED) + planted:
        assert value not in text


# -- the argument spec and its documentation ---------------------------------------------------------

def test_the_spec_has_the_contract_options_and_defaults():
    spec = secret_store_spec()

    assert spec['type'] == dict(type='str', required=True, choices=['vault_kv2', 'aws_secretsmanager'])
    assert sorted(name for name, option in spec.items() if option.get('no_log')) == ['role_id', 'secret_id', 'token']
    assert dict((name, option['default']) for name, option in spec.items() if 'default' in option) == dict(
        mount='secret', approle_mount='approle', validate_certs=True, timeout=30)
    assert {'url', 'path', 'namespace', 'region', 'name', 'endpoint_url', 'profile', 'ca_path'} <= set(spec)


def test_the_doc_fragment_mirrors_the_spec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']['secret_store']
    spec = secret_store_spec()

    assert documented['type'] == 'dict'
    assert sorted(documented['suboptions']) == sorted(spec)
    for name, option in spec.items():
        for key in ('type', 'default', 'choices', 'required'):
            assert documented['suboptions'][name].get(key) == option.get(key), (name, key)


def test_an_ansible_module_takes_the_spec_and_hides_the_credentials():
    args = {'secret_store': {'type': 'vault_kv2', 'url': VAULT, 'path': 'atlas/{name}', 'role_id': ROLE_ID, 'secret_id': SECRET_ID,
                             'token': TOKEN}}
    with patch_module_args(args):
        module = AnsibleModule(argument_spec=dict(secret_store=secret_store_argument()))

    assert {TOKEN, ROLE_ID, SECRET_ID} <= module.no_log_values
    assert module.params['secret_store']['mount'] == 'secret'
    check_secret_store('secret_store', module.params['secret_store'])


# -- input checks, before any call -------------------------------------------------------------------

VAULT_OK = dict(type='vault_kv2', url=VAULT, token=TOKEN, path='atlas/{project_id}/{name}')
AWS_OK = dict(type='aws_secretsmanager', region='eu-west-1', name='atlas/{project_id}/{name}')


@pytest.mark.parametrize('store, message', [
    (dict(VAULT_OK, type='gcp'), "secret_store.type must be one of vault_kv2, aws_secretsmanager, got 'gcp'"),
    (dict(VAULT_OK, url=None), 'secret_store.url is required for type vault_kv2 (or the environment variable VAULT_ADDR)'),
    (dict(VAULT_OK, url='vault.example:8200'), "secret_store.url must be an http:// or https:// URL, got 'vault.example:8200'"),
    (dict(VAULT_OK, path=None), 'secret_store.path is required for type vault_kv2, for example atlas/{project_id}/{name}'),
    (dict(VAULT_OK, token=None), 'secret_store needs Vault credentials: token, or role_id with secret_id (AppRole), '
                                 'or the environment variable VAULT_TOKEN'),
    (dict(VAULT_OK, token=None, role_id=ROLE_ID), 'secret_store.role_id and secret_store.secret_id go together (AppRole login)'),
    (dict(VAULT_OK, path='atlas/{project}/{name}'),
     "secret_store.path 'atlas/{project}/{name}' uses {project}; only the placeholders {org_id}, {project_id} and {name} are allowed"),
    (dict(VAULT_OK, path='atlas/{0}'), "secret_store.path 'atlas/{0}' uses {0}; only the placeholders"),
    (dict(VAULT_OK, path='atlas/{}'), "secret_store.path 'atlas/{}' uses {}; only the placeholders"),
    (dict(VAULT_OK, path='atlas/{name!r}'), "secret_store.path 'atlas/{name!r}' uses {name!r}; only the placeholders"),
    (dict(VAULT_OK, path='atlas/{name:>9}'), "secret_store.path 'atlas/{name:>9}' uses {name:>9}; only the placeholders"),
    (dict(VAULT_OK, path='atlas/{name.upper}'), "uses {name.upper}; only the placeholders"),
    (dict(VAULT_OK, path='atlas/{name'), "secret_store.path 'atlas/{name' is not a valid template"),
    (dict(VAULT_OK, path='atlas/}'), "secret_store.path 'atlas/}' is not a valid template"),
    (dict(VAULT_OK, path='../{name}'), "secret_store.path '../n' has an empty, . or .. segment"),
    (dict(VAULT_OK, path='atlas//{name}'), "has an empty, . or .. segment"),
    (dict(VAULT_OK, path='/atlas/{name}'), "secret_store.path '/atlas/n' must not start with /: it is relative to the mount"),
    (dict(VAULT_OK, mount='/secret'), "secret_store.mount '/secret' must not start with /: it is relative to the Vault API"),
    (dict(VAULT_OK, mount='team/../secret'), "secret_store.mount 'team/../secret' has an empty, . or .. segment"),
    (dict(VAULT_OK, approle_mount='..'), "secret_store.approle_mount '..' has an empty, . or .. segment"),
    (dict(VAULT_OK, timeout=0), 'secret_store.timeout must be at least 1, got 0'),
    (dict(VAULT_OK, ca_path='/nonexistent/ca.pem'), 'secret_store.ca_path: /nonexistent/ca.pem is not a file'),
    (dict(VAULT_OK, region='eu-west-1'), 'secret_store: secret_store.region does not apply to type vault_kv2'),
    (dict(AWS_OK, path='x', token=TOKEN), 'secret_store: secret_store.path, secret_store.token do not apply to type aws_secretsmanager'),
    (dict(AWS_OK, region=None), 'secret_store.region is required for type aws_secretsmanager (or the environment variable AWS_REGION)'),
    (dict(AWS_OK, name=None), 'secret_store.name is required for type aws_secretsmanager'),
    (dict(AWS_OK, name='atlas/{org}'), "secret_store.name 'atlas/{org}' uses {org}; only the placeholders"),
    (dict(AWS_OK, name='atlas {name}'), "secret_store.name 'atlas {name}': AWS allows only letters, digits and /_+=.@- in secret names"),
    (dict(AWS_OK, endpoint_url='localhost:4566'), "secret_store.endpoint_url must be an http:// or https:// URL, got 'localhost:4566'"),
])
def test_bad_store_options_fail_naming_the_option_and_the_rule(store, message):
    with pytest.raises(InputError) as caught:
        check_secret_store('secret_store', store)

    assert message in str(caught.value)
    assert_clean(str(caught.value))


def test_the_option_name_given_is_the_one_named():
    with pytest.raises(InputError, match=r'^accounts\[2\].secret.store.path is required'):
        check_secret_store('accounts[2].secret.store', dict(VAULT_OK, path=None))


def test_valid_stores_pass():
    check_secret_store('secret_store', VAULT_OK)
    check_secret_store('secret_store', dict(VAULT_OK, token=None, role_id=ROLE_ID, secret_id=SECRET_ID, mount='team/kv/',
                                            path='{org_id}/{{literal}}/{name}'))
    check_secret_store('secret_store', AWS_OK)


def test_the_environment_fills_in_and_empty_variables_count_as_unset(monkeypatch):
    monkeypatch.setenv('VAULT_ADDR', '')
    monkeypatch.setenv('VAULT_TOKEN', '')
    with pytest.raises(InputError, match='url is required'):
        check_secret_store('secret_store', dict(type='vault_kv2', path='atlas/{name}'))
    monkeypatch.setenv('VAULT_ADDR', VAULT)
    with pytest.raises(InputError, match='needs Vault credentials'):
        check_secret_store('secret_store', dict(type='vault_kv2', path='atlas/{name}'))
    monkeypatch.setenv('VAULT_TOKEN', TOKEN)
    check_secret_store('secret_store', dict(type='vault_kv2', path='atlas/{name}'))
    monkeypatch.setenv('AWS_DEFAULT_REGION', 'eu-west-1')
    check_secret_store('secret_store', dict(type='aws_secretsmanager', name='atlas/{name}'))


def test_a_missing_botocore_is_named_with_the_option(monkeypatch):
    monkeypatch.setattr(_secret_stores, 'HAS_BOTOCORE', False)

    with pytest.raises(InputError) as caught:
        open_secret_store(AWS_OK, option='accounts[0].secret.store')

    assert str(caught.value) == 'accounts[0].secret.store.type=aws_secretsmanager: ' + missing_required_lib('botocore')


def test_a_missing_requests_is_named_with_the_option(monkeypatch):
    monkeypatch.setattr(_secret_stores, 'HAS_REQUESTS', False)

    with pytest.raises(InputError, match=r'^secret_store.type=vault_kv2: Failed to import the required Python library \(requests\)'):
        open_secret_store(VAULT_OK)


def test_locations_render_the_template(make_store):
    store = make_store(path='atlas/{org_id}/{project_id}/{name}')

    assert store.location(ORG, PROJECT, "CI deploy, prod's") == "atlas/%s/%s/CI deploy, prod's" % (ORG, PROJECT)
    assert make_store(path='atlas/{org_id}/{name}').location(ORG, None, 'ci-bot') == 'atlas/%s/ci-bot' % ORG
    with pytest.raises(InputError, match=r"uses \{project_id\}, but account 'ci-bot' belongs to an organization"):
        store.location(ORG, None, 'ci-bot')
    with pytest.raises(InputError, match=r"uses \{org_id\}, which is not known for account 'ci-bot'"):
        store.location(None, PROJECT, 'ci-bot')
    with pytest.raises(InputError, match=r"for account '\.\.' .* has an empty, \. or \.\. segment"):
        store.location(ORG, PROJECT, '..')


# -- vault_kv2: reads --------------------------------------------------------------------------------

def test_read_probes_the_mount_once_then_sends_one_get_per_read(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, json=secret_body(WRITTEN, 3))
    vault.add('GET', VAULT + '/v1/secret/data/atlas/%s/other' % PROJECT, status=404, json={'errors': []})
    store = make_store()

    assert store.read(LOCATION) == Held('s-2', 3, LOCATION)
    assert store.read('atlas/%s/other' % PROJECT) == Held(None, 0, 'atlas/%s/other' % PROJECT)

    assert sent(vault) == [('GET', PROBE_URL), ('GET', DATA_URL), ('GET', VAULT + '/v1/secret/data/atlas/%s/other' % PROJECT)]
    for call in vault.calls:
        assert call.request.headers['X-Vault-Token'] == TOKEN
        assert call.request.headers['X-Vault-Request'] == 'true'
        assert 'X-Vault-Namespace' not in call.request.headers
        assert 'Authorization' not in call.request.headers


def test_a_deleted_or_destroyed_latest_version_is_nothing_stored_at_that_version(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, status=404, json={'data': {'data': None, 'metadata': secret_body(None, 4, deleted=True)['data']['metadata']}})
    vault.add('GET', DATA_URL, json=secret_body(None, 5, destroyed=True))
    vault.add('GET', DATA_URL, json=secret_body(None, 6))
    store = make_store()

    assert [store.read(LOCATION) for dummy in range(3)] == [Held(None, 4, LOCATION), Held(None, 5, LOCATION), Held(None, 6, LOCATION)]


def test_a_live_version_due_for_deletion_later_is_still_held(vault, make_store):
    """With delete_version_after, live versions carry a deletion_time in the future."""
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, json=secret_body(WRITTEN, 6, deleted=True))

    assert make_store().read(LOCATION) == Held('s-2', 6, LOCATION)


@pytest.mark.parametrize('data, expected', [
    ({'client_id': 'x', 'secret_id': 's-1'}, ''),
    ({'client_secret': '', 'secret_id': 's-1'}, ''),
    ({'client_secret': PLANTED}, ''),
    ({'client_secret': PLANTED, 'secret_id': 's-1'}, 's-1'),
])
def test_a_document_without_a_usable_secret_holds_the_empty_id(vault, make_store, data, expected):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, json=secret_body(data, 1))

    assert make_store().read(LOCATION) == Held(expected, 1, LOCATION)


def test_names_are_quoted_segment_by_segment(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', VAULT + "/v1/secret/data/atlas/%s/CI%%20deploy%%2C%%20prod%%27s" % PROJECT, status=404, json={'errors': []})
    store = make_store()

    location = store.location(ORG, PROJECT, "CI deploy, prod's")
    assert store.read(location) == Held(None, 0, location)


def test_reads_are_retried_after_a_server_error_and_a_lost_connection(vault, make_store, sleeps):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, status=503, json={'errors': ['Vault is sealed']})
    vault.add('GET', DATA_URL, body=req_exc.ConnectionError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer')))
    vault.add('GET', DATA_URL, json=secret_body(WRITTEN, 2))

    assert make_store().read(LOCATION) == Held('s-2', 2, LOCATION)
    assert sleeps == [0.5, 1.0]


def test_a_server_that_stays_down_fails_after_three_attempts(vault, make_store, sleeps):
    for dummy in range(3):
        vault.add('GET', PROBE_URL, body=req_exc.ConnectionError('[Errno 111] Connection refused'))

    with pytest.raises(StoreError) as caught:
        make_store().read(LOCATION)

    assert caught.value.kind == 'unreachable'
    assert str(caught.value) == ('vault_kv2 mount secret at %s: cannot connect to vault.example:8200: [Errno 111] Connection refused '
                                 '(3 attempts)' % VAULT)
    assert sleeps == [0.5, 1.0]


def test_a_sealed_vault_fails_as_unavailable(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    for dummy in range(3):
        vault.add('GET', DATA_URL, status=503, json={'errors': ['Vault is sealed']})

    with pytest.raises(StoreError) as caught:
        make_store().read(LOCATION)

    assert caught.value.kind == 'unreachable'
    assert str(caught.value) == 'vault_kv2 secret/data/%s: read failed: Vault is not available (HTTP 503: Vault is sealed)' % LOCATION


def test_a_refused_token_fails_without_showing_it(vault, make_store):
    vault.add('GET', PROBE_URL, status=403, json={'errors': ['permission denied']})

    with pytest.raises(StoreError) as caught:
        make_store().read(LOCATION)

    assert (caught.value.kind, caught.value.status) == ('refused', 403)
    assert str(caught.value) == 'vault_kv2 mount secret at %s: mount check failed: Vault refused the token (HTTP 403: permission denied)' % VAULT
    assert caught.value.to_dict() == dict(status=403, error_code='STORE_REFUSED', detail=str(caught.value))


def test_a_server_that_echoes_credentials_is_scrubbed(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, status=400, json={'errors': ['bad token %s' % TOKEN]})

    with pytest.raises(StoreError) as caught:
        make_store().read(LOCATION)

    assert str(caught.value) == 'vault_kv2 secret/data/%s: read failed: HTTP 400: bad token ***' % LOCATION


def test_kv_version_1_and_other_engines_are_refused(vault, make_store):
    vault.add('GET', PROBE_URL, json={'data': {'type': 'kv', 'path': 'secret/', 'options': {'version': '1'}}})
    vault.add('GET', VAULT + '/v1/sys/internal/ui/mounts/pki', json={'data': {'type': 'pki', 'path': 'pki/', 'options': None}})

    with pytest.raises(StoreError, match=r'^vault_kv2 mount secret at \S+: the mount is a KV version 1 engine, not KV version 2$'):
        make_store().read(LOCATION)
    with pytest.raises(StoreError, match='the mount is a pki engine, not KV version 2'):
        make_store(mount='pki').check()


def test_a_missing_mount_is_named(vault, make_store):
    vault.add('GET', VAULT + '/v1/sys/internal/ui/mounts/kv', status=403,
              json={'errors': ['preflight capability check returned 403, please ensure client\'s policies grant access to path "kv/"']})

    with pytest.raises(StoreError) as caught:
        make_store(mount='kv').check()

    assert caught.value.kind == 'invalid'
    assert 'vault_kv2 mount kv at %s: no such mount, or the token may use nothing in it (HTTP 403: preflight' % VAULT in str(caught.value)


def test_a_route_error_on_read_is_not_an_absent_secret(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, status=404, json={'errors': ['no handler for route "secret/data/x". route entry not found.']})

    with pytest.raises(StoreError, match='read failed: HTTP 404: no handler for route'):
        make_store().read(LOCATION)


def test_an_answer_that_is_not_json_is_named(vault, make_store):
    vault.add('GET', PROBE_URL, body='<html>proxy login</html>', status=200)

    with pytest.raises(StoreError, match='HTTP 200 with a body that is not JSON; is url a Vault or OpenBao server'):
        make_store().check()


def test_the_namespace_header_goes_with_every_request(vault, make_store, monkeypatch):
    monkeypatch.setenv('VAULT_NAMESPACE', 'from-env')
    vault.add('POST', LOGIN_URL, json={'auth': {'client_token': 'hvs.from-login'}})
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, status=404, json={'errors': []})
    store = make_store(namespace='team/a/', token=None, role_id=ROLE_ID, secret_id=SECRET_ID)

    store.read(LOCATION)

    assert [call.request.headers['X-Vault-Namespace'] for call in vault.calls] == ['team/a'] * 3
    assert store.describe(LOCATION) == 'vault_kv2 secret/data/%s (namespace team/a)' % LOCATION
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    make_store(token=TOKEN).check()
    assert vault.calls[-1].request.headers['X-Vault-Namespace'] == 'from-env'


# -- vault_kv2: authentication -----------------------------------------------------------------------

def test_approle_logs_in_once_and_again_once_when_the_token_expires(vault, make_store):
    vault.add('POST', LOGIN_URL, json={'auth': {'client_token': 'hvs.first'}})
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, json=secret_body(WRITTEN, 1))
    vault.add('GET', DATA_URL, status=403, json={'errors': ['permission denied']})
    vault.add('POST', LOGIN_URL, json={'auth': {'client_token': 'hvs.second'}})
    vault.add('GET', DATA_URL, json=secret_body(WRITTEN, 1))
    store = make_store(token=None, role_id=ROLE_ID, secret_id=SECRET_ID)

    assert store.read(LOCATION) == Held('s-2', 1, LOCATION)
    assert store.read(LOCATION) == Held('s-2', 1, LOCATION)

    assert json.loads(vault.calls[0].request.body) == {'role_id': ROLE_ID, 'secret_id': SECRET_ID}
    assert 'X-Vault-Token' not in vault.calls[0].request.headers
    assert [call.request.headers.get('X-Vault-Token') for call in vault.calls[1:]] == [
        'hvs.first', 'hvs.first', 'hvs.first', None, 'hvs.second']


def test_a_refused_approle_login_never_shows_the_ids(vault, make_store):
    vault.add('POST', LOGIN_URL, status=400, json={'errors': ['invalid role or secret ID']})

    with pytest.raises(StoreError) as caught:
        make_store(token=None, role_id=ROLE_ID, secret_id=SECRET_ID).check()

    assert caught.value.kind == 'refused'
    assert str(caught.value) == ('vault_kv2 mount secret at %s: AppRole login at auth/approle/login refused: HTTP 400: '
                                 'invalid role or secret ID' % VAULT)


def test_an_explicit_token_beats_approle_which_beats_vault_token(vault, make_store, monkeypatch):
    monkeypatch.setenv('VAULT_TOKEN', 'hvs.from-env')
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', VAULT + '/v1/auth/team-approle/login', json={'auth': {'client_token': 'hvs.from-login'}})
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)

    make_store(role_id=ROLE_ID, secret_id=SECRET_ID).check()
    make_store(token=None, role_id=ROLE_ID, secret_id=SECRET_ID, approle_mount='team-approle').check()
    make_store(token=None).check()

    assert [call.request.headers.get('X-Vault-Token') for call in vault.calls] == [TOKEN, None, 'hvs.from-login', 'hvs.from-env']


def test_a_redirect_to_another_host_never_gets_the_token(vault, make_store):
    vault.add('GET', PROBE_URL, status=307, headers={'Location': 'https://other.example:8200/v1/sys/internal/ui/mounts/secret'})

    with pytest.raises(StoreError) as caught:
        make_store().check()

    assert str(caught.value) == ('vault_kv2 mount secret at %s: vault.example:8200 redirected to https://other.example:8200; '
                                 'set url to that server (the token is not sent elsewhere)' % VAULT)
    assert len(vault.calls) == 1


def test_a_redirect_on_the_same_server_is_followed(vault, make_store):
    vault.add('GET', PROBE_URL, status=307, headers={'Location': '/v1/sys/internal/ui/mounts/secret?standby=1'})
    vault.add('GET', PROBE_URL + '?standby=1', json=KV2_MOUNT)

    make_store().check()

    assert vault.calls[1].request.headers['X-Vault-Token'] == TOKEN


# -- vault_kv2: writes -------------------------------------------------------------------------------

def test_write_sends_check_and_set_against_the_version_read(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, json={'data': {'version': 4, 'created_time': '2026-12-01T00:00:00Z'}})

    held = make_store().write(LOCATION, CREDENTIALS, Held('s-1', 3, LOCATION))

    assert held == Held('s-2', 4, LOCATION)
    assert json.loads(vault.calls[1].request.body) == {'options': {'cas': 3}, 'data': WRITTEN}
    assert vault.calls[1].request.headers['Content-Type'] == 'application/json'


def test_a_first_write_is_create_only_and_fills_in_the_api_base_url(vault, sleeps):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, json={'data': {'version': 1}})
    store = open_secret_store(VAULT_OK, api_base_url='https://sim.example', sleep=sleeps.append)

    store.write(LOCATION, dict(CREDENTIALS, api_base_url=None, expires_at=None), Held(None, 0, LOCATION))

    expected = dict(WRITTEN, api_base_url='https://sim.example', expires_at='')
    assert json.loads(vault.calls[1].request.body) == {'options': {'cas': 0}, 'data': expected}


def test_nothing_is_written_when_the_store_holds_the_secret_already(vault, make_store):
    held = Held('s-2', 7, LOCATION)

    assert make_store().write(LOCATION, CREDENTIALS, held) is held
    assert not vault.calls


def test_a_check_and_set_mismatch_is_a_conflict_that_names_the_versions(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, status=400, json={'errors': ['check-and-set parameter did not match the current version']})
    vault.add('GET', DATA_URL, json=secret_body({'client_secret': 'someone-elses', 'secret_id': 's-x'}, 4))

    with pytest.raises(StoreConflict) as caught:
        make_store().write(LOCATION, CREDENTIALS, Held('s-1', 3, LOCATION))

    assert caught.value.kind == 'conflict'
    assert str(caught.value) == ('vault_kv2 secret/data/%s was changed by someone else since it was read at version 3 (now version 4); '
                                 'run again' % LOCATION)
    assert caught.value.to_dict()['error_code'] == 'CAS_MISMATCH'
    assert_clean(str(caught.value), 'someone-elses')


def test_a_check_and_set_mismatch_that_holds_our_secret_is_success(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, status=400, json={'errors': ['check-and-set parameter did not match the current version']})
    vault.add('GET', DATA_URL, json=secret_body(WRITTEN, 4))

    assert make_store().write(LOCATION, CREDENTIALS, Held('s-1', 3, LOCATION)) == Held('s-2', 4, LOCATION)


def test_a_lost_write_response_is_read_back(vault, make_store, sleeps):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, body=req_exc.ReadTimeout('read timed out'))
    vault.add('GET', DATA_URL, json=secret_body(WRITTEN, 4))
    vault.add('POST', DATA_URL, body=req_exc.ConnectionError('Connection aborted.'))
    vault.add('GET', DATA_URL, json=secret_body({'client_secret': 'x', 'secret_id': 's-1'}, 3))
    store = make_store()

    assert store.write(LOCATION, CREDENTIALS, Held('s-1', 3, LOCATION)) == Held('s-2', 4, LOCATION)
    with pytest.raises(StoreError) as caught:
        store.write(LOCATION, CREDENTIALS, Held('s-1', 3, LOCATION))

    assert caught.value.kind == 'unreachable'
    assert str(caught.value).startswith('vault_kv2 secret/data/%s: write failed and the store does not hold the new secret: ' % LOCATION)
    assert sleeps == []  # writes are never sent twice
    assert [method for method, dummy in sent(vault)] == ['GET', 'POST', 'GET', 'POST', 'GET']


def test_a_gateway_error_on_write_is_read_back(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, status=504, body='<html>gateway timeout</html>')
    vault.add('GET', DATA_URL, json=secret_body(WRITTEN, 4))
    vault.add('POST', DATA_URL, status=502, body='<html>bad gateway</html>')
    vault.add('GET', DATA_URL, json=secret_body({'client_secret': 'x', 'secret_id': 's-1'}, 3))
    store = make_store()

    assert store.write(LOCATION, CREDENTIALS, Held('s-1', 3, LOCATION)) == Held('s-2', 4, LOCATION)
    with pytest.raises(StoreError) as caught:
        store.write(LOCATION, CREDENTIALS, Held('s-1', 3, LOCATION))

    assert (caught.value.kind, caught.value.status) == ('unreachable', 502)
    assert str(caught.value) == 'vault_kv2 secret/data/%s: write failed: Vault is not available (HTTP 502: Bad Gateway)' % LOCATION


def test_a_refused_write_and_a_server_error_fail_clearly(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, status=403, json={'errors': ['1 error occurred:\n\t* permission denied\n\n']})
    vault.add('POST', DATA_URL, status=500, json={'errors': ['internal error']})
    vault.add('GET', DATA_URL, status=404, json={'errors': []})
    store = make_store()

    with pytest.raises(StoreError) as refused:
        store.write(LOCATION, CREDENTIALS, Held(None, 0, LOCATION))
    with pytest.raises(StoreError) as broken:
        store.write(LOCATION, CREDENTIALS, Held(None, 0, LOCATION))

    assert refused.value.kind == 'refused'
    assert str(refused.value).startswith('vault_kv2 secret/data/%s: write failed: Vault refused the token (HTTP 403: 1 error occurred' % LOCATION)
    assert (broken.value.kind, broken.value.status) == ('unreachable', 500)
    assert_clean(str(refused.value))
    assert_clean(str(broken.value))


def test_the_result_names_the_path_as_vault_kv_get_does(make_store):
    assert make_store(mount='team/kv').result(Held('s-2', 4, LOCATION)) == dict(type='vault_kv2', path_or_name='team/kv/' + LOCATION, version=4)


# -- aws_secretsmanager (botocore's Stubber) ----------------------------------------------------------

@pytest.fixture
def stubbed():
    """(store, stubber): an aws_secretsmanager store whose client answers from a Stubber."""
    botocore_session = pytest.importorskip('botocore.session')
    stub_module = pytest.importorskip('botocore.stub')
    client = botocore_session.Session().create_client('secretsmanager', region_name='eu-west-1', aws_access_key_id='AKIDPLANTED0000',
                                                      aws_secret_access_key='planted-aws-secret-key')
    stubber = stub_module.Stubber(client)
    with stubber:
        yield open_secret_store(AWS_OK, client=client), stubber
        stubber.assert_no_pending_responses()


AWS_DOCUMENT = json.dumps(dict(clientId='mdb_sa_id_' + 'c' * 24, clientSecret=PLANTED, orgId=ORG, secretId='s-2',
                               expiresAt='2027-01-01T00:00:00Z', apiBaseUrl='https://cloud.mongodb.com'), sort_keys=True)
NAME = 'atlas/%s/ci-bot' % PROJECT
VERSION_1 = '11111111-1111-4111-8111-111111111111'


def request_token(version):
    return str(_secret_stores.uuid.uuid5(_secret_stores.REQUEST_TOKEN_NAMESPACE, '%s\ns-2\n%s' % (NAME, version)))


def test_aws_read_is_one_get_secret_value(stubbed):
    store, stubber = stubbed
    stubber.add_response('get_secret_value', {'Name': NAME, 'VersionId': VERSION_1, 'SecretString': AWS_DOCUMENT}, {'SecretId': NAME})
    stubber.add_client_error('get_secret_value', 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400,
                             expected_params={'SecretId': NAME})

    assert store.read(NAME) == Held('s-2', VERSION_1, NAME)
    assert store.read(NAME) == Held(None, None, NAME)


def test_aws_first_write_creates_the_secret_with_a_deterministic_token(stubbed):
    store, stubber = stubbed
    stubber.add_response('create_secret', {'Name': NAME, 'VersionId': request_token(None)}, {
        'Name': NAME, 'SecretString': AWS_DOCUMENT, 'ClientRequestToken': request_token(None),
        'Description': 'MongoDB Atlas service account credentials (cloudops.atlas)'})

    assert store.write(NAME, CREDENTIALS, Held(None, None, NAME)) == Held('s-2', request_token(None), NAME)


def test_aws_later_writes_check_awscurrent_then_put(stubbed):
    store, stubber = stubbed
    stubber.add_response('describe_secret', {'VersionIdsToStages': {VERSION_1: ['AWSCURRENT']}}, {'SecretId': NAME})
    stubber.add_response('put_secret_value', {'VersionId': request_token(VERSION_1)}, {
        'SecretId': NAME, 'SecretString': AWS_DOCUMENT, 'ClientRequestToken': request_token(VERSION_1)})

    assert store.write(NAME, CREDENTIALS, Held('s-1', VERSION_1, NAME)) == Held('s-2', request_token(VERSION_1), NAME)


def test_aws_a_moved_awscurrent_is_a_conflict_unless_it_is_ours(stubbed):
    store, stubber = stubbed
    other = '22222222-2222-4222-8222-222222222222'
    stubber.add_response('describe_secret', {'VersionIdsToStages': {VERSION_1: ['AWSPREVIOUS'], other: ['AWSCURRENT']}}, {'SecretId': NAME})
    stubber.add_response('describe_secret', {'VersionIdsToStages': {request_token(VERSION_1): ['AWSCURRENT']}}, {'SecretId': NAME})

    with pytest.raises(StoreConflict) as caught:
        store.write(NAME, CREDENTIALS, Held('s-1', VERSION_1, NAME))
    assert str(caught.value) == ('aws_secretsmanager %s (region eu-west-1) was changed by someone else since it was read at version %s '
                                 '(now version %s); run again' % (NAME, VERSION_1, other))
    assert store.write(NAME, CREDENTIALS, Held('s-1', VERSION_1, NAME)) == Held('s-2', request_token(VERSION_1), NAME)


def test_aws_a_secret_created_meanwhile_is_read_back(stubbed):
    store, stubber = stubbed
    for held_there in (AWS_DOCUMENT, '{"clientSecret": "x", "secretId": "s-x"}'):
        stubber.add_client_error('create_secret', 'ResourceExistsException', 'The operation failed because the secret already exists.', 400)
        stubber.add_response('get_secret_value', {'VersionId': VERSION_1, 'SecretString': held_there}, {'SecretId': NAME})

    assert store.write(NAME, CREDENTIALS, Held(None, None, NAME)) == Held('s-2', VERSION_1, NAME)
    with pytest.raises(StoreConflict, match='was created by someone else since it was read'):
        store.write(NAME, CREDENTIALS, Held(None, None, NAME))


@pytest.mark.parametrize('code, status, kind', [
    ('AccessDeniedException', 400, 'refused'),
    ('UnrecognizedClientException', 400, 'refused'),
    ('InternalServiceError', 500, 'unreachable'),
    ('ThrottlingException', 400, 'unreachable'),
    ('InvalidParameterException', 400, 'invalid'),
])
def test_aws_errors_keep_their_code_and_never_a_secret(stubbed, code, status, kind):
    store, stubber = stubbed
    stubber.add_response('describe_secret', {'VersionIdsToStages': {VERSION_1: ['AWSCURRENT']}})
    stubber.add_client_error('put_secret_value', code, 'refused %s' % PLANTED, status)

    with pytest.raises(StoreError) as caught:
        store.write(NAME, CREDENTIALS, Held('s-1', VERSION_1, NAME))

    assert (caught.value.kind, caught.value.code, caught.value.status) == (kind, code, status)
    assert str(caught.value) == 'aws_secretsmanager %s (region eu-west-1): write failed: [%s] refused ***' % (NAME, code)
    assert_clean(str(caught.value), 'planted-aws-secret-key', 'AKIDPLANTED0000')


def test_aws_nothing_is_written_when_the_store_holds_the_secret_already(stubbed):
    store = stubbed[0]
    held = Held('s-2', VERSION_1, NAME)

    assert store.write(NAME, CREDENTIALS, held) is held


# -- the less travelled paths -------------------------------------------------------------------------

def test_a_kv_version_1_answer_on_read_or_write_is_named(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('GET', DATA_URL, json={'data': {'client_secret': 'x'}})
    vault.add('POST', DATA_URL, status=204)
    store = make_store()

    with pytest.raises(StoreError, match='read failed: the answer has no KV version 2 metadata; is secret a KV version 1 mount'):
        store.read(LOCATION)
    with pytest.raises(StoreError, match='write answered without a KV version 2 version; is secret a KV version 2 mount'):
        store.write(LOCATION, CREDENTIALS, Held(None, 0, LOCATION))
    store.close()


def test_a_mount_that_lies_inside_another_is_explained(vault, make_store):
    vault.add('GET', VAULT + '/v1/sys/internal/ui/mounts/secret/atlas', json=KV2_MOUNT)

    with pytest.raises(StoreError, match='secret/atlas is not a mount; it lies in the mount secret'):
        make_store(mount='secret/atlas').check()


def test_a_write_redirected_elsewhere_is_not_read_back(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, status=307, headers={'Location': 'http://other.example/v1/secret/data/' + LOCATION})

    with pytest.raises(StoreError, match='redirected to http://other.example'):
        make_store().write(LOCATION, CREDENTIALS, Held(None, 0, LOCATION))
    assert len(vault.calls) == 2


def test_a_conflict_that_cannot_be_read_back_says_both(vault, make_store):
    vault.add('GET', PROBE_URL, json=KV2_MOUNT)
    vault.add('POST', DATA_URL, status=400, json={'errors': ['check-and-set parameter did not match the current version']})
    for dummy in range(3):
        vault.add('GET', DATA_URL, status=502, body='bad gateway')

    with pytest.raises(StoreError) as caught:
        make_store().write(LOCATION, CREDENTIALS, Held(None, 0, LOCATION))

    assert caught.value.kind == 'unreachable'
    assert str(caught.value) == ("vault_kv2 secret/data/%s: the write's outcome is unknown (check-and-set mismatch), and reading it "
                                 "back failed: vault_kv2 secret/data/%s: read failed: Vault is not available (HTTP 502: Bad Gateway)"
                                 % (LOCATION, LOCATION))


@pytest.mark.parametrize('exc, message, kind', [
    (req_exc.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate'),
     'TLS error talking to vault.example:8200 (certificate verify failed: self-signed certificate): set ca_path', 'unreachable'),
    (req_exc.InvalidURL('Failed to parse'), 'url %s is not usable (InvalidURL)' % VAULT, 'invalid'),
    (req_exc.ConnectTimeout('timed out'), 'timed out connecting to vault.example:8200 after 30 seconds (3 attempts)', 'unreachable'),
    (req_exc.ReadTimeout('timed out'), 'no response from vault.example:8200 within 30 seconds (3 attempts)', 'unreachable'),
])
def test_connection_failures_are_named(vault, make_store, exc, message, kind):
    for dummy in range(3):
        vault.add('GET', PROBE_URL, body=exc)
    vault.assert_all_requests_are_fired = False

    with pytest.raises(StoreError) as caught:
        make_store().check()

    assert caught.value.kind == kind
    assert message in str(caught.value)


class FailingClient:
    """A stand-in for a botocore client whose every call raises the given exception."""

    def __init__(self, exc):
        self.exc = exc

    def __getattr__(self, name):
        def call(**kwargs):
            raise self.exc
        return call


def test_aws_location_check_and_client_setup(monkeypatch):
    pytest.importorskip('botocore')
    store = open_secret_store(dict(AWS_OK, profile=None, endpoint_url='http://127.0.0.1:1', ca_path=None))
    assert store.location(ORG, PROJECT, 'ci-bot') == NAME
    store.check()
    assert store._get_client() is store._get_client()  # pylint: disable=protected-access  # one client per store
    store.close()
    monkeypatch.setenv('AWS_CONFIG_FILE', '/nonexistent/config')
    with pytest.raises(StoreError) as caught:
        open_secret_store(dict(AWS_OK, profile='nobody')).check()
    assert (caught.value.kind, caught.value.code) == ('invalid', 'ProfileNotFound')
    assert str(caught.value) == "aws_secretsmanager atlas/{project_id}/{name} (region eu-west-1): setup failed: The config profile (nobody) could not be found"


def test_aws_botocore_failures_are_named():
    boto_exc = pytest.importorskip('botocore.exceptions')
    cases = [
        (boto_exc.NoCredentialsError(), 'refused', 'read failed: no usable AWS credentials (Unable to locate credentials); set profile'),
        (boto_exc.EndpointConnectionError(endpoint_url='https://secretsmanager.eu-west-1.amazonaws.com/'), 'unreachable',
         'read failed: Could not connect to the endpoint URL: "https://secretsmanager.eu-west-1.amazonaws.com/"'),
        (boto_exc.SSLError(endpoint_url='https://x/', error='certificate verify failed'), 'unreachable',
         "read failed: TLS error (certificate verify failed): set ca_path"),
        (boto_exc.ParamValidationError(report='bad'), 'invalid', 'read failed: Parameter validation failed:\nbad'),
    ]
    for exc, kind, message in cases:
        store = open_secret_store(AWS_OK, client=FailingClient(exc))
        with pytest.raises(StoreError) as caught:
            store.read(NAME)
        assert caught.value.kind == kind
        assert message in str(caught.value)


def test_aws_odd_answers(stubbed):
    store, stubber = stubbed
    stubber.add_response('get_secret_value', {'VersionId': VERSION_1, 'SecretString': 'not json'}, {'SecretId': NAME})
    stubber.add_client_error('get_secret_value', 'InvalidRequestException', "You can't perform this operation on the secret because it "
                             'was marked for deletion.', 400)
    stubber.add_client_error('get_secret_value', '403', '<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security '
                             'token included in the request is invalid.</Message></Error></ErrorResponse>', 403)
    stubber.add_client_error('create_secret', 'LimitExceededException', 'too many secrets', 400)
    stubber.add_response('describe_secret', {'VersionIdsToStages': {VERSION_1: ['AWSPREVIOUS']}})
    stubber.add_client_error('describe_secret', 'ResourceNotFoundException', 'gone', 400)
    stubber.add_client_error('create_secret', 'ResourceExistsException', 'exists', 400)
    stubber.add_client_error('get_secret_value', 'InternalServiceError', 'boom', 500)

    assert store.read(NAME) == Held('', VERSION_1, NAME)
    with pytest.raises(StoreError, match='marked for deletion.; restore the secret'):
        store.read(NAME)
    with pytest.raises(StoreError) as caught:
        store.read(NAME)
    assert (caught.value.kind, caught.value.code) == ('refused', 'InvalidClientTokenId')
    assert str(caught.value).endswith('read failed: [InvalidClientTokenId] The security token included in the request is invalid.')
    with pytest.raises(StoreError, match=r'write failed: \[LimitExceededException\] too many secrets'):
        store.write(NAME, CREDENTIALS, Held(None, None, NAME))
    for dummy in range(2):
        with pytest.raises(StoreConflict, match=r'since it was read at version %s \(now version none\)' % VERSION_1):
            store.write(NAME, CREDENTIALS, Held('s-1', VERSION_1, NAME))
    with pytest.raises(StoreError, match='the secret appeared while writing it, and reading it back failed: .*InternalServiceError'):
        store.write(NAME, CREDENTIALS, Held(None, None, NAME))
