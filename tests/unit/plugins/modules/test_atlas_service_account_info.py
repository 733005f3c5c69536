# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.cloudops.atlas.plugins.modules import atlas_service_account_info as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import (
    ACCESS_TOKEN, CLIENT_ID, OTHER_CLIENT_ID, ORG, PROJECT, account, page, secret, warnings_of)

ORG_SAS = '/orgs/%s/serviceAccounts' % ORG
PROJECT_SAS = '/groups/%s/serviceAccounts' % PROJECT
LIST = '?itemsPerPage=500&pageNum=1'
LIST_PAGE_2 = '?itemsPerPage=500&pageNum=2'
LIST_SYSTEM = '?includeSystemManaged=true&itemsPerPage=500&pageNum=1'
PROBE = '?itemsPerPage=1'
THIRD_CLIENT_ID = 'mdb_sa_id_fedcba9876543210fedcba98'
OLD_SECRET = '6a0b1c2d3e4f5a6b7c8d9e10'
NEW_SECRET = '6a0b1c2d3e4f5a6b7c8d9e11'
SECRET_KEYS = {'id', 'created_at', 'expires_at', 'last_used_at', 'masked_secret_value', 'expires_in_hours'}


def two_secret_account(**kwargs):
    """An account whose secrets Atlas lists newest first, with roles out of order."""
    return account(roles=['ORG_READ_ONLY', 'ORG_MEMBER'], secrets=[
        secret(NEW_SECRET, created='2026-11-20T12:00:00Z', expires='2026-11-24T12:00:00Z'),
        secret(OLD_SECRET, created='2026-11-01T08:00:00Z', expires='2026-12-01T08:00:00Z'),
    ], **kwargs)


def numbered_client_id(number):
    return 'mdb_sa_id_%024x' % number


def reply_two_pages(atlas, last_name):
    """501 accounts: a full first page of 500 (sa-0 to sa-499), then one more named `last_name`."""
    first_page = [account(client_id=numbered_client_id(number), name='sa-%d' % number) for number in range(500)]
    atlas.reply('GET', ORG_SAS + LIST, json_body=dict(results=first_page, totalCount=501, links=[]))
    atlas.reply('GET', ORG_SAS + LIST_PAGE_2, json_body=dict(results=[account(client_id=THIRD_CLIENT_ID, name=last_name)], totalCount=501, links=[]))


class TestListing:
    def test_lists_an_organization_and_presents_each_account(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(two_secret_account(), account(client_id=OTHER_CLIENT_ID, name='other', roles=['ORG_MEMBER'])))

        result = run_module(module, dict(org_id=ORG))

        assert result['changed'] is False
        assert 'failed' not in result
        assert 'diff' not in result
        assert warnings_of(result) == []
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]
        first, second = result['service_accounts']
        assert first == dict(
            client_id=CLIENT_ID, name='ci-deployer', description='Deploys from CI', roles=['ORG_MEMBER', 'ORG_READ_ONLY'],
            created_at='2026-11-01T08:00:00Z',
            secrets=[
                dict(id=OLD_SECRET, created_at='2026-11-01T08:00:00Z', expires_at='2026-12-01T08:00:00Z', last_used_at=None,
                     masked_secret_value='mdb_sa_sk_****9e10', expires_in_hours=188.0),
                dict(id=NEW_SECRET, created_at='2026-11-20T12:00:00Z', expires_at='2026-11-24T12:00:00Z', last_used_at=None,
                     masked_secret_value='mdb_sa_sk_****9e11', expires_in_hours=24.0),
            ])
        assert second['client_id'] == OTHER_CLIENT_ID
        assert second['secrets'] == []

    def test_expired_secret_has_negative_hours(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[secret(OLD_SECRET, expires='2026-11-23T06:00:00Z')])))

        result = run_module(module, dict(org_id=ORG))

        assert result['service_accounts'][0]['secrets'][0]['expires_in_hours'] == -6.0

    def test_empty_organization_returns_an_empty_list(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())

        result = run_module(module, dict(org_id=ORG))

        assert result['changed'] is False
        assert result['service_accounts'] == []
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]

    @pytest.mark.parametrize('scope_option', ['project_id', 'group_id'])
    def test_lists_a_project_with_its_project_roles(self, atlas, run_module, scope_option):
        atlas.reply('GET', PROJECT_SAS + LIST, json_body=page(account(roles=['GROUP_READ_ONLY', 'GROUP_CLUSTER_MANAGER'])))

        result = run_module(module, {scope_option: PROJECT})

        assert result['changed'] is False
        assert atlas.calls == ['GET %s%s' % (PROJECT_SAS, LIST)]
        assert result['service_accounts'][0]['roles'] == ['GROUP_CLUSTER_MANAGER', 'GROUP_READ_ONLY']

    def test_check_mode_makes_the_same_calls_and_changes_nothing(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(two_secret_account()))

        result = run_module(module, dict(org_id=ORG), check_mode=True)

        assert result['changed'] is False
        assert 'failed' not in result
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]
        assert [sa['client_id'] for sa in result['service_accounts']] == [CLIENT_ID]

    def test_reads_every_page(self, atlas, run_module):
        reply_two_pages(atlas, 'last')

        result = run_module(module, dict(org_id=ORG))

        assert result['changed'] is False
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'GET %s%s' % (ORG_SAS, LIST_PAGE_2)]
        assert len(result['service_accounts']) == 501
        assert result['service_accounts'][0]['client_id'] == numbered_client_id(0)
        assert result['service_accounts'][-1]['client_id'] == THIRD_CLIENT_ID

    def test_name_filter_over_every_page(self, atlas, run_module):
        reply_two_pages(atlas, 'sa-7')

        result = run_module(module, dict(org_id=ORG, name='sa-7'))

        assert [sa['client_id'] for sa in result['service_accounts']] == [numbered_client_id(7), THIRD_CLIENT_ID]
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'GET %s%s' % (ORG_SAS, LIST_PAGE_2)]


