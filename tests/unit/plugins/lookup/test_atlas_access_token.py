# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The atlas_access_token lookup as Ansible loads it: options and environment variables in, a token
out, and the exact calls to Atlas (none at all while a cached token is valid)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import sys
import traceback
from urllib.parse import quote

import pytest
import responses
from requests import exceptions as req_exc
from responses.registries import OrderedRegistry
from urllib3 import exceptions as urllib3_exc

from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.cloudops.atlas.plugins.module_utils._token_cache import REFRESH_MARGIN_SECONDS, TokenCache

LOOKUP = 'cloudops.atlas.atlas_access_token'
BASE = 'https://cloud.mongodb.com'
TOKEN_URL = BASE + '/api/oauth/token'
SIM = 'http://127.0.0.1:8600'
CLIENT_ID = 'mdb_sa_id_0123456789abcdef01234567'
# '/', '+' and ':' must be url-quoted before the Basic encoding; CANARY marks every planted credential.
SECRET = 'mdb_sa_sk_CANARY/secret+value:01'
PRIVATE_KEY = 'CANARY-private-key-02'
READY_TOKEN = 'CANARY-ready-token-03'
MINTED = 'CANARY-minted-token-04'
BASIC = 'Basic ' + base64.b64encode(('%s:%s' % (CLIENT_ID, quote(SECRET, safe=''))).encode('ascii')).decode('ascii')
CREDS = dict(api_client_id=CLIENT_ID, api_client_secret=SECRET)
ENV_VARS = ('MONGODB_ATLAS_BASE_URL', 'MONGODB_ATLAS_CLIENT_ID', 'MONGODB_ATLAS_CLIENT_SECRET', 'MONGODB_ATLAS_ACCESS_TOKEN',
            'MONGODB_ATLAS_PUBLIC_KEY', 'MONGODB_ATLAS_PRIVATE_KEY', 'MONGODB_ATLAS_PUBLIC_API_KEY', 'MONGODB_ATLAS_PRIVATE_API_KEY')


class Shown:
    """Stands in for the plugin's Display at the highest verbosity: records every message."""

    def __init__(self):
        self.messages = []

    def _record(self, msg, *args, **kwargs):
        self.messages.append(msg)

    display = warning = deprecated = v = vv = vvv = vvvv = vvvvv = vvvvvv = debug = _record

    def text(self):
        return '\n'.join(self.messages)


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    """A private token cache and no MONGODB_ATLAS_* variables from the machine running the tests."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg-cache'))
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return tmp_path / 'xdg-cache'


@pytest.fixture
def plugin():
    return lookup_loader.get(LOOKUP)


@pytest.fixture
def plugin_module(plugin):
    return sys.modules[type(plugin).__module__]


@pytest.fixture
def shown(plugin_module, monkeypatch):
    recorder = Shown()
    monkeypatch.setattr(plugin_module, 'display', recorder)
    return recorder


@pytest.fixture
def atlas():
    """The mocked Atlas: replies are consumed in order, all must be used, anything else fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=True, registry=OrderedRegistry) as mock:
        yield mock


@pytest.fixture
def lookup(plugin, shown):
    def run(*terms, **kwargs):
        return plugin.run(list(terms), variables={}, **kwargs)
    return run


def token_reply(token=MINTED, expires_in=3600):
    return dict(access_token=token, expires_in=expires_in, token_type='Bearer')


def wire(mock):
    return [(call.request.method, call.request.url) for call in mock.calls]


def token_files(cache_home):
    return sorted((cache_home / 'cloudops.atlas' / 'tokens').glob('*.json'))


def plant(token, expires_in, base_url=BASE):
    """A token in the cache as a module would have left it."""
    cache = TokenCache(base_url, CLIENT_ID, SECRET)
    with cache:
        cache.store(token, expires_in)


def assert_clean(*texts):
    for text in texts:
        assert 'CANARY' not in text
        assert quote(SECRET, safe='') not in text and BASIC.split(' ')[1] not in text


def lookup_error(lookup, **kwargs):
    with pytest.raises(AnsibleLookupError) as caught:
        lookup(**kwargs)
    return caught.value


# -- minting and the cache ------------------------------------------------------------------------

def test_mints_a_token_with_the_service_account(atlas, lookup, environment):
    atlas.add('POST', TOKEN_URL, json=token_reply())

    assert lookup(**CREDS) == [MINTED]

    assert wire(atlas) == [('POST', TOKEN_URL)]
    mint = atlas.calls[0].request
    assert mint.headers['Authorization'] == BASIC
    assert mint.headers['Content-Type'] == 'application/x-www-form-urlencoded'
    assert mint.body == 'grant_type=client_credentials'
    assert mint.headers['User-Agent'].startswith('cloudops.atlas/')
    (path,) = token_files(environment)
    assert json.loads(path.read_text())['access_token'] == MINTED
    assert SECRET not in path.read_text()


