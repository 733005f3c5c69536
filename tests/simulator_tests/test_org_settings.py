# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Organization settings (GET/PATCH /orgs/{orgId}/settings) and the secret lifetime they bound."""

import pytest

from atlas_simulator import Simulator
from conftest import Api, mint, new_org_account, new_project_account

SETTINGS_TYPE = 'application/vnd.atlas.2023-01-01+json'


def as_account(sim, account):
    """A client authenticated as a freshly created account (its first secret)."""
    return Api(sim, token=mint(sim, account['clientId'], account['secrets'][0]['secret']))


def test_owner_reads_the_defaults(api, org_id):
    response = api.get(f'/orgs/{org_id}/settings')
    assert response.status_code == 200
    assert response.headers['Content-Type'] == SETTINGS_TYPE
    assert response.json() == {
        'apiAccessListRequired': False, 'genAIFeaturesEnabled': True, 'maxServiceAccountSecretValidityInHours': 8760,
        'multiFactorAuthRequired': False, 'restrictEmployeeAccess': False, 'streamsCrossGroupEnabled': False}


def test_patch_changes_only_the_given_fields(api, org_id):
    response = api.patch(f'/orgs/{org_id}/settings', {'maxServiceAccountSecretValidityInHours': 48,
                                                      'securityContact': 'sec@example.com'})
    assert response.status_code == 200 and response.headers['Content-Type'] == SETTINGS_TYPE
    body = response.json()
    assert body['maxServiceAccountSecretValidityInHours'] == 48 and body['securityContact'] == 'sec@example.com'
    assert body['genAIFeaturesEnabled'] is True and body['multiFactorAuthRequired'] is False
    again = api.patch(f'/orgs/{org_id}/settings', {'multiFactorAuthRequired': True}).json()
    assert again == dict(body, multiFactorAuthRequired=True)
    assert api.get(f'/orgs/{org_id}/settings').json() == again


def test_contacts_and_session_timeouts(api, org_id):
    path = f'/orgs/{org_id}/settings'
    body = api.patch(path, {'operationsContact': 'ops@example.com', 'securityContact': 'sec@example.com',
                            'customSessionTimeouts': {'absoluteSessionTimeoutInSeconds': 7200}}).json()
    assert body['operationsContact'] == 'ops@example.com'
    assert body['customSessionTimeouts'] == {'absoluteSessionTimeoutInSeconds': 7200}
    body = api.patch(path, {'customSessionTimeouts': {'idleSessionTimeoutInSeconds': 600}}).json()
    assert body['customSessionTimeouts'] == {'absoluteSessionTimeoutInSeconds': 7200, 'idleSessionTimeoutInSeconds': 600}
    # Spec text: null clears the operations contact, an empty string clears the security contact ...
    body = api.patch(path, {'operationsContact': None, 'securityContact': ''}).json()
    assert 'operationsContact' not in body and 'securityContact' not in body
    # ... and an empty operations contact is refused.
    assert api.patch(path, {'operationsContact': ''}).status_code == 400


@pytest.mark.parametrize('change, field', [
    ({'maxServiceAccountSecretValidityInHours': 7}, 'maxServiceAccountSecretValidityInHours'),
    ({'maxServiceAccountSecretValidityInHours': 8761}, 'maxServiceAccountSecretValidityInHours'),
    ({'genAIFeaturesEnabled': 'yes'}, 'genAIFeaturesEnabled'),
    ({'unknownSetting': True}, 'unknownSetting'),
    ({'customSessionTimeouts': {'absoluteSessionTimeoutInSeconds': 3599}}, 'customSessionTimeouts.absoluteSessionTimeoutInSeconds'),
    ({'customSessionTimeouts': {'idleSessionTimeoutInSeconds': 299}}, 'customSessionTimeouts.idleSessionTimeoutInSeconds'),
    ({'customSessionTimeouts': {'absoluteSessionTimeoutInSeconds': 3600, 'idleSessionTimeoutInSeconds': 3601}},
     'customSessionTimeouts.idleSessionTimeoutInSeconds'),
])
def test_invalid_patches_are_refused_and_change_nothing(api, org_id, change, field):
    before = api.get(f'/orgs/{org_id}/settings').json()
    response = api.patch(f'/orgs/{org_id}/settings', change)
    assert response.status_code == 400 and response.json()['errorCode'] == 'VALIDATION_ERROR'
    assert field in [item['field'] for item in response.json()['badRequestDetail']['fields']]
    assert api.get(f'/orgs/{org_id}/settings').json() == before


