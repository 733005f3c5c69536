# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""atlas_service_account_set as HTTP conversations: one listing per scope, then only the writes due."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest
import requests
import responses

from ansible_collections.cloudops.atlas.plugins.modules import atlas_service_account_set as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import (
    BASE, CLIENT_ID, ORG, OTHER_CLIENT_ID, PROJECT, Atlas, account, page, secret, warnings_of)

ORG_SAS = '/orgs/%s/serviceAccounts' % ORG
PROJECT_SAS = '/groups/%s/serviceAccounts' % PROJECT
PROJECT_2 = '6a0b1c2d3e4f5a6b7c8d9e1f'
PROJECT_2_SAS = '/groups/%s/serviceAccounts' % PROJECT_2
THIRD_PROJECT = '6a0b1c2d3e4f5a6b7c8d9e2f'
LIST = '?itemsPerPage=500&pageNum=1'
THIRD_CLIENT_ID = 'mdb_sa_id_fedcba9876543210fedcba98'
OWN_CLIENT_ID = 'mdb_sa_id_65f1a00000000000000000aa'
FIRST_PLAINTEXT = 'mdb_sa_sk_first-plaintext-0001'
ROTATED_PLAINTEXT = 'mdb_sa_sk_rotated-plaintext-0002'

# Secrets relative to the conversations' server clock, 2026-11-23T12:00:00Z.
EXPIRED = secret('6a0b1c2d3e4f5a6b7c8d9e01', created='2026-09-01T00:00:00Z', expires='2026-10-01T00:00:00Z')
SOON = secret('6a0b1c2d3e4f5a6b7c8d9e02', created='2026-11-01T00:00:00Z', expires='2026-11-25T12:00:00Z')
LONG = secret('6a0b1c2d3e4f5a6b7c8d9e03', created='2026-11-10T00:00:00Z', expires='2027-02-10T00:00:00Z')
NEW = secret('6a0b1c2d3e4f5a6b7c8d9e04', created='2026-11-23T12:00:00Z', expires='2026-12-23T12:00:00Z', plaintext=ROTATED_PLAINTEXT)

WEEKLY = dict(expires_after_hours=720, rotate_before_hours=168)


def org_entry(**overrides):
    entry = dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'], secret=dict(WEEKLY))
    entry.update(overrides)
    return entry


def project_entry(name='app', **overrides):
    entry = dict(name=name, description='App', roles=['GROUP_READ_ONLY'], secret=dict(WEEKLY))
    entry.update(overrides)
    return entry


def created(client_id=CLIENT_ID, name='ci-deployer', roles=('ORG_READ_ONLY',), description='Deploys from CI'):
    return account(client_id=client_id, name=name, description=description, roles=roles,
                   secrets=[secret('6a0b1c2d3e4f5a6b7c8d9e10', created='2026-11-23T12:00:00Z', expires='2026-12-23T12:00:00Z',
                                   plaintext=FIRST_PLAINTEXT)])


def listing_call(path):
    return 'GET %s%s' % (path, LIST)


