# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Organization and project service accounts, secrets, pagination, envelope and pretty."""

import json
import re

import pytest

from conftest import mint, new_org_account, new_project_account

CLIENT_ID = re.compile(r'^mdb_sa_id_[0-9a-f]{24}$')


def test_org_account_lifecycle(api, org_id):
    assert api.get(f'/orgs/{org_id}/serviceAccounts').json() == {
        'results': [], 'totalCount': 0, 'links': [
            {'href': f'{api.url}/api/atlas/v2/orgs/{org_id}/serviceAccounts?pageNum=1&itemsPerPage=100', 'rel': 'self'}]}
    response = api.post(f'/orgs/{org_id}/serviceAccounts',
                        {'name': 'CI bot', 'description': 'Runs CI', 'roles': ['ORG_READ_ONLY', 'ORG_READ_ONLY'],
                         'secretExpiresAfterHours': 24})
    assert response.status_code == 201
    assert response.headers['Content-Type'] == 'application/vnd.atlas.2024-08-05+json'
    assert int(response.headers['RateLimit-Limit']) >= int(response.headers['RateLimit-Remaining'])
    created = response.json()
    assert CLIENT_ID.match(created['clientId']) and created['roles'] == ['ORG_READ_ONLY']
    secret = created['secrets'][0]
    assert secret['secret'].startswith('mdb_sa_sk_') and secret['maskedSecretValue'].endswith(secret['secret'][-4:])
    path = f"/orgs/{org_id}/serviceAccounts/{created['clientId']}"
    fetched = api.get(path).json()
    assert 'secret' not in fetched['secrets'][0]
    assert fetched['secrets'][0]['maskedSecretValue'].startswith('mdb_sa_sk_****')
    updated = api.patch(path, {'name': None, 'description': 'Runs CI and CD'}).json()
    assert (updated['name'], updated['description'], updated['roles']) == ('CI bot', 'Runs CI and CD', ['ORG_READ_ONLY'])
    assert api.patch(path, {'roles': ['ORG_OWNER']}).json()['roles'] == ['ORG_OWNER']
    assert api.patch(path, {'roles': []}).status_code == 400
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    assert api.delete(path).status_code == 404


def test_names_are_not_unique(api, org_id):
    first, second = new_org_account(api, org_id, name='twin'), new_org_account(api, org_id, name='twin')
    assert first['clientId'] != second['clientId']
    assert api.get(f'/orgs/{org_id}/serviceAccounts').json()['totalCount'] == 2


def test_admin_is_system_managed(api, org_id, info):
    assert api.get(f'/orgs/{org_id}/serviceAccounts').json()['results'] == []
    listed = api.get(f'/orgs/{org_id}/serviceAccounts', params={'includeSystemManaged': 'true'}).json()['results']
    assert [item['clientId'] for item in listed] == [info['admin']['client_id']]


def test_pagination_over_three_pages(api, org_id):
    ids = [new_org_account(api, org_id, name=f'acct {i}')['clientId'] for i in range(7)]
    seen = []
    for page in (1, 2, 3):
        body = api.get(f'/orgs/{org_id}/serviceAccounts', params={'itemsPerPage': 3, 'pageNum': page}).json()
        assert body['totalCount'] == 7
        rels = {link['rel']: link['href'] for link in body['links']}
        assert rels['self'].endswith(f'pageNum={page}&itemsPerPage=3')
        assert ('previous' in rels) == (page > 1) and ('next' in rels) == (page < 3)
        seen += [item['clientId'] for item in body['results']]
    assert seen == ids
    assert api.get(f'/orgs/{org_id}/serviceAccounts', params={'itemsPerPage': 3, 'pageNum': 4}).json()['results'] == []


def test_secrets_limit_and_delete(api, org_id):
    account = new_org_account(api, org_id)
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/secrets"
    second = api.post(path, {'secretExpiresAfterHours': 8})
    assert second.status_code == 201
    body = second.json()
    assert body['secret'].startswith('mdb_sa_sk_') and set(body) >= {'id', 'createdAt', 'expiresAt', 'maskedSecretValue'}
    third = api.post(path, {'secretExpiresAfterHours': 8})
    assert third.status_code == 400 and third.json()['errorCode'] == 'SERVICE_ACCOUNT_MAX_SECRETS_REACHED'
    assert api.post(path, {}).status_code == 400
    assert api.delete(f'{path}/0123456789abcdef01234567').status_code == 404
    assert api.delete(f"{path}/{body['id']}").status_code == 204
    assert api.post(path, {'secretExpiresAfterHours': 8760}).status_code == 201


