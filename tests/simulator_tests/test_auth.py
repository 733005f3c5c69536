# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""OAuth tokens, Bearer and Digest authentication, limits on tokens, and role-based authorization."""

import urllib.parse

import requests

from conftest import Api, basic, control, mint, new_org_account, new_project_account


def token_request(sim, client_id, secret, grant='client_credentials'):
    """POST /api/oauth/token as the docs' curl example does."""
    return requests.post(sim.url + '/api/oauth/token', data={'grant_type': grant},
                         headers={'Authorization': basic(client_id, secret), 'Accept': 'application/json'}, timeout=30)


def journal(sim):
    return control(sim, 'GET', 'journal')['entries']


def test_token_flow(sim, info, org_id):
    admin = info['admin']
    response = token_request(sim, admin['client_id'], admin['client_secret'])
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/json'
    body = response.json()
    assert body['token_type'] == 'Bearer' and body['expires_in'] == 3600 and body['access_token']
    api = Api(sim, token=body['access_token'])
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    entry = journal(sim)[-1]
    assert entry['auth'] == 'bearer' and entry['client_id'] == admin['client_id']


def test_url_encoded_basic_credentials_are_accepted(sim, info):
    admin = info['admin']
    encoded = urllib.parse.quote_plus(admin['client_id']), urllib.parse.quote_plus(admin['client_secret'])
    assert token_request(sim, *encoded).status_code == 200


def test_bad_credentials_and_grant(sim, info):
    admin = info['admin']
    response = token_request(sim, admin['client_id'], 'mdb_sa_sk_wrong')
    assert response.status_code == 401 and response.json()['errorCode'] == 'INVALID_CLIENT'
    assert token_request(sim, admin['client_id'], admin['client_secret'], grant='password').status_code == 400
    response = requests.post(sim.url + '/api/oauth/token', data={'grant_type': 'client_credentials'}, timeout=30)
    assert response.status_code == 401


def test_missing_auth_gets_a_digest_challenge_and_is_journaled(sim, org_id):
    response = requests.get(f'{sim.url}/api/atlas/v2/orgs/{org_id}/serviceAccounts',
                            headers={'Accept': 'application/vnd.atlas.2024-08-05+json'}, timeout=30)
    assert response.status_code == 401
    assert response.json()['errorCode'] == 'UNAUTHORIZED'
    challenge = response.headers['WWW-Authenticate']
    assert challenge.startswith('Digest realm="MMS Public API", domain="", nonce="')
    assert challenge.endswith('algorithm=MD5, qop="auth", stale=false')
    assert journal(sim)[-1]['auth'] == 'none' and journal(sim)[-1]['status'] == 401


def test_digest_with_requests(sim, digest_api, org_id, info):
    mark = control(sim, 'POST', 'journal/mark')['mark']
    assert digest_api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    assert digest_api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    entries = control(sim, 'GET', f'journal?since={mark}')['entries']
    assert [(e['auth'], e['status']) for e in entries] == [('none', 401), ('digest', 200), ('digest', 200)]
    assert entries[1]['public_key'] == info['admin']['public_key']


def test_bad_digest_password(sim, info, org_id):
    api = Api(sim, auth=requests.auth.HTTPDigestAuth(info['admin']['public_key'], 'wrong'))
    assert api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 401


def test_stale_nonce_is_rechallenged(sim, digest_api, org_id):
    assert digest_api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    control(sim, 'POST', 'clock', {'advance_seconds': 600})
    mark = control(sim, 'POST', 'journal/mark')['mark']
    assert digest_api.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    entries = control(sim, 'GET', f'journal?since={mark}')['entries']
    assert [e['status'] for e in entries] == [401, 200]


