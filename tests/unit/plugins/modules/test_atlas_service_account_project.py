# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import requests

from ansible_collections.cloudops.atlas.plugins.modules import atlas_service_account_project as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import (
    ACCESS_TOKEN, CLIENT_ID, OTHER_CLIENT_ID, ORG, PROJECT, account, page, warnings_of)

ORG_SAS = '/orgs/%s/serviceAccounts' % ORG
PROJECT_SAS = '/groups/%s/serviceAccounts' % PROJECT
ITEM = PROJECT_SAS + '/' + CLIENT_ID
INVITE = ITEM + ':invite'
LIST = '?itemsPerPage=500&pageNum=1'
GET_ITEM = 'GET ' + ITEM
ASSIGN = dict(project_id=PROJECT, client_id=CLIENT_ID, roles=['GROUP_READ_ONLY', 'GROUP_CLUSTER_MANAGER'])
SORTED_ROLES = ['GROUP_CLUSTER_MANAGER', 'GROUP_READ_ONLY']
DOCUMENTED_ROLES = ['GROUP_OWNER', 'GROUP_READ_ONLY', 'GROUP_DATA_ACCESS_ADMIN', 'GROUP_DATA_ACCESS_READ_ONLY', 'GROUP_DATA_ACCESS_READ_WRITE',
                    'GROUP_CLUSTER_MANAGER', 'GROUP_SEARCH_INDEX_EDITOR', 'GROUP_STREAM_PROCESSING_OWNER', 'GROUP_BACKUP_MANAGER',
                    'GROUP_OBSERVABILITY_VIEWER', 'GROUP_DATABASE_ACCESS_ADMIN']


def assigned(roles=('GROUP_READ_ONLY',), client_id=CLIENT_ID):
    """The project view of an organization service account (its roles are project roles)."""
    return account(client_id=client_id, roles=roles)


def not_assigned(atlas, path=ITEM):
    atlas.error('GET', path, 404, 'SERVICE_ACCOUNT_NOT_FOUND', 'Service account %s not found in project.' % CLIENT_ID)


class TestInvite:
    def test_invites_an_unassigned_account_with_its_roles(self, atlas, run_module):
        not_assigned(atlas)
        atlas.reply('POST', INVITE, json_body=assigned(roles=SORTED_ROLES), match_body=dict(roles=SORTED_ROLES))

        result = run_module(module, ASSIGN)

        assert result['changed'] is True
        assert 'failed' not in result
        assert atlas.calls == [GET_ITEM, 'POST ' + INVITE]
        assert atlas.body(1) == dict(roles=SORTED_ROLES)
        assert result['diff'] == dict(before={}, after=dict(roles=SORTED_ROLES))
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=SORTED_ROLES)
        assert warnings_of(result) == []
        assert ACCESS_TOKEN not in result['_stdout']

    def test_group_id_alias_and_duplicate_roles(self, atlas, run_module):
        not_assigned(atlas)
        atlas.reply('POST', INVITE, json_body=assigned(roles=['GROUP_OWNER']), match_body=dict(roles=['GROUP_OWNER']))

        result = run_module(module, dict(group_id=PROJECT, client_id=CLIENT_ID, roles=['GROUP_OWNER', 'GROUP_OWNER']))

        assert result['changed'] is True
        assert atlas.calls == [GET_ITEM, 'POST ' + INVITE]
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=['GROUP_OWNER'])

    def test_check_mode_predicts_the_invite_without_posting(self, atlas, run_module):
        not_assigned(atlas)

        result = run_module(module, ASSIGN, check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == [GET_ITEM]
        assert result['diff'] == dict(before={}, after=dict(roles=SORTED_ROLES))
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=SORTED_ROLES)

    def test_missing_roles_when_inviting_names_roles(self, atlas, run_module):
        not_assigned(atlas)

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID))

        assert result['failed'] is True
        assert result['changed'] is False
        assert 'roles' in result['msg']
        assert atlas.calls == [GET_ITEM]

    def test_invite_error_surfaces_code_and_detail(self, atlas, run_module):
        not_assigned(atlas)
        atlas.error('POST', INVITE, 404, 'GROUP_NOT_FOUND', 'No group with ID %s exists.' % PROJECT)

        result = run_module(module, ASSIGN)

        assert result['failed'] is True
        assert result['changed'] is False
        assert result['msg'] == ('Ensuring assignment of service account %s to project %s: [GROUP_NOT_FOUND] No group with ID %s exists.'
                                 % (CLIENT_ID, PROJECT, PROJECT))
        assert result['error'] == dict(status=404, error_code='GROUP_NOT_FOUND', detail='No group with ID %s exists.' % PROJECT,
                                       reason='Error', parameters=[])
        assert atlas.calls == [GET_ITEM, 'POST ' + INVITE]
        assert ACCESS_TOKEN not in result['_stdout']


