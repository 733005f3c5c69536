# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Versions, the Date header, and the /_sim control API: clock, faults, journal, state, reset."""

import email.utils
import time

import pytest
import requests

from atlas_simulator import Simulator
from atlas_simulator.__main__ import parse_args
from conftest import Api, basic, control, mint, new_org_account


@pytest.mark.parametrize('version', ['2024-08-05', '2024-10-23', '2024-11-13', '2025-03-12', '2099-01-01'])
def test_versions_on_or_after_2024_08_05_are_served(api, org_id, version):
    response = api.get(f'/orgs/{org_id}/serviceAccounts', headers={'Accept': f'application/vnd.atlas.{version}+json'})
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/vnd.atlas.2024-08-05+json'


@pytest.mark.parametrize('accept', ['application/vnd.atlas.2023-01-01+json', 'application/vnd.atlas.2024-08-04+json',
                                    'application/vnd.atlas.garbage+json', 'application/vnd.atlas.2024-13-45+json',
                                    'application/json', '*/*', None])
def test_other_versions_are_not_acceptable(api, org_id, accept):
    response = api.get(f'/orgs/{org_id}/serviceAccounts', headers={'Accept': accept})
    assert response.status_code == 406
    assert response.headers['Content-Type'] == 'application/json'
    assert response.json()['errorCode'] == 'INVALID_VERSION_DATE'


@pytest.mark.parametrize('path, version, served', [
    ('/orgs/{org}/settings', '2023-01-01', '2023-01-01'),
    ('/orgs/{org}/settings', '2024-08-05', '2023-01-01'),
    ('/orgs/{org}/apiKeys', '2025-03-12', '2023-01-01'),
    ('/orgs/{org}/serviceAccounts', '2099-12-31', '2024-08-05'),
])
def test_a_later_date_snaps_down_to_the_newest_published_version(api, org_id, path, version, served):
    response = api.get(path.format(org=org_id), headers={'Accept': f'application/vnd.atlas.{version}+json'})
    assert response.status_code == 200
    assert response.headers['Content-Type'] == f'application/vnd.atlas.{served}+json'


def test_the_best_of_several_accepted_versions_is_served(api, org_id):
    accept = 'application/vnd.atlas.2023-01-01+json, application/vnd.atlas.2025-01-01+json;q=0.5'
    assert api.get(f'/orgs/{org_id}/serviceAccounts', headers={'Accept': accept}).status_code == 200
    response = api.get(f'/orgs/{org_id}/settings', headers={'Accept': accept})
    assert response.headers['Content-Type'] == 'application/vnd.atlas.2023-01-01+json'


@pytest.mark.parametrize('path, accept', [
    ('/orgs/{org}/settings', 'application/vnd.atlas.2022-12-31+json'),
    ('/orgs/{org}/apiKeys', 'application/json'),
    ('/orgs/{org}/serviceAccounts', 'application/vnd.atlas.2024-08-04+json'),
])
def test_a_date_before_the_first_version_is_not_acceptable(api, org_id, path, accept):
    response = api.get(path.format(org=org_id), headers={'Accept': accept})
    assert response.status_code == 406 and response.json()['errorCode'] == 'INVALID_VERSION_DATE'


def test_versions_come_from_the_spec(sim):
    versions = {op.operation_id: [v.isoformat() for v in op.versions] for op in sim.contract.operations}
    assert versions['getOrgSettings'] == versions['createOrgApiKey'] == ['2023-01-01']
    assert versions['createOrgServiceAccount'] == ['2024-08-05']
    assert all(versions.values())


def test_body_media_type_follows_the_operation_versions(api, org_id):
    patch = api.patch(f'/orgs/{org_id}/settings', {'genAIFeaturesEnabled': False},
                      headers={'Content-Type': 'application/vnd.atlas.2023-01-01+json'})
    assert patch.status_code == 200
    body = {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 8}
    refused = api.post(f'/orgs/{org_id}/serviceAccounts', body, headers={'Content-Type': 'application/vnd.atlas.2023-01-01+json'})
    assert refused.status_code == 415 and refused.json()['errorCode'] == 'UNSUPPORTED_MEDIA_TYPE'


