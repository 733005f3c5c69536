# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""atlas_argument_spec() and AtlasModule: environment fallbacks, no_log, the client, Atlas-shaped failures."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import json

import pytest
import yaml

from ansible.module_utils import basic

from ansible_collections.cloudops.atlas.plugins.doc_fragments.api import ModuleDocFragment
from ansible_collections.cloudops.atlas.plugins.module_utils import _module
from ansible_collections.cloudops.atlas.plugins.module_utils._auth import ClientCredentialsAuth, DigestKeyAuth
from ansible_collections.cloudops.atlas.plugins.module_utils._client import (
    AtlasApiError, AtlasClient, AtlasConnectionError, AtlasOutcomeUnknown)
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule, ENV_VARS, atlas_argument_spec
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.atlas_wire import BASE, CLIENT_ID, CLIENT_SECRET, ORGS_URL

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


class Failed(Exception):
    def __init__(self, kwargs):
        super(Failed, self).__init__(kwargs.get('msg'))
        self.result = kwargs


class Exited(Exception):
    pass


@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    def fail_json(self, **kwargs):
        raise Failed(kwargs)

    def exit_json(self, **kwargs):
        raise Exited(kwargs)

    monkeypatch.setattr(AtlasModule, 'fail_json', fail_json)
    monkeypatch.setattr(AtlasModule, 'exit_json', exit_json)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for names in ENV_VARS.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)


def make_module(args=None, argument_spec=None):
    with patch_module_args(args or {}):
        return AtlasModule(argument_spec=argument_spec or {}, supports_check_mode=True)


# -- argument spec ------------------------------------------------------------------------------------

def test_defaults():
    params = make_module({'api_access_token': 't'}).params

    assert params['api_base_url'] == 'https://cloud.mongodb.com'
    assert (params['api_timeout'], params['api_retries'], params['api_retry_max_wait']) == (30, 5, 120)
    assert (params['api_token_cache'], params['validate_certs'], params['ca_path']) == (True, True, None)
    assert params['api_client_id'] is None and params['api_public_key'] is None


def test_module_options_are_merged_with_the_connection_options():
    module = make_module({'api_access_token': 't', 'name': 'ci'}, argument_spec=dict(name=dict(type='str', required=True)))

    assert module.params['name'] == 'ci'
    assert module.params['api_access_token'] == 't'