def test_201st_account_is_refused(api, org_id, project_id):
    for i in range(199):
        body = {'name': f'bulk {i}', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 8}
        assert api.post(f'/orgs/{org_id}/serviceAccounts', body).status_code == 201
    new_project_account(api, project_id)
    for path, roles in ((f'/orgs/{org_id}/serviceAccounts', ['ORG_MEMBER']), (f'/groups/{project_id}/serviceAccounts', ['GROUP_OWNER'])):
        response = api.post(path, {'name': 'one too many', 'description': 'd', 'roles': roles, 'secretExpiresAfterHours': 8})
        assert response.status_code == 400 and response.json()['errorCode'] == 'SERVICE_ACCOUNT_MAX_ACCOUNTS_REACHED'


def test_project_account_semantics(api, org_id, info):
    project, second_project = info['project_ids'][0], info['project_ids'][1]
    created = new_project_account(api, project, roles=['GROUP_OWNER', 'GROUP_CLUSTER_MANAGER'])
    client_id = created['clientId']
    assert created['roles'] == ['GROUP_OWNER', 'GROUP_CLUSTER_MANAGER'] and created['secrets'][0]['secret']
    assert api.get(f'/orgs/{org_id}/serviceAccounts/{client_id}').json()['roles'] == ['ORG_MEMBER']
    assert [a['clientId'] for a in api.get(f'/groups/{project}/serviceAccounts').json()['results']] == [client_id]
    assert api.get(f'/groups/{second_project}/serviceAccounts').json()['results'] == []
    assert api.get(f'/groups/{second_project}/serviceAccounts/{client_id}').status_code == 404

    invited = api.post(f'/groups/{second_project}/serviceAccounts/{client_id}:invite', {'roles': ['GROUP_READ_ONLY']})
    assert invited.status_code == 200 and invited.json()['roles'] == ['GROUP_READ_ONLY']
    again = api.post(f'/groups/{second_project}/serviceAccounts/{client_id}:invite', {'roles': ['GROUP_BACKUP_MANAGER']})
    assert again.json()['roles'] == ['GROUP_BACKUP_MANAGER']
    groups = api.get(f'/orgs/{org_id}/serviceAccounts/{client_id}/groups').json()
    assert groups['results'] == [{'groupId': project, 'roles': ['GROUP_OWNER', 'GROUP_CLUSTER_MANAGER']},
                                 {'groupId': second_project, 'roles': ['GROUP_BACKUP_MANAGER']}]
    assert groups['totalCount'] == 2

    patched = api.patch(f'/groups/{project}/serviceAccounts/{client_id}', {'roles': ['GROUP_READ_ONLY'], 'name': 'renamed'})
    assert patched.json()['roles'] == ['GROUP_READ_ONLY'] and patched.json()['name'] == 'renamed'
    assert api.patch(f'/groups/{project}/serviceAccounts/{client_id}', {'roles': ['ORG_OWNER']}).status_code == 400

    secret = api.post(f'/groups/{project}/serviceAccounts/{client_id}/secrets', {'secretExpiresAfterHours': 8}).json()
    assert api.delete(f"/groups/{project}/serviceAccounts/{client_id}/secrets/{secret['id']}").status_code == 204

    assert api.delete(f'/groups/{project}/serviceAccounts/{client_id}').status_code == 204
    assert api.get(f'/groups/{project}/serviceAccounts/{client_id}').status_code == 404
    still = api.get(f'/orgs/{org_id}/serviceAccounts/{client_id}').json()
    assert still['clientId'] == client_id and len(still['secrets']) == 1
    assert [g['groupId'] for g in api.get(f'/orgs/{org_id}/serviceAccounts/{client_id}/groups').json()['results']] == [second_project]

    assert api.delete(f'/orgs/{org_id}/serviceAccounts/{client_id}').status_code == 204
    assert api.get(f'/groups/{second_project}/serviceAccounts').json()['results'] == []