class TestLostInvite:
    def test_lost_invite_is_adopted_when_the_account_is_now_assigned(self, atlas, run_module):
        not_assigned(atlas)
        atlas.reply('POST', INVITE, body=requests.exceptions.ConnectionError('Connection aborted.'))
        atlas.reply('GET', ITEM, json_body=assigned(roles=SORTED_ROLES))

        result = run_module(module, ASSIGN)

        assert result['changed'] is True
        assert 'failed' not in result
        assert atlas.calls == [GET_ITEM, 'POST ' + INVITE, GET_ITEM]
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=SORTED_ROLES)
        assert result['diff'] == dict(before={}, after=dict(roles=SORTED_ROLES))
        assert any('response to the create' in warning and CLIENT_ID in warning for warning in warnings_of(result))

    def test_lost_invite_with_nothing_assigned_invites_once_more(self, atlas, run_module):
        not_assigned(atlas)
        atlas.reply('POST', INVITE, body=requests.exceptions.ConnectionError('Connection aborted.'))
        not_assigned(atlas)
        atlas.reply('POST', INVITE, json_body=assigned(roles=SORTED_ROLES), match_body=dict(roles=SORTED_ROLES))

        result = run_module(module, ASSIGN)

        assert result['changed'] is True
        assert atlas.calls == [GET_ITEM, 'POST ' + INVITE, GET_ITEM, 'POST ' + INVITE]
        assert result['assignment']['roles'] == SORTED_ROLES
        assert warnings_of(result) == []


class TestUpdateAndNoop:
    def test_other_roles_are_replaced_by_one_patch_of_roles_only(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned(roles=['GROUP_READ_ONLY', 'GROUP_OWNER']))
        atlas.reply('PATCH', ITEM, json_body=assigned(roles=SORTED_ROLES), match_body=dict(roles=SORTED_ROLES))

        result = run_module(module, ASSIGN)

        assert result['changed'] is True
        assert atlas.calls == [GET_ITEM, 'PATCH ' + ITEM]
        assert atlas.body(1) == dict(roles=SORTED_ROLES)
        assert result['diff'] == dict(before=dict(roles=['GROUP_OWNER', 'GROUP_READ_ONLY']), after=dict(roles=SORTED_ROLES))
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=SORTED_ROLES)

    def test_update_in_check_mode_does_not_patch(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned(roles=['GROUP_OWNER']))

        result = run_module(module, ASSIGN, check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == [GET_ITEM]
        assert result['diff'] == dict(before=dict(roles=['GROUP_OWNER']), after=dict(roles=SORTED_ROLES))
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=SORTED_ROLES)

    @pytest.mark.parametrize('check_mode', [False, True])
    def test_same_roles_in_another_order_is_only_the_get(self, atlas, run_module, check_mode):
        atlas.reply('GET', ITEM, json_body=assigned(roles=['GROUP_READ_ONLY', 'GROUP_CLUSTER_MANAGER']))

        result = run_module(module, dict(ASSIGN, roles=['GROUP_CLUSTER_MANAGER', 'GROUP_READ_ONLY', 'GROUP_CLUSTER_MANAGER']),
                            check_mode=check_mode)

        assert result['changed'] is False
        assert atlas.calls == [GET_ITEM]
        assert result['diff'] == dict(before=dict(roles=SORTED_ROLES), after=dict(roles=SORTED_ROLES))
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=SORTED_ROLES)

    def test_without_roles_an_assigned_account_is_left_alone(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned(roles=['GROUP_OWNER']))

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID))

        assert result['changed'] is False
        assert atlas.calls == [GET_ITEM]
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=['GROUP_OWNER'])

    def test_patch_error_surfaces_code_and_detail(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned(roles=['GROUP_OWNER']))
        atlas.error('PATCH', ITEM, 400, 'INVALID_ROLE', 'Role GROUP_CLUSTER_MANAGER is not valid.')

        result = run_module(module, ASSIGN)

        assert result['failed'] is True
        assert result['msg'] == ('Ensuring assignment of service account %s to project %s: [INVALID_ROLE] Role GROUP_CLUSTER_MANAGER is not valid.'
                                 % (CLIENT_ID, PROJECT))
        assert result['error']['error_code'] == 'INVALID_ROLE'
        assert atlas.calls == [GET_ITEM, 'PATCH ' + ITEM]


