#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_api_key
short_description: Delete programmatic API keys of a MongoDB Atlas organization
version_added: 1.2.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Deletes the organization API keys named by their public keys (O(public_keys)) in one task, with check mode and diff,
    the last step of a move from API keys to service accounts.
  - "Cost in API calls: one (paginated) listing of the organization's API keys, then one DELETE per listed key that
    still exists. A key that is already gone is not an error (nothing to do)."
  - Refuses, before any API call, to delete the API key that authenticates the run (O(api_public_key), when no
    access token or service account comes first in the connection options), so that a run never locks itself out.
  - Creating API keys is not supported; prefer service accounts (M(cloudops.atlas.atlas_service_account_set)).
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.attributes
attributes:
  diff_mode:
    details: The diff shows the public keys of the organization's API keys before and after.
options:
  org_id:
    description:
      - ID of the organization (24 lowercase hexadecimal characters) whose API keys are deleted.
    type: str
    required: true
  public_keys:
    description:
      - The public keys of the API keys to delete. Unique; the list may be empty (then nothing is deleted).
    type: list
    elements: str
    required: true
  state:
    description:
      - V(absent) deletes the keys. It is the only state.
    type: str
    choices: [absent]
    default: absent
notes:
  - A deleted API key stops working at once, and its private key cannot be recovered; every consumer must have moved to
    other credentials first. The C(cloudops.atlas.api_key_migration) role deletes a key only when its service account
    exists, matches the plan and has been used, or when the user confirms it.
seealso:
  - module: cloudops.atlas.atlas_api_key_info
  - ref: ansible_collections.cloudops.atlas.docsite.api_key_migration
    description: Moving from API keys to service accounts.
'''

EXAMPLES = r'''
- name: Retire API keys whose consumers use service accounts now
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Delete two API keys
      cloudops.atlas.atlas_api_key:
        org_id: 5f1e2d3c4b5a69788796a5b4
        public_keys: [zmmrboas, qwertyui]
        state: absent
      register: retired

    - name: Show what was deleted
      ansible.builtin.debug:
        msg: "{{ retired.deleted }}"
'''

RETURN = r'''
deleted:
  description: The public keys of the API keys deleted by this run (in check mode, those it would delete), in the order of O(public_keys).
  returned: success
  type: list
  elements: str
  sample: [zmmrboas]
api_keys:
  description:
    - The organization's API keys left after the run (predicted in check mode), in the order Atlas lists them, as
      M(cloudops.atlas.atlas_api_key_info) returns them but without C(access_list) (which would cost one read per key).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: ID of the API key.
      type: str
      sample: 6a0b1c2d3e4f5a6b7c8d9e0f
    public_key:
      description: The public key.
      type: str
      sample: qwertyui
    description:
      description: The description of the key.
      type: str
      sample: Billing export
    org_roles:
      description: The key's roles in the organization, sorted.
      type: list
      elements: str
      sample: [ORG_BILLING_READ_ONLY]
    project_roles:
      description: The projects the key is assigned to, sorted by project ID, each with its roles there (sorted).
      type: list
      elements: dict
      sample: []
error:
  description: The Atlas error that made the task fail (for example a caller that is not an organization owner).
  returned: failure
  type: dict
  sample: {status: 403, error_code: USER_UNAUTHORIZED, detail: null, reason: Forbidden, parameters: null}
'''

from ansible_collections.cloudops.atlas.plugins.module_utils._api_keys import API_KEYS_API_VERSION, ApiKeyDirectory, present_api_key
from ansible_collections.cloudops.atlas.plugins.module_utils._auth import AuthConfigError, DigestKeyAuth, select_auth
from ansible_collections.cloudops.atlas.plugins.module_utils._errors import InputError
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._task import AtlasTask
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import check_hex_id, check_unique


class ApiKeyRetirement(AtlasTask):
    """One listing, then one DELETE per named key that exists; never the key that runs the task."""

    def action_text(self):
        return 'Deleting API keys of organization %s' % self.params['org_id']

    def validate(self):
        params = self.params
        check_hex_id('org_id', params['org_id'])
        check_unique('public_keys', params['public_keys'])
        if any(not key for key in params['public_keys']):
            raise InputError('public_keys must not contain empty strings')
        own = self.own_public_key()
        if own and own in params['public_keys']:
            raise InputError('refusing to delete API key %s: it is the API key of this run (api_public_key), so the run could lock itself '
                             'out; run with other credentials, such as the service account that replaces it' % own)

    def own_public_key(self):
        """The public key that authenticates this run: the API key, when no access token or service account comes first."""
        try:
            auth = select_auth(self.params, lambda message: None)
        except AuthConfigError:
            return None  # the client reports the credentials' problem when it is built
        return auth.digest.username if isinstance(auth, DigestKeyAuth) else None

    def execute(self):
        keys = ApiKeyDirectory(self.client, self.params['org_id'])
        listing = keys.list()
        by_public_key = dict((key.get('publicKey'), key) for key in listing)
        doomed = [public_key for public_key in self.params['public_keys'] if public_key in by_public_key]
        for public_key in doomed:
            if self.check_mode:
                self.result['changed'] = True
            else:
                self.write('DELETE', keys.key_path(by_public_key[public_key]['id']), version=API_KEYS_API_VERSION)
        left = [key for key in listing if key.get('publicKey') not in doomed]
        self.result.update(deleted=doomed, api_keys=[present_api_key(key, None) for key in left])
        self.result['diff'] = dict(before=dict(api_keys=sorted(by_public_key)), after=dict(api_keys=sorted(key.get('publicKey') for key in left)))


def main():
    argument_spec = dict(
        org_id=dict(type='str', required=True),
        public_keys=dict(type='list', elements='str', required=True, no_log=False),
        state=dict(type='str', default='absent', choices=['absent']),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True)
    ApiKeyRetirement(module).run()


if __name__ == '__main__':
    main()
