# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""atlas_service_account_access_list as HTTP conversations: one GET, one POST for all additions,
one DELETE per removal, and the lockout guard."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.cloudops.atlas.plugins.modules import atlas_service_account_access_list as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import (
    BASE, CLIENT_ID, ORG, PROJECT, account, page)

ORG_SAS = '/orgs/%s/serviceAccounts' % ORG
ACCESS = '%s/%s/accessList' % (ORG_SAS, CLIENT_ID)
PROJECT_ACCESS = '/groups/%s/serviceAccounts/%s/accessList' % (PROJECT, CLIENT_ID)
LIST = '?itemsPerPage=500&pageNum=1'
OWN_CLIENT_ID = 'mdb_sa_id_65f1a00000000000000000aa'


def entry(ip_address=None, cidr_block=None):
    doc = dict(createdAt='2026-11-20T08:00:00Z', requestCount=3)
    if ip_address:
        doc['ipAddress'] = ip_address
    else:
        doc['cidrBlock'] = cidr_block
    return doc


def args(**overrides):
    values = dict(org_id=ORG, client_id=CLIENT_ID, entries=['203.0.113.0/24', '2001:db8::/48'])
    values.update(overrides)
    return values


def test_adds_every_missing_entry_in_one_post(atlas, run_module):
    atlas.reply('GET', ACCESS + LIST, json_body=page(entry(cidr_block='203.0.113.0/24')))
    atlas.reply('POST', ACCESS, json_body=page(entry(cidr_block='203.0.113.0/24'), entry(cidr_block='2001:db8:0:0:0:0:0:0/48')),
                match_body=[dict(cidrBlock='2001:db8:0:0:0:0:0:0/48')])

    result = run_module(module, args())

    assert result['changed'] is True
    assert atlas.calls == ['GET %s%s' % (ACCESS, LIST), 'POST ' + ACCESS]
    assert [(item['ip_address'], item['cidr_block']) for item in result['access_list']] == [
        (None, '2001:db8:0:0:0:0:0:0/48'), (None, '203.0.113.0/24')]
    assert result['diff'] == dict(before=dict(entries=['203.0.113.0/24']), after=dict(entries=['2001:db8::/48', '203.0.113.0/24']))


def test_a_no_op_is_one_get_whatever_the_spelling(atlas, run_module):
    atlas.reply('GET', ACCESS + LIST, json_body=page(entry(cidr_block='203.0.113.0/24'), entry(ip_address='2001:db8:0:0:0:0:0:7')))

    result = run_module(module, args(entries=['2001:DB8::7/128', '203.0.113.0/24'], purge=True))

    assert result['changed'] is False
    assert atlas.calls == ['GET %s%s' % (ACCESS, LIST)]
    assert result['access_list'][0]['request_count'] == 3


def test_check_mode_predicts_additions_and_removals_without_writing(atlas, run_module):
    atlas.reply('GET', ACCESS + LIST, json_body=page(entry(ip_address='198.51.100.7')))

    result = run_module(module, args(purge=True), check_mode=True)

    assert result['changed'] is True
    assert atlas.calls == ['GET %s%s' % (ACCESS, LIST)]
    assert result['diff']['after'] == dict(entries=['2001:db8::/48', '203.0.113.0/24'])
    assert [item['created_at'] for item in result['access_list']] == [None, None]


def test_purge_adds_first_then_deletes_each_removal_with_the_cidr_slash_encoded(atlas, run_module):
    atlas.reply('GET', PROJECT_ACCESS + LIST, json_body=page(entry(cidr_block='10.0.0.0/8'), entry(ip_address='2001:db8:0:0:0:0:0:1')))
    atlas.reply('POST', PROJECT_ACCESS, json_body=page(entry(cidr_block='10.0.0.0/8'), entry(ip_address='2001:db8:0:0:0:0:0:1'),
                                                       entry(ip_address='192.0.2.1')))
    atlas.reply('DELETE', PROJECT_ACCESS + '/10.0.0.0%2F8', status=204)
    atlas.reply('DELETE', PROJECT_ACCESS + '/2001:db8:0:0:0:0:0:1', status=204)

    result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID, entries=['192.0.2.1'], purge=True))

    assert result['changed'] is True
    assert atlas.calls == ['GET %s%s' % (PROJECT_ACCESS, LIST), 'POST ' + PROJECT_ACCESS,
                           'DELETE %s/10.0.0.0%%2F8' % PROJECT_ACCESS, 'DELETE %s/2001:db8:0:0:0:0:0:1' % PROJECT_ACCESS]
    assert [item['ip_address'] for item in result['access_list']] == ['192.0.2.1']


def test_absent_removes_only_the_listed_entries_that_exist(atlas, run_module):
    atlas.reply('GET', ACCESS + LIST, json_body=page(entry(cidr_block='203.0.113.0/24'), entry(ip_address='192.0.2.1')))
    atlas.reply('DELETE', ACCESS + '/203.0.113.0%2F24', status=204)

    result = run_module(module, args(entries=['203.0.113.0/24', '198.51.100.1'], state='absent'))

    assert result['changed'] is True
    assert atlas.calls == ['GET %s%s' % (ACCESS, LIST), 'DELETE %s/203.0.113.0%%2F24' % ACCESS]
    assert result['diff']['after'] == dict(entries=['192.0.2.1'])


