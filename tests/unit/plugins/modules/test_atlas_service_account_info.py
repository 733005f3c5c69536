# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import responses

from ansible_collections.cloudops.atlas.plugins.modules import atlas_service_account_info as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import (
    ACCESS_TOKEN, CLIENT_ID, OTHER_CLIENT_ID, ORG, PROJECT, Atlas, account, page, secret, warnings_of)

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


@pytest.fixture
def run_module(run_module):
    """The conversations below pin the order of calls: one access-list read at a time (TestConcurrency reads several)."""
    def run(module_under_test, args, **kwargs):
        return run_module(module_under_test, dict(dict(concurrency=1), **args), **kwargs)
    return run


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


# -- audit and access lists -----------------------------------------------------------------------------

ENTRY = dict(ipAddress='203.0.113.7', cidrBlock=None, createdAt='2026-11-01T08:00:00Z', lastUsedAt=None, lastUsedAddress=None, requestCount=0)
NETWORK = dict(cidrBlock='198.51.100.0/24', createdAt='2026-11-02T08:00:00Z', requestCount=3)
NO_FLAGS = dict(expired=False, expiring=False, never_used=False, unused=False, at_secret_cap=False, open_access=False, system_managed=False)


def access_list_path(client_id, scope=ORG_SAS):
    return '%s/%s/accessList%s' % (scope, client_id, LIST)


def audited_accounts():
    """Three accounts judged at the server's clock (2026-11-23T12:00:00Z):

    CLIENT_ID: one secret used an hour ago, valid for 8 more days: no flag (given an access-list entry).
    OTHER_CLIENT_ID: two never-used secrets, the newer valid for exactly 168 more hours: expiring, at the cap.
    THIRD_CLIENT_ID: one expired secret, used 100 days ago: expired, unused."""
    used = secret(OLD_SECRET, created='2026-11-01T08:00:00Z', expires='2026-12-01T12:00:00Z')
    used['lastUsedAt'] = '2026-11-23T11:00:00Z'
    stale = secret(OLD_SECRET, created='2026-07-01T08:00:00Z', expires='2026-11-01T08:00:00Z')
    stale['lastUsedAt'] = '2026-08-15T12:00:00Z'
    return [
        account(secrets=[used]),
        account(client_id=OTHER_CLIENT_ID, name='idle', secrets=[
            secret(NEW_SECRET, created='2026-11-20T12:00:00Z', expires='2026-11-30T12:00:00Z'),
            secret(OLD_SECRET, created='2026-11-01T08:00:00Z', expires='2026-11-25T08:00:00Z')]),
        account(client_id=THIRD_CLIENT_ID, name='stale', secrets=[stale]),
    ]


def reply_audited(atlas, listing=LIST):
    first, second, third = audited_accounts()
    atlas.reply('GET', ORG_SAS + listing, json_body=page(first, second, third))


def reply_access_lists(atlas, client_ids=(CLIENT_ID, OTHER_CLIENT_ID, THIRD_CLIENT_ID)):
    for client_id in client_ids:
        atlas.reply('GET', access_list_path(client_id), json_body=page(ENTRY) if client_id == CLIENT_ID else page())


AUDIT_CALLS = ['GET %s%s' % (ORG_SAS, LIST)] + ['GET ' + access_list_path(client_id) for client_id in (CLIENT_ID, OTHER_CLIENT_ID, THIRD_CLIENT_ID)]


