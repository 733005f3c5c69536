# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API key migration organization of the default seed: listing keys with their project roles and
access lists, deleting keys, and secrets' lastUsedAt."""

import pytest
import requests

from conftest import Api, control, mint

MIGRATION_ORG = '65f1c0000000000000000003'
ALPHA, BETA, GAMMA = '65f1c0000000000000000031', '65f1c0000000000000000032', '65f1c0000000000000000033'
KEY_TYPE = 'application/vnd.atlas.2023-01-01+json'


@pytest.fixture
def migration(info):
    """The info document's entry of the migration organization."""
    return next(org for org in info['orgs'] if org['id'] == MIGRATION_ORG)


@pytest.fixture
def owner(sim, migration):
    """A client authenticated as the migration organization's admin service account."""
    return Api(sim, token=mint(sim, migration['admin']['client_id'], migration['admin']['client_secret']))


def key_client(sim, migration, public_key):
    private_key = next(key['private_key'] for key in migration['api_keys'] if key['public_key'] == public_key)
    return Api(sim, auth=requests.auth.HTTPDigestAuth(public_key, private_key))


def test_the_info_document_names_the_organization_and_its_identities(info, migration):
    assert [org['id'] for org in info['orgs']] == ['65f1a0000000000000000001', '65f1b0000000000000000002', MIGRATION_ORG]
    assert info['org_id'] == '65f1a0000000000000000001' and info['orgs'][0]['admin'] == info['admin']
    assert migration['name'] == 'API Key Migration Org' and migration['project_ids'] == [ALPHA, BETA, GAMMA]
    assert set(migration['admin']) == {'client_id', 'client_secret'}
    assert [key['public_key'] for key in migration['api_keys']] == [
        'migkeyaa', 'migkeybb', 'migkeycc', 'migkeydd', 'migkeyee', 'migkeyff']
    assert migration['service_accounts'][0]['name'] == 'Backup automation'


def test_listing_shows_org_and_project_roles_and_masks_private_keys(owner, migration):
    response = owner.get(f'/orgs/{MIGRATION_ORG}/apiKeys')
    assert response.status_code == 200 and response.headers['Content-Type'] == KEY_TYPE
    keys = {key['publicKey']: key for key in response.json()['results']}
    assert response.json()['totalCount'] == 6 and len(keys) == 6
    for seeded in migration['api_keys']:
        assert seeded['private_key'] not in response.text
        assert keys[seeded['public_key']]['privateKey'] == '********-****-****-' + seeded['private_key'][-12:]
    assert keys['migkeyaa']['roles'] == [{'orgId': MIGRATION_ORG, 'roleName': 'ORG_OWNER'}]
    assert keys['migkeycc']['roles'] == [{'orgId': MIGRATION_ORG, 'roleName': 'ORG_MEMBER'},
                                         {'groupId': ALPHA, 'roleName': 'GROUP_OWNER'},
                                         {'groupId': BETA, 'roleName': 'GROUP_READ_ONLY'}]
    assert keys['migkeydd']['roles'][1:] == [{'groupId': BETA, 'roleName': 'GROUP_CLUSTER_MANAGER'},
                                             {'groupId': BETA, 'roleName': 'GROUP_DATA_ACCESS_READ_ONLY'}]
    assert keys['migkeyee']['roles'] == [{'orgId': MIGRATION_ORG, 'roleName': 'ORG_GROUP_CREATOR'},
                                         {'orgId': MIGRATION_ORG, 'roleName': 'ORG_READ_ONLY'}]
    descriptions = [key['desc'] for key in keys.values()]
    assert descriptions.count('Deploy bot') == 2
    accounts = owner.get(f'/orgs/{MIGRATION_ORG}/serviceAccounts').json()['results']
    assert [account['name'] for account in accounts] == ['Backup automation'] and 'Backup automation' in descriptions
    single = owner.get(f"/orgs/{MIGRATION_ORG}/apiKeys/{keys['migkeycc']['id']}").json()
    assert single['roles'] == keys['migkeycc']['roles'] and single['privateKey'].startswith('********-')


def test_access_lists_of_the_keys(owner):
    keys = {key['publicKey']: key['id'] for key in owner.get(f'/orgs/{MIGRATION_ORG}/apiKeys').json()['results']}
    expected = {'migkeyaa': ['192.0.2.10', '2001:db8:0:0:0:0:0:10'], 'migkeybb': ['198.51.100.0/24'],
                'migkeycc': ['203.0.113.7', '2001:db8:abcd::/48'], 'migkeydd': [], 'migkeyee': ['192.0.2.55'],
                'migkeyff': ['203.0.113.0/24']}
    for public_key, entries in expected.items():
        listed = owner.get(f'/orgs/{MIGRATION_ORG}/apiKeys/{keys[public_key]}/accessList').json()
        assert [entry.get('ipAddress') or entry['cidrBlock'] for entry in listed['results']] == entries, public_key
        assert all('created' in entry and 'count' not in entry for entry in listed['results'])
    entry = owner.get(f"/orgs/{MIGRATION_ORG}/apiKeys/{keys['migkeybb']}/accessList/198.51.100.0%2F24")
    assert entry.status_code == 200 and entry.json()['cidrBlock'] == '198.51.100.0/24'