class TestOrganization:
    def test_creates_a_missing_account_with_one_post_and_delivers_its_first_secret(self, atlas, run_module, tmp_path):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, status=201, json_body=created(),
                    match_body=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'], secretExpiresAfterHours=720))
        directory = tmp_path / 'creds'

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()], credentials_dir=str(directory)))

        assert result['changed'] is True
        assert atlas.calls == [listing_call(ORG_SAS), 'POST ' + ORG_SAS]
        [entry] = result['service_accounts']
        assert entry['action'] == ['created']
        assert entry['org_id'] == ORG and entry['client_id'] == CLIENT_ID
        assert entry['credentials_file'] == str(directory / 'ci-deployer.json')
        assert [item['expires_in_hours'] for item in entry['secrets']] == [720.0]
        document = json.loads((directory / 'ci-deployer.json').read_text())
        assert document == dict(client_id=CLIENT_ID, client_secret=FIRST_PLAINTEXT, secret_id='6a0b1c2d3e4f5a6b7c8d9e10',
                                expires_at='2026-12-23T12:00:00Z', api_base_url=BASE)
        assert stat.S_IMODE(os.stat(str(directory)).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(str(directory / 'ci-deployer.json')).st_mode) == 0o600
        assert FIRST_PLAINTEXT not in result['_stdout']
        assert result['diff'] == [dict(before_header='organization %s: service account ci-deployer' % ORG,
                                       after_header='organization %s: service account ci-deployer' % ORG, before={},
                                       after=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'],
                                                  secrets=[dict(id='6a0b1c2d3e4f5a6b7c8d9e10', expires_at='2026-12-23T12:00:00Z')]))]

    def test_check_mode_predicts_the_create_with_one_read_and_writes_nothing(self, atlas, run_module, tmp_path):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        directory = tmp_path / 'creds'

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()], credentials_dir=str(directory)), check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == [listing_call(ORG_SAS)]
        [entry] = result['service_accounts']
        assert entry['action'] == ['created'] and entry['client_id'] is None
        assert [(item['id'], item['expires_at']) for item in entry['secrets']] == [(None, '2026-12-23T12:00:00Z')]
        assert entry['credentials_file'] == str(directory / 'ci-deployer.json')
        assert result['diff'][0]['after']['secrets'] == [dict(id='(new)', expires_at='2026-12-23T12:00:00Z')]
        assert not directory.exists()

    def test_nothing_to_change_costs_one_read(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[LONG])))

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]))

        assert result['changed'] is False
        assert atlas.calls == [listing_call(ORG_SAS)]
        assert result['service_accounts'][0]['action'] == ['unchanged']
        assert result['service_accounts'][0]['credentials_file'] is None
        assert result['diff'] == []

    def test_a_role_and_description_change_is_one_patch(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[LONG])))
        atlas.reply('PATCH', ORG_SAS + '/' + CLIENT_ID, json_body=account(description='New', roles=['ORG_MEMBER', 'ORG_READ_ONLY'], secrets=[LONG]),
                    match_body=dict(description='New', roles=['ORG_MEMBER', 'ORG_READ_ONLY']))

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry(description='New', roles=['ORG_READ_ONLY', 'ORG_MEMBER'])]))

        assert result['changed'] is True
        assert atlas.calls == [listing_call(ORG_SAS), 'PATCH %s/%s' % (ORG_SAS, CLIENT_ID)]
        entry = result['service_accounts'][0]
        assert entry['action'] == ['updated']
        assert entry['roles'] == ['ORG_MEMBER', 'ORG_READ_ONLY'] and entry['description'] == 'New'
        assert result['diff'][0]['before']['roles'] == ['ORG_READ_ONLY']
        assert result['diff'][0]['after']['roles'] == ['ORG_MEMBER', 'ORG_READ_ONLY']

    def test_a_rotation_at_the_cap_deletes_the_expired_secret_then_creates_one(self, atlas, run_module, tmp_path):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[EXPIRED, SOON])))
        atlas.reply('DELETE', '%s/%s/secrets/%s' % (ORG_SAS, CLIENT_ID, EXPIRED['id']), status=204)
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), status=201, json_body=NEW, match_body=dict(secretExpiresAfterHours=720))
        dest = tmp_path / 'ci.json'

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry(secret=dict(WEEKLY, dest=str(dest)))]))

        assert result['changed'] is True
        assert atlas.calls == [listing_call(ORG_SAS), 'DELETE %s/%s/secrets/%s' % (ORG_SAS, CLIENT_ID, EXPIRED['id']),
                               'POST %s/%s/secrets' % (ORG_SAS, CLIENT_ID)]
        entry = result['service_accounts'][0]
        assert entry['action'] == ['rotated']
        assert [item['id'] for item in entry['secrets']] == [SOON['id'], NEW['id']]
        assert entry['credentials_file'] == str(dest)
        assert json.loads(dest.read_text())['client_secret'] == ROTATED_PLAINTEXT
        assert ROTATED_PLAINTEXT not in result['_stdout']

    def test_check_mode_of_a_rotation_predicts_it_without_writing(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[EXPIRED, SOON])))

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]), check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == [listing_call(ORG_SAS)]
        assert result['service_accounts'][0]['action'] == ['rotated']
        assert [item['id'] for item in result['service_accounts'][0]['secrets']] == [SOON['id'], None]

    def test_return_secrets_returns_only_the_new_plaintext(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, status=201, json_body=created())

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()], return_secrets=True))

        assert result['service_accounts'][0]['secrets'][0]['secret'] == FIRST_PLAINTEXT

    def test_absent_deletes_the_account_and_purge_deletes_unlisted_ones(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[LONG]), account(client_id=OTHER_CLIENT_ID, name='old'),
                                                          account(client_id=THIRD_CLIENT_ID, name='gone')))
        atlas.reply('DELETE', '%s/%s' % (ORG_SAS, THIRD_CLIENT_ID), status=204)
        atlas.reply('DELETE', '%s/%s' % (ORG_SAS, OTHER_CLIENT_ID), status=204)

        result = run_module(module, dict(org_id=ORG, purge=True, accounts=[org_entry(), dict(name='gone', state='absent')]))

        assert result['changed'] is True
        assert atlas.calls == [listing_call(ORG_SAS), 'DELETE %s/%s' % (ORG_SAS, THIRD_CLIENT_ID), 'DELETE %s/%s' % (ORG_SAS, OTHER_CLIENT_ID)]
        assert [(entry['name'], entry['action']) for entry in result['service_accounts']] == [
            ('ci-deployer', ['unchanged']), ('gone', ['removed']), ('old', ['removed'])]
        assert result['service_accounts'][2]['secrets'] == []
        assert result['diff'][1]['after'] == {}

    def test_a_name_matching_several_accounts_fails_naming_them_without_writing(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(), account(client_id=OTHER_CLIENT_ID)))

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]))

        assert result['failed'] is True and result['changed'] is False
        assert atlas.calls == [listing_call(ORG_SAS)]
        assert "2 service accounts are named 'ci-deployer' in organization %s (%s, %s)" % (ORG, CLIENT_ID, OTHER_CLIENT_ID) in result['msg']

    def test_creating_without_roles_fails_before_any_write(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())

        result = run_module(module, dict(org_id=ORG, accounts=[dict(name='ci-deployer', description='x', secret=dict(WEEKLY))]))

        assert result['failed'] is True
        assert "creating service account 'ci-deployer' needs roles" in result['msg']
        assert atlas.calls == [listing_call(ORG_SAS)]

    def test_an_atlas_error_is_surfaced_with_its_code_and_detail(self, atlas, run_module):
        atlas.error('GET', ORG_SAS + LIST, 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource.')

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]))

        assert result['failed'] is True
        assert result['msg'] == 'Managing the service accounts of organization %s: organization %s: [RESOURCE_NOT_FOUND] Cannot find resource.' % (ORG, ORG)
        assert result['error']['error_code'] == 'RESOURCE_NOT_FOUND'