def test_date_header_follows_the_simulated_clock(sim, digest_api, org_id):
    api = digest_api
    control(sim, 'POST', 'clock', {'set': '2030-06-01T12:00:00Z'})
    response = api.get(f'/orgs/{org_id}/serviceAccounts')
    assert response.status_code == 200
    served = email.utils.parsedate_to_datetime(response.headers['Date'])
    assert served.strftime('%Y-%m-%d %H') == '2030-06-01 12'
    created = new_org_account(api, org_id, hours=10)
    assert created['createdAt'].startswith('2030-06-01T12:')
    assert created['secrets'][0]['expiresAt'].startswith('2030-06-01T22:')
    control(sim, 'POST', 'clock', {'advance_hours': 48})
    assert control(sim, 'GET', 'clock')['now'].startswith('2030-06-03T12:')
    late = requests.get(f'{sim.url}/api/atlas/v2/orgs/{org_id}/serviceAccounts', timeout=30)
    assert email.utils.parsedate_to_datetime(late.headers['Date']).day == 3


def test_journal_mark_and_reset(sim, api, org_id):
    mark = control(sim, 'POST', 'journal/mark')['mark']
    api.get(f'/orgs/{org_id}/serviceAccounts', params={'pageNum': 2})
    entries = control(sim, 'GET', f'journal?since={mark}')['entries']
    assert len(entries) == 1
    entry = entries[0]
    assert entry['seq'] == mark + 1 and entry['method'] == 'GET' and entry['status'] == 200
    assert entry['path'] == f'/api/atlas/v2/orgs/{org_id}/serviceAccounts' and entry['query'] == {'pageNum': '2'}
    assert entry['auth'] == 'bearer' and entry['client_id'] == sim.info['admin']['client_id']
    assert entry['time'].endswith('Z') and entry['fault'] is None
    requests.delete(sim.url + '/_sim/journal', timeout=30)
    assert control(sim, 'GET', 'journal') == {'mark': 0, 'entries': []}


def test_state_dump_never_shows_plaintext(sim, api, org_id):
    account = new_org_account(api, org_id)
    plaintext = account['secrets'][0]['secret']
    dump = requests.get(sim.url + '/_sim/state', timeout=30).text
    assert account['clientId'] in dump
    assert plaintext not in dump and sim.info['admin']['client_secret'] not in dump
    assert sim.info['admin']['private_key'] not in dump and api.token not in dump
    state = control(sim, 'GET', 'state')
    assert state['tokens']['activeByClient'] == {sim.info['admin']['client_id']: 1}


def test_reset_restores_the_seed(sim, api, org_id):
    new_org_account(api, org_id)
    control(sim, 'POST', 'clock', {'advance_hours': 5})
    control(sim, 'POST', 'faults', {'kind': 'reset', 'path': 'nothing-matches'})
    control(sim, 'POST', 'reset')
    state = control(sim, 'GET', 'state')
    assert [a['clientId'] for a in state['serviceAccounts'] if a['orgId'] == org_id] == [sim.info['admin']['client_id']]
    assert state['tokens']['activeByClient'] == {}
    assert control(sim, 'GET', 'faults') == {'faults': []}
    assert control(sim, 'GET', 'journal')['entries'] == []
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 401


@pytest.mark.parametrize('status, code', [(429, 'RATE_LIMITED'), (500, 'UNEXPECTED_ERROR'), (502, 'BAD_GATEWAY'),
                                          (503, 'SERVICE_UNAVAILABLE'), (504, 'GATEWAY_TIMEOUT')])
def test_status_faults(sim, api, org_id, status, code):
    control(sim, 'POST', 'faults', {'method': 'GET', 'path': '/serviceAccounts$', 'count': 2, 'kind': 'status', 'status': status})
    for _attempt in range(2):
        response = api.get(f'/orgs/{org_id}/serviceAccounts')
        assert response.status_code == status and response.json()['errorCode'] == code
        assert 'Retry-After' not in response.headers
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    faults = [e['fault'] for e in control(sim, 'GET', 'journal')['entries'] if e['path'].endswith('/serviceAccounts')]
    assert faults == ['status', 'status', None]


