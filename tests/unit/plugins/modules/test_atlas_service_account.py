# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest
import requests

from ansible_collections.cloudops.atlas.plugins.modules import atlas_service_account as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import (
    ACCESS_TOKEN, CLIENT_ID, OTHER_CLIENT_ID, ORG, PROJECT, account, page, secret, warnings_of)

ORG_SAS = '/orgs/%s/serviceAccounts' % ORG
PROJECT_SAS = '/groups/%s/serviceAccounts' % PROJECT
LIST = '?itemsPerPage=500&pageNum=1'
CREATE = dict(org_id=ORG, name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'], secret_expires_after_hours=720)


def created_account():
    return account(secrets=[secret('6a0b1c2d3e4f5a6b7c8d9e10', plaintext='mdb_sa_sk_first-plaintext')])


class TestCreate:
    def test_creates_when_no_account_has_the_name(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(client_id=OTHER_CLIENT_ID, name='other')))
        atlas.reply('POST', ORG_SAS, status=201, json_body=created_account(),
                    match_body=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'], secretExpiresAfterHours=720))

        result = run_module(module, CREATE)

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'POST ' + ORG_SAS]
        assert result['service_account']['client_id'] == CLIENT_ID
        assert result['service_account']['secrets'][0]['secret'] == 'mdb_sa_sk_first-plaintext'
        assert result['service_account']['secrets'][0]['expires_in_hours'] == 188.0
        assert result['diff'] == dict(before={}, after=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY']))
        assert 'mdb_sa_sk_first-plaintext' not in str(result['diff'])

    def test_check_mode_predicts_the_create_without_writing(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())

        result = run_module(module, CREATE, check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]
        assert result['service_account']['client_id'] is None
        assert result['service_account']['secrets'] == []
        assert result['diff']['after'] == dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'])

    def test_missing_create_option_is_named(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        args = dict(CREATE)
        del args['secret_expires_after_hours']

        result = run_module(module, args)

        assert result['failed'] is True
        assert 'secret_expires_after_hours' in result['msg']
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]

    def test_lost_create_response_adopts_the_account_instead_of_creating_twice(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))

        result = run_module(module, CREATE)

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'POST ' + ORG_SAS, 'GET %s%s' % (ORG_SAS, LIST)]
        assert result['service_account']['client_id'] == CLIENT_ID
        assert any('response to the create' in warning for warning in warnings_of(result))

    def test_a_lost_create_with_dest_replaces_the_first_secret_and_writes_the_file(self, atlas, run_module, tmp_path):
        # The defect of issue 18: the account was adopted, but no file was written and the task did not fail.
        lost_first = secret('6a0b1c2d3e4f5a6b7c8d9e10')
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[lost_first])))
        atlas.reply('DELETE', '%s/%s/secrets/%s' % (ORG_SAS, CLIENT_ID, lost_first['id']), status=204)
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), status=201, match_body=dict(secretExpiresAfterHours=720),
                    json_body=secret('6a0b1c2d3e4f5a6b7c8d9e11', plaintext='mdb_sa_sk_replacement-plaintext'))
        dest = tmp_path / 'ci.json'

        result = run_module(module, dict(CREATE, dest=str(dest), return_secret=False))

        assert result['changed'] is True
        assert [call.split('?')[0] for call in atlas.calls] == [
            'GET ' + ORG_SAS, 'POST ' + ORG_SAS, 'GET ' + ORG_SAS, 'DELETE %s/%s/secrets/%s' % (ORG_SAS, CLIENT_ID, lost_first['id']),
            'POST %s/%s/secrets' % (ORG_SAS, CLIENT_ID)]
        document = json.loads(dest.read_text())
        assert document['secret_id'] == '6a0b1c2d3e4f5a6b7c8d9e11' and document['client_secret'] == 'mdb_sa_sk_replacement-plaintext'
        assert [item['id'] for item in result['service_account']['secrets']] == ['6a0b1c2d3e4f5a6b7c8d9e11']
        assert 'mdb_sa_sk_replacement-plaintext' not in result['_stdout']
        assert any('was replaced by secret 6a0b1c2d3e4f5a6b7c8d9e11, delivered to %s' % dest in warning for warning in warnings_of(result))

    def test_a_lost_create_whose_replacement_is_lost_too_fails_and_marks_the_file(self, atlas, run_module, tmp_path):
        lost_first = secret('6a0b1c2d3e4f5a6b7c8d9e10')
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[lost_first])))
        atlas.reply('DELETE', '%s/%s/secrets/%s' % (ORG_SAS, CLIENT_ID, lost_first['id']), status=204)
        atlas.reply('POST', '%s/%s/secrets' % (ORG_SAS, CLIENT_ID), body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', '%s/%s' % (ORG_SAS, CLIENT_ID), json_body=account(secrets=[secret('6a0b1c2d3e4f5a6b7c8d9e11')]))
        dest = tmp_path / 'ci.json'

        result = run_module(module, dict(CREATE, dest=str(dest)))

        assert result['failed'] is True and result['changed'] is True
        assert 'the value of the new secret of service account %s was lost twice' % CLIENT_ID in result['msg']
        assert '%s holds no secret yet' % dest in result['msg']
        assert json.loads(dest.read_text())['client_secret'] is None

    def test_lost_create_with_nothing_created_creates_once_more(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, status=201, json_body=created_account())

        result = run_module(module, CREATE)

        assert result['changed'] is True
        assert [call.split(' ')[0] for call in atlas.calls] == ['GET', 'POST', 'GET', 'POST']


class TestUpdateAndNoop:
    def test_noop_by_client_id_is_one_get(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + '/' + CLIENT_ID, json_body=account())

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID, description='Deploys from CI', roles=['ORG_READ_ONLY']))

        assert result['changed'] is False
        assert atlas.calls == ['GET %s/%s' % (ORG_SAS, CLIENT_ID)]
        assert result['diff']['before'] == result['diff']['after']

    def test_update_sends_one_patch_with_only_the_changed_fields(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(roles=['ORG_READ_ONLY', 'ORG_MEMBER'])))
        atlas.reply('PATCH', ORG_SAS + '/' + CLIENT_ID, json_body=account(roles=['ORG_GROUP_CREATOR', 'ORG_MEMBER']),
                    match_body=dict(roles=['ORG_GROUP_CREATOR', 'ORG_MEMBER']))

        result = run_module(module, dict(org_id=ORG, name='ci-deployer', description='Deploys from CI', roles=['ORG_MEMBER', 'ORG_GROUP_CREATOR']))

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'PATCH %s/%s' % (ORG_SAS, CLIENT_ID)]
        assert result['diff'] == dict(before=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_MEMBER', 'ORG_READ_ONLY']),
                                      after=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_GROUP_CREATOR', 'ORG_MEMBER']))

    def test_roles_compare_as_sets(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + '/' + CLIENT_ID, json_body=account(roles=['ORG_READ_ONLY', 'ORG_MEMBER']))

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID, roles=['ORG_MEMBER', 'ORG_READ_ONLY', 'ORG_MEMBER']))

        assert result['changed'] is False

    def test_update_in_check_mode_does_not_patch(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + '/' + CLIENT_ID, json_body=account())

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID, description='New text'), check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == ['GET %s/%s' % (ORG_SAS, CLIENT_ID)]
        assert result['service_account']['description'] == 'New text'

    def test_secret_lifetime_never_changes_an_existing_account(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))

        result = run_module(module, dict(CREATE, secret_expires_after_hours=24))

        assert result['changed'] is False


