# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import responses

from ansible_collections.cloudops.atlas.plugins.modules import atlas_api_key_info as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import ACCESS_TOKEN, ORG, PROJECT, Atlas, page

KEYS = '/orgs/%s/apiKeys' % ORG
LIST = '?itemsPerPage=500&pageNum=1'
LIST_PAGE_2 = '?itemsPerPage=500&pageNum=2'
OTHER_PROJECT = '6a0b1c2d3e4f5a6b7c8d9e1f'
KEY_ID = '6a0b1c2d3e4f5a6b7c8d9ea1'
OTHER_KEY_ID = '6a0b1c2d3e4f5a6b7c8d9ea2'
# What Atlas lists as privateKey after creation (masked), and a plaintext one as a create answers it: neither may
# ever appear in a result, a log or a diff.
MASKED_PRIVATE_KEY = '********-****-****-planted0mask'
PLAINTEXT_PRIVATE_KEY = 'planted-private-key-9b8e7d6c-5a4f'
API_KEYS_ACCEPT = 'application/vnd.atlas.2023-01-01+json'


def api_key(key_id=KEY_ID, public_key='zmmrboas', desc='Terraform CI', org_roles=('ORG_MEMBER',), project_roles=(), private_key=MASKED_PRIVATE_KEY):
    """An ApiKeyUserDetails document: organization roles with orgId, project roles with groupId."""
    roles = [dict(orgId=ORG, roleName=role) for role in org_roles]
    roles += [dict(groupId=project_id, roleName=role) for project_id, role in project_roles]
    return dict(id=key_id, publicKey=public_key, desc=desc, privateKey=private_key, roles=roles,
                links=[dict(href='https://atlas.example.test/api/atlas/v2/orgs/%s/apiKeys/%s' % (ORG, key_id), rel='self')])


def entry(address=None, cidr=None):
    """A UserAccessListResponse entry."""
    doc = dict(created='2026-11-01T08:00:00Z', links=[])
    if address:
        doc['ipAddress'] = address
    if cidr:
        doc['cidrBlock'] = cidr
    return doc


def access_path(key_id):
    return '%s/%s/accessList%s' % (KEYS, key_id, LIST)


@pytest.fixture
def run_module(run_module):
    """The conversations below pin the order of calls: one access-list read at a time (TestConcurrency reads several)."""
    def run(module_under_test, args, **kwargs):
        return run_module(module_under_test, dict(dict(concurrency=1), **args), **kwargs)
    return run


class TestInventory:
    def test_one_listing_and_one_access_list_read_per_key(self, atlas, run_module):
        roles = [(OTHER_PROJECT, 'GROUP_READ_ONLY'), (PROJECT, 'GROUP_OWNER'), (PROJECT, 'GROUP_CLUSTER_MANAGER')]
        atlas.reply('GET', KEYS + LIST, json_body=page(
            api_key(org_roles=['ORG_OWNER', 'ORG_MEMBER'], project_roles=roles),
            api_key(key_id=OTHER_KEY_ID, public_key='qwertyui', desc='Billing export', org_roles=['ORG_BILLING_READ_ONLY'])))
        atlas.reply('GET', access_path(KEY_ID), json_body=page(entry(address='2001:db8:0:0:0:0:0:10'), entry(cidr='198.51.100.0/24'),
                                                               entry(address='192.0.2.10')))
        atlas.reply('GET', access_path(OTHER_KEY_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG))

        assert result['changed'] is False
        assert 'failed' not in result
        assert 'diff' not in result
        assert atlas.calls == ['GET %s%s' % (KEYS, LIST), 'GET ' + access_path(KEY_ID), 'GET ' + access_path(OTHER_KEY_ID)]
        assert [call.request.headers['Accept'] for call in atlas.mock.calls] == [API_KEYS_ACCEPT] * 3
        assert result['api_keys'] == [
            dict(id=KEY_ID, public_key='zmmrboas', description='Terraform CI', org_roles=['ORG_MEMBER', 'ORG_OWNER'],
                 project_roles=[dict(project_id=PROJECT, roles=['GROUP_CLUSTER_MANAGER', 'GROUP_OWNER']),
                                dict(project_id=OTHER_PROJECT, roles=['GROUP_READ_ONLY'])],
                 access_list=['192.0.2.10', '198.51.100.0/24', '2001:db8::10']),
            dict(id=OTHER_KEY_ID, public_key='qwertyui', description='Billing export', org_roles=['ORG_BILLING_READ_ONLY'],
                 project_roles=[], access_list=[]),
        ]

    def test_access_list_entries_are_normalized(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page(api_key()))
        atlas.reply('GET', access_path(KEY_ID), json_body=page(entry(cidr='203.0.113.7/32'), entry(cidr='2001:db8:abcd:0:0:0:0:0%2F48')))

        result = run_module(module, dict(org_id=ORG))

        assert result['api_keys'][0]['access_list'] == ['2001:db8:abcd::/48', '203.0.113.7']

    def test_no_key_no_access_list_read(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page())

        result = run_module(module, dict(org_id=ORG))

        assert result['api_keys'] == []
        assert atlas.calls == ['GET %s%s' % (KEYS, LIST)]

    def test_reads_every_page(self, atlas, run_module):
        first = [api_key(key_id='%024x' % number, public_key='key%05d' % number) for number in range(500)]
        atlas.reply('GET', KEYS + LIST, json_body=dict(results=first, totalCount=501, links=[]))
        atlas.reply('GET', KEYS + LIST_PAGE_2, json_body=dict(results=[api_key(key_id=OTHER_KEY_ID, public_key='qwertyui')], totalCount=501, links=[]))
        atlas.reply('GET', access_path(OTHER_KEY_ID), json_body=page(entry(address='192.0.2.1')))

        result = run_module(module, dict(org_id=ORG, public_key=['qwertyui']))

        assert [key['public_key'] for key in result['api_keys']] == ['qwertyui']
        assert atlas.calls == ['GET %s%s' % (KEYS, LIST), 'GET %s%s' % (KEYS, LIST_PAGE_2), 'GET ' + access_path(OTHER_KEY_ID)]

    def test_check_mode_makes_the_same_calls(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page(api_key()))
        atlas.reply('GET', access_path(KEY_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG), check_mode=True)

        assert result['changed'] is False
        assert [key['public_key'] for key in result['api_keys']] == ['zmmrboas']


