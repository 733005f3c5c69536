# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client on the wire: media types, retries, pagination, errors, the server clock, connection failures."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import socket
from datetime import datetime, timedelta, timezone

import pytest
import requests
import yaml
from requests import exceptions as req_exc
from responses import matchers
from urllib3 import exceptions as urllib3_exc

from ansible_collections.cloudops.atlas.plugins.module_utils import _client
from ansible_collections.cloudops.atlas.plugins.module_utils._auth import AccessTokenAuth, ClientCredentialsAuth
from ansible_collections.cloudops.atlas.plugins.module_utils._client import (
    AtlasApiError, AtlasClient, AtlasConnectionError, AtlasOutcomeUnknown, AtlasRateLimitWait, api_path)
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.atlas_wire import (
    BASE, CLIENT_ID, CLIENT_SECRET, MEDIA_TYPE, ORGS_URL, TOKEN_URL, wire)

SA_PATH = '/api/atlas/v2/orgs/o1/serviceAccounts'
SA_URL = BASE + SA_PATH
SA_BODY = {'name': 'ci', 'description': 'CI', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 24}
BUSY = {'errorCode': 'SERVICE_UNAVAILABLE', 'detail': 'Atlas is busy.', 'reason': 'Service Unavailable'}
RATE_LIMITED = {'errorCode': 'RATE_LIMITED', 'detail': 'Too many requests.', 'reason': 'Too Many Requests'}


def connection_reset():
    """What requests raises when the peer drops the connection after the request was sent."""
    return req_exc.ConnectionError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))


def connect_refused():
    """What requests raises when the TCP connection could not even be opened."""
    reason = urllib3_exc.NewConnectionError(None, 'Failed to establish a new connection: [Errno 111] Connection refused')
    return req_exc.ConnectionError(urllib3_exc.MaxRetryError(None, SA_PATH, reason=reason))


# -- versioning ---------------------------------------------------------------------------------------

def test_every_call_carries_the_versioned_media_type(atlas, make_client):
    atlas.add('GET', ORGS_URL, json={'results': []})
    atlas.add('POST', SA_URL, status=201, json={'clientId': CLIENT_ID})
    atlas.add('PATCH', SA_URL + '/' + CLIENT_ID, json={'clientId': CLIENT_ID})
    atlas.add('DELETE', SA_URL + '/' + CLIENT_ID, status=204)
    client = make_client()

    assert client.get('/api/atlas/v2/orgs') == {'results': []}
    assert client.post(SA_PATH, SA_BODY) == {'clientId': CLIENT_ID}
    assert client.patch(SA_PATH + '/' + CLIENT_ID, {'description': 'x'}) == {'clientId': CLIENT_ID}
    assert client.delete(SA_PATH + '/' + CLIENT_ID) is None

    assert [call.request.method for call in atlas.calls] == ['GET', 'POST', 'PATCH', 'DELETE']
    for call in atlas.calls:
        assert call.request.headers['Accept'] == MEDIA_TYPE
        assert call.request.headers['User-Agent'] == 'cloudops.atlas/' + _client.COLLECTION_VERSION
    assert 'Content-Type' not in atlas.calls[0].request.headers
    assert 'Content-Type' not in atlas.calls[3].request.headers
    assert atlas.calls[1].request.headers['Content-Type'] == MEDIA_TYPE
    assert json.loads(atlas.calls[1].request.body) == SA_BODY
    assert atlas.calls[2].request.headers['Content-Type'] == MEDIA_TYPE
    assert json.loads(atlas.calls[2].request.body) == {'description': 'x'}


def test_another_resource_version_can_be_asked_for(atlas, make_client):
    atlas.add('GET', ORGS_URL, json={})

    make_client().get('/api/atlas/v2/orgs', version='2023-01-01')

    assert atlas.calls[0].request.headers['Accept'] == 'application/vnd.atlas.2023-01-01+json'


def test_user_agent_version_is_the_galaxy_version():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(_client.__file__))))
    with open(os.path.join(root, 'galaxy.yml')) as handle:
        galaxy = yaml.safe_load(handle)

    assert (galaxy['namespace'], galaxy['name']) == ('cloudops', 'atlas')
    assert _client.COLLECTION_VERSION == galaxy['version']
    assert _client.USER_AGENT == 'cloudops.atlas/' + galaxy['version']