def test_a_failure_part_way_reports_the_writes_that_succeeded(atlas, run_module):
    atlas.reply('GET', ACCESS + LIST, json_body=page(entry(ip_address='127.0.0.1')))
    atlas.reply('POST', ACCESS, json_body=page(entry(ip_address='127.0.0.1'), entry(cidr_block='203.0.113.0/24')))
    atlas.error('DELETE', ACCESS + '/127.0.0.1', 400, 'CANNOT_REMOVE_CALLER_ACCESS_LIST_ENTRY',
                'The access list entry 127.0.0.1 admits the requesting IP address 127.0.0.1 and cannot be removed.')

    result = run_module(module, args(entries=['203.0.113.0/24'], purge=True))

    assert result['failed'] is True and result['changed'] is True
    assert '[CANNOT_REMOVE_CALLER_ACCESS_LIST_ENTRY] The access list entry 127.0.0.1 admits the requesting IP address' in result['msg']
    assert result['error']['status'] == 400


def test_an_account_found_by_name_costs_one_listing_more(atlas, run_module):
    atlas.reply('GET', ORG_SAS + LIST, json_body=page(account()))
    atlas.reply('GET', ACCESS + LIST, json_body=page(entry(cidr_block='203.0.113.0/24'), entry(cidr_block='2001:db8:0:0:0:0:0:0/48')))

    result = run_module(module, dict(org_id=ORG, name='ci-deployer', entries=['203.0.113.0/24', '2001:db8::/48']))

    assert result['changed'] is False and result['client_id'] == CLIENT_ID
    assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), 'GET %s%s' % (ACCESS, LIST)]


def test_an_unknown_account_fails_clearly(atlas, run_module):
    atlas.error('GET', ACCESS + LIST, 404, 'SERVICE_ACCOUNT_NOT_FOUND', 'Not found.')

    result = run_module(module, args())

    assert result['failed'] is True
    assert result['msg'] == 'service account %s not found in organization %s' % (CLIENT_ID, ORG)


class TestLockoutGuard:
    TOKEN_URL = BASE + '/api/oauth/token'
    OWN_ACCESS = '%s/%s/accessList' % (ORG_SAS, OWN_CLIENT_ID)

    def own(self, **overrides):
        values = dict(org_id=ORG, client_id=OWN_CLIENT_ID, entries=['203.0.113.0/24'], api_access_token=None,
                      api_client_id=OWN_CLIENT_ID, api_client_secret='mdb_sa_sk_planted-own-secret')
        values.update(overrides)
        return values

    def token(self, atlas):
        atlas.reply('POST', self.TOKEN_URL, json_body=dict(access_token='planted-token-2', token_type='Bearer', expires_in=3600))

    def test_the_first_entry_of_the_running_account_is_refused_before_any_write(self, atlas, run_module):
        self.token(atlas)
        atlas.reply('GET', self.OWN_ACCESS + LIST, json_body=page())

        result = run_module(module, self.own())

        assert result['failed'] is True and result['changed'] is False
        assert atlas.calls == ['POST /api/oauth/token', 'GET %s%s' % (self.OWN_ACCESS, LIST)]
        assert 'refusing to change the access list of %s: it adds the first entry' % OWN_CLIENT_ID in result['msg']
        assert 'allow_own_account=true' in result['msg']
        assert 'mdb_sa_sk_planted-own-secret' not in result['_stdout']

    def test_removing_entries_of_the_running_account_is_refused(self, atlas, run_module):
        self.token(atlas)
        atlas.reply('GET', self.OWN_ACCESS + LIST, json_body=page(entry(cidr_block='203.0.113.0/24'), entry(ip_address='192.0.2.1')))

        result = run_module(module, self.own(purge=True))

        assert result['failed'] is True
        assert 'it removes 192.0.2.1 from the access list of the account whose credentials run this task' in result['msg']

    def test_adding_to_a_non_empty_list_is_safe(self, atlas, run_module):
        self.token(atlas)
        atlas.reply('GET', self.OWN_ACCESS + LIST, json_body=page(entry(ip_address='192.0.2.1')))
        atlas.reply('POST', self.OWN_ACCESS, json_body=page(entry(ip_address='192.0.2.1'), entry(cidr_block='203.0.113.0/24')))

        result = run_module(module, self.own())

        assert result['changed'] is True

    def test_allow_own_account_lets_the_change_through(self, atlas, run_module):
        self.token(atlas)
        atlas.reply('GET', self.OWN_ACCESS + LIST, json_body=page())
        atlas.reply('POST', self.OWN_ACCESS, json_body=page(entry(cidr_block='203.0.113.0/24')))

        result = run_module(module, self.own(allow_own_account=True))

        assert result['changed'] is True


BAD = [
    (dict(entries=['203.0.113.7/24']), 'entries[0]: 203.0.113.7/24 has host bits set; the network is 203.0.113.0/24'),
    (dict(entries=['10.0.0.1', 'nonsense']), "entries[1]: 'nonsense' is not an IPv4 or IPv6 address or CIDR block"),
    (dict(entries=['10.0.0.1', '10.0.0.1/32']), 'entries[1]: 10.0.0.1/32 repeats entries[0] (10.0.0.1)'),
    (dict(entries=['10.0.%d.%d' % (index // 250, index % 250) for index in range(201)]), 'entries has 201 entries'),
    (dict(state='absent', entries=[]), 'state=absent needs entries'),
    (dict(state='absent', purge=True), 'purge applies to state=present only'),
    (dict(client_id='mdb_sa_id_nothex'), 'client_id must match'),
    (dict(org_id='ABC'), 'org_id must be 24 lowercase hexadecimal characters'),
]


@pytest.mark.parametrize('overrides, message', BAD, ids=[message[:30] for dummy, message in BAD])
def test_bad_input_fails_before_any_call(atlas, run_module, overrides, message):
    result = run_module(module, args(**overrides))

    assert result['failed'] is True
    assert message in result['msg']
    assert atlas.calls == []