class TestFilter:
    def test_public_key_filter_reads_only_the_access_lists_of_the_matches(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page(api_key(), api_key(key_id=OTHER_KEY_ID, public_key='qwertyui')))
        atlas.reply('GET', access_path(OTHER_KEY_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG, public_key=['qwertyui', 'unknown1']))

        assert [key['public_key'] for key in result['api_keys']] == ['qwertyui']
        assert atlas.calls == ['GET %s%s' % (KEYS, LIST), 'GET ' + access_path(OTHER_KEY_ID)]

    def test_an_unknown_public_key_gives_an_empty_list(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page(api_key()))

        result = run_module(module, dict(org_id=ORG, public_key=['unknown1']))

        assert result['api_keys'] == []
        assert atlas.calls == ['GET %s%s' % (KEYS, LIST)]

    def test_a_key_deleted_before_its_access_list_is_read_is_left_out(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page(api_key(), api_key(key_id=OTHER_KEY_ID, public_key='qwertyui')))
        atlas.error('GET', access_path(KEY_ID), 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource')
        atlas.reply('GET', access_path(OTHER_KEY_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG))

        assert 'failed' not in result
        assert [key['public_key'] for key in result['api_keys']] == ['qwertyui']


class TestPrivateKeysNeverReturned:
    @pytest.mark.parametrize('private_key', [MASKED_PRIVATE_KEY, PLAINTEXT_PRIVATE_KEY])
    def test_no_private_key_in_the_result(self, atlas, run_module, private_key):
        atlas.reply('GET', KEYS + LIST, json_body=page(api_key(private_key=private_key)))
        atlas.reply('GET', access_path(KEY_ID), json_body=page())

        result = run_module(module, dict(org_id=ORG))

        assert 'private_key' not in result['api_keys'][0] and 'privateKey' not in result['_stdout']
        assert private_key not in result['_stdout']
        assert 'planted0mask' not in result['_stdout']
        assert ACCESS_TOKEN not in result['_stdout']

    def test_no_private_key_in_a_failure(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page(api_key(private_key=PLAINTEXT_PRIVATE_KEY)))
        atlas.error('GET', access_path(KEY_ID), 500, 'UNEXPECTED_ERROR', 'Unexpected error')

        result = run_module(module, dict(org_id=ORG))

        assert result['failed'] is True
        assert PLAINTEXT_PRIVATE_KEY not in result['_stdout']


class TestErrors:
    def test_unknown_organization_fails_with_the_atlas_error(self, atlas, run_module):
        atlas.error('GET', KEYS + LIST, 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource /api/atlas/v2/orgs/%s/apiKeys' % ORG)

        result = run_module(module, dict(org_id=ORG))

        assert result['failed'] is True
        assert result['msg'].startswith('Listing the API keys of organization %s: [RESOURCE_NOT_FOUND]' % ORG)
        assert result['error']['status'] == 404
        assert 'api_keys' not in result

    def test_an_access_list_error_fails(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page(api_key()))
        atlas.error('GET', access_path(KEY_ID), 403, 'USER_UNAUTHORIZED', 'Forbidden')

        result = run_module(module, dict(org_id=ORG))

        assert result['failed'] is True
        assert '[USER_UNAUTHORIZED] Forbidden' in result['msg']

    @pytest.mark.parametrize('args, message', [
        (dict(org_id='XYZ'), "org_id must be 24 lowercase hexadecimal characters, got 'XYZ'"),
        (dict(org_id=ORG, concurrency=33), 'concurrency must be between 1 and 32, got 33'),
        (dict(), 'missing required arguments: org_id'),
    ])
    def test_bad_input_fails_before_any_call(self, atlas, run_module, args, message):
        result = run_module(module, args)

        assert result['failed'] is True
        assert message in result['msg']
        assert atlas.calls == []


class TestConcurrency:
    def test_access_lists_are_read_several_at_once_one_get_each(self, run_module):
        keys = [api_key(key_id='%024x' % number, public_key='key%05d' % number) for number in range(5)]
        with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
            atlas = Atlas(mock)
            atlas.reply('GET', KEYS + LIST, json_body=page(*keys))
            for key in keys:
                atlas.reply('GET', access_path(key['id']), json_body=page(entry(address='192.0.2.%d' % int(key['id'], 16))))

            result = run_module(module, dict(org_id=ORG, concurrency=3))
            calls = atlas.calls

        assert sorted(calls) == sorted(['GET %s%s' % (KEYS, LIST)] + ['GET ' + access_path(key['id']) for key in keys])
        assert [key['access_list'] for key in result['api_keys']] == [['192.0.2.%d' % number] for number in range(5)]
