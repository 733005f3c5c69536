# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No credential ever reaches an exception, its to_dict() or a warning, whatever fails."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
from urllib.parse import quote

import pytest
from requests import exceptions as req_exc
from urllib3 import exceptions as urllib3_exc

from ansible_collections.cloudops.atlas.plugins.module_utils._auth import (
    AccessTokenAuth, AuthConfigError, ClientCredentialsAuth, DigestKeyAuth, select_auth)
from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasError
from ansible_collections.cloudops.atlas.plugins.module_utils._token_cache import TokenCache
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.atlas_wire import BASE, CLIENT_ID, ORGS_URL, TOKEN_URL

SECRET = 'mdb_sa_sk_CANARY/secret+0001'
ACCESS_TOKEN = 'CANARY-access-token-0002'
PRIVATE_KEY = 'CANARY-private-key-0003'
BASIC = base64.b64encode(('%s:%s' % (CLIENT_ID, quote(SECRET, safe=''))).encode('ascii')).decode('ascii')
PLANTED = (SECRET, quote(SECRET, safe=''), BASIC, ACCESS_TOKEN, PRIVATE_KEY, 'CANARY')
SA_PATH = '/api/atlas/v2/orgs/o1/serviceAccounts'
DIGEST_CHALLENGE = 'Digest realm="MMS Public API", nonce="abc", qop="auth", algorithm=MD5'


def assert_clean(*texts):
    for text in texts:
        for planted in PLANTED:
            assert planted not in text


def assert_error_clean(error, warnings):
    assert_clean(str(error), repr(error), repr(error.args), repr(getattr(error, 'to_dict', dict)()), *warnings)


def tokens():
    return ClientCredentialsAuth(CLIENT_ID, SECRET)


def cached_tokens():
    """Client credentials whose cache already holds the (soon rejected) access token."""
    cache = TokenCache(BASE, CLIENT_ID, SECRET)
    with cache:
        cache.store(ACCESS_TOKEN, 3600)
    return ClientCredentialsAuth(CLIENT_ID, SECRET)


def reset():
    return req_exc.ConnectionError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))


def refused():
    reason = urllib3_exc.NewConnectionError(None, 'Failed to establish a new connection: [Errno 111] Connection refused')
    return req_exc.ConnectionError(urllib3_exc.MaxRetryError(None, '/', reason=reason))


def tls():
    return req_exc.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate")


MINTED = {'access_token': ACCESS_TOKEN, 'expires_in': 3600}
UNAUTHORIZED = {'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'}
BAD_CLIENT = {'error': 'invalid_client', 'error_description': 'Invalid client credentials.'}

# (name, strategy, method, replies for `method` on its URL / for the token endpoint)
SCENARIOS = [
    ('token 401', lambda: AccessTokenAuth(ACCESS_TOKEN), 'GET', [dict(status=401, json=UNAUTHORIZED)], []),
    ('token 400 on a write', lambda: AccessTokenAuth(ACCESS_TOKEN), 'POST', [dict(status=400, json={'errorCode': 'INVALID_ATTRIBUTE'})], []),
    ('token retries exhausted', lambda: AccessTokenAuth(ACCESS_TOKEN), 'GET', [dict(status=503)] * 2, []),
    ('token connection lost', lambda: AccessTokenAuth(ACCESS_TOKEN), 'GET', [dict(body=reset())] * 2, []),
    ('token connection refused', lambda: AccessTokenAuth(ACCESS_TOKEN), 'POST', [dict(body=refused())] * 2, []),
    ('token TLS', lambda: AccessTokenAuth(ACCESS_TOKEN), 'GET', [dict(body=tls())], []),
    ('token POST outcome unknown', lambda: AccessTokenAuth(ACCESS_TOKEN), 'POST', [dict(body=reset())], []),
    ('token POST gateway', lambda: AccessTokenAuth(ACCESS_TOKEN), 'POST', [dict(status=504)], []),
    ('mint refused with an error body', tokens, 'GET', [], [dict(status=401, json=BAD_CLIENT)]),
    ('mint bad request', tokens, 'GET', [], [dict(status=400, json={'error': 'invalid_request', 'error_description': 'grant_type'})]),
    ('mint without a token', tokens, 'GET', [], [dict(json={'token_type': 'Bearer'})]),
    ('mint lost', tokens, 'GET', [], [dict(body=reset())] * 2),
    ('mint TLS', tokens, 'GET', [], [dict(body=tls())]),
    ('minted token rejected', tokens, 'GET', [dict(status=401, json=UNAUTHORIZED)], [dict(json=MINTED)]),
    ('cached token rejected twice', cached_tokens, 'GET', [dict(status=401, json=UNAUTHORIZED)] * 2, [dict(json=MINTED)]),
    ('digest rejected', lambda: DigestKeyAuth('pubkey01', PRIVATE_KEY), 'GET',
     [dict(status=401, headers={'WWW-Authenticate': DIGEST_CHALLENGE})] * 2, []),
    ('digest outcome unknown', lambda: DigestKeyAuth('pubkey01', PRIVATE_KEY), 'POST',
     [dict(status=401, headers={'WWW-Authenticate': DIGEST_CHALLENGE}), dict(status=502)], []),
]


@pytest.mark.parametrize('name, strategy, method, replies, mints', SCENARIOS, ids=[scenario[0] for scenario in SCENARIOS])
def test_no_credential_in_any_failure(atlas, make_client, warnings, name, strategy, method, replies, mints):  # pylint: disable=unused-argument
    url = ORGS_URL if method == 'GET' else BASE + SA_PATH
    for reply in mints:
        atlas.add('POST', TOKEN_URL, **reply)
    for reply in replies:
        atlas.add(method, url, **reply)
    client = make_client(strategy(), retries=1)

    with pytest.raises(AtlasError) as caught:
        client.request(method, url[len(BASE):], body={'name': 'x'} if method == 'POST' else None)

    assert_error_clean(caught.value, warnings)
    chained = caught.value.__context__
    while chained is not None:  # what a traceback would show
        assert_clean(str(chained), repr(chained))
        chained = chained.__context__


def test_no_credential_when_the_cache_is_unusable(atlas, make_client, warnings, cache_home):
    cache_home.write_text('not a directory')
    atlas.add('POST', TOKEN_URL, status=401, json=BAD_CLIENT)

    with pytest.raises(AtlasError) as caught:
        make_client(tokens()).get('/api/atlas/v2/orgs')

    assert len(warnings) == 1
    assert_error_clean(caught.value, warnings)


ALL = dict(api_access_token=ACCESS_TOKEN, api_client_id=CLIENT_ID, api_client_secret=SECRET,
           api_public_key='pubkey01', api_private_key=PRIVATE_KEY)


@pytest.mark.parametrize('params', [
    dict(api_client_secret=SECRET),
    dict(api_client_id='mdb_sa_id_bad', api_client_secret=SECRET),
    dict(api_client_id=CLIENT_ID + 'CANARY', api_client_secret=SECRET),
    dict(api_private_key=PRIVATE_KEY),
    dict(api_public_key=CLIENT_ID, api_private_key=SECRET),
    dict(api_public_key='mdb_sa_id_CANARY', api_private_key=PRIVATE_KEY),
])
def test_no_credential_in_configuration_errors(params):
    warnings = []

    with pytest.raises(AuthConfigError) as caught:
        select_auth(params, warnings.append)

    assert_clean(str(caught.value), repr(caught.value), *warnings)


def test_no_credential_in_the_precedence_warning():
    warnings = []

    select_auth(ALL, warnings.append)

    assert len(warnings) == 1
    assert_clean(*warnings)