class TestLostCreate:
    def test_a_lost_account_create_is_adopted_from_one_more_listing_and_its_unknown_secret_replaced(self, atlas, run_module, tmp_path):
        adopted = account(secrets=[secret('6a0b1c2d3e4f5a6b7c8d9e10', created='2026-11-23T12:00:00Z', expires='2026-12-23T12:00:00Z')])
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(adopted))
        atlas.reply('DELETE', '%s/%s/secrets/6a0b1c2d3e4f5a6b7c8d9e10' % (ORG_SAS, CLIENT_ID), status=204)
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), status=201, json_body=NEW, match_body=dict(secretExpiresAfterHours=720))
        dest = tmp_path / 'ci.json'

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry(secret=dict(WEEKLY, dest=str(dest)))]))

        assert result['changed'] is True
        assert atlas.calls == [listing_call(ORG_SAS), 'POST ' + ORG_SAS, listing_call(ORG_SAS),
                               'DELETE %s/%s/secrets/6a0b1c2d3e4f5a6b7c8d9e10' % (ORG_SAS, CLIENT_ID), 'POST %s/%s/secrets' % (ORG_SAS, CLIENT_ID)]
        entry = result['service_accounts'][0]
        assert entry['action'] == ['created', 'rotated']
        assert [item['id'] for item in entry['secrets']] == [NEW['id']]
        assert json.loads(dest.read_text())['secret_id'] == NEW['id']
        assert any('response to the create' in warning for warning in warnings_of(result))
        assert any('was replaced by secret %s' % NEW['id'] in warning for warning in warnings_of(result))

    def test_a_lost_create_that_made_nothing_is_sent_once_more(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, status=201, json_body=created())

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]))

        assert result['changed'] is True
        assert atlas.calls == [listing_call(ORG_SAS), 'POST ' + ORG_SAS, listing_call(ORG_SAS), 'POST ' + ORG_SAS]
        assert result['service_accounts'][0]['client_id'] == CLIENT_ID

    def test_a_lost_rotation_is_adopted_and_replaced_so_the_file_never_holds_a_stale_secret(self, atlas, run_module, tmp_path):
        lost = secret('6a0b1c2d3e4f5a6b7c8d9e05', created='2026-11-23T12:00:00Z', expires='2026-12-23T12:00:00Z')
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[SOON])))
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), body=requests.exceptions.ReadTimeout('read timed out'))
        atlas.reply('GET', '%s/%s' % (ORG_SAS, CLIENT_ID), json_body=account(secrets=[SOON, lost]))
        atlas.reply('DELETE', '%s/%s/secrets/%s' % (ORG_SAS, CLIENT_ID, lost['id']), status=204)
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), status=201, json_body=NEW)
        dest = tmp_path / 'ci.json'

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry(secret=dict(WEEKLY, dest=str(dest)))]))

        assert result['changed'] is True
        assert [call.split(' ')[0] for call in atlas.calls] == ['GET', 'POST', 'GET', 'DELETE', 'POST']
        assert json.loads(dest.read_text())['secret_id'] == NEW['id']
        assert [item['id'] for item in result['service_accounts'][0]['secrets']] == [SOON['id'], NEW['id']]


