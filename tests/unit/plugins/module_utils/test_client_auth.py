# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The three authentication strategies on the wire, and how select_auth() picks one."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
from urllib.parse import quote

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._auth import (
    AccessTokenAuth, AuthConfigError, ClientCredentialsAuth, DigestKeyAuth, select_auth)
from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasApiError, AtlasClient

from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.atlas_wire import CLIENT_ID, CLIENT_SECRET, ORGS_URL, TOKEN_URL, basic_header, wire

DIGEST_CHALLENGE = 'Digest realm="MMS Public API", nonce="abc", qop="auth", algorithm=MD5'
TOKEN_REPLY = {'access_token': 'minted-1', 'expires_in': 3600, 'token_type': 'Bearer'}


def test_access_token_is_sent_as_bearer(atlas, make_client):
    atlas.add('GET', ORGS_URL, json={'results': []})

    assert make_client(AccessTokenAuth('pipeline-token')).get('/api/atlas/v2/orgs') == {'results': []}

    assert wire(atlas) == [('GET', ORGS_URL)]
    assert atlas.calls[0].request.headers['Authorization'] == 'Bearer pipeline-token'


def test_access_token_401_is_not_retried(atlas, make_client):
    atlas.add('GET', ORGS_URL, status=401, json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})

    with pytest.raises(AtlasApiError) as caught:
        make_client(AccessTokenAuth('expired-token')).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL)]
    assert caught.value.status == 401
    assert str(caught.value) == '[NOT_AUTHORIZED] Invalid token.'


def test_client_credentials_mint_once_then_bearer(atlas, make_client):
    atlas.add('POST', TOKEN_URL, json=TOKEN_REPLY)
    atlas.add('GET', ORGS_URL, json={'results': [{'id': 'o1'}]})
    atlas.add('GET', ORGS_URL, json={'results': []})
    client = make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET))

    assert client.get('/api/atlas/v2/orgs') == {'results': [{'id': 'o1'}]}
    assert client.get('/api/atlas/v2/orgs') == {'results': []}

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL), ('GET', ORGS_URL)]
    mint = atlas.calls[0].request
    assert mint.headers['Authorization'] == basic_header(quote(CLIENT_ID, safe=''), quote(CLIENT_SECRET, safe=''))
    # The quoting matters: this secret holds '/', '+' and ':'.
    assert mint.headers['Authorization'] != basic_header(CLIENT_ID, CLIENT_SECRET)
    assert mint.headers['Content-Type'] == 'application/x-www-form-urlencoded'
    assert mint.headers['Accept'] == 'application/json'
    assert mint.body == 'grant_type=client_credentials'
    for call in atlas.calls[1:]:
        assert call.request.headers['Authorization'] == 'Bearer minted-1'


def test_client_credentials_mint_refused(atlas, make_client):
    atlas.add('POST', TOKEN_URL, status=401, json={'error': 'invalid_client', 'error_description': 'Invalid client credentials'})

    with pytest.raises(AtlasApiError) as caught:
        make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL)]
    assert (caught.value.status, caught.value.error_code, caught.value.detail) == (401, 'HTTP_401', 'Invalid client credentials')


@pytest.mark.parametrize('reply', [{'token_type': 'Bearer'}, ['minted-1'], 'minted-1'])
def test_client_credentials_token_reply_without_access_token(atlas, make_client, reply):
    atlas.add('POST', TOKEN_URL, json=reply)

    with pytest.raises(AtlasApiError) as caught:
        make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL)]
    assert caught.value.error_code == 'INVALID_TOKEN_RESPONSE'