def test_second_lookup_mints_nothing(atlas, lookup, shown):
    atlas.add('POST', TOKEN_URL, json=token_reply())

    first = lookup(**CREDS)
    second = lookup(**CREDS)

    assert first == second == [MINTED]
    assert wire(atlas) == [('POST', TOKEN_URL)]
    assert shown.messages == [
        'cloudops.atlas.atlas_access_token: minted an access token of service account %s' % CLIENT_ID,
        'cloudops.atlas.atlas_access_token: reused the cached access token of service account %s' % CLIENT_ID]


def test_a_token_cached_by_a_module_is_returned_without_any_call(atlas, lookup):
    plant('from-a-module', 3600)

    assert lookup(**CREDS) == ['from-a-module']

    assert wire(atlas) == []


def test_a_cached_token_about_to_expire_is_replaced(atlas, lookup, environment):
    plant('nearly-expired', REFRESH_MARGIN_SECONDS - 5)
    atlas.add('POST', TOKEN_URL, json=token_reply())

    assert lookup(**CREDS) == [MINTED]

    assert wire(atlas) == [('POST', TOKEN_URL)]
    (path,) = token_files(environment)
    assert json.loads(path.read_text())['access_token'] == MINTED


def test_the_cache_is_per_base_url(atlas, lookup):
    plant('of-atlas', 3600)
    atlas.add('POST', SIM + '/api/oauth/token', json=token_reply())

    assert lookup(api_base_url=SIM + '/', **CREDS) == [MINTED]
    assert lookup(**CREDS) == ['of-atlas']

    assert wire(atlas) == [('POST', SIM + '/api/oauth/token')]


def test_without_the_cache_every_lookup_mints_and_nothing_is_stored(atlas, lookup, environment):
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-1'))
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-2'))

    assert lookup(api_token_cache=False, **CREDS) == ['minted-1']
    assert lookup(api_token_cache=False, **CREDS) == ['minted-2']

    assert wire(atlas) == [('POST', TOKEN_URL), ('POST', TOKEN_URL)]
    assert not environment.exists()


def test_an_unusable_cache_directory_warns_and_still_returns_a_token(atlas, lookup, shown, environment):
    environment.mkdir(parents=True)
    (environment / 'cloudops.atlas').write_text('not a directory')
    atlas.add('POST', TOKEN_URL, json=token_reply())

    assert lookup(**CREDS) == [MINTED]

    assert wire(atlas) == [('POST', TOKEN_URL)]
    assert any(message.startswith('Not caching Atlas access tokens: cannot create token cache directory')
               for message in shown.messages)
    assert_clean(shown.text())


# -- options and environment variables ------------------------------------------------------------