def test_api_path_quotes_identifiers():
    assert api_path('/api/atlas/v2/orgs/{org_id}/serviceAccounts/{client_id}', org_id='a/b c', client_id='x?y#z') == \
        '/api/atlas/v2/orgs/a%2Fb%20c/serviceAccounts/x%3Fy%23z'


def test_success_with_a_body_that_is_not_json(atlas, make_client):
    atlas.add('GET', ORGS_URL, body='<html>login</html>', content_type='text/html')

    with pytest.raises(AtlasApiError) as caught:
        make_client().get('/api/atlas/v2/orgs')

    assert (caught.value.status, caught.value.error_code) == (200, 'INVALID_RESPONSE')
    assert str(caught.value) == '[INVALID_RESPONSE] GET /api/atlas/v2/orgs returned a body that is not JSON'


# -- retries ------------------------------------------------------------------------------------------

def test_429_waits_for_retry_after(atlas, make_client, sleeps):
    atlas.add('GET', ORGS_URL, status=429, headers={'Retry-After': '2'}, json=RATE_LIMITED)
    atlas.add('GET', ORGS_URL, json={'results': []})

    assert make_client().get('/api/atlas/v2/orgs') == {'results': []}

    assert wire(atlas) == [('GET', ORGS_URL)] * 2
    assert sleeps == [2.0]


def test_retry_after_is_capped_at_60_seconds(atlas, make_client, sleeps):
    atlas.add('GET', ORGS_URL, status=429, headers={'Retry-After': '600'}, json=RATE_LIMITED)
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(retry_max_wait=600).get('/api/atlas/v2/orgs')

    assert sleeps == [60.0]


@pytest.mark.parametrize('headers', [{}, {'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT'}])
def test_429_without_a_usable_retry_after_backs_off_with_jitter(atlas, make_client, sleeps, headers):
    for dummy in range(3):
        atlas.add('GET', ORGS_URL, status=429, headers=headers, json=RATE_LIMITED)
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(jitter=lambda: 0.5).get('/api/atlas/v2/orgs')

    assert len(atlas.calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_capped(atlas, make_client, sleeps):
    for dummy in range(7):
        atlas.add('GET', ORGS_URL, status=503, json=BUSY)
    atlas.add('GET', ORGS_URL, json={})

    make_client(jitter=lambda: 1.0, retries=7, retry_max_wait=1000).get('/api/atlas/v2/orgs')

    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


@pytest.mark.parametrize('status', [502, 503, 504])
def test_gateway_errors_on_get_are_retried(atlas, make_client, sleeps, status):
    atlas.add('GET', ORGS_URL, status=status, body='<html>Bad Gateway</html>')
    atlas.add('GET', ORGS_URL, json={'results': [{'id': 'o1'}]})

    assert make_client().get('/api/atlas/v2/orgs') == {'results': [{'id': 'o1'}]}

    assert wire(atlas) == [('GET', ORGS_URL)] * 2
    assert sleeps == [0.5]


@pytest.mark.parametrize('status, code', [(400, 'INVALID_ATTRIBUTE'), (401, 'NOT_AUTHORIZED'),
                                          (403, 'USER_CANNOT_ACCESS_ORG'), (404, 'RESOURCE_NOT_FOUND'), (409, 'DUPLICATE')])
def test_other_errors_are_not_retried(atlas, make_client, sleeps, status, code):
    atlas.add('GET', ORGS_URL, status=status, json={'errorCode': code, 'detail': 'No.'})

    with pytest.raises(AtlasApiError) as caught:
        make_client().get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL)]
    assert sleeps == []
    assert (caught.value.status, caught.value.error_code, caught.value.attempts) == (status, code, 1)
    assert str(caught.value) == '[%s] No.' % code


def test_a_500_on_a_read_is_retried(atlas, make_client, sleeps):
    # The fault matrix (issue 12): one 500 must not fail a run whose retry budget is not spent.
    atlas.add('GET', ORGS_URL, status=500, json={'errorCode': 'UNEXPECTED_ERROR', 'detail': 'No.'})
    atlas.add('GET', ORGS_URL, json={'results': []})

    assert make_client().get('/api/atlas/v2/orgs') == {'results': []}
    assert len(sleeps) == 1