def test_bad_revoked_and_expired_bearer_tokens(sim, info, org_id):
    assert Api(sim, token='nonsense').get(f'/orgs/{org_id}/serviceAccounts').status_code == 401
    admin = info['admin']
    token = mint(sim, admin['client_id'], admin['client_secret'])
    response = requests.post(sim.url + '/api/oauth/revoke', data={'token': token, 'token_type_hint': 'access_token'},
                             headers={'Authorization': basic(admin['client_id'], admin['client_secret'])}, timeout=30)
    assert response.status_code == 200
    assert Api(sim, token=token).get(f'/orgs/{org_id}/serviceAccounts').status_code == 401
    token = mint(sim, admin['client_id'], admin['client_secret'])
    control(sim, 'POST', 'clock', {'advance_seconds': 3599})
    assert Api(sim, token=token).get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    control(sim, 'POST', 'clock', {'advance_seconds': 2})
    response = Api(sim, token=token).get(f'/orgs/{org_id}/serviceAccounts')
    assert response.status_code == 401 and 'expired' in response.json()['detail']


def test_deleted_and_expired_secrets_cannot_mint(sim, api, org_id):
    account = new_org_account(api, org_id, hours=8)
    client_id, first = account['clientId'], account['secrets'][0]
    assert token_request(sim, client_id, first['secret']).status_code == 200
    second = api.post(f'/orgs/{org_id}/serviceAccounts/{client_id}/secrets', {'secretExpiresAfterHours': 48}).json()
    assert api.delete(f"/orgs/{org_id}/serviceAccounts/{client_id}/secrets/{first['id']}").status_code == 204
    assert token_request(sim, client_id, first['secret']).status_code == 401
    assert token_request(sim, client_id, second['secret']).status_code == 200
    control(sim, 'POST', 'clock', {'advance_hours': 49})
    assert token_request(sim, client_id, second['secret']).status_code == 401
    listed = Api(sim, token=mint(sim, *admin_credentials(sim))).get(f'/orgs/{org_id}/serviceAccounts/{client_id}').json()
    assert listed['secrets'][0]['id'] == second['id'] and listed['secrets'][0]['expiresAt'] == second['expiresAt']


def admin_credentials(sim):
    admin = sim.info['admin']
    return admin['client_id'], admin['client_secret']


def test_secret_last_used_is_recorded(sim, api, org_id):
    account = new_org_account(api, org_id)
    assert 'lastUsedAt' not in account['secrets'][0]
    mint(sim, account['clientId'], account['secrets'][0]['secret'])
    fetched = api.get(f"/orgs/{org_id}/serviceAccounts/{account['clientId']}").json()
    assert fetched['secrets'][0]['lastUsedAt']


def test_deleted_account_loses_credentials_and_tokens(sim, api, org_id):
    account = new_org_account(api, org_id, roles=['ORG_READ_ONLY'])
    token = mint(sim, account['clientId'], account['secrets'][0]['secret'])
    assert Api(sim, token=token).get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
    assert api.delete(f"/orgs/{org_id}/serviceAccounts/{account['clientId']}").status_code == 204
    assert Api(sim, token=token).get(f'/orgs/{org_id}/serviceAccounts').status_code == 401
    assert token_request(sim, account['clientId'], account['secrets'][0]['secret']).status_code == 401


def test_101st_active_token_is_refused(sim, api, org_id):
    account = new_org_account(api, org_id)
    client_id, secret = account['clientId'], account['secrets'][0]['secret']
    tokens = []
    for minute in range(3):
        for _attempt in range(34 if minute < 2 else 32):
            tokens.append(mint(sim, client_id, secret))
        control(sim, 'POST', 'clock', {'advance_seconds': 61})
    assert len(tokens) == 100
    response = token_request(sim, client_id, secret)
    assert response.status_code == 403 and response.json()['errorCode'] == 'ACCESS_TOKEN_LIMIT_REACHED'
    requests.post(sim.url + '/api/oauth/revoke', data={'token': tokens[0]}, headers={'Authorization': basic(client_id, secret)},
                  timeout=30)
    assert token_request(sim, client_id, secret).status_code == 200