class TestSystemManaged:
    def test_default_does_not_ask_for_system_managed_accounts(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))

        run_module(module, dict(org_id=ORG))

        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]
        assert 'includeSystemManaged=true' not in atlas.calls[0]

    def test_explicit_false_does_not_ask_for_them_either(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))

        result = run_module(module, dict(org_id=ORG, include_system_managed=False))

        assert result['changed'] is False
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]

    def test_true_adds_the_query_parameter(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST_SYSTEM, json_body=page(account(), account(client_id=OTHER_CLIENT_ID, name='mcp-integration')))

        result = run_module(module, dict(org_id=ORG, include_system_managed=True))

        assert result['changed'] is False
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST_SYSTEM)]
        assert [sa['client_id'] for sa in result['service_accounts']] == [CLIENT_ID, OTHER_CLIENT_ID]

    def test_true_with_a_name_filter_in_a_project(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + LIST_SYSTEM, json_body=page(account(name='mcp-integration', roles=['GROUP_READ_ONLY']),
                                                                     account(client_id=OTHER_CLIENT_ID, name='other', roles=['GROUP_OWNER'])))

        result = run_module(module, dict(project_id=PROJECT, name='mcp-integration', include_system_managed=True))

        assert atlas.calls == ['GET %s%s' % (PROJECT_SAS, LIST_SYSTEM)]
        assert [sa['client_id'] for sa in result['service_accounts']] == [CLIENT_ID]


class TestFilters:
    def test_client_id_is_one_get(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + '/' + CLIENT_ID, json_body=two_secret_account())

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID))

        assert result['changed'] is False
        assert atlas.calls == ['GET %s/%s' % (ORG_SAS, CLIENT_ID)]
        assert len(result['service_accounts']) == 1
        assert result['service_accounts'][0]['client_id'] == CLIENT_ID
        assert [s['id'] for s in result['service_accounts'][0]['secrets']] == [OLD_SECRET, NEW_SECRET]

    def test_client_id_in_a_project(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + '/' + CLIENT_ID, json_body=account(roles=['GROUP_OWNER']))

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID), check_mode=True)

        assert result['changed'] is False
        assert atlas.calls == ['GET %s/%s' % (PROJECT_SAS, CLIENT_ID)]
        assert result['service_accounts'][0]['roles'] == ['GROUP_OWNER']

    def test_unknown_client_id_returns_an_empty_list(self, atlas, run_module):
        atlas.error('GET', ORG_SAS + '/' + CLIENT_ID, 404, 'SERVICE_ACCOUNT_NOT_FOUND', 'Service account not found.')
        atlas.reply('GET', ORG_SAS + PROBE, json_body=page(account(client_id=OTHER_CLIENT_ID)))

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID))

        assert 'failed' not in result
        assert result['changed'] is False
        assert result['service_accounts'] == []
        assert atlas.calls == ['GET %s/%s' % (ORG_SAS, CLIENT_ID), 'GET %s%s' % (ORG_SAS, PROBE)]

    def test_name_filter_returns_every_account_with_that_name(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(), account(client_id=OTHER_CLIENT_ID, name='other'),
                                                          account(client_id=THIRD_CLIENT_ID)))

        result = run_module(module, dict(org_id=ORG, name='ci-deployer'))

        assert result['changed'] is False
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]
        assert [sa['client_id'] for sa in result['service_accounts']] == [CLIENT_ID, THIRD_CLIENT_ID]

    def test_name_without_match_returns_an_empty_list(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))

        result = run_module(module, dict(org_id=ORG, name='nobody'))

        assert 'failed' not in result
        assert result['service_accounts'] == []