def test_a_500_on_a_create_is_an_unknown_outcome(atlas, make_client, sleeps):
    atlas.add('POST', SA_URL, status=500, json={'errorCode': 'UNEXPECTED_ERROR', 'detail': 'No.'})

    with pytest.raises(AtlasOutcomeUnknown) as caught:
        make_client().post(SA_PATH, SA_BODY)

    assert wire(atlas) == [('POST', SA_URL)] and sleeps == []
    assert str(caught.value) == 'POST %s: HTTP 500; Atlas may have applied it' % SA_PATH
    assert caught.value.may_still_land is False


def test_a_create_that_timed_out_may_still_land(atlas, make_client):
    atlas.add('POST', SA_URL, body=requests.exceptions.ReadTimeout('read timed out'))

    with pytest.raises(AtlasOutcomeUnknown) as caught:
        make_client().post(SA_PATH, SA_BODY)

    assert caught.value.may_still_land is True


def test_exhausted_retries_give_up_with_the_last_error(atlas, make_client, sleeps):
    for dummy in range(3):
        atlas.add('GET', ORGS_URL, status=503, json=BUSY)

    with pytest.raises(AtlasApiError) as caught:
        make_client(retries=2).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL)] * 3
    assert sleeps == [0.5, 1.0]
    assert (caught.value.status, caught.value.error_code, caught.value.attempts) == (503, 'SERVICE_UNAVAILABLE', 3)
    assert str(caught.value) == '[SERVICE_UNAVAILABLE] Atlas is busy. (gave up after 3 attempts)'


def test_a_429_is_flow_control_and_uses_up_no_retry(atlas, make_client, sleeps):
    atlas.add('GET', ORGS_URL, status=429, headers={'Retry-After': '1'}, json=RATE_LIMITED)
    atlas.add('GET', ORGS_URL, json={'results': []})

    assert make_client(retries=0).get('/api/atlas/v2/orgs') == {'results': []}

    assert len(atlas.calls) == 2 and sleeps == [1.0]


def test_the_rate_limit_wait_budget_stops_waiting_early(atlas, make_client, sleeps):
    atlas.add('GET', ORGS_URL, status=429, headers={'Retry-After': '6'}, json=RATE_LIMITED)
    atlas.add('GET', ORGS_URL, status=429, headers={'Retry-After': '6'}, json=RATE_LIMITED)

    with pytest.raises(AtlasRateLimitWait) as caught:
        make_client(retries=5, rate_limit_max_wait=10).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL)] * 2
    assert sleeps == [6.0]
    assert 'waiting 6 s more for its next refill would pass the run\'s wait budget (6 s waited of api_rate_limit_max_wait=10 s)' \
        in str(caught.value)


def test_connection_error_on_get_is_retried(atlas, make_client, sleeps):
    atlas.add('GET', ORGS_URL, body=connection_reset())
    atlas.add('GET', ORGS_URL, json={'results': []})

    assert make_client().get('/api/atlas/v2/orgs') == {'results': []}

    assert wire(atlas) == [('GET', ORGS_URL)] * 2
    assert sleeps == [0.5]


@pytest.mark.parametrize('failure, message', [
    (connection_reset, 'cannot connect to cloud.mongodb.com: [Errno 104] Connection reset by peer (gave up after 2 attempts)'),
    (lambda: req_exc.ReadTimeout('read timed out'), 'no response from cloud.mongodb.com within 30 seconds (gave up after 2 attempts)'),
    (lambda: req_exc.ConnectTimeout('connect timed out'), 'timed out connecting to cloud.mongodb.com after 30 seconds (gave up after 2 attempts)'),
    (lambda: req_exc.ConnectionError('something odd'), 'cannot connect to cloud.mongodb.com: ConnectionError (gave up after 2 attempts)'),
])
def test_connection_errors_exhausted(atlas, make_client, sleeps, failure, message):
    atlas.add('GET', ORGS_URL, body=failure())
    atlas.add('GET', ORGS_URL, body=failure())

    with pytest.raises(AtlasConnectionError) as caught:
        make_client(retries=1).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL)] * 2
    assert sleeps == [0.5]
    assert str(caught.value) == message
    assert not isinstance(caught.value, AtlasOutcomeUnknown)
    assert caught.value.to_dict() == dict(status=None, error_code='CONNECTION_ERROR', detail=message, reason=None, parameters=None)