def test_token_endpoint_rate_limit(sim, info):
    client_id, secret = admin_credentials(sim)
    for _attempt in range(50):
        assert token_request(sim, client_id, secret).status_code == 200
    response = token_request(sim, client_id, secret)
    assert response.status_code == 429
    assert int(response.headers['Retry-After']) >= 1
    assert response.json() == {'detail': 'Resource /api/oauth/token is limited to 50 requests every 1 minutes.', 'error': 429,
                               'errorCode': 'RATE_LIMITED', 'parameters': ['/api/oauth/token', 50, 1], 'reason': 'Too Many Requests'}
    assert token_request(sim, 'mdb_sa_id_000000000000000000000000', 'x').status_code == 401  # per client id
    control(sim, 'POST', 'clock', {'advance_seconds': 61})
    assert token_request(sim, client_id, secret).status_code == 200
    assert info['admin']['client_id'] == client_id


def test_read_only_org_accounts_cannot_write(sim, api, org_id):
    for role in ('ORG_READ_ONLY', 'ORG_MEMBER'):
        account = new_org_account(api, org_id, roles=[role])
        reader = Api(sim, token=mint(sim, account['clientId'], account['secrets'][0]['secret']))
        assert reader.get(f'/orgs/{org_id}/serviceAccounts').status_code == 200
        response = reader.post(f'/orgs/{org_id}/serviceAccounts',
                               {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 8})
        assert response.status_code == 403 and response.json()['errorCode'] == 'USER_UNAUTHORIZED'


def test_org_owner_account_can_manage_its_org(sim, api, org_id):
    account = new_org_account(api, org_id, roles=['ORG_OWNER'])
    owner = Api(sim, token=mint(sim, account['clientId'], account['secrets'][0]['secret']))
    created = new_org_account(owner, org_id, name='made by owner')
    assert owner.delete(f"/orgs/{org_id}/serviceAccounts/{created['clientId']}").status_code == 204


def test_project_owner_manages_only_its_project(sim, api, info):
    project, other = info['project_ids'][0], info['project_ids'][1]
    owner_account = new_project_account(api, project, roles=['GROUP_OWNER'])
    owner = Api(sim, token=mint(sim, owner_account['clientId'], owner_account['secrets'][0]['secret']))
    created = new_project_account(owner, project, name='made by project owner')
    assert owner.patch(f"/groups/{project}/serviceAccounts/{created['clientId']}", {'name': 'renamed'}).status_code == 200
    assert owner.get(f'/groups/{other}/serviceAccounts').status_code == 403
    assert owner.post(f"/groups/{other}/serviceAccounts/{created['clientId']}:invite", {'roles': ['GROUP_OWNER']}).status_code == 403
    reader_account = new_project_account(api, project, roles=['GROUP_READ_ONLY'])
    reader = Api(sim, token=mint(sim, reader_account['clientId'], reader_account['secrets'][0]['secret']))
    assert reader.get(f'/groups/{project}/serviceAccounts').status_code == 200
    assert reader.patch(f"/groups/{project}/serviceAccounts/{created['clientId']}", {'name': 'x'}).status_code == 403


def test_other_org_and_unknown_ids_are_not_found(api, info):
    other_org = info['orgs'][1]
    for path in (f"/orgs/{other_org['id']}/serviceAccounts", f"/groups/{other_org['project_ids'][0]}/serviceAccounts",
                 '/orgs/0123456789abcdef01234567/serviceAccounts', '/groups/0123456789abcdef01234567/serviceAccounts',
                 f"/orgs/{info['org_id']}/serviceAccounts/mdb_sa_id_0123456789abcdef01234567"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()['errorCode'] == 'RESOURCE_NOT_FOUND'
        assert response.json()['detail'] == f'Cannot find resource /api/atlas/v2{path}.'