@pytest.mark.parametrize('roles', [['ORG_READ_ONLY'], ['ORG_MEMBER'], ['ORG_BILLING_ADMIN']])
def test_members_read_but_only_owners_patch(sim, api, org_id, roles):
    member = as_account(sim, new_org_account(api, org_id, roles=roles))
    assert member.get(f'/orgs/{org_id}/settings').status_code == 200
    response = member.patch(f'/orgs/{org_id}/settings', {'maxServiceAccountSecretValidityInHours': 8})
    assert response.status_code == 403 and response.json()['errorCode'] == 'USER_UNAUTHORIZED'
    assert api.get(f'/orgs/{org_id}/settings').json()['maxServiceAccountSecretValidityInHours'] == 8760


def test_project_account_reads_as_org_member(sim, api, org_id, project_id):
    bot = as_account(sim, new_project_account(api, project_id, roles=['GROUP_OWNER']))
    assert bot.get(f'/orgs/{org_id}/settings').status_code == 200
    assert bot.patch(f'/orgs/{org_id}/settings', {'genAIFeaturesEnabled': False}).status_code == 403


def test_digest_owner_patches_and_other_orgs_are_invisible(digest_api, org_id, info):
    assert digest_api.patch(f'/orgs/{org_id}/settings', {'restrictEmployeeAccess': True}).json()['restrictEmployeeAccess']
    other_org = info['orgs'][1]['id']
    for response in (digest_api.get(f'/orgs/{other_org}/settings'),
                     digest_api.patch(f'/orgs/{other_org}/settings', {'restrictEmployeeAccess': True})):
        assert response.status_code == 404 and response.json()['errorCode'] == 'RESOURCE_NOT_FOUND'


def test_org_maximum_bounds_every_new_secret(api, org_id, project_id):
    existing = new_org_account(api, org_id, hours=100)
    assert api.patch(f'/orgs/{org_id}/settings', {'maxServiceAccountSecretValidityInHours': 72}).status_code == 200
    attempts = [
        api.post(f'/orgs/{org_id}/serviceAccounts',
                 {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 73}),
        api.post(f'/groups/{project_id}/serviceAccounts',
                 {'name': 'n', 'description': 'd', 'roles': ['GROUP_OWNER'], 'secretExpiresAfterHours': 73}),
        api.post(f"/orgs/{org_id}/serviceAccounts/{existing['clientId']}/secrets", {'secretExpiresAfterHours': 73}),
    ]
    for response in attempts:
        assert response.status_code == 400
        body = response.json()
        assert body['errorCode'] == 'INVALID_SECRET_EXPIRATION'
        assert 'between 8 and 72' in body['detail'] and 'maxServiceAccountSecretValidityInHours = 72' in body['detail']
    assert new_org_account(api, org_id, hours=72)['secrets'][0]['expiresAt']
    secret = api.post(f"/orgs/{org_id}/serviceAccounts/{existing['clientId']}/secrets", {'secretExpiresAfterHours': 72})
    assert secret.status_code == 201
    # Existing secrets keep their lifetime.
    listed = api.get(f"/orgs/{org_id}/serviceAccounts/{existing['clientId']}").json()['secrets']
    assert listed[0]['expiresAt'] == existing['secrets'][0]['expiresAt']


def test_seeded_max_secret_hours_is_the_initial_setting():
    seed = {'orgs': [{'id': 'aaaaaaaaaaaaaaaaaaaaaaaa', 'max_secret_hours': 24, 'projects': []}],
            'admin': {'org_id': 'aaaaaaaaaaaaaaaaaaaaaaaa', 'client_id': 'mdb_sa_id_cccccccccccccccccccccccc',
                      'client_secret': 'mdb_sa_sk_custom', 'public_key': 'abcdefgh',
                      'private_key': '00000000-0000-4000-8000-000000000000'}}
    sim = Simulator(seed=seed)
    sim.start()
    try:
        api = Api(sim, token=mint(sim, 'mdb_sa_id_cccccccccccccccccccccccc', 'mdb_sa_sk_custom'))
        assert api.get('/orgs/aaaaaaaaaaaaaaaaaaaaaaaa/settings').json()['maxServiceAccountSecretValidityInHours'] == 24
        response = api.post('/orgs/aaaaaaaaaaaaaaaaaaaaaaaa/serviceAccounts',
                            {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 25})
        assert response.json()['errorCode'] == 'INVALID_SECRET_EXPIRATION'
        assert not sim.violations
    finally:
        sim.stop()


def test_reset_restores_the_settings(sim, api, org_id):
    api.patch(f'/orgs/{org_id}/settings', {'maxServiceAccountSecretValidityInHours': 8})
    sim.reset()
    assert sim.state.orgs[org_id].max_secret_hours == 8760
