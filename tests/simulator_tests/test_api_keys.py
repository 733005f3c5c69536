# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Organization programmatic API keys and their access lists."""

import re

import pytest
import requests

from conftest import Api, mint, new_org_account

KEY_TYPE = 'application/vnd.atlas.2023-01-01+json'
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


def new_key(api, org_id, roles=('ORG_MEMBER',), desc='made by a test'):
    response = api.post(f'/orgs/{org_id}/apiKeys', {'desc': desc, 'roles': list(roles)})
    assert response.status_code == 200, response.text
    return response.json()


def digest(sim, key):
    return Api(sim, auth=requests.auth.HTTPDigestAuth(key['publicKey'], key['privateKey']))


def test_api_key_lifecycle(sim, api, org_id, info):
    listed = api.get(f'/orgs/{org_id}/apiKeys')
    assert listed.status_code == 200 and listed.headers['Content-Type'] == KEY_TYPE
    assert [key['publicKey'] for key in listed.json()['results']] == [info['admin']['public_key']]
    assert listed.json()['results'][0]['privateKey'].startswith('********-****-****-')
    created = new_key(api, org_id, roles=['ORG_MEMBER', 'ORG_MEMBER'], desc='CI key')
    assert re.fullmatch(r'[a-z]{8}', created['publicKey']) and UUID.match(created['privateKey'])
    assert created['roles'] == [{'orgId': org_id, 'roleName': 'ORG_MEMBER'}]
    assert created['links'][0]['href'].endswith(f"/api/atlas/v2/orgs/{org_id}/apiKeys/{created['id']}")
    path = f"/orgs/{org_id}/apiKeys/{created['id']}"
    fetched = api.get(path).json()
    assert fetched['privateKey'] == '********-****-****-' + created['privateKey'][-12:]
    assert fetched['desc'] == 'CI key'
    updated = api.patch(path, {'roles': ['ORG_READ_ONLY']}).json()
    assert updated['roles'] == [{'orgId': org_id, 'roleName': 'ORG_READ_ONLY'}] and updated['desc'] == 'CI key'
    assert api.patch(path, {'desc': 'renamed'}).json()['desc'] == 'renamed'
    assert api.get(f'/orgs/{org_id}/apiKeys').json()['totalCount'] == 2
    deleted = api.delete(path)
    assert deleted.status_code == 204 and deleted.headers['Content-Type'] == KEY_TYPE
    assert api.get(path).status_code == 404


def test_a_new_key_authenticates_with_its_roles(sim, api, org_id):
    key = new_key(api, org_id, roles=['ORG_READ_ONLY'])
    client = digest(sim, key)
    assert client.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    response = client.post(f'/orgs/{org_id}/apiKeys', {'desc': 'x', 'roles': ['ORG_OWNER']})
    assert response.status_code == 403
    api.patch(f"/orgs/{org_id}/apiKeys/{key['id']}", {'roles': ['ORG_OWNER']})
    assert client.post(f'/orgs/{org_id}/apiKeys', {'desc': 'x', 'roles': ['ORG_MEMBER']}).status_code == 200
    api.delete(f"/orgs/{org_id}/apiKeys/{key['id']}")
    assert client.get(f'/orgs/{org_id}/serviceAccounts').status_code == 401


@pytest.mark.parametrize('method, suffix, body', [
    ('POST', '', {'desc': 'x', 'roles': ['ORG_MEMBER']}),
    ('PATCH', '/{key}', {'desc': 'x'}),
    ('DELETE', '/{key}', None),
    ('POST', '/{key}/accessList', [{'ipAddress': '192.0.2.1'}]),
])
def test_members_read_but_only_owners_write(sim, api, org_id, method, suffix, body):
    target = new_key(api, org_id)
    account = new_org_account(api, org_id, roles=['ORG_READ_ONLY'])
    member = Api(sim, token=mint(sim, account['clientId'], account['secrets'][0]['secret']))
    assert member.get(f'/orgs/{org_id}/apiKeys').status_code == 200
    assert member.get(f"/orgs/{org_id}/apiKeys/{target['id']}/accessList").status_code == 200
    response = member.call(method, f'/orgs/{org_id}/apiKeys' + suffix.format(key=target['id']), body)
    assert response.status_code == 403 and response.json()['errorCode'] == 'USER_UNAUTHORIZED'


