# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Service account access lists: add, list, delete, limits, own-IP protection and enforcement."""

from conftest import Api, mint, new_org_account, new_project_account


def test_add_list_and_delete(api, org_id):
    account = new_org_account(api, org_id)
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/accessList"
    response = api.post(path, [{'ipAddress': '203.0.113.10'}, {'cidrBlock': '198.51.100.0/24'}, {'ipAddress': '203.0.113.10'}])
    assert response.status_code == 200
    body = response.json()
    assert body['totalCount'] == 2
    assert [(e.get('ipAddress'), e.get('cidrBlock')) for e in body['results']] == [('203.0.113.10', None), (None, '198.51.100.0/24')]
    assert all(e['createdAt'] and e['requestCount'] == 0 for e in body['results'])
    assert api.post(path, [{'ipAddress': '203.0.113.10'}]).json()['totalCount'] == 2
    assert 'totalCount' not in api.get(path, params={'includeCount': 'false'}).json()
    assert api.delete(f'{path}/198.51.100.0%2F24').status_code == 204
    assert api.delete(f'{path}/203.0.113.10').status_code == 204
    assert api.delete(f'{path}/203.0.113.10').status_code == 404
    assert api.get(path).json()['results'] == []


def test_entries_are_validated(api, org_id):
    account = new_org_account(api, org_id)
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/accessList"
    for body in ([{}], [{'ipAddress': '1.2.3.4', 'cidrBlock': '1.2.3.0/24'}], [{'ipAddress': '300.1.1.1'}],
                 [{'cidrBlock': '999.1.1.0/24'}], [{'ipAddress': '1.2.3.4'}] * 201):
        response = api.post(path, body)
        assert response.status_code == 400 and response.json()['errorCode'] == 'VALIDATION_ERROR', body


def test_201st_entry_is_refused(api, org_id):
    account = new_org_account(api, org_id)
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/accessList"
    assert api.post(path, [{'ipAddress': f'10.0.{i // 250}.{i % 250}'} for i in range(200)]).json()['totalCount'] == 200
    response = api.post(path, [{'ipAddress': '10.9.9.9'}])
    assert response.status_code == 400
    assert response.json()['errorCode'] == 'SERVICE_ACCOUNT_MAX_ACCESS_LIST_ENTRIES_REACHED'


def test_requester_ip_cannot_be_removed(api, org_id):
    account = new_org_account(api, org_id)
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/accessList"
    api.post(path, [{'ipAddress': '127.0.0.1'}, {'cidrBlock': '127.0.0.0/8'}, {'ipAddress': '192.0.2.1'}])
    for entry in ('127.0.0.1', '127.0.0.0%2F8'):
        response = api.delete(f'{path}/{entry}')
        assert response.status_code == 400 and response.json()['errorCode'] == 'CANNOT_REMOVE_CALLER_ACCESS_LIST_ENTRY'
    assert api.delete(f'{path}/192.0.2.1').status_code == 204


def test_access_list_is_enforced_and_counted(sim, api, org_id):
    account = new_org_account(api, org_id, roles=['ORG_READ_ONLY'])
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/accessList"
    own = Api(sim, token=mint(sim, account['clientId'], account['secrets'][0]['secret']))
    api.post(path, [{'ipAddress': '192.0.2.1'}])
    response = own.get(f'/orgs/{org_id}/serviceAccounts')
    assert response.status_code == 403 and response.json()['errorCode'] == 'IP_ADDRESS_NOT_ON_ACCESS_LIST'
    mint(sim, account['clientId'], account['secrets'][0]['secret'])  # minting is allowed from anywhere
    api.post(path, [{'cidrBlock': '127.0.0.0/8'}])
    assert own.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    assert own.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    entry = [e for e in api.get(path).json()['results'] if e.get('cidrBlock')][0]
    assert entry['requestCount'] == 2 and entry['lastUsedAddress'] == '127.0.0.1' and entry['lastUsedAt']


def test_project_access_list(api, project_id):
    account = new_project_account(api, project_id, roles=['GROUP_OWNER'])
    path = f"/groups/{project_id}/serviceAccounts/{account['clientId']}/accessList"
    assert api.post(path, [{'cidrBlock': '2001:db8::/32'}]).json()['results'][0]['cidrBlock'] == '2001:db8::/32'
    assert api.get(path).json()['totalCount'] == 1
    assert api.delete(f'{path}/2001:db8::%2F32').status_code == 204