class TestIdentity:
    def test_unknown_client_id_never_creates(self, atlas, run_module):
        atlas.error('GET', ORG_SAS + '/' + CLIENT_ID, 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource')

        result = run_module(module, dict(CREATE, client_id=CLIENT_ID))

        assert result['failed'] is True
        assert 'never created' in result['msg']
        assert atlas.calls == ['GET %s/%s' % (ORG_SAS, CLIENT_ID)]

    def test_ambiguous_name_lists_the_client_ids(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(), account(client_id=OTHER_CLIENT_ID)))

        result = run_module(module, CREATE)

        assert result['failed'] is True
        assert CLIENT_ID in result['msg'] and OTHER_CLIENT_ID in result['msg'] and 'client_id' in result['msg']


class TestAbsent:
    def test_deletes_an_org_account(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + '/' + CLIENT_ID, json_body=account())
        atlas.reply('DELETE', ORG_SAS + '/' + CLIENT_ID, status=204)

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID, state='absent'))

        assert result['changed'] is True
        assert result['service_account'] == {}
        assert result['diff']['after'] == {}
        assert atlas.calls == ['GET %s/%s' % (ORG_SAS, CLIENT_ID), 'DELETE %s/%s' % (ORG_SAS, CLIENT_ID)]

    def test_absent_missing_account_is_no_change(self, atlas, run_module):
        atlas.error('GET', ORG_SAS + '/' + CLIENT_ID, 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource')

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID, state='absent'))

        assert result['changed'] is False

    def test_project_removal_warns_that_the_account_stays_in_the_org(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + '/' + CLIENT_ID, json_body=account(roles=['GROUP_READ_ONLY']))
        atlas.reply('DELETE', PROJECT_SAS + '/' + CLIENT_ID, status=204)

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID, state='absent'))

        assert result['changed'] is True
        assert any('still exists in the organization' in warning for warning in warnings_of(result))