def test_invite_of_unknown_or_foreign_account(api, info):
    project = info['project_ids'][0]
    assert api.post(f'/groups/{project}/serviceAccounts/mdb_sa_id_0123456789abcdef01234567:invite',
                    {'roles': ['GROUP_OWNER']}).status_code == 404
    assert api.get(f'/groups/{project}/serviceAccounts/mdb_sa_id_0123456789abcdef01234567:invite').status_code == 405


def test_envelope_and_pretty(api, org_id):
    response = api.post(f'/orgs/{org_id}/serviceAccounts',
                        {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 8},
                        params={'envelope': 'true'})
    assert response.status_code == 200
    body = response.json()
    assert body['status'] == 201 and body['content']['name'] == 'n'
    listed = api.get(f'/orgs/{org_id}/serviceAccounts', params={'envelope': 'true'}).json()
    assert listed['status'] == 200 and listed['totalCount'] == 1
    deleted = api.delete(f"/orgs/{org_id}/serviceAccounts/{body['content']['clientId']}", params={'envelope': 'true'})
    assert deleted.status_code == 200 and deleted.json() == {'status': 204, 'content': None}
    missing = api.get(f'/orgs/{org_id}/serviceAccounts/mdb_sa_id_0123456789abcdef01234567', params={'envelope': 'true'})
    assert missing.status_code == 200 and missing.json()['status'] == 404
    assert missing.json()['content']['errorCode'] == 'RESOURCE_NOT_FOUND'
    pretty = api.get(f'/orgs/{org_id}/serviceAccounts', params={'pretty': 'true'})
    assert pretty.text == json.dumps(pretty.json(), indent=2)
    assert '\n' not in api.get(f'/orgs/{org_id}/serviceAccounts').text


def test_wrong_method_and_unknown_path(api, org_id):
    response = api.call('PUT', f'/orgs/{org_id}/serviceAccounts')
    assert response.status_code == 405 and response.headers['Allow'] == 'GET, POST'
    assert response.json()['errorCode'] == 'METHOD_NOT_ALLOWED'
    response = api.get(f'/orgs/{org_id}/teams')
    assert response.status_code == 404 and response.json()['errorCode'] == 'RESOURCE_NOT_FOUND'


def test_without_initial_secret(sim, api, org_id, project_id):
    for path, roles in ((f'/orgs/{org_id}/serviceAccounts', ['ORG_MEMBER']), (f'/groups/{project_id}/serviceAccounts', ['GROUP_OWNER'])):
        response = api.post(path, {'name': 'bare', 'description': 'd', 'roles': roles, 'withoutInitialSecret': True})
        assert response.status_code == 201, response.text
        created = response.json()
        assert created['secrets'] == []
        account_path = f"/orgs/{org_id}/serviceAccounts/{created['clientId']}"
        assert api.get(account_path).json()['secrets'] == []
        secret = api.post(f'{account_path}/secrets', {'secretExpiresAfterHours': 8})
        assert secret.status_code == 201 and secret.json()['secret'].startswith('mdb_sa_sk_')
        assert mint(sim, created['clientId'], secret.json()['secret'])
    explicit = api.post(f'/orgs/{org_id}/serviceAccounts', {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'],
                                                            'withoutInitialSecret': False, 'secretExpiresAfterHours': 8})
    assert explicit.status_code == 201 and len(explicit.json()['secrets']) == 1


@pytest.mark.parametrize('extra, description', [
    ({'withoutInitialSecret': True, 'secretExpiresAfterHours': 8}, 'must not be set when withoutInitialSecret is true'),
    ({}, 'is required'),
    ({'withoutInitialSecret': False}, 'is required'),
])
def test_secret_expiry_and_without_initial_secret_exclude_each_other(api, org_id, project_id, extra, description):
    for path, roles in ((f'/orgs/{org_id}/serviceAccounts', ['ORG_MEMBER']), (f'/groups/{project_id}/serviceAccounts', ['GROUP_OWNER'])):
        response = api.post(path, dict({'name': 'n', 'description': 'd', 'roles': roles}, **extra))
        assert response.status_code == 400
        body = response.json()
        assert body['errorCode'] == 'VALIDATION_ERROR'
        assert body['badRequestDetail']['fields'] == [{'field': 'secretExpiresAfterHours', 'description': description}]
    assert api.get(f'/orgs/{org_id}/serviceAccounts').json()['totalCount'] == 0