def test_digest_challenge_then_authenticated_request(atlas, make_client):
    atlas.add('GET', ORGS_URL, status=401, headers={'WWW-Authenticate': DIGEST_CHALLENGE})
    atlas.add('GET', ORGS_URL, json={'results': [{'id': 'o1'}]})

    assert make_client(DigestKeyAuth('pubkey01', 'private-key-1')).get('/api/atlas/v2/orgs') == {'results': [{'id': 'o1'}]}

    assert wire(atlas) == [('GET', ORGS_URL), ('GET', ORGS_URL)]
    assert 'Authorization' not in atlas.calls[0].request.headers
    answer = atlas.calls[1].request.headers['Authorization']
    assert answer.startswith('Digest username="pubkey01"')
    for part in ('realm="MMS Public API"', 'nonce="abc"', 'qop="auth"', 'uri="/api/atlas/v2/orgs"', 'algorithm="MD5"'):
        assert part in answer
    assert 'private-key-1' not in answer
    assert atlas.calls[1].request.headers['Accept'] == 'application/vnd.atlas.2024-08-05+json'


def test_digest_wrong_key_is_one_challenge_and_one_401(atlas, make_client):
    atlas.add('GET', ORGS_URL, status=401, headers={'WWW-Authenticate': DIGEST_CHALLENGE})
    atlas.add('GET', ORGS_URL, status=401, headers={'WWW-Authenticate': DIGEST_CHALLENGE},
              json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Current user is not authorized.'})

    with pytest.raises(AtlasApiError) as caught:
        make_client(DigestKeyAuth('pubkey01', 'wrong-key')).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL), ('GET', ORGS_URL)]
    assert (caught.value.status, caught.value.error_code) == (401, 'NOT_AUTHORIZED')


# -- select_auth ------------------------------------------------------------------------------------

ACCESS = dict(api_access_token='tok')
CREDS = dict(api_client_id=CLIENT_ID, api_client_secret=CLIENT_SECRET)
KEYS = dict(api_public_key='pubkey01', api_private_key='private-key-1')


@pytest.mark.parametrize('params, kind, warning', [
    (ACCESS, AccessTokenAuth, None),
    (CREDS, ClientCredentialsAuth, None),
    (KEYS, DigestKeyAuth, None),
    (dict(ACCESS, **dict(CREDS, **KEYS)), AccessTokenAuth,
     'Several Atlas credentials are configured (api_access_token, api_client_id/api_client_secret, '
     'api_public_key/api_private_key); using api_access_token.'),
    (dict(ACCESS, **KEYS), AccessTokenAuth,
     'Several Atlas credentials are configured (api_access_token, api_public_key/api_private_key); using api_access_token.'),
    (dict(CREDS, **KEYS), ClientCredentialsAuth,
     'Several Atlas credentials are configured (api_client_id/api_client_secret, api_public_key/api_private_key); '
     'using api_client_id/api_client_secret.'),
])
def test_select_auth_precedence_and_warning(params, kind, warning):
    warnings = []

    auth = select_auth(params, warnings.append)

    assert type(auth) is kind  # pylint: disable=unidiomatic-typecheck
    assert warnings == ([warning] if warning else [])


def test_select_auth_passes_the_cache_switch():
    assert select_auth(dict(CREDS), [].append).use_cache is True
    assert select_auth(dict(CREDS, api_token_cache=False), [].append).use_cache is False


@pytest.mark.parametrize('params, message', [
    ({}, 'no Atlas credentials configured: set api_client_id and api_client_secret (service account), '
         'api_access_token, or api_public_key and api_private_key (API key), or the matching MONGODB_ATLAS_* environment variables'),
    (dict(api_client_id='', api_access_token=None), 'no Atlas credentials configured'),
    (dict(api_client_id=CLIENT_ID), 'api_client_id and api_client_secret must be given together (service account credentials)'),
    (dict(api_client_secret=CLIENT_SECRET), 'api_client_id and api_client_secret must be given together'),
    (dict(api_public_key='pubkey01'), 'api_public_key and api_private_key must be given together (programmatic API key)'),
    (dict(api_private_key='private-key-1'), 'api_public_key and api_private_key must be given together'),
    (dict(api_public_key=CLIENT_ID, api_private_key=CLIENT_SECRET),
     'api_public_key holds a service account client id (mdb_sa_id_...): pass it as api_client_id and its secret as '
     'api_client_secret; api_public_key is for programmatic API keys'),
    (dict(api_client_id='mdb_sa_id_xyz', api_client_secret=CLIENT_SECRET),
     'api_client_id must look like mdb_sa_id_ followed by 24 hexadecimal characters'),
    (dict(api_client_id='0123456789abcdef01234567', api_client_secret=CLIENT_SECRET), 'api_client_id must look like mdb_sa_id_'),
    (dict(api_client_id=CLIENT_ID + '0', api_client_secret=CLIENT_SECRET), 'api_client_id must look like mdb_sa_id_'),
])
def test_select_auth_misuse(params, message):
    warnings = []

    with pytest.raises(AuthConfigError) as caught:
        select_auth(params, warnings.append)

    assert str(caught.value).startswith(message)
    assert warnings == []