class TestAudit:
    def test_audit_costs_one_access_list_get_per_account_and_nothing_more(self, atlas, run_module):
        reply_audited(atlas)
        reply_access_lists(atlas)

        result = run_module(module, dict(org_id=ORG, audit=True))

        assert 'failed' not in result
        assert result['changed'] is False
        assert atlas.calls == AUDIT_CALLS
        first, second, third = result['service_accounts']
        assert first['audit'] == NO_FLAGS
        assert second['audit'] == dict(NO_FLAGS, expiring=True, never_used=True, at_secret_cap=True, open_access=True)
        assert third['audit'] == dict(NO_FLAGS, expired=True, unused=True, open_access=True)
        assert result['audit_summary'] == dict(accounts=3, expired=1, expiring=1, never_used=1, unused=1, at_secret_cap=1,
                                               open_access=2, system_managed=0)
        assert result['audit_findings'] == []
        assert 'access_list' not in first
        # The rest of each account is presented as without audit.
        assert set(first) == {'client_id', 'name', 'description', 'roles', 'created_at', 'secrets', 'audit'}

    def test_thresholds_are_options(self, atlas, run_module):
        reply_audited(atlas)
        reply_access_lists(atlas)

        result = run_module(module, dict(org_id=ORG, audit=True, audit_expiring_hours=167, audit_unused_days=101))

        assert [sa['audit']['expiring'] for sa in result['service_accounts']] == [False, False, False]
        assert [sa['audit']['unused'] for sa in result['service_accounts']] == [False, False, False]

    def test_flags_follow_the_server_clock(self, atlas, run_module):
        """The newest secret of 'idle' expires at 2026-11-30T12:00:00Z: a Date one second either side of 168 hours before decides."""
        later = {'Date': 'Mon, 23 Nov 2026 12:00:01 GMT'}
        earlier = {'Date': 'Mon, 23 Nov 2026 11:59:59 GMT'}
        for date, expected in ((later, True), (earlier, False)):
            atlas.reply('GET', ORG_SAS + LIST, json_body=page(audited_accounts()[1]), headers=date)
            atlas.reply('GET', access_list_path(OTHER_CLIENT_ID), json_body=page(), headers=date)

            result = run_module(module, dict(org_id=ORG, audit=True))

            assert result['service_accounts'][0]['audit']['expiring'] is expected

    def test_no_account_no_access_list_get(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page())

        result = run_module(module, dict(org_id=ORG, audit=True))

        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]
        assert result['service_accounts'] == []
        assert result['audit_summary']['accounts'] == 0

    def test_check_mode_makes_the_same_calls(self, atlas, run_module):
        reply_audited(atlas)
        reply_access_lists(atlas)

        result = run_module(module, dict(org_id=ORG, audit=True), check_mode=True)

        assert result['changed'] is False
        assert atlas.calls == AUDIT_CALLS

    def test_a_client_id_is_one_get_and_its_access_list(self, atlas, run_module):
        atlas.reply('GET', PROJECT_SAS + '/' + CLIENT_ID, json_body=account(roles=['GROUP_OWNER']))
        atlas.reply('GET', access_list_path(CLIENT_ID, PROJECT_SAS), json_body=page())

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID, audit=True))

        assert atlas.calls == ['GET %s/%s' % (PROJECT_SAS, CLIENT_ID), 'GET ' + access_list_path(CLIENT_ID, PROJECT_SAS)]
        assert result['service_accounts'][0]['audit'] == dict(NO_FLAGS, expired=True, never_used=True, open_access=True)

    def test_a_name_filter_reads_only_the_access_lists_of_the_matches(self, atlas, run_module):
        reply_audited(atlas)
        atlas.reply('GET', access_list_path(THIRD_CLIENT_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG, name='stale', audit=True))

        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'GET ' + access_list_path(THIRD_CLIENT_ID)]
        assert result['audit_summary']['accounts'] == 1

    def test_an_account_gone_before_its_access_list_is_read(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))
        atlas.error('GET', access_list_path(CLIENT_ID), 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource.')

        result = run_module(module, dict(org_id=ORG, audit=True, include_access_list=True))

        assert 'failed' not in result
        assert result['service_accounts'][0]['access_list'] is None
        assert result['service_accounts'][0]['audit']['open_access'] is False

    def test_an_access_list_error_fails_with_the_atlas_error(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))
        atlas.error('GET', access_list_path(CLIENT_ID), 403, 'USER_UNAUTHORIZED', 'Not authorized.')

        result = run_module(module, dict(org_id=ORG, audit=True))

        assert result['failed'] is True
        assert result['msg'] == 'Listing service accounts of organization %s: [USER_UNAUTHORIZED] Not authorized.' % ORG
        assert result['error']['status'] == 403


class TestAccessLists:
    def test_include_access_list_without_audit(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(), account(client_id=OTHER_CLIENT_ID, name='other')))
        atlas.reply('GET', access_list_path(CLIENT_ID), json_body=page(NETWORK, ENTRY))
        atlas.reply('GET', access_list_path(OTHER_CLIENT_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG, include_access_list=True))

        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'GET ' + access_list_path(CLIENT_ID), 'GET ' + access_list_path(OTHER_CLIENT_ID)]
        first, second = result['service_accounts']
        # Sorted by their string form: 198.51.100.0/24 before 203.0.113.7.
        assert first['access_list'] == [
            dict(ip_address=None, cidr_block='198.51.100.0/24', created_at='2026-11-02T08:00:00Z', last_used_at=None, last_used_address=None,
                 request_count=3),
            dict(ip_address='203.0.113.7', cidr_block=None, created_at='2026-11-01T08:00:00Z', last_used_at=None, last_used_address=None,
                 request_count=0)]
        assert second['access_list'] == []
        assert 'audit' not in first
        assert 'audit_summary' not in result
        assert 'audit_findings' not in result

    def test_audit_and_access_list_share_one_get_per_account(self, atlas, run_module):
        reply_audited(atlas)
        reply_access_lists(atlas)

        result = run_module(module, dict(org_id=ORG, audit=True, include_access_list=True))

        assert atlas.calls == AUDIT_CALLS
        assert [len(sa['access_list']) for sa in result['service_accounts']] == [1, 0, 0]
        assert [sa['audit']['open_access'] for sa in result['service_accounts']] == [False, True, True]