def test_status_fault_with_retry_after_applies_nothing(sim, api, org_id):
    control(sim, 'POST', 'faults', {'method': 'POST', 'path': '/serviceAccounts$', 'kind': 'status', 'status': 429,
                                    'retry_after': 7})
    response = api.post(f'/orgs/{org_id}/serviceAccounts',
                        {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 8})
    assert response.status_code == 429 and response.headers['Retry-After'] == '7'
    assert api.get(f'/orgs/{org_id}/serviceAccounts').json()['totalCount'] == 0


def test_faults_apply_to_the_token_endpoint(sim, info):
    control(sim, 'POST', 'faults', {'path': '^/api/oauth/token$', 'kind': 'status', 'status': 503, 'retry_after': 1})
    admin = info['admin']
    response = requests.post(sim.url + '/api/oauth/token', data={'grant_type': 'client_credentials'},
                             headers={'Authorization': basic(admin['client_id'], admin['client_secret'])}, timeout=30)
    assert response.status_code == 503 and response.headers['Retry-After'] == '1'


def test_delay_fault(sim, api, org_id):
    control(sim, 'POST', 'faults', {'method': 'GET', 'path': 'serviceAccounts', 'kind': 'delay', 'seconds': 0.2})
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    assert control(sim, 'GET', 'journal')['entries'][-1]['fault'] == 'delay'


def test_reset_fault_applies_nothing(sim, api, org_id):
    control(sim, 'POST', 'faults', {'method': 'POST', 'path': '/serviceAccounts$', 'kind': 'reset'})
    assert len(control(sim, 'GET', 'faults')['faults']) == 1
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(f'/orgs/{org_id}/serviceAccounts', {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'],
                                                     'secretExpiresAfterHours': 8})
    assert api.get(f'/orgs/{org_id}/serviceAccounts').json()['totalCount'] == 0
    assert control(sim, 'GET', 'journal')['entries'][-2]['status'] == 'reset'


def test_apply_then_drop_applies_the_write(sim, api, org_id):
    control(sim, 'POST', 'faults', {'method': 'POST', 'path': '/serviceAccounts$', 'kind': 'apply_then_drop'})
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(f'/orgs/{org_id}/serviceAccounts', {'name': 'dropped', 'description': 'd', 'roles': ['ORG_MEMBER'],
                                                     'secretExpiresAfterHours': 8})
    listed = api.get(f'/orgs/{org_id}/serviceAccounts').json()
    assert [a['name'] for a in listed['results']] == ['dropped']
    entries = control(sim, 'GET', 'journal')['entries']
    assert (entries[-2]['fault'], entries[-2]['status']) == ('apply_then_drop', 'reset')


def test_fault_queue_control(sim):
    response = requests.post(sim.url + '/_sim/faults', json={'kind': 'explode'}, timeout=30)
    assert response.status_code == 400
    control(sim, 'POST', 'faults', {'kind': 'delay', 'seconds': 0})
    assert requests.delete(sim.url + '/_sim/faults', timeout=30).json() == {'faults': []}


def test_conflict_fault_answers_data_concurrency_error_and_applies_nothing(sim, api, org_id):
    account = new_org_account(api, org_id)
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/secrets"
    fault = control(sim, 'POST', 'faults', {'method': 'POST', 'path': '/secrets$', 'kind': 'conflict'})['fault']
    assert (fault['kind'], fault['status']) == ('conflict', 409)
    response = api.post(path, {'secretExpiresAfterHours': 8})
    assert response.status_code == 409 and response.headers['Content-Type'] == 'application/json'
    body = response.json()
    assert (body['error'], body['errorCode'], body['reason']) == (409, 'DATA_CONCURRENCY_ERROR', 'Conflict')
    assert len(api.get(f"/orgs/{org_id}/serviceAccounts/{account['clientId']}").json()['secrets']) == 1
    assert api.post(path, {'secretExpiresAfterHours': 8}).status_code == 201
    entries = [e for e in control(sim, 'GET', 'journal')['entries'] if e['path'].endswith('/secrets')]
    assert [(e['fault'], e['status']) for e in entries] == [('conflict', 409), (None, 201)]