# -- ~/.netrc -----------------------------------------------------------------------------------------

@pytest.fixture
def netrc_for_atlas(tmp_path, monkeypatch):
    """A ~/.netrc entry for the Atlas host, as left behind by curl users; requests reads it by default."""
    path = tmp_path / 'netrc'
    path.write_text('machine cloud.mongodb.com login netrc-user password netrc-password\n')
    os.chmod(str(path), 0o600)
    monkeypatch.setenv('NETRC', str(path))
    return path


def test_netrc_does_not_replace_the_bearer_token(atlas, make_client, netrc_for_atlas):
    atlas.add('POST', TOKEN_URL, json=TOKEN_REPLY)
    atlas.add('GET', ORGS_URL, json={})
    atlas.add('GET', ORGS_URL, json={})

    make_client(AccessTokenAuth('pipeline-token')).get('/api/atlas/v2/orgs')
    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET, use_cache=False)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL), ('POST', TOKEN_URL), ('GET', ORGS_URL)]
    assert [call.request.headers['Authorization'] for call in atlas.calls] == [
        'Bearer pipeline-token', basic_header(quote(CLIENT_ID, safe=''), quote(CLIENT_SECRET, safe='')), 'Bearer minted-1']


def test_netrc_does_not_replace_the_digest_answer(atlas, make_client, netrc_for_atlas):
    atlas.add('GET', ORGS_URL, status=401, headers={'WWW-Authenticate': DIGEST_CHALLENGE})
    atlas.add('GET', ORGS_URL, json={})

    make_client(DigestKeyAuth('pubkey01', 'private-key-1')).get('/api/atlas/v2/orgs')

    assert 'Authorization' not in atlas.calls[0].request.headers
    assert atlas.calls[1].request.headers['Authorization'].startswith('Digest username="pubkey01"')


# -- the token itself, for callers that send it elsewhere (the lookup plugin) -----------------------

def test_token_of_a_ready_access_token_needs_no_call(atlas, make_client):
    assert AccessTokenAuth('pipeline-token').token() == 'pipeline-token'
    assert wire(atlas) == []


def test_token_of_client_credentials_is_minted_once_then_reused(atlas, make_client):
    atlas.add('POST', TOKEN_URL, json=TOKEN_REPLY)
    atlas.add('GET', ORGS_URL, json={})
    auth = ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)
    client = make_client(auth)

    assert auth.token(client) == 'minted-1'
    assert auth.from_cache is False
    client.get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL)]
    assert atlas.calls[1].request.headers['Authorization'] == 'Bearer minted-1'
    second = ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)
    assert second.token(make_client(second)) == 'minted-1'
    assert second.from_cache is True
    assert len(atlas.calls) == 2


def test_from_params_takes_a_strategy_already_chosen():
    warnings = []
    auth = AccessTokenAuth('pipeline-token')

    client = AtlasClient.from_params(dict(api_base_url='https://atlas.example/', api_timeout=7, validate_certs=False),
                                     warn=warnings.append, auth=auth)

    assert (client.auth, client.base_url, client.timeout, client.verify) == (auth, 'https://atlas.example', 7, False)
    assert warnings == []