class TestAbsent:
    def test_removes_an_assigned_account(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned(roles=['GROUP_READ_ONLY', 'GROUP_OWNER']))
        atlas.reply('DELETE', ITEM, status=204)

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID, state='absent'))

        assert result['changed'] is True
        assert atlas.calls == [GET_ITEM, 'DELETE ' + ITEM]
        assert result['assignment'] == {}
        assert result['diff'] == dict(before=dict(roles=['GROUP_OWNER', 'GROUP_READ_ONLY']), after={})

    def test_removal_in_check_mode_does_not_delete(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned())

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID, state='absent'), check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == [GET_ITEM]
        assert result['assignment'] == {}
        assert result['diff'] == dict(before=dict(roles=['GROUP_READ_ONLY']), after={})

    @pytest.mark.parametrize('check_mode', [False, True])
    def test_absent_when_not_assigned_is_no_change(self, atlas, run_module, check_mode):
        not_assigned(atlas)

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID, state='absent'), check_mode=check_mode)

        assert result['changed'] is False
        assert 'failed' not in result
        assert atlas.calls == [GET_ITEM]
        assert result['assignment'] == {}
        assert result['diff'] == dict(before={}, after={})

    def test_absent_ignores_roles(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned(roles=['GROUP_OWNER']))
        atlas.reply('DELETE', ITEM, status=204)

        result = run_module(module, dict(ASSIGN, state='absent'))

        assert result['changed'] is True
        assert atlas.calls == [GET_ITEM, 'DELETE ' + ITEM]

    def test_delete_error_surfaces_code_and_detail(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned())
        atlas.error('DELETE', ITEM, 403, 'USER_UNAUTHORIZED', 'Not authorized.')

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID, state='absent'))

        assert result['failed'] is True
        assert result['msg'] == 'Removing assignment of service account %s to project %s: [USER_UNAUTHORIZED] Not authorized.' % (CLIENT_ID, PROJECT)
        assert result['error']['status'] == 403
        assert atlas.calls == [GET_ITEM, 'DELETE ' + ITEM]


class TestByName:
    BY_NAME = dict(project_id=PROJECT, org_id=ORG, name='ci-deployer', roles=['GROUP_READ_ONLY'])

    def test_account_found_by_name_is_invited(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(client_id=OTHER_CLIENT_ID, name='other'), account()))
        not_assigned(atlas)
        atlas.reply('POST', INVITE, json_body=assigned(), match_body=dict(roles=['GROUP_READ_ONLY']))

        result = run_module(module, self.BY_NAME)

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), GET_ITEM, 'POST ' + INVITE]
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=['GROUP_READ_ONLY'])

    def test_account_found_by_name_in_check_mode(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))
        not_assigned(atlas)

        result = run_module(module, self.BY_NAME, check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), GET_ITEM]
        assert result['assignment'] == dict(project_id=PROJECT, client_id=CLIENT_ID, roles=['GROUP_READ_ONLY'])

    def test_several_accounts_with_the_name_fail_and_ask_for_client_id(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(), account(client_id=OTHER_CLIENT_ID)))

        result = run_module(module, self.BY_NAME)

        assert result['failed'] is True
        assert result['changed'] is False
        assert CLIENT_ID in result['msg'] and OTHER_CLIENT_ID in result['msg']
        assert 'client_id' in result['msg']
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]

    def test_unknown_name_fails_when_present(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(client_id=OTHER_CLIENT_ID, name='other')))

        result = run_module(module, self.BY_NAME)

        assert result['failed'] is True
        assert "no service account named 'ci-deployer'" in result['msg']
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]

    def test_unknown_name_is_no_change_when_absent(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())

        result = run_module(module, dict(self.BY_NAME, state='absent'))

        assert result['changed'] is False
        assert 'failed' not in result
        assert result['assignment'] == {}
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]

    def test_account_found_by_name_is_removed(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))
        atlas.reply('GET', ITEM, json_body=assigned())
        atlas.reply('DELETE', ITEM, status=204)

        result = run_module(module, dict(project_id=PROJECT, org_id=ORG, name='ci-deployer', state='absent'))

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), GET_ITEM, 'DELETE ' + ITEM]