class TestProjects:
    def test_project_accounts_are_removed_from_the_project_with_a_warning(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page(account(name='old', roles=['GROUP_READ_ONLY'])))
        atlas.reply('DELETE', '%s/%s' % (PROJECT_SAS, CLIENT_ID), status=204)

        result = run_module(module, dict(project_id=PROJECT, accounts=[], purge=True))

        assert result['changed'] is True
        assert result['service_accounts'][0]['project_id'] == PROJECT
        assert any('removed from project %s only' % PROJECT in warning for warning in warnings_of(result))

    def test_many_projects_in_one_run_one_listing_each(self, atlas, run_module, tmp_path):
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page(account(name='app', roles=['GROUP_READ_ONLY'], description='App', secrets=[LONG])))
        atlas.reply('GET', PROJECT_2_SAS + LIST, json_body=page())
        atlas.reply('POST', PROJECT_2_SAS, status=201, json_body=created(client_id=OTHER_CLIENT_ID, name='etl', roles=['GROUP_READ_ONLY'], description='App'))

        result = run_module(module, dict(concurrency=1, projects=[
            dict(project_id=PROJECT, accounts=[project_entry()], credentials_dir=str(tmp_path / 'one')),
            dict(project_id=PROJECT_2, accounts=[project_entry('etl')], credentials_dir=str(tmp_path / 'two'))]))

        assert result['changed'] is True
        assert atlas.calls == [listing_call(PROJECT_SAS), listing_call(PROJECT_2_SAS), 'POST ' + PROJECT_2_SAS]
        assert [(entry['project_id'], entry['name'], entry['action']) for entry in result['service_accounts']] == [
            (PROJECT, 'app', ['unchanged']), (PROJECT_2, 'etl', ['created'])]
        assert (tmp_path / 'two' / 'etl.json').exists() and not (tmp_path / 'one' / 'app.json').exists()

    def test_a_failed_listing_fails_its_project_only_and_the_others_are_carried_out(self, atlas, run_module):
        # Issue 20: one project's failure never stops the others; the task fails naming it, and a rerun finishes it.
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page())
        atlas.error('GET', PROJECT_2_SAS + LIST, 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource.')
        atlas.reply('POST', PROJECT_SAS, status=201, json_body=created(name='app', roles=('GROUP_READ_ONLY',), description='App'))

        result = run_module(module, dict(concurrency=1, projects=[
            dict(project_id=PROJECT, accounts=[project_entry()]), dict(project_id=PROJECT_2, accounts=[project_entry()])]))

        assert result['failed'] is True and result['changed'] is True
        assert atlas.calls == [listing_call(PROJECT_SAS), listing_call(PROJECT_2_SAS), 'POST ' + PROJECT_SAS]
        assert result['msg'].startswith('Managing the service accounts of 2 projects: 1 of 2 projects failed, the others were done: ')
        assert 'project %s: [RESOURCE_NOT_FOUND] Cannot find resource.' % PROJECT_2 in result['msg']
        done, failed = result['service_accounts']
        assert (done['project_id'], done['action'], 'error' in done) == (PROJECT, ['created'], False)
        assert (failed['project_id'], failed['action']) == (PROJECT_2, ['unchanged'])
        assert failed['error'] == dict(status=404, error_code='RESOURCE_NOT_FOUND', detail='Cannot find resource.')
        assert result['error']['error_code'] == 'RESOURCE_NOT_FOUND'
        assert result['rate_limits']['calls'] == 3

    def test_concurrent_reads_make_one_listing_per_project(self, run_module):
        projects = ['6a0b1c2d3e4f5a6b7c8d9e%02x' % number for number in range(6)]
        with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
            atlas = Atlas(mock)
            for project in projects:
                atlas.reply('GET', '/groups/%s/serviceAccounts%s' % (project, LIST),
                            json_body=page(account(name='app', roles=['GROUP_READ_ONLY'], description='App', secrets=[LONG])))

            result = run_module(module, dict(concurrency=4, projects=[dict(project_id=project, accounts=[project_entry()]) for project in projects]))
            calls = atlas.calls

        assert result['changed'] is False
        assert sorted(calls) == sorted(listing_call('/groups/%s/serviceAccounts' % project) for project in projects)
        assert [entry['project_id'] for entry in result['service_accounts']] == projects


class TestGuards:
    TOKEN_URL = BASE + '/api/oauth/token'

    def test_purge_refuses_to_remove_the_account_running_the_task(self, atlas, run_module):
        atlas.reply('POST', self.TOKEN_URL, json_body=dict(access_token='planted-token-1', token_type='Bearer', expires_in=3600))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(client_id=OWN_CLIENT_ID, name='automation')))

        result = run_module(module, dict(org_id=ORG, accounts=[], purge=True, api_access_token=None,
                                         api_client_id=OWN_CLIENT_ID, api_client_secret='mdb_sa_sk_planted-admin-secret'))

        assert result['failed'] is True and result['changed'] is False
        assert atlas.calls == ['POST /api/oauth/token', listing_call(ORG_SAS)]
        assert "refusing to remove service account 'automation' (%s)" % OWN_CLIENT_ID in result['msg']
        assert 'mdb_sa_sk_planted-admin-secret' not in result['_stdout']