def test_the_organization_is_invisible_to_the_other_admins(api):
    for path in (f'/orgs/{MIGRATION_ORG}/apiKeys', f'/groups/{ALPHA}/serviceAccounts'):
        assert api.get(path).status_code == 404


def test_keys_work_under_their_roles_and_access_lists(sim, migration):
    unrestricted = key_client(sim, migration, 'migkeydd')  # empty access list, project roles in Beta only
    assert unrestricted.get(f'/groups/{BETA}/serviceAccounts').status_code == 200
    assert unrestricted.get(f'/groups/{ALPHA}/serviceAccounts').status_code == 403
    assert unrestricted.get(f'/orgs/{MIGRATION_ORG}/apiKeys').status_code == 200
    listed = key_client(sim, migration, 'migkeyaa').get(f'/orgs/{MIGRATION_ORG}/apiKeys')
    assert listed.status_code == 403 and listed.json()['errorCode'] == 'IP_ADDRESS_NOT_ON_ACCESS_LIST'


def test_patching_org_roles_keeps_project_roles(owner):
    path = f'/orgs/{MIGRATION_ORG}/apiKeys/65f1c00000000000000000c3'
    updated = owner.patch(path, {'roles': ['ORG_READ_ONLY']})
    assert updated.status_code == 200
    assert updated.json()['roles'] == [{'orgId': MIGRATION_ORG, 'roleName': 'ORG_READ_ONLY'},
                                       {'groupId': ALPHA, 'roleName': 'GROUP_OWNER'},
                                       {'groupId': BETA, 'roleName': 'GROUP_READ_ONLY'}]


def test_deleting_a_key(sim, owner, migration):
    member = key_client(sim, migration, 'migkeydd')  # ORG_MEMBER: may read keys, not delete them
    mark = control(sim, 'POST', 'journal/mark')['mark']
    refused = member.delete(f'/orgs/{MIGRATION_ORG}/apiKeys/65f1c00000000000000000c6')
    assert refused.status_code == 403 and refused.json()['errorCode'] == 'USER_UNAUTHORIZED'
    deleted = owner.delete(f'/orgs/{MIGRATION_ORG}/apiKeys/65f1c00000000000000000c4')
    assert deleted.status_code == 204 and deleted.content == b'' and deleted.headers['Content-Type'] == KEY_TYPE
    assert owner.get(f'/orgs/{MIGRATION_ORG}/apiKeys/65f1c00000000000000000c4').status_code == 404
    assert owner.delete(f'/orgs/{MIGRATION_ORG}/apiKeys/65f1c00000000000000000c4').status_code == 404
    listed = owner.get(f'/orgs/{MIGRATION_ORG}/apiKeys').json()
    assert listed['totalCount'] == 5 and 'migkeydd' not in {key['publicKey'] for key in listed['results']}
    assert member.get(f'/groups/{BETA}/serviceAccounts').status_code == 401  # gone from its projects too
    deletes = [(e['path'], e['status'], e['public_key'] or e['client_id'])
               for e in control(sim, 'GET', f'journal?since={mark}')['entries'] if e['method'] == 'DELETE']
    assert [(status, who) for _path, status, who in deletes] == [  # the Digest challenge round trip first
        (401, None), (403, 'migkeydd'), (204, migration['admin']['client_id']), (404, migration['admin']['client_id'])]
    assert not any(key['publicKey'] == 'migkeydd' for key in control(sim, 'GET', 'state')['apiKeys'])


def test_minting_a_token_sets_the_secrets_last_used_at(sim, owner, migration):
    account = migration['service_accounts'][0]
    path = f"/orgs/{MIGRATION_ORG}/serviceAccounts/{account['client_id']}"
    assert 'lastUsedAt' not in owner.get(path).json()['secrets'][0]
    control(sim, 'POST', 'clock', {'advance_seconds': 90})
    now = control(sim, 'GET', 'clock')['now']
    mint(sim, account['client_id'], account['client_secret'])
    secret = owner.get(path).json()['secrets'][0]
    assert secret['lastUsedAt'] in (now, control(sim, 'GET', 'clock')['now'])
    admin = owner.get(f"/orgs/{MIGRATION_ORG}/serviceAccounts/{migration['admin']['client_id']}").json()
    assert 'lastUsedAt' in admin['secrets'][0]  # the owner fixture minted with it
    # A failed mint (wrong secret) does not count as a use.
    control(sim, 'POST', 'clock', {'advance_seconds': 600})
    requests.post(sim.url + '/api/oauth/token', data={'grant_type': 'client_credentials'},
                  auth=(account['client_id'], 'mdb_sa_sk_wrong'), timeout=30)
    assert owner.get(path).json()['secrets'][0]['lastUsedAt'] == secret['lastUsedAt']