@pytest.mark.parametrize('failure', [connection_reset, lambda: req_exc.ReadTimeout('read timed out')])
def test_post_whose_response_was_lost_is_not_sent_again(atlas, make_client, sleeps, failure):
    atlas.add('POST', SA_URL, body=failure())

    with pytest.raises(AtlasOutcomeUnknown) as caught:
        make_client().post(SA_PATH, SA_BODY)

    assert wire(atlas) == [('POST', SA_URL)]
    assert sleeps == []
    assert str(caught.value).startswith('POST %s: ' % SA_PATH)
    assert str(caught.value).endswith('; Atlas may have applied it')
    assert caught.value.to_dict()['error_code'] == 'OUTCOME_UNKNOWN'


@pytest.mark.parametrize('failure', [connect_refused, lambda: req_exc.ConnectTimeout('connect timed out')])
def test_post_that_never_reached_the_server_is_retried(atlas, make_client, sleeps, failure):
    atlas.add('POST', SA_URL, body=failure())
    atlas.add('POST', SA_URL, status=201, json={'clientId': CLIENT_ID})

    assert make_client().post(SA_PATH, SA_BODY) == {'clientId': CLIENT_ID}

    assert wire(atlas) == [('POST', SA_URL)] * 2
    assert [json.loads(call.request.body) for call in atlas.calls] == [SA_BODY, SA_BODY]
    assert sleeps == [0.5]


@pytest.mark.parametrize('status, headers', [(503, {}), (429, {'Retry-After': '1'})])
def test_post_refused_for_now_is_retried(atlas, make_client, sleeps, status, headers):
    atlas.add('POST', SA_URL, status=status, headers=headers, json=BUSY)
    atlas.add('POST', SA_URL, status=201, json={'clientId': CLIENT_ID})

    assert make_client().post(SA_PATH, SA_BODY) == {'clientId': CLIENT_ID}

    assert wire(atlas) == [('POST', SA_URL)] * 2
    assert len(sleeps) == 1


@pytest.mark.parametrize('status', [502, 504])
def test_post_through_a_failing_gateway_is_an_unknown_outcome(atlas, make_client, sleeps, status):
    atlas.add('POST', SA_URL, status=status, body='<html>Gateway</html>')

    with pytest.raises(AtlasOutcomeUnknown) as caught:
        make_client().post(SA_PATH, SA_BODY)

    assert wire(atlas) == [('POST', SA_URL)]
    assert sleeps == []
    assert str(caught.value) == 'POST %s: HTTP %d from a gateway; Atlas may have applied it' % (SA_PATH, status)


@pytest.mark.parametrize('method', ['PATCH', 'DELETE'])
def test_gateway_errors_on_idempotent_writes_are_retried(atlas, make_client, sleeps, method):
    url = SA_URL + '/' + CLIENT_ID
    atlas.add(method, url, status=504)
    atlas.add(method, url, status=204)

    assert make_client().request(method, SA_PATH + '/' + CLIENT_ID, body={'description': 'x'} if method == 'PATCH' else None) is None

    assert wire(atlas) == [(method, url)] * 2


@pytest.mark.parametrize('failure', [connection_reset, lambda: req_exc.ReadTimeout('read timed out')])
def test_token_mint_whose_response_was_lost_is_retried(atlas, make_client, sleeps, failure):
    atlas.add('POST', TOKEN_URL, body=failure())
    atlas.add('POST', TOKEN_URL, status=502)
    atlas.add('POST', TOKEN_URL, json={'access_token': 'minted-1', 'expires_in': 3600})
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL)] * 3 + [('GET', ORGS_URL)]
    assert [call.request.body for call in atlas.calls[:3]] == ['grant_type=client_credentials'] * 3
    assert atlas.calls[3].request.headers['Authorization'] == 'Bearer minted-1'
    assert sleeps == [0.5, 1.0]


# -- pagination ---------------------------------------------------------------------------------------

def page(number, size=2, **extra):
    return [matchers.query_param_matcher(dict(extra, itemsPerPage=str(size), pageNum=str(number)))]


def test_paginate_follows_pages_until_a_short_one(atlas, make_client):
    atlas.add('GET', SA_URL, match=page(1, includeCount='true'), json={'results': [{'id': 1}, {'id': 2}], 'totalCount': 5})
    atlas.add('GET', SA_URL, match=page(2, includeCount='true'), json={'results': [{'id': 3}, {'id': 4}], 'totalCount': 5})
    atlas.add('GET', SA_URL, match=page(3, includeCount='true'), json={'results': [{'id': 5}], 'totalCount': 5})
    client = make_client()
    client.page_size = 2

    assert client.paginate(SA_PATH, params={'includeCount': 'true'}) == [{'id': n} for n in range(1, 6)]

    assert [call.request.url for call in atlas.calls] == [
        SA_URL + '?includeCount=true&itemsPerPage=2&pageNum=%d' % n for n in (1, 2, 3)]
    for call in atlas.calls:
        assert call.request.headers['Accept'] == MEDIA_TYPE


