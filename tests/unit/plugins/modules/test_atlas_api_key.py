# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.cloudops.atlas.plugins.modules import atlas_api_key as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import ACCESS_TOKEN, BASE, ORG, PROJECT, page
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.test_atlas_api_key_info import (
    KEY_ID, KEYS, LIST, OTHER_KEY_ID, PLAINTEXT_PRIVATE_KEY, api_key)

THIRD_KEY_ID = '6a0b1c2d3e4f5a6b7c8d9ea3'
API_KEYS_ACCEPT = 'application/vnd.atlas.2023-01-01+json'


def three_keys():
    return page(api_key(project_roles=[(PROJECT, 'GROUP_OWNER')]),
                api_key(key_id=OTHER_KEY_ID, public_key='qwertyui', desc='Billing export', org_roles=['ORG_BILLING_READ_ONLY']),
                api_key(key_id=THIRD_KEY_ID, public_key='asdfghjk', desc='Deploy bot', private_key=PLAINTEXT_PRIVATE_KEY))


class TestDelete:
    def test_one_listing_then_one_delete_per_existing_key(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=three_keys())
        atlas.reply('DELETE', '%s/%s' % (KEYS, OTHER_KEY_ID), status=204)
        atlas.reply('DELETE', '%s/%s' % (KEYS, KEY_ID), status=204)

        result = run_module(module, dict(org_id=ORG, public_keys=['qwertyui', 'zmmrboas'], state='absent'))

        assert result['changed'] is True
        assert 'failed' not in result
        assert atlas.calls == ['GET %s%s' % (KEYS, LIST), 'DELETE %s/%s' % (KEYS, OTHER_KEY_ID), 'DELETE %s/%s' % (KEYS, KEY_ID)]
        assert [call.request.headers['Accept'] for call in atlas.mock.calls] == [API_KEYS_ACCEPT] * 3
        assert result['deleted'] == ['qwertyui', 'zmmrboas']
        assert result['api_keys'] == [dict(id=THIRD_KEY_ID, public_key='asdfghjk', description='Deploy bot', org_roles=['ORG_MEMBER'], project_roles=[])]
        assert result['diff'] == dict(before=dict(api_keys=['asdfghjk', 'qwertyui', 'zmmrboas']), after=dict(api_keys=['asdfghjk']))
        assert PLAINTEXT_PRIVATE_KEY not in result['_stdout'] and 'privateKey' not in result['_stdout']
        assert ACCESS_TOKEN not in result['_stdout']

    def test_check_mode_predicts_and_deletes_nothing(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=three_keys())

        result = run_module(module, dict(org_id=ORG, public_keys=['qwertyui']), check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (KEYS, LIST)]
        assert result['deleted'] == ['qwertyui']
        assert [key['public_key'] for key in result['api_keys']] == ['zmmrboas', 'asdfghjk']
        assert result['diff']['after'] == dict(api_keys=['asdfghjk', 'zmmrboas'])

    def test_keys_already_gone_change_nothing(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=three_keys())

        result = run_module(module, dict(org_id=ORG, public_keys=['gonegone']))

        assert result['changed'] is False
        assert result['deleted'] == []
        assert atlas.calls == ['GET %s%s' % (KEYS, LIST)]
        assert result['diff']['before'] == result['diff']['after']

    def test_an_empty_list_deletes_nothing(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=page())

        result = run_module(module, dict(org_id=ORG, public_keys=[]))

        assert result['changed'] is False and result['deleted'] == [] and result['api_keys'] == []

    def test_a_delete_answered_404_is_done(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=three_keys())
        atlas.error('DELETE', '%s/%s' % (KEYS, KEY_ID), 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource')

        result = run_module(module, dict(org_id=ORG, public_keys=['zmmrboas']))

        assert result['changed'] is True
        assert result['deleted'] == ['zmmrboas']

    def test_a_refused_delete_fails_with_the_atlas_error_and_reports_earlier_deletes(self, atlas, run_module):
        atlas.reply('GET', KEYS + LIST, json_body=three_keys())
        atlas.reply('DELETE', '%s/%s' % (KEYS, KEY_ID), status=204)
        atlas.error('DELETE', '%s/%s' % (KEYS, OTHER_KEY_ID), 403, 'USER_UNAUTHORIZED', 'Forbidden')

        result = run_module(module, dict(org_id=ORG, public_keys=['zmmrboas', 'qwertyui']))

        assert result['failed'] is True
        assert result['changed'] is True
        assert result['msg'] == 'Deleting API keys of organization %s: [USER_UNAUTHORIZED] Forbidden' % ORG
        assert result['error']['status'] == 403


class TestRefusals:
    @pytest.mark.parametrize('check_mode', [False, True])
    def test_never_the_key_that_runs_the_task(self, atlas, run_module, check_mode):
        args = dict(org_id=ORG, public_keys=['qwertyui', 'zmmrboas'], api_base_url=BASE, api_public_key='zmmrboas',
                    api_private_key='planted-private', api_retries=0)
        result = run_module(module, args, check_mode=check_mode, connection=False)

        assert result['failed'] is True
        assert result['changed'] is False
        assert result['msg'].startswith('refusing to delete API key zmmrboas: it is the API key of this run (api_public_key)')
        assert atlas.calls == []
        assert 'planted-private' not in result['_stdout']

    @pytest.mark.parametrize('args, message', [
        (dict(org_id='XYZ', public_keys=[]), "org_id must be 24 lowercase hexadecimal characters, got 'XYZ'"),
        (dict(org_id=ORG, public_keys=['qwertyui', 'qwertyui']), "public_keys must be unique, 'qwertyui' given more than once"),
        (dict(org_id=ORG, public_keys=['']), 'public_keys must not contain empty strings'),
        (dict(org_id=ORG, public_keys=['qwertyui'], state='present'), 'value of state must be one of: absent'),
        (dict(org_id=ORG), 'missing required arguments: public_keys'),
    ])
    def test_bad_input_fails_before_any_call(self, atlas, run_module, args, message):
        result = run_module(module, args)

        assert result['failed'] is True
        assert message in result['msg']
        assert atlas.calls == []


class TestKeysConfiguredButNotUsed:
    def test_an_api_key_behind_a_token_in_the_options_does_not_run_the_task_and_may_go(self, atlas, run_module):
        atlas.reply('GET', '/orgs/%s/apiKeys?itemsPerPage=500&pageNum=1' % ORG, json_body=dict(results=[
            dict(id='6a0b1c2d3e4f5a6b7c8d9e01', publicKey='zmmrboas', desc='Legacy', roles=[])], totalCount=1, links=[]))
        atlas.reply('DELETE', '/orgs/%s/apiKeys/6a0b1c2d3e4f5a6b7c8d9e01' % ORG, status=204)

        result = run_module(module, dict(org_id=ORG, public_keys=['zmmrboas'], api_public_key='zmmrboas', api_private_key='planted-private'))

        assert result['changed'] is True and result['deleted'] == ['zmmrboas']