class TestRoles:
    def test_the_documented_roles_are_accepted_silently(self, atlas, run_module):
        not_assigned(atlas)
        atlas.reply('POST', INVITE, json_body=assigned(roles=DOCUMENTED_ROLES), match_body=dict(roles=sorted(DOCUMENTED_ROLES)))

        result = run_module(module, dict(ASSIGN, roles=DOCUMENTED_ROLES))

        assert result['changed'] is True
        assert warnings_of(result) == []
        assert result['assignment']['roles'] == sorted(DOCUMENTED_ROLES)

    def test_an_undocumented_group_role_warns(self, atlas, run_module):
        atlas.reply('GET', ITEM, json_body=assigned(roles=['GROUP_READ_ONLY', 'GROUP_FUTURE_ROLE']))

        result = run_module(module, dict(ASSIGN, roles=['GROUP_READ_ONLY', 'GROUP_FUTURE_ROLE']))

        assert result['changed'] is False
        assert atlas.calls == [GET_ITEM]
        warnings = warnings_of(result)
        assert len(warnings) == 1
        assert 'GROUP_FUTURE_ROLE' in warnings[0] and 'GROUP_READ_ONLY' not in warnings[0]

    @pytest.mark.parametrize('roles, wrong', [(['ORG_OWNER'], 'ORG_OWNER'), (['GROUP_READ_ONLY', 'read'], 'read'),
                                              (['group_read_only'], 'group_read_only')])
    def test_a_role_that_is_not_a_project_role_fails_before_any_call(self, atlas, run_module, roles, wrong):
        result = run_module(module, dict(ASSIGN, roles=roles))

        assert result['failed'] is True
        assert result['msg'].startswith('roles: %s is not a project role' % wrong)
        assert 'start with GROUP_' in result['msg']
        assert atlas.calls == []


class TestInput:
    @pytest.mark.parametrize('args, fragment', [
        (dict(ASSIGN, project_id='XYZ'), 'project_id must be 24 lowercase hexadecimal'),
        (dict(ASSIGN, project_id=PROJECT.upper()), 'project_id must be 24 lowercase hexadecimal'),
        (dict(ASSIGN, client_id='mdb_sa_id_short'), 'client_id must match'),
        (dict(ASSIGN, client_id='sa_' + CLIENT_ID), 'client_id must match'),
        (dict(project_id=PROJECT, name='ci-deployer', roles=['GROUP_OWNER']), 'org_id'),
        (dict(project_id=PROJECT, org_id='XYZ', name='ci-deployer', roles=['GROUP_OWNER']), 'org_id must be 24 lowercase hexadecimal'),
        (dict(project_id=PROJECT, roles=['GROUP_OWNER']), 'one of the following is required: client_id, name'),
        (dict(ASSIGN, org_id=ORG, name='ci-deployer'), 'mutually exclusive'),
        (dict(ASSIGN, roles=[]), 'roles must name at least one role'),
        (dict(ASSIGN, state='gone'), 'state'),
        (dict(client_id=CLIENT_ID, roles=['GROUP_OWNER']), 'project_id'),
    ])
    def test_bad_input_fails_before_any_call(self, atlas, run_module, args, fragment):
        result = run_module(module, args)

        assert result['failed'] is True
        assert fragment in result['msg']
        assert atlas.calls == []