def test_paginate_stops_at_the_total_count_without_an_extra_call(atlas, make_client):
    atlas.add('GET', SA_URL, match=page(1), json={'results': [{'id': 1}, {'id': 2}], 'totalCount': 4})
    atlas.add('GET', SA_URL, match=page(2), json={'results': [{'id': 3}, {'id': 4}], 'totalCount': 4})
    client = make_client()
    client.page_size = 2

    assert client.paginate(SA_PATH) == [{'id': n} for n in range(1, 5)]

    assert len(atlas.calls) == 2


def test_paginate_without_a_total_count_reads_until_an_empty_page(atlas, make_client):
    atlas.add('GET', SA_URL, match=page(1), json={'results': [{'id': 1}, {'id': 2}]})
    atlas.add('GET', SA_URL, match=page(2), json={'results': []})
    client = make_client()
    client.page_size = 2

    assert client.paginate(SA_PATH) == [{'id': 1}, {'id': 2}]

    assert len(atlas.calls) == 2


def test_paginate_asks_for_500_per_page_by_default(atlas, make_client):
    atlas.add('GET', SA_URL, match=page(1, size=500), status=204)

    assert make_client().paginate(SA_PATH) == []

    assert atlas.calls[0].request.url == SA_URL + '?itemsPerPage=500&pageNum=1'


# -- errors -------------------------------------------------------------------------------------------

def test_api_error_body_is_mapped(atlas, make_client):
    atlas.add('POST', SA_URL, status=400, json={
        'error': 400, 'errorCode': 'INVALID_ATTRIBUTE', 'detail': 'Invalid attribute name specified.',
        'reason': 'Bad Request', 'parameters': ['name']})

    with pytest.raises(AtlasApiError) as caught:
        make_client().post(SA_PATH, {'name': ''})

    error = caught.value
    assert (error.status, error.error_code, error.detail, error.reason, error.parameters, error.attempts) == \
        (400, 'INVALID_ATTRIBUTE', 'Invalid attribute name specified.', 'Bad Request', ['name'], 1)
    assert str(error) == '[INVALID_ATTRIBUTE] Invalid attribute name specified.'
    assert error.to_dict() == dict(status=400, error_code='INVALID_ATTRIBUTE', detail='Invalid attribute name specified.',
                                   reason='Bad Request', parameters=['name'])


@pytest.mark.parametrize('reply', [dict(body='<html>oops</html>', content_type='text/html'), dict(json=['not', 'an', 'object']),
                                   dict(body='')])
def test_error_without_an_api_error_body(atlas, make_client, reply):
    atlas.add('GET', ORGS_URL, status=500, **reply)

    with pytest.raises(AtlasApiError) as caught:
        make_client(retries=0).get('/api/atlas/v2/orgs')

    error = caught.value
    assert (error.status, error.error_code, error.detail, error.reason, error.parameters) == (500, 'HTTP_500', None, 'Internal Server Error', None)
    assert str(error) == '[HTTP_500] Internal Server Error'
    assert sorted(error.to_dict()) == ['detail', 'error_code', 'parameters', 'reason', 'status']


def test_error_text_falls_back_to_the_status():
    assert str(AtlasApiError(418, 'TEAPOT')) == '[TEAPOT] HTTP 418'


# -- server clock -------------------------------------------------------------------------------------

def test_server_now_follows_the_last_date_header(atlas, make_client):
    atlas.add('GET', ORGS_URL, json={}, headers={'Date': 'Fri, 01 Jan 2100 00:00:00 GMT'})
    atlas.add('GET', ORGS_URL, json={}, headers={'Date': 'Sun, 01 Jan 2090 12:00:00 -0000'})
    client = make_client()

    client.get('/api/atlas/v2/orgs')
    after_first = client.server_now()
    client.get('/api/atlas/v2/orgs')
    after_second = client.server_now()

    assert datetime(2100, 1, 1, tzinfo=timezone.utc) <= after_first < datetime(2100, 1, 1, 0, 10, tzinfo=timezone.utc)
    assert datetime(2090, 1, 1, 12, tzinfo=timezone.utc) <= after_second < datetime(2090, 1, 1, 12, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize('headers', [{}, {'Date': 'not a date'}])
def test_server_now_falls_back_to_local_utc(atlas, make_client, headers):
    atlas.add('GET', ORGS_URL, json={}, headers=headers)
    client = make_client()
    client.get('/api/atlas/v2/orgs')

    now = client.server_now()

    assert now.tzinfo is not None
    assert abs(now - datetime.now(timezone.utc)) < timedelta(minutes=5)


def test_server_now_before_any_call():
    now = AtlasClient(BASE, AccessTokenAuth('t')).server_now()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(timezone.utc)) < timedelta(minutes=5)