def test_environment_variables_give_the_credentials_and_base_url(atlas, lookup, monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_BASE_URL', SIM)
    monkeypatch.setenv('MONGODB_ATLAS_CLIENT_ID', CLIENT_ID)
    monkeypatch.setenv('MONGODB_ATLAS_CLIENT_SECRET', SECRET)
    atlas.add('POST', SIM + '/api/oauth/token', json=token_reply())

    assert lookup() == [MINTED]

    assert atlas.calls[0].request.headers['Authorization'] == BASIC


def test_options_win_over_environment_variables(atlas, lookup, monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_BASE_URL', SIM)
    monkeypatch.setenv('MONGODB_ATLAS_CLIENT_ID', 'mdb_sa_id_ffffffffffffffffffffffff')
    monkeypatch.setenv('MONGODB_ATLAS_CLIENT_SECRET', 'mdb_sa_sk_from-the-environment')
    atlas.add('POST', TOKEN_URL, json=token_reply())

    assert lookup(api_base_url=BASE, **CREDS) == [MINTED]

    assert atlas.calls[0].request.headers['Authorization'] == BASIC


def test_transport_options_reach_the_request(atlas, lookup, tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('')
    atlas.add('POST', TOKEN_URL, json=token_reply())
    atlas.add('POST', TOKEN_URL, json=token_reply())

    lookup(api_timeout=7, ca_path=str(bundle), api_token_cache=False, **CREDS)
    lookup(validate_certs=False, api_token_cache=False, **CREDS)

    first, second = (call.request.req_kwargs for call in atlas.calls)
    assert (first['timeout'], first['verify']) == (7, str(bundle))
    assert (second['timeout'], second['verify']) == (30, False)


def test_retries_follow_the_options(atlas, lookup, plugin_module, monkeypatch):
    monkeypatch.setattr(plugin_module.AtlasClient, '_backoff', lambda self, attempt: 0.0)
    atlas.add('POST', TOKEN_URL, status=503)
    atlas.add('POST', TOKEN_URL, status=429, headers={'Retry-After': '0'})
    atlas.add('POST', TOKEN_URL, json=token_reply())

    assert lookup(api_retries=2, **CREDS) == [MINTED]

    assert wire(atlas) == [('POST', TOKEN_URL)] * 3


@pytest.mark.parametrize('option', ['api_timeout', 'api_retries', 'api_retry_max_wait'])
def test_numbers_below_their_minimum_are_refused(atlas, lookup, option):
    error = lookup_error(lookup, **dict(CREDS, **{option: -1}))

    assert str(error).startswith('%s must be at least ' % option)
    assert wire(atlas) == []


def test_terms_are_refused(atlas, lookup):
    with pytest.raises(AnsibleLookupError) as caught:
        lookup(CLIENT_ID, api_client_secret=SECRET)

    assert 'takes no terms' in str(caught.value)
    assert_clean(str(caught.value))


# -- a ready access token -------------------------------------------------------------------------

def test_a_ready_access_token_is_passed_through_without_any_call(atlas, lookup, environment):
    assert lookup(api_access_token=READY_TOKEN) == [READY_TOKEN]

    assert wire(atlas) == []
    assert not environment.exists()


def test_a_ready_access_token_from_the_environment(atlas, lookup, monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_ACCESS_TOKEN', READY_TOKEN)

    assert lookup() == [READY_TOKEN]

    assert wire(atlas) == []


def test_a_ready_access_token_wins_over_client_credentials_with_a_warning(atlas, lookup, shown):
    assert lookup(api_access_token=READY_TOKEN, **CREDS) == [READY_TOKEN]

    assert wire(atlas) == []
    assert shown.messages[0] == ('Several Atlas credentials are configured (api_access_token, '
                                 'api_client_id/api_client_secret); using api_access_token.')
    assert_clean(shown.text())


def test_a_ready_access_token_needs_no_requests(atlas, lookup, plugin_module, monkeypatch):
    monkeypatch.setattr(plugin_module, 'HAS_REQUESTS', False)

    assert lookup(api_access_token=READY_TOKEN) == [READY_TOKEN]


# -- refusals -------------------------------------------------------------------------------------

def test_no_credentials_names_the_options_and_variables(atlas, lookup):
    message = str(lookup_error(lookup))

    for name in ('api_client_id', 'api_client_secret', 'api_access_token', 'MONGODB_ATLAS_CLIENT_ID',
                 'MONGODB_ATLAS_CLIENT_SECRET', 'MONGODB_ATLAS_ACCESS_TOKEN'):
        assert name in message
    assert message.startswith('Atlas credentials: no Atlas service account credentials configured')
    assert wire(atlas) == []


@pytest.mark.parametrize('env', [
    dict(MONGODB_ATLAS_PUBLIC_KEY='pubkey01', MONGODB_ATLAS_PRIVATE_KEY=PRIVATE_KEY),
    dict(MONGODB_ATLAS_PUBLIC_API_KEY='pubkey01', MONGODB_ATLAS_PRIVATE_API_KEY=PRIVATE_KEY),
])
def test_api_keys_from_the_environment_are_refused(atlas, lookup, monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    message = str(lookup_error(lookup))

    assert message.startswith('Atlas credentials: programmatic API keys (api_public_key and api_private_key')
    assert 'cannot give a Bearer token' in message and 'api_client_id and api_client_secret' in message
    assert_clean(message)
    assert wire(atlas) == []


@pytest.mark.parametrize('keys', [
    dict(api_public_key='pubkey01', api_private_key=PRIVATE_KEY),
    dict(api_public_key='pubkey01'),
    dict(api_private_key=PRIVATE_KEY),
])
def test_api_key_options_are_refused(atlas, lookup, keys):
    message = str(lookup_error(lookup, **keys))

    assert 'cannot give a Bearer token' in message
    assert_clean(message)
    assert wire(atlas) == []


def test_api_keys_need_no_requests_to_be_refused(atlas, lookup, plugin_module, monkeypatch):
    monkeypatch.setattr(plugin_module, 'HAS_REQUESTS', False)

    assert 'cannot give a Bearer token' in str(lookup_error(lookup, api_public_key='pubkey01', api_private_key=PRIVATE_KEY))


def test_the_newer_public_key_variable_wins_as_in_the_modules(lookup, plugin, monkeypatch):
    monkeypatch.setenv('MONGODB_ATLAS_PUBLIC_API_KEY', 'older-name')
    monkeypatch.setenv('MONGODB_ATLAS_PUBLIC_KEY', 'newer-name')
    monkeypatch.setenv('MONGODB_ATLAS_PRIVATE_API_KEY', 'older-private')
    monkeypatch.setenv('MONGODB_ATLAS_PRIVATE_KEY', PRIVATE_KEY)

    lookup_error(lookup)

    assert (plugin.get_option('api_public_key'), plugin.get_option('api_private_key')) == ('newer-name', PRIVATE_KEY)


def test_api_keys_next_to_client_credentials_are_ignored_with_a_warning(atlas, lookup, shown):
    atlas.add('POST', TOKEN_URL, json=token_reply())

    assert lookup(api_public_key='pubkey01', api_private_key=PRIVATE_KEY, **CREDS) == [MINTED]

    assert wire(atlas) == [('POST', TOKEN_URL)]
    assert 'using api_client_id/api_client_secret' in shown.messages[0]
    assert_clean(shown.text())


@pytest.mark.parametrize('params, message', [
    (dict(api_client_id=CLIENT_ID), 'Atlas credentials: api_client_id and api_client_secret must be given together'),
    (dict(api_client_secret=SECRET), 'Atlas credentials: api_client_id and api_client_secret must be given together'),
    (dict(api_client_id='mdb_sa_id_CANARY', api_client_secret=SECRET), 'Atlas credentials: api_client_id must look like mdb_sa_id_'),
    (dict(api_public_key=CLIENT_ID, api_private_key=SECRET), 'Atlas credentials: api_public_key holds a service account client id'),
])
def test_misplaced_credentials_are_refused_without_a_call(atlas, lookup, params, message):
    error = str(lookup_error(lookup, **params))

    assert error.startswith(message)
    assert_clean(error)
    assert wire(atlas) == []


def test_missing_requests_is_a_clear_error(atlas, lookup, plugin_module, monkeypatch):
    monkeypatch.setattr(plugin_module, 'HAS_REQUESTS', False)

    message = str(lookup_error(lookup, **CREDS))

    assert message.startswith('the Python library requests is required to mint Atlas access tokens')
    assert wire(atlas) == []


# -- failures never show a credential --------------------------------------------------------------

def caught_text(error):
    """Everything a user could see of the error, traceback included (as shown at -vvv)."""
    return '\n'.join([str(error), repr(error)] + traceback.format_exception(type(error), error, error.__traceback__))


@pytest.mark.parametrize('reply, expected', [
    (dict(status=401, json={'error': 401, 'errorCode': 'INVALID_CLIENT', 'detail': 'Invalid client credentials.'}),
     'Atlas access token for service account %s: [INVALID_CLIENT] Invalid client credentials.' % CLIENT_ID),
    (dict(status=400, body='<html>CANARY echo of ' + SECRET + '</html>'),
     'Atlas access token for service account %s: [HTTP_400] Bad Request' % CLIENT_ID),
    (dict(status=200, json={'token_type': 'Bearer'}),
     'Atlas access token for service account %s: [INVALID_TOKEN_RESPONSE] the token endpoint answered without an access_token' % CLIENT_ID),
    (dict(body=req_exc.ConnectionError(urllib3_exc.NewConnectionError(None, 'CANARY ' + SECRET + ' [Errno 111] Connection refused'))),
     'Atlas access token for service account %s: cannot connect to cloud.mongodb.com: [Errno 111] Connection refused (gave up after 1 attempts)'
     % CLIENT_ID),
])
def test_mint_failures_are_clean_lookup_errors(atlas, lookup, shown, environment, reply, expected):
    atlas.add('POST', TOKEN_URL, **reply)

    error = lookup_error(lookup, api_retries=0, **CREDS)

    assert str(error) == expected
    assert error.__cause__ is None and error.__suppress_context__
    assert_clean(caught_text(error), shown.text())
    assert token_files(environment) == []


def test_nothing_shown_at_any_verbosity_holds_a_credential(atlas, lookup, shown):
    atlas.add('POST', TOKEN_URL, json=token_reply())

    lookup(**CREDS)
    lookup(**CREDS)
    lookup(api_access_token=READY_TOKEN, **CREDS)
    lookup_error(lookup, api_public_key='pubkey01', api_private_key=PRIVATE_KEY)

    assert len(shown.messages) == 4
    assert_clean(shown.text())