BAD_INPUTS = [
    (dict(org_id=ORG, accounts=[org_entry(), org_entry()]), "accounts[].name must be unique, 'ci-deployer' given more than once"),
    (dict(org_id=ORG, accounts=[org_entry(roles=['GROUP_OWNER'])]), 'accounts[0].roles: GROUP_OWNER is not an organization role'),
    (dict(project_id=PROJECT, accounts=[project_entry(roles=['ORG_OWNER'])]), 'accounts[0].roles: ORG_OWNER is not a project role'),
    (dict(org_id=ORG, accounts=[org_entry(secret=dict(expires_after_hours=100, rotate_before_hours=100))]),
     'accounts[0].secret.rotate_before_hours (100) must be less than accounts[0].secret.expires_after_hours (100)'),
    (dict(org_id=ORG, accounts=[org_entry(secret=dict(expires_after_hours=9000))]), 'accounts[0].secret.expires_after_hours must be between 8 and 8760'),
    (dict(org_id=ORG, accounts=[org_entry(name='bad/name')]), "accounts[0].name may contain only letters"),
    (dict(org_id=ORG, accounts=[org_entry(state='absent')]), 'accounts[0].secret applies only to state=present'),
    (dict(org_id='5F1E', accounts=[]), 'org_id must be 24 lowercase hexadecimal characters'),
    (dict(org_id=ORG), 'accounts is required with org_id'),
    (dict(projects=[dict(project_id=PROJECT, accounts=[]), dict(project_id=PROJECT, accounts=[])]), 'projects[].project_id must be unique'),
    (dict(projects=[dict(project_id='nothex', accounts=[])]), 'projects[0].project_id must be 24 lowercase hexadecimal characters'),
    (dict(projects=[dict(project_id=PROJECT, accounts=[project_entry(roles=['ORG_OWNER'])])]), 'projects[0].accounts[0].roles: ORG_OWNER'),
    (dict(projects=[dict(project_id=PROJECT, accounts=[])], accounts=[]), 'accounts cannot be combined with projects'),
    (dict(projects=[dict(project_id=PROJECT, accounts=[])], org_id=ORG), 'parameters are mutually exclusive'),
    (dict(org_id=ORG, accounts=[org_entry(colour='blue')]), 'colour'),
    (dict(org_id=ORG, accounts=[], concurrency=0), 'concurrency must be between 1 and 32'),
]


@pytest.mark.parametrize('args, message', BAD_INPUTS, ids=[message[:40] for dummy, message in BAD_INPUTS])
def test_bad_input_fails_naming_the_option_before_any_call(atlas, run_module, args, message):
    result = run_module(module, args)

    assert result['failed'] is True
    assert message in result['msg']
    assert atlas.calls == []


def test_credentials_files_must_be_distinct_and_their_directories_usable(atlas, run_module, tmp_path):
    same = str(tmp_path / 'same.json')
    result = run_module(module, dict(org_id=ORG, accounts=[org_entry(secret=dict(dest=same)), org_entry(name='other', secret=dict(dest=same))]))
    assert 'credentials files (secret.dest, credentials_dir/<name>.json) must be unique' in result['msg']

    result = run_module(module, dict(org_id=ORG, accounts=[org_entry()], credentials_dir=str(tmp_path / 'missing' / 'creds')))
    assert 'credentials_dir: %s does not exist' % (tmp_path / 'missing') in result['msg']
    assert atlas.calls == []