class TestAuditSystemManaged:
    def test_one_more_listing_with_include_system_managed(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST_SYSTEM, json_body=page(account(), account(client_id=OTHER_CLIENT_ID, name='mcp-integration')))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))
        atlas.reply('GET', access_list_path(CLIENT_ID), json_body=page())
        atlas.reply('GET', access_list_path(OTHER_CLIENT_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG, audit=True, include_system_managed=True))

        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST_SYSTEM), 'GET %s%s' % (ORG_SAS, LIST),
                               'GET ' + access_list_path(CLIENT_ID), 'GET ' + access_list_path(OTHER_CLIENT_ID)]
        assert [sa['audit']['system_managed'] for sa in result['service_accounts']] == [False, True]
        assert result['audit_summary']['system_managed'] == 1

    def test_a_system_managed_account_by_client_id(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + '/' + OTHER_CLIENT_ID, json_body=account(client_id=OTHER_CLIENT_ID, name='mcp-integration'))
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))
        atlas.reply('GET', access_list_path(OTHER_CLIENT_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG, client_id=OTHER_CLIENT_ID, audit=True, include_system_managed=True))

        assert atlas.calls == ['GET %s/%s' % (ORG_SAS, OTHER_CLIENT_ID), 'GET %s%s' % (ORG_SAS, LIST), 'GET ' + access_list_path(OTHER_CLIENT_ID)]
        assert result['service_accounts'][0]['audit']['system_managed'] is True

    def test_without_include_system_managed_the_flag_is_false_and_costs_nothing(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))
        atlas.reply('GET', access_list_path(CLIENT_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG, audit=True))

        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'GET ' + access_list_path(CLIENT_ID)]
        assert result['service_accounts'][0]['audit']['system_managed'] is False


class TestAuditFailOn:
    def test_fails_after_returning_the_data(self, atlas, run_module):
        reply_audited(atlas)
        reply_access_lists(atlas)

        result = run_module(module, dict(org_id=ORG, audit=True, audit_fail_on=['never_used', 'expired']))

        assert result['failed'] is True
        assert result['changed'] is False
        assert result['msg'] == (
            "Audit of organization %s: 2 of 3 service accounts have a flag of audit_fail_on (expired, never_used): "
            "'idle' (%s): never_used; 'stale' (%s): expired" % (ORG, OTHER_CLIENT_ID, THIRD_CLIENT_ID))
        assert result['audit_findings'] == [dict(name='idle', client_id=OTHER_CLIENT_ID, flags=['never_used']),
                                            dict(name='stale', client_id=THIRD_CLIENT_ID, flags=['expired'])]
        assert [sa['client_id'] for sa in result['service_accounts']] == [CLIENT_ID, OTHER_CLIENT_ID, THIRD_CLIENT_ID]
        assert result['audit_summary']['accounts'] == 3
        assert 'error' not in result
        assert atlas.calls == AUDIT_CALLS

    def test_fail_on_turns_the_audit_on(self, atlas, run_module):
        reply_audited(atlas)
        reply_access_lists(atlas)

        result = run_module(module, dict(org_id=ORG, audit_fail_on=['at_secret_cap']))

        assert result['failed'] is True
        assert result['audit_findings'] == [dict(name='idle', client_id=OTHER_CLIENT_ID, flags=['at_secret_cap'])]
        assert atlas.calls == AUDIT_CALLS

    def test_passes_when_no_account_has_the_flags(self, atlas, run_module):
        reply_audited(atlas)
        reply_access_lists(atlas)

        result = run_module(module, dict(org_id=ORG, audit_fail_on=['unused'], audit_unused_days=3650))

        assert 'failed' not in result
        assert result['audit_findings'] == []
        assert result['audit_summary']['unused'] == 0

    @pytest.mark.parametrize('args, fragment', [
        (dict(audit=True, audit_expiring_hours=-1), 'audit_expiring_hours must be between 0 and 8760, got -1'),
        (dict(audit=True, audit_expiring_hours=8761), 'audit_expiring_hours must be between 0 and 8760, got 8761'),
        (dict(audit=True, audit_unused_days=0), 'audit_unused_days must be between 1 and 3650, got 0'),
        (dict(audit_unused_days=3651), 'audit_unused_days must be between 1 and 3650, got 3651'),
        (dict(audit_fail_on=['expired', 'stale']), 'expired, expiring, never_used, unused, at_secret_cap, open_access, system_managed'),
        (dict(audit_fail_on=['system_managed']), 'system_managed needs include_system_managed=true'),
    ])
    def test_bad_audit_options_fail_before_any_call(self, atlas, run_module, args, fragment):
        result = run_module(module, dict(org_id=ORG, **args))

        assert result['failed'] is True
        assert fragment in result['msg']
        assert 'service_accounts' not in result
        assert atlas.calls == []


class TestConcurrency:
    def test_access_lists_are_read_several_at_once_one_get_each(self, run_module):
        with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
            atlas = Atlas(mock)
            reply_audited(atlas)
            reply_access_lists(atlas)

            result = run_module(module, dict(org_id=ORG, audit=True, include_access_list=True, concurrency=3))
            calls = atlas.calls

        assert sorted(calls) == sorted(AUDIT_CALLS)
        assert [len(sa['access_list']) for sa in result['service_accounts']] == [1, 0, 0]

    def test_concurrency_is_bounded(self, atlas, run_module):
        result = run_module(module, dict(org_id=ORG, concurrency=0))

        assert result['failed'] is True and result['msg'] == 'concurrency must be between 1 and 32, got 0'
        assert atlas.calls == []
