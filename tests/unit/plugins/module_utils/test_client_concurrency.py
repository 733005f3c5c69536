# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One client shared by worker threads (atlas_service_account_set reads many projects at once)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.cloudops.atlas.plugins.module_utils._auth import ClientCredentialsAuth
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.atlas_wire import CLIENT_ID, CLIENT_SECRET, ORGS_URL, TOKEN_URL

RATE_LIMITED = dict(error=429, errorCode='RATE_LIMITED', detail='Too many requests.', reason='Too Many Requests', parameters=[])


def test_a_429_with_retry_after_blocks_its_bucket_until_then_and_not_longer(atlas, make_client, sleeps):
    atlas.add('GET', ORGS_URL, status=429, headers={'Retry-After': '30'}, json=RATE_LIMITED)
    atlas.add('GET', ORGS_URL, json={'results': []})
    atlas.add('GET', ORGS_URL, json={'results': []})
    client = make_client()

    client.get('/api/atlas/v2/orgs')
    client.get('/api/atlas/v2/orgs')

    # The request waited its Retry-After in the rate governor (which every worker of the run shares, see
    # test_rate_governor); once the clock passed it, the next request goes at once.
    assert sleeps == [30.0]
    assert client.rate_limit_report()['status_429'] == 1


def test_no_429_no_pause(atlas, make_client, sleeps):
    atlas.add('GET', ORGS_URL, json={'results': []})
    atlas.add('GET', ORGS_URL, json={'results': []})
    client = make_client()

    client.get('/api/atlas/v2/orgs')
    client.get('/api/atlas/v2/orgs')

    assert sleeps == []


def test_prepare_mints_the_token_once_before_workers_share_it(atlas, make_client):
    atlas.add('POST', TOKEN_URL, json={'access_token': 'token-1', 'token_type': 'Bearer', 'expires_in': 3600})
    atlas.add('GET', ORGS_URL, json={'results': []})
    client = make_client(auth=ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET))

    client.prepare()
    client.get('/api/atlas/v2/orgs')

    assert [call.request.method for call in atlas.calls] == ['POST', 'GET']
    assert atlas.calls[1].request.headers['Authorization'] == 'Bearer token-1'


def test_a_401_for_a_token_another_worker_already_replaced_is_retried_without_minting(make_client):
    auth = ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)
    auth._token, auth._from_cache = 'token-2', False  # another worker renewed after token-1 was rejected

    assert auth.renew(make_client(), {'headers': {'Authorization': 'Bearer token-1'}}) is True
    assert auth._token == 'token-2'


def test_a_401_for_the_current_token_renews_only_a_cached_one_and_only_once(make_client):
    auth = ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET, use_cache=False)
    auth._token, auth._from_cache = 'token-1', True
    failed = {'headers': {'Authorization': 'Bearer token-1'}}

    assert auth.renew(make_client(), failed) is True
    assert auth._token is None
    auth._token = 'token-2'
    assert auth.renew(make_client(), {'headers': {'Authorization': 'Bearer token-2'}}) is False


CONFLICT = dict(error=409, errorCode='DATA_CONCURRENCY_ERROR', detail='Concurrent modification.', reason='Conflict', parameters=[])


def test_a_post_refused_as_a_concurrent_write_is_sent_again(atlas, make_client, sleeps):
    atlas.add('POST', ORGS_URL, status=409, json=CONFLICT)
    atlas.add('POST', ORGS_URL, status=201, json={'id': 'x'})

    assert make_client().post('/api/atlas/v2/orgs', {'name': 'x'}) == {'id': 'x'}
    assert [call.request.method for call in atlas.calls] == ['POST', 'POST']
    assert len(sleeps) == 1


def test_other_conflicts_are_not_retried(atlas, make_client):
    from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasApiError
    import pytest
    atlas.add('POST', ORGS_URL, status=409, json=dict(CONFLICT, errorCode='DUPLICATE_NAME'))

    with pytest.raises(AtlasApiError) as failure:
        make_client().post('/api/atlas/v2/orgs', {'name': 'x'})
    assert failure.value.error_code == 'DUPLICATE_NAME' and len(atlas.calls) == 1


def test_a_malformed_base_url_fails_at_once_without_retries(make_client, sleeps):
    from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasConnectionError
    import pytest
    with pytest.raises(AtlasConnectionError, match="api_base_url 'cloud.mongodb.com' is not a usable URL"):
        make_client(base_url='cloud.mongodb.com').get('/api/atlas/v2/orgs')
    assert sleeps == []


def test_a_retry_after_beyond_the_rate_limit_wait_budget_says_why_it_was_not_retried(atlas, make_client, sleeps):
    from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasRateLimitWait
    import pytest
    atlas.add('GET', ORGS_URL, status=429, headers={'Retry-After': '50'}, json=RATE_LIMITED)

    with pytest.raises(AtlasRateLimitWait) as failure:
        make_client(rate_limit_max_wait=10).get('/api/atlas/v2/orgs')

    assert str(failure.value).startswith('[RATE_LIMIT_WAIT_BUDGET] GET /api/atlas/v2/orgs: the Atlas rate limit of ')
    assert 'waiting 50 s more for its next refill would pass the run\'s wait budget (0 s waited of api_rate_limit_max_wait=10 s)' \
        in str(failure.value)
    assert failure.value.to_dict()['error_code'] == 'RATE_LIMIT_WAIT_BUDGET'
    assert sleeps == []
