#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_organization_settings
short_description: Manage the settings of a MongoDB Atlas organization
version_added: 1.1.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Sets the organization-wide settings of an Atlas organization, among them the longest lifetime of
    new service account secrets, the API access list requirement, multi-factor authentication and the
    security and operations contacts.
  - Only the options that are given are managed; the other settings are left as they are. With no
    setting option at all the task only reads the settings and returns them in RV(settings).
  - "Cost in API calls: one GET when nothing changes (and in check mode); one GET and one PATCH that
    carries only the changed fields otherwise."
  - Reading needs membership in the organization; changing needs the Organization Owner role (Atlas
    answers other callers with HTTP 403).
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.attributes
options:
  org_id:
    description:
      - ID of the organization (24 lowercase hexadecimal characters).
    type: str
    required: true
  max_service_account_secret_validity_hours:
    description:
      - The longest lifetime, in hours, of a new service account secret in the organization (8 to 8760).
        Atlas refuses to create a secret that lives longer, for example with
        M(cloudops.atlas.atlas_service_account_secret) O(cloudops.atlas.atlas_service_account_secret#module:expires_after_hours).
      - It bounds secrets created from then on; existing secrets keep their expiry.
      - API field C(maxServiceAccountSecretValidityInHours).
    type: int
  api_access_list_required:
    description:
      - Require Atlas Admin API calls to come from an address on the API access list of the credentials
        that make them.
      - Turning it on while the credentials that run automation have no access list can lock that
        automation out.
      - API field C(apiAccessListRequired).
    type: bool
  multi_factor_auth_required:
    description:
      - Require users to set up multi-factor authentication before they can access the organization.
      - API field C(multiFactorAuthRequired).
    type: bool
  restrict_employee_access:
    description:
      - Block MongoDB Support from accessing Atlas infrastructure and cluster logs of the organization's
        deployments without explicit permission (a 24-hour bypass can then be granted per deployment).
      - API field C(restrictEmployeeAccess).
    type: bool
  gen_ai_features_enabled:
    description:
      - Give the organization access to generative AI features (Atlas Commercial only; on by default in Atlas).
      - API field C(genAIFeaturesEnabled).
    type: bool
  streams_cross_group_enabled:
    description:
      - Allow the Atlas Stream Processing workspaces of a project to connect to clusters of other projects
        of the organization.
      - API field C(streamsCrossGroupEnabled).
    type: bool
  security_contact:
    description:
      - A single email address that receives the organization's security notifications. It grants no
        access to Atlas.
      - V('') removes the security contact.
      - API field C(securityContact).
    type: str
  operations_contact:
    description:
      - An email address, typically of a distribution list, that receives proactive notifications about
        the organization's infrastructure. It grants no access to Atlas.
      - V('') removes the operations contact (the module sends C(null), since Atlas refuses an empty string here).
      - API field C(operationsContact).
    type: str
notes:
  - Every option is checked before any API call; a value out of range or a contact that is not one
    email address fails naming the option and the rule.
  - Atlas also has custom session timeouts among the organization settings; this module returns them in
    RV(settings.custom_session_timeouts) but does not change them.
seealso:
  - module: cloudops.atlas.atlas_service_account_secret
  - module: cloudops.atlas.atlas_service_account
  - name: Manage organization settings
    description: The organization settings in the MongoDB Atlas documentation.
    link: https://www.mongodb.com/docs/atlas/tutorial/manage-organization-settings/
  - name: Update Settings for One Organization
    description: The Atlas Admin API operation this module calls to change settings.
    link: https://mongodb.com/docs/atlas/reference/api-resources-spec/v2/#tag/Organizations/operation/updateOrgSettings
'''

EXAMPLES = r'''
- name: Organization policy
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Cap new service account secrets at 90 days, as the auditors ask
      cloudops.atlas.atlas_organization_settings:
        org_id: 5f1e2d3c4b5a69788796a5b4
        max_service_account_secret_validity_hours: 2160

    - name: Require MFA and name the contacts
      cloudops.atlas.atlas_organization_settings:
        org_id: 5f1e2d3c4b5a69788796a5b4
        multi_factor_auth_required: true
        security_contact: secops@example.com
        operations_contact: atlas-ops@example.com

    - name: Remove the operations contact
      cloudops.atlas.atlas_organization_settings:
        org_id: 5f1e2d3c4b5a69788796a5b4
        operations_contact: ''

    - name: Only read the settings (one GET)
      cloudops.atlas.atlas_organization_settings:
        org_id: 5f1e2d3c4b5a69788796a5b4
      register: org_settings

    - name: Keep new secrets within the organization's maximum
      cloudops.atlas.atlas_service_account_secret:
        org_id: 5f1e2d3c4b5a69788796a5b4
        name: ci-deployer
        expires_after_hours: "{{ [720, org_settings.settings.max_service_account_secret_validity_hours] | min }}"
        rotate_before_hours: 168
        dest: /etc/ci/atlas-credentials.json
        return_secret: false
      no_log: true
'''

RETURN = r'''
settings:
  description:
    - Every setting of the organization after the task (in check mode, as it would be after the task).
    - A setting that Atlas did not return is V(null); a contact that is not set is V('').
  returned: success
  type: dict
  contains:
    max_service_account_secret_validity_hours:
      description: The longest lifetime, in hours, of a new service account secret.
      type: int
      sample: 2160
    api_access_list_required:
      description: Whether Admin API calls must come from an address on the caller's API access list.
      type: bool
      sample: false
    multi_factor_auth_required:
      description: Whether users must set up multi-factor authentication.
      type: bool
      sample: true
    restrict_employee_access:
      description: Whether MongoDB Support needs explicit permission to access infrastructure and logs.
      type: bool
      sample: false
    gen_ai_features_enabled:
      description: Whether the organization has access to generative AI features.
      type: bool
      sample: true
    streams_cross_group_enabled:
      description: Whether Stream Processing workspaces may connect to clusters of other projects.
      type: bool
      sample: false
    security_contact:
      description: Email address for security notifications, V('') when none is set.
      type: str
      sample: secops@example.com
    operations_contact:
      description: Email address for operational notifications, V('') when none is set.
      type: str
      sample: atlas-ops@example.com
    custom_session_timeouts:
      description: The organization's user session timeouts (not managed by this module); V(null) values use Atlas's defaults.
      type: dict
      contains:
        absolute_session_timeout_in_seconds:
          description: Absolute session timeout in seconds.
          type: int
          sample: 43200
        idle_session_timeout_in_seconds:
          description: Idle session timeout in seconds.
          type: int
          sample: 1800
error:
  description: The Atlas error that made the task fail.
  returned: failure
  type: dict
  sample: {status: 403, error_code: USER_UNAUTHORIZED, detail: "...", reason: Forbidden, parameters: []}
'''

import re

from ansible_collections.cloudops.atlas.plugins.module_utils._errors import InputError
from ansible_collections.cloudops.atlas.plugins.module_utils._client import api_path
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._fields import field
from ansible_collections.cloudops.atlas.plugins.module_utils._resource import AtlasResource
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import ORG_SETTINGS_API_VERSION, ORG_SETTINGS_PATH
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import (
    SECRET_HOURS_MAX, SECRET_HOURS_MIN, check_hex_id, check_range)

SETTINGS_FIELDS = (
    field('max_service_account_secret_validity_hours', 'maxServiceAccountSecretValidityInHours'),
    field('api_access_list_required', 'apiAccessListRequired'),
    field('multi_factor_auth_required', 'multiFactorAuthRequired'),
    field('restrict_employee_access', 'restrictEmployeeAccess'),
    field('gen_ai_features_enabled', 'genAIFeaturesEnabled'),
    field('streams_cross_group_enabled', 'streamsCrossGroupEnabled'),
    field('security_contact', 'securityContact'),
    field('operations_contact', 'operationsContact'),
)
# How Atlas clears a contact: securityContact takes "", operationsContact takes null and refuses "".
# On this side of the wire an unset contact is '' (as the options write it).
CONTACT_CLEARED_ON_THE_WIRE = {'securityContact': '', 'operationsContact': None}
SESSION_TIMEOUTS = (('absolute_session_timeout_in_seconds', 'absoluteSessionTimeoutInSeconds'),
                    ('idle_session_timeout_in_seconds', 'idleSessionTimeoutInSeconds'))
# One address, no list: local part, @, a domain with at least one dot; no spaces, commas or semicolons.
EMAIL = re.compile(r'^[^@\s,;]+@[^@\s,;.]+(\.[^@\s,;.]+)+$')


def check_contact(option, value, what):
    if value and not EMAIL.match(value):
        raise InputError("%s must be one email address (%s), or '' to remove it; got %r" % (option, what, value))


def normalize(settings):
    """The API document with unset contacts as '' (so that '' in an option compares equal)."""
    settings = dict(settings or {})
    for api in CONTACT_CLEARED_ON_THE_WIRE:
        settings[api] = settings.get(api) or ''
    return settings


def wire_body(changes):
    """The PATCH body for normalized changes: a contact to remove as Atlas wants it."""
    return dict((api, CONTACT_CLEARED_ON_THE_WIRE[api] if api in CONTACT_CLEARED_ON_THE_WIRE and value == '' else value)
                for api, value in changes.items())


class OrganizationSettings(AtlasResource):
    noun = 'organization settings'
    return_key = 'settings'
    fields = SETTINGS_FIELDS

    def __init__(self, module):
        super(OrganizationSettings, self).__init__(module)
        self.path = None
        self.doing = 'Reading'

    def describe(self):
        return 'the settings of organization %s' % self.params['org_id']

    def action_text(self):
        return '%s %s' % (self.doing, self.describe())

    def validate(self):
        params = self.params
        check_hex_id('org_id', params['org_id'])
        check_range('max_service_account_secret_validity_hours', params['max_service_account_secret_validity_hours'],
                    SECRET_HOURS_MIN, SECRET_HOURS_MAX)
        check_contact('security_contact', params['security_contact'], 'a single address')
        check_contact('operations_contact', params['operations_contact'], 'for example a distribution list')
        # Only the options given are managed: plan, diff and PATCH see those fields alone.
        self.fields = tuple(item for item in SETTINGS_FIELDS if params[item.option] is not None)
        self.path = api_path(ORG_SETTINGS_PATH, org_id=params['org_id'])

    def read(self):
        return normalize(self.client.get(self.path, version=ORG_SETTINGS_API_VERSION))

    def update(self, current, changes):
        self.doing = 'Updating'
        response = self.write('PATCH', self.path, wire_body(changes), version=ORG_SETTINGS_API_VERSION)
        return normalize(response) if response else dict(current, **changes)

    def result_view(self, obj):
        view = dict((item.option, obj.get(item.api)) for item in SETTINGS_FIELDS)
        timeouts = obj.get('customSessionTimeouts') or {}
        view['custom_session_timeouts'] = dict((option, timeouts.get(api)) for option, api in SESSION_TIMEOUTS)
        return view


def main():
    argument_spec = dict(
        org_id=dict(type='str', required=True),
        max_service_account_secret_validity_hours=dict(type='int', no_log=False),  # a number of hours, not a secret
        api_access_list_required=dict(type='bool'),
        multi_factor_auth_required=dict(type='bool'),
        restrict_employee_access=dict(type='bool'),
        gen_ai_features_enabled=dict(type='bool'),
        streams_cross_group_enabled=dict(type='bool'),
        security_contact=dict(type='str'),
        operations_contact=dict(type='str'),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True)
    OrganizationSettings(module).run()


if __name__ == '__main__':
    main()