# -- connection failures ------------------------------------------------------------------------------

def test_tls_failure_points_to_ca_path(atlas, make_client, sleeps):
    certificate_error = urllib3_exc.SSLError(
        "SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)')")
    atlas.add('GET', ORGS_URL, body=req_exc.SSLError(urllib3_exc.MaxRetryError(None, '/api/atlas/v2/orgs', reason=certificate_error)))

    with pytest.raises(AtlasConnectionError) as caught:
        make_client().get('/api/atlas/v2/orgs')

    message = str(caught.value)
    assert len(atlas.calls) == 1 and sleeps == []
    assert message.startswith('TLS error talking to cloud.mongodb.com (certificate verify failed: self-signed certificate): ')
    assert 'set ca_path to the CA bundle' in message
    assert 'validate_certs=false' in message


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_connection_refused_on_a_closed_port(monkeypatch, sleeps):
    for name in ('HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    client = AtlasClient('http://127.0.0.1:%d' % port, AccessTokenAuth('t'), retries=1, sleep=sleeps.append, jitter=lambda: 0.0)

    with pytest.raises(AtlasConnectionError) as caught:
        client.get('/api/atlas/v2/orgs')

    assert str(caught.value) == 'cannot connect to 127.0.0.1:%d: [Errno 111] Connection refused (gave up after 2 attempts)' % port
    assert sleeps == [0.0]


def test_post_to_a_closed_port_is_retried_not_unknown(monkeypatch, sleeps):
    for name in ('HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    client = AtlasClient('http://127.0.0.1:%d' % port, AccessTokenAuth('t'), retries=2, sleep=sleeps.append, jitter=lambda: 0.0)

    with pytest.raises(AtlasConnectionError) as caught:
        client.post(SA_PATH, SA_BODY)

    assert not isinstance(caught.value, AtlasOutcomeUnknown)
    assert 'Connection refused (gave up after 3 attempts)' in str(caught.value)


# -- TLS settings and construction --------------------------------------------------------------------

@pytest.mark.parametrize('verify', [False, '/etc/atlas/private-ca.pem'])
def test_tls_settings_beat_requests_ca_bundle_from_the_environment(atlas, make_client, monkeypatch, verify):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/somewhere/else.pem')
    monkeypatch.setenv('CURL_CA_BUNDLE', '/somewhere/else.pem')
    atlas.add('GET', ORGS_URL, json={})

    make_client(verify=verify, timeout=7).get('/api/atlas/v2/orgs')

    assert atlas.calls[0].request.req_kwargs['verify'] == verify
    assert atlas.calls[0].request.req_kwargs['timeout'] == 7


def test_from_params(atlas, warnings):
    params = dict(api_base_url=BASE + '/', api_access_token='t', api_client_id=CLIENT_ID, api_client_secret=CLIENT_SECRET,
                  api_timeout=9, api_retries=1, api_retry_max_wait=33, validate_certs=False, ca_path='/etc/ca.pem')
    atlas.add('GET', ORGS_URL, status=503)
    atlas.add('GET', ORGS_URL, status=503)

    client = AtlasClient.from_params(params, warn=warnings.append, sleep=lambda seconds: None, jitter=lambda: 1.0)
    with pytest.raises(AtlasApiError) as caught:
        client.get('/api/atlas/v2/orgs')

    assert (client.base_url, client.timeout, client.retries, client.retry_max_wait) == (BASE, 9, 1, 33.0)
    assert isinstance(client.auth, AccessTokenAuth)
    assert caught.value.attempts == 2
    assert atlas.calls[0].request.req_kwargs['verify'] == '/etc/ca.pem'
    assert len(warnings) == 1 and 'using api_access_token' in warnings[0]
    client.close()