class TestSecretsNeverReturned:
    def test_plaintext_in_a_reply_is_never_returned(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[secret(OLD_SECRET, plaintext='mdb_sa_sk_leaked-plaintext')])))

        result = run_module(module, dict(org_id=ORG))

        assert set(result['service_accounts'][0]['secrets'][0]) == SECRET_KEYS
        assert 'mdb_sa_sk_leaked-plaintext' not in result['_stdout']
        assert ACCESS_TOKEN not in result['_stdout']

    def test_plaintext_in_a_client_id_reply_is_never_returned(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + '/' + CLIENT_ID, json_body=account(secrets=[secret(OLD_SECRET, plaintext='mdb_sa_sk_leaked-plaintext')]))

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID))

        assert set(result['service_accounts'][0]['secrets'][0]) == SECRET_KEYS
        assert 'mdb_sa_sk_leaked-plaintext' not in result['_stdout']


class TestErrors:
    def test_unknown_organization_fails_with_the_atlas_error(self, atlas, run_module):
        atlas.error('GET', ORG_SAS + LIST, 404, 'ORG_NOT_FOUND', 'No organization with ID %s exists.' % ORG)

        result = run_module(module, dict(org_id=ORG))

        assert result['failed'] is True
        assert result['msg'] == 'Listing service accounts of organization %s: [ORG_NOT_FOUND] No organization with ID %s exists.' % (ORG, ORG)
        assert result['error'] == dict(status=404, error_code='ORG_NOT_FOUND', detail='No organization with ID %s exists.' % ORG,
                                       reason='Error', parameters=[])
        assert 'service_accounts' not in result
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]
        assert ACCESS_TOKEN not in result['_stdout']

    def test_unknown_project_fails_with_the_atlas_error(self, atlas, run_module):
        atlas.error('GET', PROJECT_SAS + LIST, 404, 'GROUP_NOT_FOUND', 'No group with ID %s exists.' % PROJECT)

        result = run_module(module, dict(project_id=PROJECT), check_mode=True)

        assert result['failed'] is True
        assert result['msg'] == 'Listing service accounts of project %s: [GROUP_NOT_FOUND] No group with ID %s exists.' % (PROJECT, PROJECT)
        assert result['error']['error_code'] == 'GROUP_NOT_FOUND'
        assert result['error']['status'] == 404

    def test_unknown_client_id_in_an_unknown_project_fails(self, atlas, run_module):
        atlas.error('GET', PROJECT_SAS + '/' + CLIENT_ID, 404, 'GROUP_NOT_FOUND', 'No group with ID %s exists.' % PROJECT)
        atlas.error('GET', PROJECT_SAS + PROBE, 404, 'GROUP_NOT_FOUND', 'No group with ID %s exists.' % PROJECT)

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID))

        assert result['failed'] is True
        assert result['msg'] == 'Listing service accounts of project %s: [GROUP_NOT_FOUND] No group with ID %s exists.' % (PROJECT, PROJECT)
        assert result['error']['error_code'] == 'GROUP_NOT_FOUND'
        assert atlas.calls == ['GET %s/%s' % (PROJECT_SAS, CLIENT_ID), 'GET %s%s' % (PROJECT_SAS, PROBE)]

    def test_other_errors_on_a_client_id_fail(self, atlas, run_module):
        atlas.error('GET', ORG_SAS + '/' + CLIENT_ID, 403, 'USER_UNAUTHORIZED', 'Not authorized.')

        result = run_module(module, dict(org_id=ORG, client_id=CLIENT_ID))

        assert result['failed'] is True
        assert result['msg'] == 'Listing service accounts of organization %s: [USER_UNAUTHORIZED] Not authorized.' % ORG
        assert result['error']['status'] == 403
        assert atlas.calls == ['GET %s/%s' % (ORG_SAS, CLIENT_ID)]

    @pytest.mark.parametrize('args, fragment', [
        (dict(org_id='XYZ'), 'org_id must be 24 lowercase hexadecimal'),
        (dict(project_id=PROJECT.upper()), 'project_id must be 24 lowercase hexadecimal'),
        (dict(org_id=ORG, client_id='mdb_sa_id_short'), 'client_id must match'),
        (dict(org_id=ORG, project_id=PROJECT), 'mutually exclusive'),
        (dict(org_id=ORG, client_id=CLIENT_ID, name='ci-deployer'), 'mutually exclusive'),
        (dict(), 'one of the following is required'),
    ])
    def test_bad_input_fails_before_any_call(self, atlas, run_module, args, fragment):
        result = run_module(module, args)

        assert result['failed'] is True
        assert fragment in result['msg']
        assert atlas.calls == []