class TestAccessLists:
    ACCESS = '%s/%s/accessList' % (PROJECT_SAS, CLIENT_ID)

    def test_a_declared_access_list_is_one_more_read_and_one_post(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page(account(name='app', description='App', roles=['GROUP_READ_ONLY'], secrets=[LONG])))
        atlas.reply('GET', self.ACCESS + LIST, json_body=page(dict(ipAddress='192.0.2.1', createdAt='2026-11-20T08:00:00Z', requestCount=0)))
        atlas.reply('POST', self.ACCESS, json_body=page(dict(ipAddress='192.0.2.1'), dict(cidrBlock='203.0.113.0/24')),
                    match_body=[dict(cidrBlock='203.0.113.0/24')])
        atlas.reply('DELETE', self.ACCESS + '/192.0.2.1', status=204)

        result = run_module(module, dict(project_id=PROJECT, accounts=[project_entry(access_list=['203.0.113.0/24'])]))

        assert result['changed'] is True
        assert atlas.calls == [listing_call(PROJECT_SAS), 'GET %s%s' % (self.ACCESS, LIST), 'POST ' + self.ACCESS,
                               'DELETE %s/192.0.2.1' % self.ACCESS]
        entry = result['service_accounts'][0]
        assert entry['action'] == ['updated']
        assert [item['cidr_block'] for item in entry['access_list']] == ['203.0.113.0/24']
        assert result['diff'][0]['before']['access_list'] == ['192.0.2.1']
        assert result['diff'][0]['after']['access_list'] == ['203.0.113.0/24']

    def test_an_unchanged_access_list_costs_its_read_only(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page(account(name='app', description='App', roles=['GROUP_READ_ONLY'], secrets=[LONG])))
        atlas.reply('GET', self.ACCESS + LIST, json_body=page(dict(cidrBlock='203.0.113.0/24')))

        result = run_module(module, dict(project_id=PROJECT, accounts=[project_entry(access_list=['203.0.113.0/24'])]))

        assert result['changed'] is False
        assert len(atlas.calls) == 2

    def test_a_new_account_gets_its_access_list_right_after_its_create(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page())
        atlas.reply('POST', PROJECT_SAS, status=201, json_body=created(name='app', roles=['GROUP_READ_ONLY'], description='App'))
        atlas.reply('POST', self.ACCESS, json_body=page(dict(cidrBlock='203.0.113.0/24')))

        result = run_module(module, dict(project_id=PROJECT, accounts=[project_entry(access_list=['203.0.113.0/24'])]))

        assert atlas.calls == [listing_call(PROJECT_SAS), 'POST ' + PROJECT_SAS, 'POST ' + self.ACCESS]
        assert result['service_accounts'][0]['action'] == ['created']

    def test_a_bad_entry_fails_before_any_call(self, atlas, run_module):
        result = run_module(module, dict(project_id=PROJECT, accounts=[project_entry(access_list=['203.0.113.7/24'])]))

        assert 'accounts[0].access_list[0]: 203.0.113.7/24 has host bits set' in result['msg']
        assert atlas.calls == []


def test_a_name_locked_by_a_parallel_run_on_this_host_fails_without_any_call(atlas, run_module, monkeypatch):
    from functools import partial

    from ansible_collections.cloudops.atlas.plugins.module_utils import _locks, _task
    from ansible_collections.cloudops.atlas.plugins.module_utils._scope import Scope
    holder = _locks.NameLocks(BASE)
    holder.acquire(Scope.org(ORG), ['ci-deployer'])
    monkeypatch.setattr(_task, 'NameLocks', partial(_locks.NameLocks, timeout=0.2))
    try:
        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]))
    finally:
        holder.release()

    assert result['failed'] is True
    assert "another run on this host has been creating or checking service account 'ci-deployer'" in result['msg']
    assert atlas.calls == []


def test_check_mode_takes_no_lock(atlas, run_module, monkeypatch):
    from ansible_collections.cloudops.atlas.plugins.module_utils import _locks
    holder = _locks.NameLocks(BASE)
    from ansible_collections.cloudops.atlas.plugins.module_utils._scope import Scope
    holder.acquire(Scope.org(ORG), ['ci-deployer'])
    atlas.reply('GET', ORG_SAS + LIST, json_body=page())
    try:
        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]), check_mode=True)
    finally:
        holder.release()

    assert result['changed'] is True


