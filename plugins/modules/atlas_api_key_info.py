#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_api_key_info
short_description: List the programmatic API keys of a MongoDB Atlas organization
version_added: 1.2.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Returns the programmatic API keys of an organization with their description, public key, organization roles,
    project roles (by project ID) and IP access list, the inventory to start a move to service accounts from.
  - Never returns a private key, not even the masked one that Atlas lists.
  - "Cost in API calls: one (paginated) listing of the organization's API keys, then one (paginated) read of the
    access list per returned key, several at once (O(concurrency)) under the client's rate governor."
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.attributes.info_module
options:
  org_id:
    description:
      - ID of the organization (24 lowercase hexadecimal characters) whose API keys are listed.
    type: str
    required: true
  public_key:
    description:
      - Return only the API keys with these public keys (the access lists of the others are not read).
      - A public key that the organization does not have is left out of the result, without an error.
    type: list
    elements: str
  concurrency:
    description:
      - How many access lists are read at the same time, over one connection pool and one rate governor that paces
        them to Atlas's rate limits (see O(api_rate_limit_max_wait)).
      - Between V(1) and V(32).
    type: int
    default: 8
notes:
  - An API key deleted between the listing and the read of its access list is left out of the result.
  - The C(cloudops.atlas.api_key_migration) role makes an equivalent service account of each API key from this inventory.
seealso:
  - module: cloudops.atlas.atlas_api_key
  - module: cloudops.atlas.atlas_service_account_info
  - ref: ansible_collections.cloudops.atlas.docsite.api_key_migration
    description: Moving from API keys to service accounts.
'''

EXAMPLES = r'''
- name: Inventory the API keys of an organization
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: List every API key with its roles and access list
      cloudops.atlas.atlas_api_key_info:
        org_id: 5f1e2d3c4b5a69788796a5b4
      register: keys

    - name: Show the keys that work from any address
      ansible.builtin.debug:
        msg: "{{ keys.api_keys | selectattr('access_list', 'equalto', []) | map(attribute='public_key') | list }}"

    - name: Read two keys only
      cloudops.atlas.atlas_api_key_info:
        org_id: 5f1e2d3c4b5a69788796a5b4
        public_key: [zmmrboas, qwertyui]
'''

RETURN = r'''
api_keys:
  description: The API keys of the organization (those of O(public_key) when given), in the order Atlas lists them.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: ID of the API key (the C(apiUserId) of its API paths).
      type: str
      sample: 6a0b1c2d3e4f5a6b7c8d9e0f
    public_key:
      description: The public key.
      type: str
      sample: zmmrboas
    description:
      description: The description of the key.
      type: str
      sample: Terraform CI
    org_roles:
      description: The key's roles in the organization, sorted.
      type: list
      elements: str
      sample: [ORG_MEMBER]
    project_roles:
      description: The projects the key is assigned to, sorted by project ID, each with its roles there (sorted).
      type: list
      elements: dict
      sample: [{project_id: 6a0b1c2d3e4f5a6b7c8d9e0f, roles: [GROUP_OWNER]}]
      contains:
        project_id:
          description: ID of the project.
          type: str
        roles:
          description: The key's project roles there, sorted.
          type: list
          elements: str
    access_list:
      description:
        - The key's IP access list as addresses and CIDR blocks, normalized as
          M(cloudops.atlas.atlas_service_account_access_list) does (an IPv6 address compressed, C(/32) a bare address),
          sorted by their string form. Empty means usable from any address.
      type: list
      elements: str
      sample: [192.0.2.10, 198.51.100.0/24, 2001:db8::10]
error:
  description: The Atlas error that made the task fail (for example an organization that does not exist).
  returned: failure
  type: dict
  sample: {status: 404, error_code: RESOURCE_NOT_FOUND, detail: null, reason: Not Found, parameters: null}
'''

from ansible_collections.cloudops.atlas.plugins.module_utils._api_keys import ApiKeyDirectory, present_api_key
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._task import AtlasTask
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import check_concurrency, check_hex_id


class ApiKeyInfo(AtlasTask):
    """One listing of the organization's API keys, then one access-list read per returned key (concurrently)."""

    def action_text(self):
        return 'Listing the API keys of organization %s' % self.params['org_id']

    def validate(self):
        check_hex_id('org_id', self.params['org_id'])
        check_concurrency(self.params['concurrency'])

    def execute(self):
        keys = ApiKeyDirectory(self.client, self.params['org_id'])
        found = keys.list()
        if self.params['public_key'] is not None:
            wanted = set(self.params['public_key'])
            found = [key for key in found if key.get('publicKey') in wanted]
        access_lists = self.concurrently(keys.access_list, [key['id'] for key in found], self.params['concurrency'])
        self.result['api_keys'] = [present_api_key(key, entries) for key, entries in zip(found, access_lists) if entries is not None]


def main():
    argument_spec = dict(
        org_id=dict(type='str', required=True),
        public_key=dict(type='list', elements='str', no_log=False),
        concurrency=dict(type='int', default=8),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True)
    ApiKeyInfo(module).run()


if __name__ == '__main__':
    main()