@pytest.mark.parametrize('path, body, field', [
    ('', {'desc': 'x', 'roles': []}, 'roles'),
    ('', {'desc': 'x', 'roles': ['ORG_KING']}, 'roles[0]'),
    ('', {'desc': 'x', 'roles': [None]}, 'roles[0]'),
    ('', {'roles': ['ORG_MEMBER']}, 'desc'),
    ('', {'desc': '', 'roles': ['ORG_MEMBER']}, 'desc'),
    ('', {'desc': 'x', 'roles': ['ORG_MEMBER'], 'publicKey': 'abcdefgh'}, 'publicKey'),
])
def test_create_is_validated(api, org_id, path, body, field):
    response = api.post(f'/orgs/{org_id}/apiKeys{path}', body)
    assert response.status_code == 400, response.text
    assert field in [item['field'] for item in response.json()['badRequestDetail']['fields']]


def test_update_needs_one_field_and_a_role(api, org_id):
    key = new_key(api, org_id)
    path = f"/orgs/{org_id}/apiKeys/{key['id']}"
    assert api.patch(path, {}).status_code == 400
    assert api.patch(path, {'roles': []}).status_code == 400
    assert api.get(path).json()['roles'] == [{'orgId': org_id, 'roleName': 'ORG_MEMBER'}]


def test_unknown_and_foreign_keys_are_not_found(api, org_id, info):
    assert api.get(f'/orgs/{org_id}/apiKeys/0123456789abcdef01234567').status_code == 404
    assert api.get(f"/orgs/{info['orgs'][1]['id']}/apiKeys").status_code == 404


def test_access_list(sim, api, org_id):
    key = new_key(api, org_id, roles=['ORG_OWNER'])
    path = f"/orgs/{org_id}/apiKeys/{key['id']}/accessList"
    response = api.post(path, [{'ipAddress': '192.0.2.10'}, {'cidrBlock': '198.51.100.0/24'}, {'ipAddress': '192.0.2.10'}])
    assert response.status_code == 200 and response.headers['Content-Type'] == KEY_TYPE
    body = response.json()
    assert body['totalCount'] == 2
    assert [(e.get('ipAddress'), e.get('cidrBlock')) for e in body['results']] == [('192.0.2.10', None), (None, '198.51.100.0/24')]
    assert body['results'][1]['links'][0]['href'].endswith(f'{path}/198.51.100.0%2F24')
    assert 'count' not in body['results'][0] and body['results'][0]['created'].endswith('Z')
    assert api.get(f'{path}/198.51.100.0%2F24').json()['cidrBlock'] == '198.51.100.0/24'
    assert api.get(f'{path}/203.0.113.1').status_code == 404
    # The key now only works from listed addresses: 127.0.0.1 is not one.
    client = digest(sim, key)
    response = client.get(f'/orgs/{org_id}/apiKeys')
    assert response.status_code == 403 and response.json()['errorCode'] == 'IP_ADDRESS_NOT_ON_ACCESS_LIST'
    api.post(path, [{'cidrBlock': '127.0.0.0/8'}])
    assert client.get(f'/orgs/{org_id}/apiKeys').status_code == 200
    used = api.get(f'{path}/127.0.0.0%2F8').json()
    assert used['count'] == 1 and used['lastUsedAddress'] == '127.0.0.1' and used['lastUsed'].endswith('Z')
    # A key cannot remove the entry its own request comes through; the owner can.
    response = client.delete(f'{path}/127.0.0.0%2F8')
    assert response.status_code == 400 and response.json()['errorCode'] == 'CANNOT_REMOVE_CALLER_ACCESS_LIST_ENTRY'
    assert client.delete(f'{path}/192.0.2.10').status_code == 204
    assert api.delete(f'{path}/127.0.0.0%2F8').status_code == 204
    assert [e['cidrBlock'] for e in api.get(path).json()['results']] == ['198.51.100.0/24']


@pytest.mark.parametrize('body', [[{}], [{'ipAddress': '192.0.2.1', 'cidrBlock': '192.0.2.0/24'}],
                                  [{'ipAddress': 'not an address'}], [{'cidrBlock': '999.1.1.1/24'}]])
def test_access_list_entries_are_validated(api, org_id, body):
    key = new_key(api, org_id)
    response = api.post(f"/orgs/{org_id}/apiKeys/{key['id']}/accessList", body)
    assert response.status_code == 400 and response.json()['errorCode'] == 'VALIDATION_ERROR'
    assert api.get(f"/orgs/{org_id}/apiKeys/{key['id']}/accessList").json()['results'] == []


def test_admin_key_in_state_dump_has_no_private_key(sim, api, org_id, info):
    new_key(api, org_id)
    state = requests.get(sim.url + '/_sim/state', timeout=30)
    assert info['admin']['private_key'] not in state.text
    keys = [key for key in state.json()['apiKeys'] if key['orgId'] == org_id]
    assert len(keys) == 2 and all(set(key) >= {'id', 'publicKey', 'roles', 'desc', 'accessList'} for key in keys)