class TestWithoutInitialSecret:
    def test_the_first_secret_then_comes_from_the_secret_planner_and_is_delivered(self, atlas, run_module, tmp_path):
        bare = account(secrets=[])
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, status=201, json_body=bare,
                    match_body=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'], withoutInitialSecret=True))
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), status=201, json_body=NEW, match_body=dict(secretExpiresAfterHours=720))

        result = run_module(module, dict(org_id=ORG, credentials_dir=str(tmp_path), accounts=[org_entry(initial_secret=False)]))

        assert atlas.calls == [listing_call(ORG_SAS), 'POST ' + ORG_SAS, 'POST %s/%s/secrets' % (ORG_SAS, CLIENT_ID)]
        assert result['service_accounts'][0]['action'] == ['created']
        assert json.loads((tmp_path / 'ci-deployer.json').read_text())['secret_id'] == NEW['id']

    def test_check_mode_predicts_the_same(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry(initial_secret=False)]), check_mode=True)

        assert result['service_accounts'][0]['action'] == ['created']
        assert [item['id'] for item in result['service_accounts'][0]['secrets']] == [None]

    def test_without_a_secret_entry_the_account_stays_without_a_secret(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, status=201, json_body=account(secrets=[]),
                    match_body=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'], withoutInitialSecret=True))

        result = run_module(module, dict(org_id=ORG, accounts=[dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'],
                                                                    initial_secret=False)]))

        assert result['service_accounts'][0]['secrets'] == []

    def test_with_a_first_secret_lifetime_it_fails_before_any_call(self, atlas, run_module):
        result = run_module(module, dict(org_id=ORG, accounts=[org_entry(initial_secret=False, secret_expires_after_hours=24)]))

        assert 'accounts[0]: initial_secret=false creates the account without a secret' in result['msg']
        assert atlas.calls == []


def test_a_refused_lifetime_names_the_organization_maximum(atlas, run_module):
    atlas.reply('GET', ORG_SAS + LIST, json_body=page())
    atlas.error('POST', ORG_SAS, 400, 'INVALID_SECRET_EXPIRATION', 'Secret expiration is out of range.')
    atlas.reply('GET', '/orgs/%s/settings' % ORG, json_body=dict(maxServiceAccountSecretValidityInHours=48))

    result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]))

    assert result['failed'] is True
    assert '[INVALID_SECRET_EXPIRATION] Secret expiration is out of range.; organization %s allows secrets of at most 48 hours' % ORG in result['msg']
    assert 'atlas_organization_settings' in result['msg']
    assert result['error']['error_code'] == 'INVALID_SECRET_EXPIRATION'


class TestFaultsFoundByTheFaultMatrix:
    """Issue 12: the fault matrix found these; each is a conversation now."""

    def test_a_secret_delete_answered_404_is_done_and_the_rotation_goes_on(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[EXPIRED, SOON])))
        atlas.error('DELETE', '%s/%s/secrets/%s' % (ORG_SAS, CLIENT_ID, EXPIRED['id']), 404, 'RESOURCE_NOT_FOUND', 'Gone.')
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), status=201, json_body=NEW)

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()]))

        assert result['changed'] is True
        assert result['service_accounts'][0]['action'] == ['rotated']
        assert [item['id'] for item in result['service_accounts'][0]['secrets']] == [SOON['id'], NEW['id']]

    def test_a_create_that_timed_out_is_looked_for_again_before_any_second_post(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, body=requests.exceptions.ReadTimeout('read timed out'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())  # not applied yet
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))  # it landed meanwhile

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry()], api_timeout=1))

        assert atlas.calls == [listing_call(ORG_SAS), 'POST ' + ORG_SAS, listing_call(ORG_SAS), listing_call(ORG_SAS)]
        assert result['service_accounts'][0]['client_id'] == CLIENT_ID

    def test_a_stale_credentials_file_gets_the_newest_secret(self, atlas, run_module, tmp_path):
        (tmp_path / 'ci-deployer.json').write_text(json.dumps(dict(client_id=CLIENT_ID, client_secret='mdb_sa_sk_old', secret_id=SOON['id'])))
        # At the cap, the newest secret goes (nobody holds its value), not the one the file's consumers use.
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[SOON, LONG])))
        atlas.reply('DELETE', '%s/%s/secrets/%s' % (ORG_SAS, CLIENT_ID, LONG['id']), status=204)
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), status=201, json_body=NEW)

        result = run_module(module, dict(org_id=ORG, credentials_dir=str(tmp_path), accounts=[org_entry()]))

        assert result['service_accounts'][0]['action'] == ['rotated']
        assert [item['id'] for item in result['service_accounts'][0]['secrets']] == [SOON['id'], NEW['id']]
        assert json.loads((tmp_path / 'ci-deployer.json').read_text())['secret_id'] == NEW['id']
        assert any('not its newest valid secret %s' % LONG['id'] in warning for warning in warnings_of(result))

    def test_a_new_account_whose_secret_was_lost_twice_gets_a_pending_file_and_the_next_run_fills_it(self, atlas, run_module, tmp_path):
        adopted = account(secrets=[secret('6a0b1c2d3e4f5a6b7c8d9e10', created='2026-11-23T12:00:00Z', expires='2026-12-23T12:00:00Z')])
        lost = secret('6a0b1c2d3e4f5a6b7c8d9e05', created='2026-11-23T12:00:00Z', expires='2026-12-23T12:00:00Z')
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(adopted))
        atlas.reply('DELETE', '%s/%s/secrets/6a0b1c2d3e4f5a6b7c8d9e10' % (ORG_SAS, CLIENT_ID), status=204)
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', '%s/%s' % (ORG_SAS, CLIENT_ID), json_body=account(secrets=[lost]))

        result = run_module(module, dict(org_id=ORG, credentials_dir=str(tmp_path), accounts=[org_entry()]))

        assert result['failed'] is True and 'lost twice' in result['msg']
        pending = json.loads((tmp_path / 'ci-deployer.json').read_text())
        assert pending['client_secret'] is None and pending['client_id'] == CLIENT_ID

        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[lost])))
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), status=201, json_body=NEW)

        again = run_module(module, dict(org_id=ORG, credentials_dir=str(tmp_path), accounts=[org_entry()]))

        assert again['service_accounts'][0]['action'] == ['rotated']
        assert json.loads((tmp_path / 'ci-deployer.json').read_text())['secret_id'] == NEW['id']