def test_apply_then_delay_writes_first_and_answers_late(sim, api, org_id):
    control(sim, 'POST', 'faults', {'method': 'POST', 'path': '/serviceAccounts$', 'kind': 'apply_then_delay',
                                    'seconds': 1.5})
    body = {'name': 'slow', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 8}
    url = f'{api.url}/api/atlas/v2/orgs/{org_id}/serviceAccounts'
    headers = {'Authorization': f'Bearer {api.token}', 'Accept': 'application/vnd.atlas.2024-08-05+json'}
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(url, json=body, headers=headers, timeout=0.5)
    # The write is visible while the answer is still on its way (other requests are not held up).
    listed = api.get(f'/orgs/{org_id}/serviceAccounts').json()
    assert [a['name'] for a in listed['results']] == ['slow']
    entry = [e for e in control(sim, 'GET', 'journal')['entries'] if e['method'] == 'POST'][-1]
    assert (entry['fault'], entry['status']) == ('apply_then_delay', 201)


def test_apply_then_delay_answers_after_the_delay(sim, api, org_id):
    control(sim, 'POST', 'faults', {'method': 'GET', 'path': '/serviceAccounts$', 'kind': 'apply_then_delay', 'seconds': 0.3})
    started = time.monotonic()
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    assert time.monotonic() - started >= 0.3


def test_rate_limit_is_adjustable_at_run_time(sim, api, org_id):
    assert control(sim, 'GET', 'rate-limit') == {'api_per_minute': 10000, 'token_per_minute': 50}
    assert control(sim, 'POST', 'rate-limit', {'api_per_minute': 2})['api_per_minute'] == 2
    first = api.get(f'/orgs/{org_id}/serviceAccounts')
    assert (first.headers['RateLimit-Limit'], first.headers['RateLimit-Remaining']) == ('2', '1')
    assert api.get(f'/orgs/{org_id}/serviceAccounts').headers['RateLimit-Remaining'] == '0'
    limited = api.get(f'/orgs/{org_id}/serviceAccounts')
    # The shorthand is a token bucket (capacity 2, 2 tokens every 60 s): the answer is Atlas's documented one.
    assert limited.status_code == 429 and limited.json()['errorCode'] == 'RATE_LIMITED_TOKEN_BUCKET'
    assert 0 <= int(limited.headers['Retry-After']) <= 60
    assert limited.headers['RateLimit-Limit'] == '2' and limited.headers['RateLimit-Remaining'] == '0'
    # Retry-After is rounded down: the boundary comes within the next second.
    control(sim, 'POST', 'clock', {'advance_seconds': int(limited.headers['Retry-After']) + 1})
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    control(sim, 'POST', 'rate-limit', {'api_per_minute': 100})
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    control(sim, 'POST', 'reset')
    assert control(sim, 'GET', 'rate-limit')['api_per_minute'] == 10000


def test_token_rate_limit_is_adjustable_too(sim, info):
    control(sim, 'POST', 'rate-limit', {'token_per_minute': 1})
    admin = info['admin']
    mint(sim, admin['client_id'], admin['client_secret'])
    response = requests.post(sim.url + '/api/oauth/token', data={'grant_type': 'client_credentials'},
                             headers={'Authorization': basic(admin['client_id'], admin['client_secret'])}, timeout=30)
    assert response.status_code == 429 and int(response.headers['Retry-After']) >= 1


@pytest.mark.parametrize('body', [{}, {'api_per_minute': 0}, {'api_per_minute': 'many'}, {'api_per_minute': True},
                                  {'burst': 3}, {'api_per_minute': 5, 'token_per_minute': -1}])
def test_rate_limit_control_refuses_nonsense(sim, body):
    response = requests.post(sim.url + '/_sim/rate-limit', json=body, timeout=30)
    assert response.status_code == 400
    assert control(sim, 'GET', 'rate-limit') == {'api_per_minute': 10000, 'token_per_minute': 50}


def test_start_up_rate_limit_comes_from_the_option():
    args = parse_args(['--api-rate-limit', '1'])
    simulator = Simulator(api_rate_limit=args.api_rate_limit)
    simulator.start()
    try:
        admin = simulator.info['admin']
        api = Api(simulator, token=mint(simulator, admin['client_id'], admin['client_secret']))
        path = f"/orgs/{simulator.info['org_id']}/serviceAccounts"
        assert api.get(path).status_code == 200
        limited = api.get(path)
        assert limited.status_code == 429 and int(limited.headers['Retry-After']) >= 1
        assert requests.get(simulator.url + '/_sim/rate-limit', timeout=30).json()['api_per_minute'] == 1
    finally:
        simulator.stop()
