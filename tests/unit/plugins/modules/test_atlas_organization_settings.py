# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.cloudops.atlas.plugins.modules import atlas_organization_settings as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import ACCESS_TOKEN, ORG

SETTINGS = '/orgs/%s/settings' % ORG
GET = 'GET ' + SETTINGS
PATCH = 'PATCH ' + SETTINGS
MEDIA_TYPE = 'application/vnd.atlas.2023-01-01+json'


def settings(**changes):
    """An OrganizationSettings document as Atlas returns it (unset contacts and timeouts left out)."""
    doc = dict(apiAccessListRequired=False, genAIFeaturesEnabled=True, maxServiceAccountSecretValidityInHours=8760,
               multiFactorAuthRequired=False, restrictEmployeeAccess=False, streamsCrossGroupEnabled=False,
               securityContact='secops@example.com')
    doc.update(changes)
    return dict((key, value) for key, value in doc.items() if value is not None)


def presented(**changes):
    """The module's `settings` for settings() with the same changes (snake_case options)."""
    view = dict(max_service_account_secret_validity_hours=8760, api_access_list_required=False, multi_factor_auth_required=False,
                restrict_employee_access=False, gen_ai_features_enabled=True, streams_cross_group_enabled=False,
                security_contact='secops@example.com', operations_contact='',
                custom_session_timeouts=dict(absolute_session_timeout_in_seconds=None, idle_session_timeout_in_seconds=None))
    view.update(changes)
    return view


def headers(atlas, index):
    return atlas.mock.calls[index].request.headers


class TestNoChange:
    @pytest.mark.parametrize('check_mode', [False, True])
    def test_settings_as_wanted_are_one_get(self, atlas, run_module, check_mode):
        atlas.reply('GET', SETTINGS, json_body=settings(maxServiceAccountSecretValidityInHours=2160))

        result = run_module(module, dict(org_id=ORG, max_service_account_secret_validity_hours=2160, multi_factor_auth_required=False,
                                         security_contact='secops@example.com'), check_mode=check_mode)

        assert result['changed'] is False
        assert 'failed' not in result
        assert atlas.calls == [GET]
        assert headers(atlas, 0)['Accept'] == MEDIA_TYPE
        view = dict(max_service_account_secret_validity_hours=2160, multi_factor_auth_required=False, security_contact='secops@example.com')
        assert result['diff'] == dict(before=view, after=view)
        assert result['settings'] == presented(max_service_account_secret_validity_hours=2160)
        assert ACCESS_TOKEN not in result['_stdout']

    def test_org_id_alone_reads_every_setting(self, atlas, run_module):
        doc = settings(operationsContact='atlas-ops@example.com',
                       customSessionTimeouts=dict(absoluteSessionTimeoutInSeconds=28800, idleSessionTimeoutInSeconds=1800))
        atlas.reply('GET', SETTINGS, json_body=doc)

        result = run_module(module, dict(org_id=ORG))

        assert result['changed'] is False
        assert atlas.calls == [GET]
        assert result['diff'] == dict(before={}, after={})
        assert result['settings'] == presented(
            operations_contact='atlas-ops@example.com',
            custom_session_timeouts=dict(absolute_session_timeout_in_seconds=28800, idle_session_timeout_in_seconds=1800))

    def test_removing_contacts_that_are_not_set_is_no_change(self, atlas, run_module):
        atlas.reply('GET', SETTINGS, json_body=settings(securityContact=None))

        result = run_module(module, dict(org_id=ORG, security_contact='', operations_contact=''))

        assert result['changed'] is False
        assert atlas.calls == [GET]
        assert result['diff'] == dict(before=dict(security_contact='', operations_contact=''),
                                      after=dict(security_contact='', operations_contact=''))
        assert result['settings']['security_contact'] == ''