class TestProjectRoles:
    ASSIGNMENTS = '/orgs/%s/serviceAccounts/%s/groups' % (ORG, CLIENT_ID)

    def test_an_organization_account_is_invited_updated_and_removed_to_match(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[LONG])))
        current = page(dict(groupId=PROJECT, roles=['GROUP_READ_ONLY']), dict(groupId=THIRD_PROJECT, roles=['GROUP_OWNER']))
        atlas.reply('GET', self.ASSIGNMENTS + LIST, json_body=current)
        atlas.reply('POST', '/groups/%s/serviceAccounts/%s:invite' % (PROJECT_2, CLIENT_ID), status=200,
                    json_body=dict(roles=['GROUP_READ_ONLY']), match_body=dict(roles=['GROUP_READ_ONLY']))
        atlas.reply('PATCH', '/groups/%s/serviceAccounts/%s' % (PROJECT, CLIENT_ID), json_body=dict(roles=['GROUP_OWNER']),
                    match_body=dict(roles=['GROUP_OWNER']))
        atlas.reply('DELETE', '/groups/%s/serviceAccounts/%s' % (THIRD_PROJECT, CLIENT_ID), status=204)

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry(project_roles=[
            dict(project_id=PROJECT, roles=['GROUP_OWNER']), dict(project_id=PROJECT_2, roles=['GROUP_READ_ONLY'])])]))

        assert result['changed'] is True
        entry = result['service_accounts'][0]
        assert entry['action'] == ['updated']
        assert entry['project_roles'] == [dict(project_id=PROJECT, roles=['GROUP_OWNER']), dict(project_id=PROJECT_2, roles=['GROUP_READ_ONLY'])]
        assert result['diff'][0]['before']['project_roles'] == {PROJECT: ['GROUP_READ_ONLY'], THIRD_PROJECT: ['GROUP_OWNER']}

    def test_as_wished_it_is_one_more_read_and_no_write(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[LONG])))
        atlas.reply('GET', self.ASSIGNMENTS + LIST, json_body=page(dict(groupId=PROJECT, roles=['GROUP_READ_ONLY'])))

        result = run_module(module, dict(org_id=ORG, accounts=[org_entry(project_roles=[dict(project_id=PROJECT, roles=['GROUP_READ_ONLY'])])]))

        assert result['changed'] is False and len(atlas.calls) == 2

    def test_project_roles_are_for_organization_accounts_and_project_roles_only(self, atlas, run_module):
        in_project = run_module(module, dict(project_id=PROJECT, accounts=[project_entry(project_roles=[dict(project_id=PROJECT, roles=['GROUP_OWNER'])])]))
        org_role = run_module(module, dict(org_id=ORG, accounts=[org_entry(project_roles=[dict(project_id=PROJECT, roles=['ORG_OWNER'])])]))

        assert in_project['msg'] == 'accounts[0].project_roles applies only to organization accounts (org_id) with state=present'
        assert org_role['msg'].startswith('accounts[0].project_roles[0].roles: ORG_OWNER is not a project role')
        assert atlas.calls == []
