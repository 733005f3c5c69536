#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_service_account_info
short_description: List MongoDB Atlas service accounts of an organization or project
version_added: 1.0.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Returns the service accounts of an organization (O(org_id)) or project (O(project_id)), all of
    them or those matching O(client_id) or O(name), with their secrets' expiry. Never returns a
    secret's value.
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.scope
  - cloudops.atlas.attributes.info_module
options:
  client_id:
    description:
      - Return only this account. An unknown client ID returns an empty list.
      - Mutually exclusive with O(name).
    type: str
  name:
    description:
      - Return only the accounts with this name (names are not unique). Mutually exclusive with O(client_id).
    type: str
  include_system_managed:
    description:
      - Include system-managed service accounts (such as those of MCP integrations).
    type: bool
    default: false
seealso:
  - module: cloudops.atlas.atlas_service_account
'''

EXAMPLES = r'''
- name: Audit the service accounts of an organization
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: List every service account of the organization
      cloudops.atlas.atlas_service_account_info:
        org_id: 5f1e2d3c4b5a69788796a5b4
      register: accounts

    - name: Show the accounts whose secrets expire within a week
      ansible.builtin.debug:
        msg: "{{ item.name }} ({{ item.client_id }})"
      loop: "{{ accounts.service_accounts }}"
      loop_control:
        label: "{{ item.client_id }}"
      when: item.secrets | selectattr('expires_in_hours', 'lt', 168) | list | length > 0

    - name: Look one account up in a project
      cloudops.atlas.atlas_service_account_info:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        client_id: mdb_sa_id_0123456789abcdef01234567
'''

RETURN = r'''
service_accounts:
  description: The matching service accounts, in the order Atlas lists them.
  returned: success
  type: list
  elements: dict
  contains:
    client_id:
      description: Client ID of the account.
      type: str
      sample: mdb_sa_id_0123456789abcdef01234567
    name:
      description: Name of the account.
      type: str
      sample: ci-deployer
    description:
      description: Description of the account.
      type: str
      sample: Deploys from the CI pipeline
    roles:
      description: Roles of the account in the organization or project, sorted.
      type: list
      elements: str
      sample: [ORG_READ_ONLY]
    created_at:
      description: When the account was created (ISO 8601, UTC).
      type: str
      sample: '2026-11-23T09:00:00Z'
    secrets:
      description: The secrets of the account, oldest first, without their values.
      type: list
      elements: dict
      contains:
        id:
          description: ID of the secret.
          type: str
          sample: 6a0b1c2d3e4f5a6b7c8d9e10
        created_at:
          description: When the secret was created.
          type: str
          sample: '2026-11-23T09:00:00Z'
        expires_at:
          description: When the secret expires.
          type: str
          sample: '2026-12-23T09:00:00Z'
        last_used_at:
          description: When the secret was last used, or null.
          type: str
          sample: null
        masked_secret_value:
          description: The masked secret.
          type: str
          sample: mdb_sa_sk_...a1b2
        expires_in_hours:
          description: Hours until the secret expires, by the Atlas server's clock (negative once expired).
          type: float
          sample: 719.98
error:
  description: The Atlas error that made the task fail (for example an organization that does not exist).
  returned: failure
  type: dict
  sample: {status: 404, error_code: RESOURCE_NOT_FOUND, detail: null, reason: Not Found, parameters: null}
'''

from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._presentation import present_account
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import SCOPE_RULES, Scope, scope_argument_spec
from ansible_collections.cloudops.atlas.plugins.module_utils._service_accounts import ServiceAccountDirectory
from ansible_collections.cloudops.atlas.plugins.module_utils._task import AtlasTask
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import check_client_id


class ServiceAccountInfo(AtlasTask):
    """Read accounts of one scope: one by client id, or the listing (filtered by name)."""

    def __init__(self, module):
        super(ServiceAccountInfo, self).__init__(module)
        self.scope = Scope.from_params(self.params)

    def action_text(self):
        return 'Listing service accounts of ' + self.scope.text

    def validate(self):
        self.scope.check()
        check_client_id('client_id', self.params['client_id'])

    def execute(self):
        params = self.params
        accounts = ServiceAccountDirectory(self.client, self.scope)
        if params['client_id']:
            account = accounts.get(params['client_id'])
            found = [account] if account else []
            if not found:
                # A 404 may also mean the organization or project is unknown: that must fail.
                self.client.get(accounts.collection_path, params={'itemsPerPage': 1})
        else:
            found = accounts.list(include_system_managed=params['include_system_managed'])
            if params['name'] is not None:
                found = [account for account in found if account.get('name') == params['name']]
        now = self.client.server_now()
        self.result['service_accounts'] = [present_account(account, now) for account in found]


def main():
    argument_spec = scope_argument_spec()
    argument_spec.update(
        client_id=dict(type='str'),
        name=dict(type='str'),
        include_system_managed=dict(type='bool', default=False),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True, mutually_exclusive=SCOPE_RULES['mutually_exclusive'] + [('client_id', 'name')],
                         required_one_of=SCOPE_RULES['required_one_of'])
    ServiceAccountInfo(module).run()


if __name__ == '__main__':
    main()