class TestChange:
    def test_one_patch_carries_only_the_changed_fields_in_the_versioned_media_type(self, atlas, run_module):
        atlas.reply('GET', SETTINGS, json_body=settings())
        atlas.reply('PATCH', SETTINGS, json_body=settings(maxServiceAccountSecretValidityInHours=2160, apiAccessListRequired=True),
                    match_body=dict(maxServiceAccountSecretValidityInHours=2160, apiAccessListRequired=True))

        result = run_module(module, dict(org_id=ORG, max_service_account_secret_validity_hours=2160, api_access_list_required=True,
                                         multi_factor_auth_required=False, gen_ai_features_enabled=True))

        assert result['changed'] is True
        assert 'failed' not in result
        assert atlas.calls == [GET, PATCH]
        assert atlas.body(1) == dict(maxServiceAccountSecretValidityInHours=2160, apiAccessListRequired=True)
        assert headers(atlas, 1)['Accept'] == MEDIA_TYPE
        assert headers(atlas, 1)['Content-Type'] == MEDIA_TYPE
        assert result['diff'] == dict(
            before=dict(max_service_account_secret_validity_hours=8760, api_access_list_required=False,
                        multi_factor_auth_required=False, gen_ai_features_enabled=True),
            after=dict(max_service_account_secret_validity_hours=2160, api_access_list_required=True,
                       multi_factor_auth_required=False, gen_ai_features_enabled=True))
        assert result['settings'] == presented(max_service_account_secret_validity_hours=2160, api_access_list_required=True)
        assert ACCESS_TOKEN not in result['_stdout']

    def test_check_mode_predicts_the_change_without_patching(self, atlas, run_module):
        atlas.reply('GET', SETTINGS, json_body=settings())

        result = run_module(module, dict(org_id=ORG, max_service_account_secret_validity_hours=48, restrict_employee_access=True),
                            check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == [GET]
        assert result['diff'] == dict(
            before=dict(max_service_account_secret_validity_hours=8760, restrict_employee_access=False),
            after=dict(max_service_account_secret_validity_hours=48, restrict_employee_access=True))
        assert result['settings'] == presented(max_service_account_secret_validity_hours=48, restrict_employee_access=True)

    def test_every_option_reaches_its_api_field(self, atlas, run_module):
        wanted = dict(maxServiceAccountSecretValidityInHours=8, apiAccessListRequired=True, multiFactorAuthRequired=True,
                      restrictEmployeeAccess=True, genAIFeaturesEnabled=False, streamsCrossGroupEnabled=True,
                      securityContact='security@example.org', operationsContact='ops-list@example.org')
        atlas.reply('GET', SETTINGS, json_body=settings())
        atlas.reply('PATCH', SETTINGS, json_body=settings(**wanted), match_body=wanted)

        result = run_module(module, dict(org_id=ORG, max_service_account_secret_validity_hours=8, api_access_list_required=True,
                                         multi_factor_auth_required=True, restrict_employee_access=True, gen_ai_features_enabled=False,
                                         streams_cross_group_enabled=True, security_contact='security@example.org',
                                         operations_contact='ops-list@example.org'))

        assert result['changed'] is True
        assert atlas.calls == [GET, PATCH]
        after = dict(max_service_account_secret_validity_hours=8, api_access_list_required=True, multi_factor_auth_required=True,
                     restrict_employee_access=True, gen_ai_features_enabled=False, streams_cross_group_enabled=True,
                     security_contact='security@example.org', operations_contact='ops-list@example.org')
        assert result['diff']['after'] == after
        assert result['settings'] == presented(**after)

    def test_the_upper_bound_is_accepted(self, atlas, run_module):
        atlas.reply('GET', SETTINGS, json_body=settings(maxServiceAccountSecretValidityInHours=48))
        atlas.reply('PATCH', SETTINGS, json_body=settings(), match_body=dict(maxServiceAccountSecretValidityInHours=8760))

        result = run_module(module, dict(org_id=ORG, max_service_account_secret_validity_hours=8760))

        assert result['changed'] is True
        assert result['settings']['max_service_account_secret_validity_hours'] == 8760


class TestContacts:
    def test_an_empty_security_contact_is_sent_as_an_empty_string(self, atlas, run_module):
        atlas.reply('GET', SETTINGS, json_body=settings())
        atlas.reply('PATCH', SETTINGS, json_body=settings(securityContact=None), match_body=dict(securityContact=''))

        result = run_module(module, dict(org_id=ORG, security_contact=''))

        assert result['changed'] is True
        assert atlas.calls == [GET, PATCH]
        assert result['diff'] == dict(before=dict(security_contact='secops@example.com'), after=dict(security_contact=''))
        assert result['settings']['security_contact'] == ''

    def test_an_empty_operations_contact_is_sent_as_null(self, atlas, run_module):
        atlas.reply('GET', SETTINGS, json_body=settings(operationsContact='atlas-ops@example.com'))
        atlas.reply('PATCH', SETTINGS, json_body=settings(), match_body=dict(operationsContact=None))

        result = run_module(module, dict(org_id=ORG, operations_contact=''))

        assert result['changed'] is True
        assert atlas.calls == [GET, PATCH]
        assert atlas.body(1) == dict(operationsContact=None)
        assert result['diff'] == dict(before=dict(operations_contact='atlas-ops@example.com'), after=dict(operations_contact=''))
        assert result['settings']['operations_contact'] == ''

    def test_removing_a_contact_in_check_mode(self, atlas, run_module):
        atlas.reply('GET', SETTINGS, json_body=settings(operationsContact='atlas-ops@example.com'))

        result = run_module(module, dict(org_id=ORG, operations_contact='', security_contact='secops@example.com'), check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == [GET]
        assert result['diff'] == dict(before=dict(security_contact='secops@example.com', operations_contact='atlas-ops@example.com'),
                                      after=dict(security_contact='secops@example.com', operations_contact=''))
        assert result['settings'] == presented()

    def test_a_contact_atlas_returns_as_null_reads_as_unset(self, atlas, run_module):
        atlas.reply('GET', SETTINGS, json_body=dict(settings(), operationsContact=None))

        result = run_module(module, dict(org_id=ORG, operations_contact=''))

        assert result['changed'] is False
        assert atlas.calls == [GET]


class TestErrors:
    def test_a_non_owner_gets_atlas_403_with_code_and_detail(self, atlas, run_module):
        detail = 'Current user is not authorized to perform this action.'
        atlas.reply('GET', SETTINGS, json_body=settings())
        atlas.error('PATCH', SETTINGS, 403, 'USER_UNAUTHORIZED', detail)

        result = run_module(module, dict(org_id=ORG, multi_factor_auth_required=True))

        assert result['failed'] is True
        assert result['changed'] is False
        assert result['msg'] == 'Updating the settings of organization %s: [USER_UNAUTHORIZED] %s' % (ORG, detail)
        assert result['error'] == dict(status=403, error_code='USER_UNAUTHORIZED', detail=detail, reason='Error', parameters=[])
        assert atlas.calls == [GET, PATCH]
        assert 'settings' not in result
        assert ACCESS_TOKEN not in result['_stdout']

    def test_an_unknown_organization_fails_on_the_read(self, atlas, run_module):
        detail = 'Cannot find resource /api/atlas/v2/orgs/%s/settings' % ORG
        atlas.error('GET', SETTINGS, 404, 'RESOURCE_NOT_FOUND', detail)

        result = run_module(module, dict(org_id=ORG, multi_factor_auth_required=True))

        assert result['failed'] is True
        assert result['changed'] is False
        assert result['msg'] == 'Reading the settings of organization %s: [RESOURCE_NOT_FOUND] %s' % (ORG, detail)
        assert result['error']['status'] == 404
        assert atlas.calls == [GET]

    def test_a_patch_refused_for_its_values_surfaces_the_validation_error(self, atlas, run_module):
        detail = 'operationsContact must not be empty (send null to clear it)'
        atlas.reply('GET', SETTINGS, json_body=settings())
        atlas.error('PATCH', SETTINGS, 400, 'VALIDATION_ERROR', detail)

        result = run_module(module, dict(org_id=ORG, operations_contact='atlas-ops@example.com'))

        assert result['failed'] is True
        assert result['error']['error_code'] == 'VALIDATION_ERROR'
        assert result['msg'].endswith('[VALIDATION_ERROR] ' + detail)


class TestInput:
    @pytest.mark.parametrize('args, message', [
        (dict(org_id='XYZ'), "org_id must be 24 lowercase hexadecimal characters, got 'XYZ'"),
        (dict(org_id=ORG.upper()), 'org_id must be 24 lowercase hexadecimal characters'),
        (dict(org_id=ORG, max_service_account_secret_validity_hours=7),
         'max_service_account_secret_validity_hours must be between 8 and 8760, got 7'),
        (dict(org_id=ORG, max_service_account_secret_validity_hours=8761),
         'max_service_account_secret_validity_hours must be between 8 and 8760, got 8761'),
        (dict(org_id=ORG, max_service_account_secret_validity_hours=0),
         'max_service_account_secret_validity_hours must be between 8 and 8760, got 0'),
        (dict(org_id=ORG, security_contact='secops'),
         "security_contact must be one email address (a single address), or '' to remove it; got 'secops'"),
        (dict(org_id=ORG, security_contact='a@example.com, b@example.com'),
         "security_contact must be one email address (a single address), or '' to remove it; got 'a@example.com, b@example.com'"),
        (dict(org_id=ORG, security_contact=' secops@example.com'), 'security_contact must be one email address'),
        (dict(org_id=ORG, operations_contact='ops@localhost'),
         "operations_contact must be one email address (for example a distribution list), or '' to remove it; got 'ops@localhost'"),
        (dict(org_id=ORG, operations_contact='a@example.com;b@example.com'), 'operations_contact must be one email address'),
        (dict(org_id=ORG, multi_factor_auth_required='perhaps'), 'multi_factor_auth_required'),
        (dict(org_id=ORG, max_service_account_secret_validity_hours='ninety days'), 'max_service_account_secret_validity_hours'),
        (dict(max_service_account_secret_validity_hours=48), 'missing required arguments: org_id'),
        (dict(org_id=ORG, max_service_account_secret_validity_in_hours=48), 'max_service_account_secret_validity_in_hours'),
    ])
    def test_bad_input_fails_before_any_call(self, atlas, run_module, args, message):
        result = run_module(module, args)

        assert result['failed'] is True
        assert message in result['msg']
        assert result.get('changed', False) is False
        assert atlas.calls == []
