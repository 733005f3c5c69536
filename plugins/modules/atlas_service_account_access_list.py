#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_service_account_access_list
short_description: Manage the IP access list of a MongoDB Atlas service account as a set, with a lockout guard
version_added: 1.1.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Adds, removes or (with O(purge)) makes authoritative the IP access list of an organization or
    project service account. With no entry the account's credentials work from any address; the
    first entry switches it to allow-list mode.
  - Entries are normalized before anything is compared; an address is sent as C(ipAddress), a network
    as C(cidrBlock), and C(/32) (C(/128)) equals the bare address.
  - "A no-op is one (paginated) GET; all additions go in one POST; each removal is one DELETE; additions
    are made before removals."
  - When the target account is the one whose client id runs the task, a change that adds its first
    entry or removes entries fails before any write unless O(allow_own_account=true).
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.scope
  - cloudops.atlas.attributes
options:
  client_id:
    description: Client ID of the account (C(mdb_sa_id_) and 24 hexadecimal characters). Mutually exclusive with O(name).
    type: str
  name:
    description: Name of the account; it must match exactly one account of the scope (one more listing call).
    type: str
  entries:
    description:
      - IPv4 or IPv6 addresses or CIDR blocks, for example V(203.0.113.7), V(203.0.113.0/24) or V(2001:db8::/48).
      - A CIDR block with host bits set, a malformed entry, a duplicate (after normalizing) or more than
        200 entries fail before any call.
    type: list
    elements: str
    default: []
  purge:
    description: With O(state=present), remove the entries that O(entries) does not list.
    type: bool
    default: false
  state:
    description:
      - V(present) adds the listed entries (and with O(purge) removes the others); V(absent) removes the listed entries.
    type: str
    choices: [present, absent]
    default: present
  allow_own_account:
    description:
      - Allow changes that could lock out the account whose credentials run the task (adding its first
        entry, or removing entries). Atlas itself refuses to remove the entry that admits the requesting address.
    type: bool
    default: false
notes:
  - Atlas only counts an access list against requests made with the account's own credentials; minting
    tokens ignores it.
seealso:
  - module: cloudops.atlas.atlas_service_account_set
  - module: cloudops.atlas.atlas_service_account_info
  - name: Service account access lists
    description: The Atlas documentation of service account IP access lists.
    link: https://www.mongodb.com/docs/atlas/configure-api-access/
'''

EXAMPLES = r'''
- name: Manage service account access lists
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Only the CI runners may use the deployer's credentials
      cloudops.atlas.atlas_service_account_access_list:
        org_id: 5f1e2d3c4b5a69788796a5b4
        name: ci-deployer
        entries:
          - 203.0.113.0/24
          - 2001:db8::/48
        purge: true

    - name: Remove one address
      cloudops.atlas.atlas_service_account_access_list:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        client_id: mdb_sa_id_0123456789abcdef01234567
        entries: [198.51.100.7]
        state: absent
'''

RETURN = r'''
client_id:
  description: Client ID of the account.
  returned: success
  type: str
  sample: mdb_sa_id_0123456789abcdef01234567
access_list:
  description: The access list after the task (predicted in check mode), sorted by entry.
  returned: success
  type: list
  elements: dict
  contains:
    ip_address:
      description: The address, for an address entry (else null).
      type: str
      sample: 203.0.113.7
    cidr_block:
      description: The network, for a CIDR entry (else null).
      type: str
      sample: 203.0.113.0/24
    created_at:
      description: When the entry was added (null for one check mode predicts).
      type: str
      sample: '2026-11-23T09:00:00Z'
    last_used_at:
      description: When a request last came through this entry, or null.
      type: str
      sample: null
    last_used_address:
      description: The address of that request, or null.
      type: str
      sample: null
    request_count:
      description: How many requests came through this entry.
      type: int
      sample: 0
error:
  description: The Atlas error that made the task fail.
  returned: failure
  type: dict
  sample: {status: 400, error_code: VALIDATION_ERROR, detail: null, reason: Bad Request, parameters: null}
'''

from ansible_collections.cloudops.atlas.plugins.module_utils._access_lists import (
    access_entries_after, access_entry_key, guard_own_access_list, normalize_access_entries, plan_access_list)
from ansible_collections.cloudops.atlas.plugins.module_utils._errors import InputError, Refusal
from ansible_collections.cloudops.atlas.plugins.module_utils._executor import write_access_list
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._presentation import present_access_entry
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import SCOPE_RULES, Scope, scope_argument_spec
from ansible_collections.cloudops.atlas.plugins.module_utils._service_accounts import ServiceAccountDirectory, account_text
from ansible_collections.cloudops.atlas.plugins.module_utils._task import AtlasTask
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import check_client_id


class AccessList(AtlasTask):
    """Read one account's access list, plan it as a set, guard the running account, then write."""

    def __init__(self, module):
        super(AccessList, self).__init__(module)
        self.scope = Scope.from_params(self.params)
        self.wanted = None
        self.result.update(client_id=None, access_list=[])

    def action_text(self):
        return 'Managing the access list of service account ' + account_text(self.params)

    def validate(self):
        params = self.params
        self.scope.check()
        check_client_id('client_id', params['client_id'])
        if params['state'] == 'absent' and params['purge']:
            raise InputError('purge applies to state=present only')
        if params['state'] == 'absent' and not params['entries']:
            raise InputError('state=absent needs entries: the addresses or CIDR blocks to remove')
        self.wanted = normalize_access_entries('entries', params['entries'])

    def execute(self):
        params = self.params
        directory = ServiceAccountDirectory(self.client, self.scope)
        client_id = params['client_id'] or (directory.by_name(params['name']) or {}).get('clientId')
        current = directory.access_list(client_id) if client_id else None
        if current is None:
            raise Refusal('service account %s not found in %s' % (client_id or repr(params['name']), self.scope.text))
        self.result['client_id'] = client_id
        plan = plan_access_list(current, self.wanted, params['state'], params['purge'])
        guard_own_access_list(plan, current, client_id, client_id, getattr(self.client.auth, 'client_id', None), params['allow_own_account'])
        added = []
        if self.check_mode:
            self.result['changed'] = bool(plan.add or plan.remove)
        else:
            added = write_access_list(self, self.scope, client_id, plan)
        after = access_entries_after(current, plan, added)
        self.result['access_list'] = [present_access_entry(entry) for entry in after]
        before = sorted(access_entry_key(entry) for entry in current)
        self.result['diff'] = dict(before=dict(entries=before), after=dict(entries=list(plan.after_keys)))


def main():
    argument_spec = scope_argument_spec()
    argument_spec.update(
        client_id=dict(type='str'),
        name=dict(type='str'),
        entries=dict(type='list', elements='str', default=[]),
        purge=dict(type='bool', default=False),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        allow_own_account=dict(type='bool', default=False),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True,
                         mutually_exclusive=SCOPE_RULES['mutually_exclusive'] + [('client_id', 'name')],
                         required_one_of=SCOPE_RULES['required_one_of'] + [('client_id', 'name')])
    AccessList(module).run()


if __name__ == '__main__':
    main()
