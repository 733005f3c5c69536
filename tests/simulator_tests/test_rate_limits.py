# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Admin API rate limiting as Atlas documents it: endpoint sets, token buckets per scope entity, the 429
body and headers, GET /rateLimits, the presets, the shorthand and the fallback modes."""

import requests
import pytest

from atlas_simulator import Simulator
from atlas_simulator.__main__ import parse_args
from conftest import Api, basic, control, mint, new_org_account, new_project_account

RATE_TYPE = 'application/vnd.atlas.2025-03-12+json'
ORG_SA = '/api/atlas/v2/orgs/{orgId}/serviceAccounts*'
GROUP_SA = '/api/atlas/v2/groups/{groupId}/serviceAccounts*'
DEFAULT_SETS = ['serviceAccounts_org', 'serviceAccounts_group', 'orgSettings_org', 'apiKeys_org',
                'rateLimitsInspection_org', 'rateLimitsInspection_group', 'rateLimitsInspection_user']


def endpoint_set(set_id, scope, paths, capacity, rate, seconds, mode='interval', **extra):
    """An endpoint set of the configuration format."""
    return dict({'endpointSetId': set_id, 'endpointSetName': set_id, 'scope': scope,
                 'endpoints': [{'method': '*', 'path': path} for path in paths],
                 'capacity': capacity, 'refillRate': rate, 'refillDurationSeconds': seconds, 'refillMode': mode}, **extra)


def configure(sim, *sets, **modes):
    """PUT a whole configuration (the buckets start full)."""
    return control(sim, 'PUT', 'rate-limits', dict({'endpointSets': list(sets)}, **modes))


def advance(sim, seconds):
    control(sim, 'POST', 'clock', {'advance_seconds': seconds})


def spec_problems(sim, operation_id, status, body):
    """Problems of a response body against the spec (empty when it conforms)."""
    operation = next(op for op in sim.contract.operations if op.operation_id == operation_id)
    return operation.response_problems(status, body, sim.contract.error_schema)


def rate_limits(api, path='', **params):
    return api.get('/rateLimits' + path, params=params, headers={'Accept': RATE_TYPE})


def limits_of(response):
    return response.headers.get('RateLimit-Limit'), response.headers.get('RateLimit-Remaining')


# --- headers and buckets -------------------------------------------------------------------------------


def test_every_answer_after_the_bucket_check_carries_the_headers(sim, api, org_id):
    first = api.get(f'/orgs/{org_id}/serviceAccounts')
    assert first.status_code == 200 and limits_of(first) == ('10000', '9999')
    assert limits_of(api.get(f'/orgs/{org_id}/serviceAccounts')) == ('10000', '9998')
    missing = api.get(f'/orgs/{org_id}/serviceAccounts/mdb_sa_id_0123456789abcdef01234567')
    assert missing.status_code == 404 and limits_of(missing) == ('10000', '9997')
    invalid = api.post(f'/orgs/{org_id}/serviceAccounts', {'name': 'x'})
    assert invalid.status_code == 400 and limits_of(invalid) == ('10000', '9996')
    # Another endpoint set has its own bucket; before the check (401) there is none.
    assert limits_of(api.get(f'/orgs/{org_id}/settings')) == ('10000', '9999')
    unauthenticated = requests.get(f'{sim.url}/api/atlas/v2/orgs/{org_id}/serviceAccounts', timeout=30,
                                   headers={'Accept': 'application/vnd.atlas.2024-08-05+json'})
    assert unauthenticated.status_code == 401 and limits_of(unauthenticated) == (None, None)
    assert 'Retry-After' not in first.headers


def test_interval_refill_429_body_and_retry_after(sim, api, org_id):
    configure(sim, endpoint_set('serviceAccounts_org', 'ORGANIZATION', [ORG_SA], 3, 2, 60))
    path = f'/orgs/{org_id}/serviceAccounts'
    assert [limits_of(api.get(path))[1] for dummy in range(3)] == ['2', '1', '0']
    refused = api.get(path)
    assert refused.status_code == 429 and refused.headers['Content-Type'] == 'application/json'
    wait = int(refused.headers['Retry-After'])
    assert 58 <= wait <= 59  # the next boundary, 60 s after the bucket's first use, rounded down
    assert limits_of(refused) == ('3', '0')
    assert refused.json() == {
        'detail': f'Rate limit exceeded for api/atlas/v2{path}. Please retry after {wait} seconds. '
                  'Request capacity: 3. Refill rate: 2 per 60 seconds.',
        'error': 429, 'errorCode': 'RATE_LIMITED_TOKEN_BUCKET',
        'parameters': [f'api/atlas/v2{path}', wait, 3, 2, 60], 'reason': 'Too Many Requests'}
    advance(sim, 30)  # still before the boundary: nothing added, and refusals spend nothing
    again = api.get(path)
    assert again.status_code == 429 and 28 <= int(again.headers['Retry-After']) <= 29
    advance(sim, 30)  # past the boundary: all refillRate tokens at once
    assert [(r.status_code, limits_of(r)[1]) for r in (api.get(path), api.get(path), api.get(path))] == [
        (200, '1'), (200, '0'), (429, '0')]
    advance(sim, 600)  # ten boundaries later the bucket is full, never above capacity
    assert limits_of(api.get(path)) == ('3', '2')


def test_the_documented_example_retry_after(sim, api, org_id):
    configure(sim, endpoint_set('orgs', 'ORGANIZATION', [ORG_SA], 10, 5, 60))
    path = f'/orgs/{org_id}/serviceAccounts'
    assert all(api.get(path).status_code == 200 for dummy in range(10))
    advance(sim, 5)
    refused = api.get(path)
    assert refused.status_code == 429 and 54 <= refused.json()['parameters'][1] <= 55
    assert refused.json()['parameters'][2:] == [10, 5, 60]


def test_smooth_refill_on_the_simulated_clock(sim, api, org_id):
    configure(sim, endpoint_set('serviceAccounts_org', 'ORGANIZATION', [ORG_SA], 2, 1, 10, 'smooth'))
    path = f'/orgs/{org_id}/serviceAccounts'
    assert [api.get(path).status_code for dummy in range(2)] == [200, 200]
    refused = api.get(path)
    assert refused.status_code == 429 and 8 <= int(refused.headers['Retry-After']) <= 9  # a token per 10 s, rounded down
    assert refused.json()['parameters'][2:] == [2, 1, 10]
    advance(sim, 10)
    ok = api.get(path)
    assert ok.status_code == 200 and limits_of(ok) == ('2', '0')
    advance(sim, 5)  # half a token
    half = api.get(path)
    assert half.status_code == 429 and 4 <= int(half.headers['Retry-After']) <= 5
    advance(sim, 100)  # capped at capacity
    assert [api.get(path).status_code for dummy in range(3)] == [200, 200, 429]


def test_retry_after_is_rounded_down_and_can_be_zero(sim, info):
    control(sim, 'PUT', 'rate-limits', {'preset': 'org-smooth'})  # 10, 2 per second: a token every 0.5 s
    api = Api(sim, token=mint(sim, info['admin']['client_id'], info['admin']['client_secret']))
    path = f"/groups/{info['project_ids'][0]}/serviceAccounts"
    for dummy in range(50):  # 10 at once, then one token every 0.5 s: requests come faster than that
        refused = api.get(path)
        if refused.status_code == 429:
            break
    assert refused.status_code == 429
    assert refused.headers['Retry-After'] == '0' and refused.json()['parameters'][1:] == [0, 10, 2, 1]


def test_a_clock_moved_back_adds_nothing(sim, api, org_id):
    configure(sim, endpoint_set('serviceAccounts_org', 'ORGANIZATION', [ORG_SA], 1, 1, 60))
    path = f'/orgs/{org_id}/serviceAccounts'
    assert api.get(path).status_code == 200
    advance(sim, -3600)
    assert api.get(path).status_code == 429
    advance(sim, 3661)
    assert api.get(path).status_code == 200


# --- scopes --------------------------------------------------------------------------------------------


def test_organization_scope_is_shared_by_projects_and_callers(sim, info, digest_api):
    control(sim, 'PUT', 'rate-limits', {'preset': 'org-interval'})  # 10, 5 every 60 s over all SA paths
    api = Api(sim, token=mint(sim, info['admin']['client_id'], info['admin']['client_secret']))
    first, second = info['project_ids'][:2]
    for index in range(10):
        client = api if index % 2 else digest_api
        assert client.get(f"/groups/{(first, second)[index % 2]}/serviceAccounts").status_code == 200
    refused = api.get(f"/orgs/{info['org_id']}/serviceAccounts")
    assert refused.status_code == 429 and refused.json()['parameters'][2:] == [10, 5, 60]
    assert digest_api.get(f'/groups/{first}/serviceAccounts').status_code == 429
    assert api.get(f"/orgs/{info['org_id']}/settings").status_code == 200  # another endpoint set


def test_group_scope_gives_each_project_its_bucket(sim, info):
    control(sim, 'PUT', 'rate-limits', {'preset': 'per-project'})
    api = Api(sim, token=mint(sim, info['admin']['client_id'], info['admin']['client_secret']))
    first, second = info['project_ids'][:2]
    assert [api.get(f'/groups/{first}/serviceAccounts').status_code for dummy in range(11)] == [200] * 10 + [429]
    assert limits_of(api.get(f'/groups/{second}/serviceAccounts')) == ('10', '9')
    assert limits_of(api.get(f"/orgs/{info['org_id']}/serviceAccounts")) == ('10', '9')
    buckets = {(b['endpointSetId'], b['entity']): b['remaining'] for b in control(sim, 'GET', 'rate-limits')['buckets']}
    assert buckets[('serviceAccounts_group', first)] == 0 and buckets[('serviceAccounts_group', second)] == 9
    assert buckets[('serviceAccounts_org', info['org_id'])] == 9


def test_user_scope_gives_each_caller_its_bucket(sim, api, digest_api, org_id):
    configure(sim, endpoint_set('serviceAccounts_user', 'USER', [ORG_SA], 2, 1, 60))
    path = f'/orgs/{org_id}/serviceAccounts'
    assert [api.get(path).status_code for dummy in range(3)] == [200, 200, 429]
    assert limits_of(digest_api.get(path)) == ('2', '1')
    entities = {b['entity'] for b in control(sim, 'GET', 'rate-limits')['buckets']}
    assert entities == {sim.info['admin']['client_id'], sim.info['admin']['public_key']}


def test_ip_scope_is_shared_by_every_caller_of_one_address(sim, api, digest_api, org_id):
    configure(sim, endpoint_set('everything_ip', 'IP', ['/api/atlas/v2/*'], 2, 1, 60))
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    assert digest_api.get(f'/orgs/{org_id}/settings').status_code == 200
    assert api.get(f'/orgs/{org_id}/apiKeys').status_code == 429
    assert control(sim, 'GET', 'rate-limits')['buckets'][0]['entity'] == '127.0.0.1'


def test_an_endpoint_in_no_set_is_not_limited(sim, api, org_id):
    configure(sim, endpoint_set('serviceAccounts_org', 'ORGANIZATION', [ORG_SA], 1, 1, 60))
    response = api.get(f'/orgs/{org_id}/settings')
    assert response.status_code == 200 and limits_of(response) == (None, None)


# --- overrides and /rateLimits -------------------------------------------------------------------------


def test_overrides_apply_to_their_entity_and_show_value_and_default(sim, api, org_id, info):
    other_project = info['project_ids'][1]
    control(sim, 'POST', 'rate-limits', {'overrides': {
        'serviceAccounts_org': {org_id: {'capacity': 5}},
        'serviceAccounts_group': {other_project: {'capacity': 7, 'refillRate': 3, 'refillDurationSeconds': 30}}}})
    assert limits_of(api.get(f'/orgs/{org_id}/serviceAccounts')) == ('5', '4')
    assert limits_of(api.get(f"/groups/{info['project_ids'][0]}/serviceAccounts")) == ('10000', '9999')
    assert limits_of(api.get(f'/groups/{other_project}/serviceAccounts')) == ('7', '6')
    org_view = rate_limits(api, orgId=org_id, name='Service Accounts (organization)').json()['results']
    assert [(v['capacity'], v['refillRate'], v['refillDurationSeconds']) for v in org_view] == [
        ({'value': 5, 'defaultValue': 10000}, {'value': 10000}, {'value': 60})]
    group_view = rate_limits(api, '/serviceAccounts_group', groupId=other_project).json()
    assert (group_view['capacity'], group_view['refillRate'], group_view['refillDurationSeconds']) == (
        {'value': 7, 'defaultValue': 10000}, {'value': 3, 'defaultValue': 10000}, {'value': 30, 'defaultValue': 60})
    unfiltered = rate_limits(api, '/serviceAccounts_org').json()
    assert unfiltered['capacity'] == {'value': 10000}  # no entity asked: the defaults
    control(sim, 'POST', 'rate-limits', {'overrides': {'serviceAccounts_org': {org_id: None}}})
    assert rate_limits(api, '/serviceAccounts_org', orgId=org_id).json()['capacity'] == {'value': 10000}


def test_list_rate_limits_answers_in_the_spec_shape_with_its_filters(sim, api, org_id, project_id):
    everything = rate_limits(api)
    assert everything.status_code == 200 and everything.headers['Content-Type'] == RATE_TYPE
    body = everything.json()
    assert not spec_problems(sim, 'listRateLimits', 200, body)
    assert [item['endpointSetId'] for item in body['results']] == DEFAULT_SETS and body['totalCount'] == 7
    sa_org = body['results'][0]
    assert sa_org['scope'] == 'ORGANIZATION' and len(sa_org['endpoints']) == 11
    assert {'method': 'POST', 'path': '/api/atlas/v2/orgs/{orgId}/serviceAccounts/{clientId}/secrets'} in sa_org['endpoints']
    assert sa_org['capacity'] == {'value': 10000} and sa_org['refillDurationSeconds'] == {'value': 60}

    def ids(**params):
        response = rate_limits(api, **params)
        assert response.status_code == 200, response.text
        assert not spec_problems(sim, 'listRateLimits', 200, response.json())
        return [item['endpointSetId'] for item in response.json()['results']]

    assert ids(orgId=org_id) == ['serviceAccounts_org', 'orgSettings_org', 'apiKeys_org', 'rateLimitsInspection_org']
    assert ids(groupId=project_id) == ['serviceAccounts_group', 'rateLimitsInspection_group']
    assert ids(userId=sim.info['admin']['client_id']) == ['rateLimitsInspection_user']
    assert ids(ipAddress='127.0.0.1') == []  # no IP-scoped set in the default configuration
    assert ids(orgId=org_id, groupId=project_id) == ['serviceAccounts_org', 'orgSettings_org', 'apiKeys_org',
                                                     'rateLimitsInspection_org', 'serviceAccounts_group',
                                                     'rateLimitsInspection_group']
    assert ids(name='Rate Limits Inspection') == DEFAULT_SETS[4:]
    assert ids(name=['Organization Settings', 'Organization API Keys']) == ['orgSettings_org', 'apiKeys_org']
    assert ids(endpointPath='/api/atlas/v2/groups/{groupId}/') == ['serviceAccounts_group']
    assert ids(endpointPath=['/api/atlas/v2/orgs/{orgId}/settings', '/api/atlas/v2/rateLimits']) == [
        'orgSettings_org'] + DEFAULT_SETS[4:]
    assert ids(endpointPath='/api/atlas/v2/orgs/{orgId}/serviceAccounts/{clientId}/accessList') == ['serviceAccounts_org']
    page = rate_limits(api, itemsPerPage=2, pageNum=2).json()
    assert [item['endpointSetId'] for item in page['results']] == DEFAULT_SETS[2:4] and page['totalCount'] == 7
    assert {link['rel'] for link in page['links']} == {'self', 'previous', 'next'}


def test_get_rate_limit(sim, api, org_id):
    response = rate_limits(api, '/rateLimitsInspection_group')
    assert response.status_code == 200 and response.headers['Content-Type'] == RATE_TYPE
    assert not spec_problems(sim, 'getRateLimit', 200, response.json())
    assert response.json() == {
        'endpointSetId': 'rateLimitsInspection_group', 'endpointSetName': 'Rate Limits Inspection', 'scope': 'GROUP',
        'endpoints': [{'method': 'GET', 'path': '/api/atlas/v2/rateLimits'},
                      {'method': 'GET', 'path': '/api/atlas/v2/rateLimits/{endpointSetId}'}],
        'capacity': {'value': 10000}, 'refillRate': {'value': 10000}, 'refillDurationSeconds': {'value': 60}}
    missing = rate_limits(api, '/noSuchSet')
    assert missing.status_code == 404 and missing.json()['errorCode'] == 'RESOURCE_NOT_FOUND'
    assert rate_limits(api, '/serviceAccounts_org', orgId='0123456789abcdef01234567').status_code == 403
    old = api.get('/rateLimits', headers={'Accept': 'application/vnd.atlas.2024-08-05+json'})
    assert old.status_code == 406 and old.json()['errorCode'] == 'INVALID_VERSION_DATE'
    assert api.get('/rateLimits', headers={'Accept': 'application/vnd.atlas.preview+json'}).status_code == 406


def test_rate_limits_permissions(sim, api, info):
    org_id, project_id = info['org_id'], info['project_ids'][0]
    other_org = info['orgs'][1]
    for params in ({'orgId': other_org['id']}, {'groupId': other_org['project_ids'][0]},
                   {'orgId': '0123456789abcdef01234567'}, {'userId': 'someoneelse'},
                   {'userId': info['admin']['public_key']}, {'ipAddress': '192.0.2.1'}):
        response = rate_limits(api, **params)
        assert response.status_code == 403 and response.json()['errorCode'] == 'USER_UNAUTHORIZED', params
    # An organization member without Organization Read Only, with a role in one project.
    member = new_project_account(api, project_id, roles=['GROUP_READ_ONLY'])
    client = Api(sim, token=mint(sim, member['clientId'], member['secrets'][0]['secret']))
    assert rate_limits(client, orgId=org_id).status_code == 403
    assert rate_limits(client, groupId=project_id).status_code == 200
    assert rate_limits(client, groupId=info['project_ids'][1]).status_code == 403
    assert rate_limits(client, userId=member['clientId']).status_code == 200
    assert rate_limits(client).status_code == 200  # unfiltered: the defaults, for any authenticated caller
    reader = new_org_account(api, org_id, roles=['ORG_READ_ONLY'])
    reading = Api(sim, token=mint(sim, reader['clientId'], reader['secrets'][0]['secret']))
    assert rate_limits(reading, orgId=org_id).status_code == 200
    assert rate_limits(reading, groupId=info['project_ids'][2]).status_code == 200


def test_inspection_calls_are_limited_in_their_own_sets(sim, api, org_id, project_id):
    mark = control(sim, 'POST', 'journal/mark')['mark']
    rate_limits(api)
    rate_limits(api, orgId=org_id)
    rate_limits(api, '/serviceAccounts_group', groupId=project_id)
    rate_limits(api, userId=sim.info['admin']['client_id'])
    entries = control(sim, 'GET', f'journal?since={mark}')['entries']
    assert [(e['rate_limit']['endpoint_set'], e['rate_limit']['entity']) for e in entries] == [
        ('rateLimitsInspection_user', sim.info['admin']['client_id']), ('rateLimitsInspection_org', org_id),
        ('rateLimitsInspection_group', project_id), ('rateLimitsInspection_user', sim.info['admin']['client_id'])]
    control(sim, 'POST', 'rate-limits', {'update': {'rateLimitsInspection_user': {'capacity': 1}}})
    assert [rate_limits(api).status_code for dummy in range(2)] == [200, 429]
    assert rate_limits(api, orgId=org_id).status_code == 200


# --- shorthand, presets, control API -------------------------------------------------------------------


def test_shorthand_is_one_organization_bucket_over_every_endpoint(sim, api, org_id):
    assert control(sim, 'GET', 'rate-limit')['api_per_minute'] == 10000  # the default configuration is uniform
    control(sim, 'POST', 'rate-limit', {'api_per_minute': 3})
    assert limits_of(api.get(f'/orgs/{org_id}/serviceAccounts')) == ('3', '2')
    assert limits_of(api.get(f'/orgs/{org_id}/settings')) == ('3', '1')
    assert limits_of(rate_limits(api)) == ('3', '0')
    refused = api.get(f'/orgs/{org_id}/apiKeys')
    assert refused.status_code == 429 and refused.json()['parameters'][2:] == [3, 3, 60]
    only = control(sim, 'GET', 'rate-limits')['config']['endpointSets']
    assert [(s['endpointSetId'], s['scope'], len(s['endpoints'])) for s in only] == [('simulator_allEndpoints_org', 'ORGANIZATION', 35)]
    control(sim, 'PUT', 'rate-limits', {'preset': 'org-smooth'})
    assert control(sim, 'GET', 'rate-limit')['api_per_minute'] is None
    control(sim, 'POST', 'reset')
    assert [s['endpointSetId'] for s in control(sim, 'GET', 'rate-limits')['config']['endpointSets']] == DEFAULT_SETS


@pytest.mark.parametrize('name, sets', [
    ('default', DEFAULT_SETS),
    ('org-smooth', ['serviceAccounts_org'] + DEFAULT_SETS[2:]),
    ('org-interval', ['serviceAccounts_org'] + DEFAULT_SETS[2:]),
    ('per-project', DEFAULT_SETS),
])
def test_presets(sim, name, sets):
    config = control(sim, 'PUT', 'rate-limits', {'preset': name})['config']
    assert [s['endpointSetId'] for s in config['endpointSets']] == sets
    assert name in control(sim, 'GET', 'rate-limits')['presets']
    service_accounts = config['endpointSets'][0]
    expected = {'default': (10000, 10000, 60, 'interval', 11), 'org-smooth': (10, 2, 1, 'smooth', 22),
                'org-interval': (10, 5, 60, 'interval', 22), 'per-project': (10, 5, 60, 'interval', 11)}[name]
    assert (service_accounts['capacity'], service_accounts['refillRate'], service_accounts['refillDurationSeconds'],
            service_accounts['refillMode'], len(service_accounts['endpoints'])) == expected


def test_start_up_options_choose_the_configuration():
    args = parse_args(['--rate-limit-preset', 'per-project', '--rate-limit-headers', 'omit-ratelimit',
                       '--rate-limits-inspection', '404'])
    simulator = Simulator(rate_limit_preset=args.rate_limit_preset, rate_limit_headers=args.rate_limit_headers,
                          rate_limits_inspection=args.rate_limits_inspection)
    document = simulator.rate_limits.document()
    assert document['headers'] == 'omit-ratelimit' and document['inspection'] == '404'
    assert document['endpointSets'][1]['scope'] == 'GROUP' and document['endpointSets'][1]['capacity'] == 10
    with pytest.raises(SystemExit):
        parse_args(['--api-rate-limit', '5', '--rate-limit-preset', 'org-smooth'])
    with pytest.raises(ValueError):
        Simulator(api_rate_limit=5, rate_limits={'endpointSets': []})


def test_start_up_configuration_file(tmp_path):
    path = tmp_path / 'limits.json'
    path.write_text('{"endpointSets": [{"endpointSetId": "only", "scope": "USER", "capacity": 4, "refillRate": 1, '
                    '"refillDurationSeconds": 10, "endpoints": [{"method": "GET", "path": "/api/atlas/v2/orgs/{orgId}/settings"}]}]}')
    simulator = Simulator(rate_limits=parse_args(['--rate-limits', str(path)]).rate_limits)
    only = simulator.rate_limits.document()['endpointSets'][0]
    assert only['endpoints'] == [{'method': 'GET', 'path': '/api/atlas/v2/orgs/{orgId}/settings'}]
    assert (only['refillMode'], only['endpointSetName']) == ('interval', 'only')


@pytest.mark.parametrize('body', [
    {'endpointSets': [{'endpointSetId': 'x', 'scope': 'PLANET', 'capacity': 1, 'refillRate': 1, 'refillDurationSeconds': 1,
                       'endpoints': [{'method': '*', 'path': ORG_SA}]}]},
    {'endpointSets': [endpoint_set('x', 'USER', ['/api/atlas/v2/clusters*'], 1, 1, 1)]},
    {'endpointSets': [endpoint_set('x', 'USER', [ORG_SA], 0, 1, 1)]},
    {'endpointSets': [endpoint_set('x', 'USER', [ORG_SA], 1, 1, 1, 'bursty')]},
    {'endpointSets': [endpoint_set('x', 'USER', [ORG_SA], 1, 1, 1), endpoint_set('y', 'USER', [ORG_SA], 1, 1, 1)]},
    {'endpointSets': [endpoint_set('x', 'USER', [ORG_SA], 1, 1, 1, overrides={'e': {'speed': 1}})]},
    {'endpointSets': [], 'headers': 'sometimes'},
    {'preset': 'nonexistent'},
    {'endpointSets': [], 'unknown': 1},
])
def test_control_refuses_a_broken_configuration(sim, body):
    response = requests.put(sim.url + '/_sim/rate-limits', json=body, timeout=30)
    assert response.status_code == 400, response.text
    assert [s['endpointSetId'] for s in control(sim, 'GET', 'rate-limits')['config']['endpointSets']] == DEFAULT_SETS


def test_control_patches_keep_live_levels_and_reset_buckets(sim, api, org_id):
    path = f'/orgs/{org_id}/serviceAccounts'
    for dummy in range(4):
        api.get(path)
    control(sim, 'POST', 'rate-limits', {'update': {'serviceAccounts_org': {'capacity': 10}}})
    assert limits_of(api.get(path)) == ('10', '9')  # 9996 clamped to the new capacity 10, then one spent
    control(sim, 'POST', 'rate-limits', {'update': {'serviceAccounts_org': {'capacity': 20}}})
    assert limits_of(api.get(path)) == ('20', '8')  # a higher capacity adds nothing by itself
    bucket = next(b for b in control(sim, 'GET', 'rate-limits')['buckets'] if b['endpointSetId'] == 'serviceAccounts_org')
    assert (bucket['entity'], bucket['remaining'], bucket['capacity']) == (org_id, 8, 20)
    assert 0 < bucket['secondsUntilNextRefill'] <= 60
    control(sim, 'POST', 'rate-limits', {'resetBuckets': True})
    assert limits_of(api.get(path)) == ('20', '19')
    control(sim, 'POST', 'rate-limits', {'endpointSets': [endpoint_set('apiKeys_user', 'USER', ['/api/atlas/v2/orgs/{orgId}/apiKeys*'],
                                                                       2, 1, 60)],
                                         'removeEndpointSets': ['apiKeys_org']})
    assert limits_of(api.get(f'/orgs/{org_id}/apiKeys')) == ('2', '1')
    for body in ({}, {'update': {'nope': {'capacity': 1}}}, {'removeEndpointSets': ['nope']}, {'resetBuckets': 'yes'}):
        assert requests.post(sim.url + '/_sim/rate-limits', json=body, timeout=30).status_code == 400, body


# --- fallback modes, journal, token endpoint -----------------------------------------------------------


@pytest.mark.parametrize('mode, status, code', [('404', 404, 'RESOURCE_NOT_FOUND'), ('403', 403, 'USER_UNAUTHORIZED')])
def test_rate_limits_inspection_can_be_unavailable(sim, api, mode, status, code):
    control(sim, 'POST', 'rate-limits', {'inspection': mode})
    for path in ('', '/serviceAccounts_org'):
        response = rate_limits(api, path)
        assert response.status_code == status and response.json()['errorCode'] == code
        assert limits_of(response) == (None, None)
    assert control(sim, 'GET', 'rate-limits')['buckets'] == []  # no token spent
    assert api.get(f"/orgs/{sim.info['org_id']}/serviceAccounts").status_code == 200
    if mode == '404':  # like an unknown path: even without credentials
        assert requests.get(sim.url + '/api/atlas/v2/rateLimits', timeout=30).status_code == 404
    control(sim, 'POST', 'rate-limits', {'inspection': 'available'})
    assert rate_limits(api).status_code == 200


def test_headers_can_be_omitted(sim, api, org_id):
    configure(sim, endpoint_set('serviceAccounts_org', 'ORGANIZATION', [ORG_SA], 1, 1, 60), headers='omit-ratelimit')
    path = f'/orgs/{org_id}/serviceAccounts'
    ok = api.get(path)
    assert ok.status_code == 200 and limits_of(ok) == (None, None)
    refused = api.get(path)
    assert refused.status_code == 429 and limits_of(refused) == (None, None) and 'Retry-After' in refused.headers
    control(sim, 'POST', 'rate-limits', {'headers': 'omit-all'})
    refused = api.get(path)
    assert refused.status_code == 429 and 'Retry-After' not in refused.headers
    assert refused.json()['errorCode'] == 'RATE_LIMITED_TOKEN_BUCKET' and refused.json()['parameters'][2:] == [1, 1, 60]
    control(sim, 'POST', 'rate-limits', {'headers': 'sent'})
    assert 'RateLimit-Limit' in api.get(path).headers


def test_the_journal_counts_429s(sim, api, org_id):
    configure(sim, endpoint_set('serviceAccounts_org', 'ORGANIZATION', [ORG_SA], 2, 1, 60))
    mark = control(sim, 'POST', 'journal/mark')['mark']
    for dummy in range(5):
        api.get(f'/orgs/{org_id}/serviceAccounts')
    api.get(f'/orgs/{org_id}/settings')
    entries = control(sim, 'GET', f'journal?since={mark}')['entries']
    assert [e['status'] for e in entries] == [200, 200, 429, 429, 429, 200]
    assert sum(1 for e in entries if e['status'] == 429) == 3
    assert {'seq', 'method', 'path', 'query', 'status', 'auth', 'client_id', 'public_key', 'time', 'fault'} <= set(entries[0])
    assert entries[2]['rate_limit'] == {'endpoint_set': 'serviceAccounts_org', 'scope': 'ORGANIZATION', 'entity': org_id,
                                        'remaining': 0, 'limited': True}
    assert entries[5]['rate_limit'] is None  # no set lists the settings endpoint in this configuration


def test_the_token_endpoint_keeps_its_own_limit_and_shape(sim, info):
    control(sim, 'POST', 'rate-limit', {'api_per_minute': 1, 'token_per_minute': 2})
    admin = info['admin']
    for dummy in range(2):
        mint(sim, admin['client_id'], admin['client_secret'])
    response = requests.post(sim.url + '/api/oauth/token', data={'grant_type': 'client_credentials'},
                             headers={'Authorization': basic(admin['client_id'], admin['client_secret'])}, timeout=30)
    assert response.status_code == 429 and int(response.headers['Retry-After']) >= 1
    assert response.json() == {'detail': 'Resource /api/oauth/token is limited to 2 requests every 1 minutes.', 'error': 429,
                               'errorCode': 'RATE_LIMITED', 'parameters': ['/api/oauth/token', 2, 1], 'reason': 'Too Many Requests'}
    assert 'RateLimit-Limit' not in response.headers
    assert all(b['endpointSetId'] != 'oauth' for b in control(sim, 'GET', 'rate-limits')['buckets'])