class TestInputAndErrors:
    @pytest.mark.parametrize('args, fragment', [
        (dict(CREATE, name='bad!name'), "name may contain only"),
        (dict(CREATE, name='x' * 65), 'name must be 1 to 64'),
        (dict(CREATE, description='d' * 251), 'description must be 1 to 250'),
        (dict(CREATE, roles=['GROUP_OWNER']), 'is not an organization role'),
        (dict(CREATE, secret_expires_after_hours=7), 'secret_expires_after_hours must be between 8 and 8760'),
        (dict(CREATE, org_id='XYZ'), 'org_id must be 24 lowercase hexadecimal'),
        (dict(CREATE, client_id='mdb_sa_id_short'), 'client_id must match'),
        (dict(project_id=PROJECT, name='app', description='d', roles=['ORG_OWNER'], secret_expires_after_hours=8), 'is not a project role'),
    ])
    def test_bad_input_fails_before_any_call(self, atlas, run_module, args, fragment):
        result = run_module(module, args)

        assert result['failed'] is True
        assert fragment in result['msg']
        assert atlas.calls == []

    def test_unknown_group_role_warns(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page(account(roles=['GROUP_READ_ONLY', 'GROUP_FUTURE_ROLE'])))

        result = run_module(module, dict(project_id=PROJECT, name='ci-deployer', roles=['GROUP_READ_ONLY', 'GROUP_FUTURE_ROLE']))

        assert result['changed'] is False
        assert any('GROUP_FUTURE_ROLE' in warning for warning in warnings_of(result))

    def test_api_error_surfaces_code_and_detail(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.error('POST', ORG_SAS, 400, 'SERVICE_ACCOUNT_LIMIT_REACHED', 'At most 200 service accounts per organization.')

        result = run_module(module, CREATE)

        assert result['failed'] is True
        assert result['msg'] == ("Ensuring service account 'ci-deployer' in organization %s: "
                                 "[SERVICE_ACCOUNT_LIMIT_REACHED] At most 200 service accounts per organization." % ORG)
        assert result['error']['error_code'] == 'SERVICE_ACCOUNT_LIMIT_REACHED'
        assert result['error']['status'] == 400
        assert ACCESS_TOKEN not in result['_stdout']


class TestDelivery:
    def test_first_secret_goes_to_dest_only(self, atlas, run_module, tmp_path):
        dest = tmp_path / 'credentials.json'
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, status=201, json_body=created_account())

        result = run_module(module, dict(CREATE, dest=str(dest), return_secret=False))

        assert result['changed'] is True
        assert 'mdb_sa_sk_first-plaintext' not in result['_stdout']
        assert 'secret' not in result['service_account']['secrets'][0]
        assert json.loads(dest.read_text()) == dict(client_id=CLIENT_ID, client_secret='mdb_sa_sk_first-plaintext',
                                                    secret_id='6a0b1c2d3e4f5a6b7c8d9e10', expires_at='2026-12-01T08:00:00Z',
                                                    api_base_url='https://atlas.example.test')
        assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
        assert [name for name in os.listdir(str(tmp_path)) if name.startswith('.')] == []  # no temporary file left

    def test_dest_is_not_written_in_check_mode_or_without_a_create(self, atlas, run_module, tmp_path):
        dest = tmp_path / 'credentials.json'
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))

        predicted = run_module(module, dict(CREATE, dest=str(dest)), check_mode=True)
        unchanged = run_module(module, dict(CREATE, dest=str(dest)))

        assert predicted['changed'] is True and unchanged['changed'] is False
        assert not dest.exists()

    def test_missing_dest_directory_fails_before_any_call(self, atlas, run_module, tmp_path):
        result = run_module(module, dict(CREATE, dest=str(tmp_path / 'missing' / 'credentials.json')))

        assert result['failed'] is True
        assert 'does not exist' in result['msg']
        assert atlas.calls == []


class TestWithoutInitialSecret:
    def test_creates_without_a_secret_and_needs_no_lifetime(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())
        atlas.reply('POST', ORG_SAS, status=201, json_body=account(secrets=[]),
                    match_body=dict(name='ci-deployer', description='Deploys from CI', roles=['ORG_READ_ONLY'], withoutInitialSecret=True))
        args = dict(CREATE, initial_secret=False)
        del args['secret_expires_after_hours']

        result = run_module(module, args)

        assert result['changed'] is True
        assert result['service_account']['secrets'] == []

    def test_a_lifetime_with_initial_secret_false_fails_before_any_call(self, atlas, run_module):
        result = run_module(module, dict(CREATE, initial_secret=False))

        assert result['failed'] is True
        assert 'initial_secret=false creates the account without a secret, so secret_expires_after_hours cannot be given' in result['msg']
        assert atlas.calls == []

    def test_a_refused_lifetime_in_a_project_names_the_setting(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page())
        atlas.error('POST', PROJECT_SAS, 400, 'INVALID_SECRET_EXPIRATION', 'Out of range.')

        args = dict(CREATE, project_id=PROJECT, roles=['GROUP_READ_ONLY'])
        del args['org_id']
        result = run_module(module, args)

        assert 'maxServiceAccountSecretValidityInHours caps the lifetime of new secrets' in result['msg']
        assert len(atlas.calls) == 2