def test_base_url_from_the_environment_beats_the_default(monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_BASE_URL', 'https://cloud-qa.mongodb.com')

    assert make_module({'api_access_token': 't'}).params['api_base_url'] == 'https://cloud-qa.mongodb.com'
    assert make_module({'api_access_token': 't', 'api_base_url': 'https://x.test'}).params['api_base_url'] == 'https://x.test'


def test_credentials_from_the_environment(monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_CLIENT_ID', CLIENT_ID)
    monkeypatch.setenv('MONGODB_ATLAS_CLIENT_SECRET', CLIENT_SECRET)
    monkeypatch.setenv('MONGODB_ATLAS_ACCESS_TOKEN', 'env-token')

    params = make_module().params

    assert (params['api_client_id'], params['api_client_secret'], params['api_access_token']) == (CLIENT_ID, CLIENT_SECRET, 'env-token')


def test_api_key_variables_of_the_cli_are_used_when_the_terraform_ones_are_unset(monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_PUBLIC_API_KEY', 'cli-public')
    monkeypatch.setenv('MONGODB_ATLAS_PRIVATE_API_KEY', 'cli-private')

    module = make_module()

    assert (module.params['api_public_key'], module.params['api_private_key']) == ('cli-public', 'cli-private')
    assert isinstance(module.client.auth, DigestKeyAuth)


def test_terraform_api_key_variables_come_first(monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_PUBLIC_KEY', 'tf-public')
    monkeypatch.setenv('MONGODB_ATLAS_PRIVATE_KEY', 'tf-private')
    monkeypatch.setenv('MONGODB_ATLAS_PUBLIC_API_KEY', 'cli-public')
    monkeypatch.setenv('MONGODB_ATLAS_PRIVATE_API_KEY', 'cli-private')

    params = make_module().params

    assert (params['api_public_key'], params['api_private_key']) == ('tf-public', 'tf-private')


def test_empty_variables_count_as_unset_as_awx_injects_unset_inputs(monkeypatch):
    # AWX renders a credential input that was left empty as an empty string.
    monkeypatch.setenv('MONGODB_ATLAS_BASE_URL', '')
    monkeypatch.setenv('MONGODB_ATLAS_PUBLIC_KEY', '')
    monkeypatch.setenv('MONGODB_ATLAS_PRIVATE_KEY', '')
    monkeypatch.setenv('MONGODB_ATLAS_PUBLIC_API_KEY', 'cli-public')
    monkeypatch.setenv('MONGODB_ATLAS_PRIVATE_API_KEY', 'cli-private')

    params = make_module().params

    assert params['api_base_url'] == 'https://cloud.mongodb.com'
    assert (params['api_public_key'], params['api_private_key']) == ('cli-public', 'cli-private')


@pytest.mark.parametrize('url', ['', 'cloud.mongodb.com', 'ftp://cloud.mongodb.com', 'https://'])
def test_a_base_url_that_is_not_http_fails_before_any_call(url):
    with pytest.raises(Failed) as failure:
        make_module({'api_access_token': 't', 'api_base_url': url})

    assert failure.value.result['msg'] == 'api_base_url must be an http:// or https:// URL, got %r' % url


def test_secret_options_are_no_log():
    spec = atlas_argument_spec()

    assert sorted(name for name, option in spec.items() if option.get('no_log')) == ['api_access_token', 'api_client_secret', 'api_private_key']
    module = make_module({'api_client_id': CLIENT_ID, 'api_client_secret': CLIENT_SECRET, 'api_public_key': 'pubkey01',
                          'api_private_key': 'private-key-1', 'api_access_token': 'token-1'})
    assert {CLIENT_SECRET, 'private-key-1', 'token-1'} <= module.no_log_values
    assert not {CLIENT_ID, 'pubkey01'} & module.no_log_values


def test_secrets_from_the_environment_are_no_log_too(monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_CLIENT_ID', CLIENT_ID)
    monkeypatch.setenv('MONGODB_ATLAS_CLIENT_SECRET', CLIENT_SECRET)

    assert CLIENT_SECRET in make_module().no_log_values


def test_the_doc_fragment_mirrors_the_argument_spec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    spec = atlas_argument_spec()

    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        assert documented[name].get('type') == option.get('type'), name
        assert documented[name].get('default') == option.get('default'), name


@pytest.mark.parametrize('option, value, message', [
    ('api_timeout', 0, 'api_timeout must be at least 1, got 0'),
    ('api_retries', -1, 'api_retries must be at least 0, got -1'),
    ('api_retry_max_wait', -5, 'api_retry_max_wait must be at least 0, got -5'),
])
def test_out_of_range_numbers_fail(option, value, message):
    with pytest.raises(Failed) as caught:
        make_module({'api_access_token': 't', option: value})

    assert caught.value.result == {'msg': message}


def test_zero_retries_is_allowed():
    assert make_module({'api_access_token': 't', 'api_retries': 0, 'api_retry_max_wait': 0}).client.retries == 0


def test_missing_requests_fails_with_the_library_hint(monkeypatch):
    monkeypatch.setattr(_module, 'HAS_REQUESTS', False)
    monkeypatch.setattr(_module, 'REQUESTS_IMPORT_ERROR', ImportError('No module named requests'))

    with pytest.raises(Failed) as caught:
        make_module({'api_access_token': 't'})

    assert 'requests' in caught.value.result['msg']
    assert caught.value.result['exception'] == 'No module named requests'


# -- the client ---------------------------------------------------------------------------------------

def test_client_is_built_once_from_the_options():
    module = make_module({'api_client_id': CLIENT_ID, 'api_client_secret': CLIENT_SECRET, 'api_base_url': BASE + '/',
                          'api_timeout': 12, 'api_retries': 2, 'api_retry_max_wait': 40, 'api_token_cache': False})

    client = module.client

    assert isinstance(client, AtlasClient) and module.client is client
    assert (client.base_url, client.timeout, client.retries, client.retry_max_wait, client.verify) == (BASE, 12, 2, 40.0, True)
    assert isinstance(client.auth, ClientCredentialsAuth) and client.auth.use_cache is False


@pytest.mark.parametrize('args, verify', [
    ({'validate_certs': False}, False),
    ({'ca_path': '/etc/pki/atlas-ca.pem'}, '/etc/pki/atlas-ca.pem'),
    ({'ca_path': '/etc/pki/atlas-ca.pem', 'validate_certs': False}, '/etc/pki/atlas-ca.pem'),
])
def test_tls_options_reach_the_client(args, verify):
    assert make_module(dict(args, api_access_token='t')).client.verify == verify


def test_credential_problems_fail_the_module():
    module = make_module({'api_client_id': CLIENT_ID})

    with pytest.raises(Failed) as caught:
        module.client  # pylint: disable=pointless-statement

    assert caught.value.result == {
        'msg': 'Atlas credentials: api_client_id and api_client_secret must be given together (service account credentials)'}


def test_several_credentials_warn_through_the_module(monkeypatch):
    warnings = []
    module = make_module({'api_access_token': 't', 'api_public_key': 'pubkey01', 'api_private_key': 'private-key-1'})
    monkeypatch.setattr(module, 'warn', warnings.append)

    module.client  # pylint: disable=pointless-statement

    assert warnings == ['Several Atlas credentials are configured (api_access_token, api_public_key/api_private_key); using api_access_token.']


def test_the_client_talks_to_atlas(atlas):
    atlas.add('GET', ORGS_URL, json={'results': []})
    module = make_module({'api_access_token': 'module-token'})

    assert module.client.get('/api/atlas/v2/orgs') == {'results': []}

    assert atlas.calls[0].request.headers['Authorization'] == 'Bearer module-token'


# -- fail_atlas ---------------------------------------------------------------------------------------

def test_fail_atlas_with_an_api_error():
    module = make_module({'api_access_token': 't'})
    error = AtlasApiError(409, 'SERVICE_ACCOUNT_NAME_ALREADY_EXISTS', detail='A service account named ci already exists.',
                          reason='Conflict', parameters=['ci'])

    with pytest.raises(Failed) as caught:
        module.fail_atlas('Create service account ci', error, changed=False)

    assert caught.value.result == {
        'msg': 'Create service account ci: [SERVICE_ACCOUNT_NAME_ALREADY_EXISTS] A service account named ci already exists.',
        'error': {'status': 409, 'error_code': 'SERVICE_ACCOUNT_NAME_ALREADY_EXISTS', 'detail': 'A service account named ci already exists.',
                  'reason': 'Conflict', 'parameters': ['ci']},
        'changed': False,
    }


def test_fail_atlas_with_a_connection_error():
    module = make_module({'api_access_token': 't'})

    with pytest.raises(Failed) as caught:
        module.fail_atlas('List service accounts', AtlasConnectionError('cannot connect to cloud.mongodb.com: [Errno 111] Connection refused'))

    assert caught.value.result['msg'] == 'List service accounts: cannot connect to cloud.mongodb.com: [Errno 111] Connection refused'
    assert caught.value.result['error'] == {'status': None, 'error_code': 'CONNECTION_ERROR',
                                            'detail': 'cannot connect to cloud.mongodb.com: [Errno 111] Connection refused',
                                            'reason': None, 'parameters': None}


def test_fail_atlas_with_an_unknown_outcome():
    module = make_module({'api_access_token': 't'})

    with pytest.raises(Failed) as caught:
        module.fail_atlas('Create service account ci', AtlasOutcomeUnknown('POST /x: HTTP 502 from a gateway; Atlas may have applied it'))

    assert caught.value.result['error']['error_code'] == 'OUTCOME_UNKNOWN'


def test_fail_atlas_reraises_anything_else():
    module = make_module({'api_access_token': 't'})

    with pytest.raises(KeyError):
        module.fail_atlas('Create service account ci', KeyError('bug'))
