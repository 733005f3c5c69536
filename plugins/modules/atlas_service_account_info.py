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
  - With O(audit=true) every account also gets an C(audit) dict of flags (expired, expiring, unused
    secrets, the two-secret cap, an open access list, system-managed) and the result an
    C(audit_summary); with O(audit_fail_on) the task fails when an account has one of the listed flags,
    after returning the full data. Times are judged by the Atlas server's clock.
  - "Cost in API calls: one listing (or one GET with O(client_id)); with O(audit) or
    O(include_access_list), one GET of the access list per returned account (shared by both); with
    O(audit) and O(include_system_managed), one more listing."
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
      - With O(audit), also sets their C(system_managed) flag, which costs one more listing (the default
        listing, whose accounts are the user-managed ones).
    type: bool
    default: false
  include_access_list:
    description:
      - Return each account's IP access list as C(access_list) (one GET per returned account, the same
        one that O(audit) makes).
    type: bool
    default: false
    version_added: 1.1.0
  concurrency:
    description:
      - How many access lists (O(include_access_list), O(audit)) are read at the same time, over one connection
        pool and one rate governor that paces them to Atlas's rate limits (see O(api_rate_limit_max_wait)).
    type: int
    default: 8
    version_added: 1.2.0
  audit:
    description:
      - Add an C(audit) dict of flags to every returned account and an C(audit_summary) to the result.
      - Costs one GET of the access list per returned account (for C(open_access)).
      - See RV(service_accounts[].audit) for what each flag means.
    type: bool
    default: false
    version_added: 1.1.0
  audit_expiring_hours:
    description:
      - An account is C(expiring) when its newest valid secret (by creation time) expires within this many
        hours. V(0) never flags an account as expiring.
      - Between V(0) and V(8760).
    type: int
    default: 168
    version_added: 1.1.0
  audit_unused_days:
    description:
      - An account is C(unused) when none of its secrets was used within this many days, and it is older
        than that (a brand-new account is C(never_used) but not yet C(unused)).
      - Between V(1) and V(3650).
    type: int
    default: 90
    version_added: 1.1.0
  audit_fail_on:
    description:
      - Fail the task when any returned account has one of these flags. The failure still returns
        RV(service_accounts), RV(audit_summary) and RV(audit_findings), and its message names every such
        account (name and client ID) with its flags.
      - Turns O(audit) on by itself.
      - V(system_managed) needs O(include_system_managed=true) (without it the flag is never set).
    type: list
    elements: str
    choices: [expired, expiring, never_used, unused, at_secret_cap, open_access, system_managed]
    default: []
    version_added: 1.1.0
notes:
  - "Audit flags are computed from the secrets Atlas lists now: the use of a secret that has been deleted
    is not known, so an account whose only used secret was replaced counts as C(never_used)."
seealso:
  - module: cloudops.atlas.atlas_service_account
  - module: cloudops.atlas.atlas_service_account_secret
  - module: cloudops.atlas.atlas_service_account_access_list
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

    - name: Audit every account and show the counts
      cloudops.atlas.atlas_service_account_info:
        org_id: 5f1e2d3c4b5a69788796a5b4
        audit: true
        audit_unused_days: 30
        include_access_list: true
      register: audited

    - name: Show the audit summary
      ansible.builtin.debug:
        msg: "{{ audited.audit_summary }}"

    - name: Show the accounts usable from any address
      ansible.builtin.debug:
        msg: "{{ audited.service_accounts | selectattr('audit.open_access') | map(attribute='name') | list }}"

# A scheduled AWX job (or CI gate): the job fails, and lists the accounts, when any account has an
# expired secret or was never used; the registered result still holds every account and the summary.
- name: Gate on the service accounts of an organization
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Audit, failing on expired or never-used accounts
      block:
        - name: Audit the organization
          cloudops.atlas.atlas_service_account_info:
            org_id: 5f1e2d3c4b5a69788796a5b4
            audit_fail_on: [expired, never_used]
          register: gate
      rescue:
        - name: Report the accounts that failed the gate, then fail the job
          ansible.builtin.fail:
            msg: "{{ gate.audit_findings | map(attribute='name') | join(', ') }} ({{ gate.audit_summary.accounts }} accounts audited)"
'''

RETURN = r'''
service_accounts:
  description: The matching service accounts, in the order Atlas lists them.
  returned: success, and on the failure of O(audit_fail_on)
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
    access_list:
      description:
        - The IP access list of the account, sorted by address or CIDR block; empty means usable from any address.
        - Null when the account disappeared between the listing and this read.
      returned: when O(include_access_list=true)
      type: list
      elements: dict
      contains:
        ip_address:
          description: The address of the entry, or null for a CIDR block.
          type: str
          sample: 203.0.113.7
        cidr_block:
          description: The network of the entry, or null for an address.
          type: str
          sample: null
        created_at:
          description: When the entry was added.
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
    audit:
      description: The audit flags of the account, judged by the Atlas server's clock.
      returned: when O(audit=true) or O(audit_fail_on) is set
      type: dict
      contains:
        expired:
          description: No secret is valid any more (also true for an account without secrets).
          type: bool
          sample: false
        expiring:
          description: The newest valid secret (by creation time) expires within O(audit_expiring_hours) (false when expired).
          type: bool
          sample: true
        never_used:
          description: No secret of the account has ever minted a token (every C(last_used_at) is null).
          type: bool
          sample: false
        unused:
          description:
            - No secret was used within O(audit_unused_days). A never-used account is unused once it is older
              than that window; a newer one is not.
          type: bool
          sample: false
        at_secret_cap:
          description: The account has two secrets, the most Atlas allows, so a rotation must delete one first.
          type: bool
          sample: false
        open_access:
          description: The access list is empty, so the account's credentials work from any address.
          type: bool
          sample: true
        system_managed:
          description:
            - The account is system-managed (listed only with O(include_system_managed=true)).
            - Always false without O(include_system_managed=true).
          type: bool
          sample: false
audit_summary:
  description: How many accounts were audited (C(accounts)) and, for every flag, how many of them have it.
  returned: when O(audit=true) or O(audit_fail_on) is set, also on the failure of O(audit_fail_on)
  type: dict
  sample: {accounts: 4, expired: 1, expiring: 1, never_used: 2, unused: 1, at_secret_cap: 0, open_access: 3, system_managed: 0}
audit_findings:
  description:
    - The accounts that have a flag of O(audit_fail_on), with those flags (in the order of O(audit_fail_on)).
      Empty when none has, or when O(audit_fail_on) is empty.
  returned: when O(audit=true) or O(audit_fail_on) is set, also on the failure of O(audit_fail_on)
  type: list
  elements: dict
  sample: [{name: ci-deployer, client_id: mdb_sa_id_0123456789abcdef01234567, flags: [never_used]}]
error:
  description: The Atlas error that made the task fail (for example an organization that does not exist).
  returned: failure
  type: dict
  sample: {status: 404, error_code: RESOURCE_NOT_FOUND, detail: null, reason: Not Found, parameters: null}
'''

from ansible_collections.cloudops.atlas.plugins.module_utils._audit import (
    AUDIT_FLAGS, EXPIRING_HOURS_DEFAULT, UNUSED_DAYS_DEFAULT, audit_account, audit_findings, audit_settings, audit_summary, findings_text)
from ansible_collections.cloudops.atlas.plugins.module_utils._access_lists import sorted_access_entries
from ansible_collections.cloudops.atlas.plugins.module_utils._errors import TaskFailure
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._presentation import present_access_entry, present_account
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import SCOPE_RULES, Scope, scope_argument_spec
from ansible_collections.cloudops.atlas.plugins.module_utils._service_accounts import ServiceAccountDirectory
from ansible_collections.cloudops.atlas.plugins.module_utils._task import AtlasTask
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import check_client_id, check_concurrency


class ServiceAccountInfo(AtlasTask):
    """Read accounts of one scope: one by client id, or the listing (filtered by name); audit them on request."""

    def __init__(self, module):
        super(ServiceAccountInfo, self).__init__(module)
        self.scope = Scope.from_params(self.params)
        self.audit = None

    def action_text(self):
        return 'Listing service accounts of ' + self.scope.text

    def validate(self):
        self.scope.check()
        check_client_id('client_id', self.params['client_id'])
        check_concurrency(self.params['concurrency'])
        self.audit = audit_settings(self.params)

    def execute(self):
        params = self.params
        accounts = ServiceAccountDirectory(self.client, self.scope)
        found = self.find(accounts)
        system_managed = set()
        if self.audit and params['include_system_managed']:
            system_managed = set(account['clientId'] for account in found) - accounts.user_managed_ids()
        read = self.audit or params['include_access_list']
        # One access-list read per account, several at once, paced by the client's rate governor like every call.
        access_lists = [None] * len(found)
        if read:
            access_lists = self.concurrently(accounts.access_list, [account['clientId'] for account in found], self.params['concurrency'])
        now = self.client.server_now()
        views = [self.result_view(account, entries, now, account['clientId'] in system_managed) for account, entries in zip(found, access_lists)]
        self.result['service_accounts'] = views
        if self.audit:
            self.result['audit_summary'] = audit_summary(view['audit'] for view in views)
            self.result['audit_findings'] = findings = audit_findings(views, self.audit.fail_on)
            if findings:
                raise TaskFailure(findings_text(findings, len(views), self.audit.fail_on, self.scope.text))

    def find(self, accounts):
        params = self.params
        if params['client_id']:
            account = accounts.get(params['client_id'])
            if account is None:
                # A 404 may also mean the organization or project is unknown: that must fail.
                self.client.get(accounts.collection_path, params={'itemsPerPage': 1})
            return [account] if account else []
        found = accounts.list(include_system_managed=params['include_system_managed'])
        if params['name'] is not None:
            found = [account for account in found if account.get('name') == params['name']]
        return found

    def result_view(self, account, entries, now, system_managed):
        view = present_account(account, now)
        if self.params['include_access_list']:
            view['access_list'] = None if entries is None else [present_access_entry(entry) for entry in sorted_access_entries(entries)]
        if self.audit:
            view['audit'] = audit_account(account, entries, now, self.audit.expiring_hours, self.audit.unused_days, system_managed)
        return view


def main():
    argument_spec = scope_argument_spec()
    argument_spec.update(
        client_id=dict(type='str'),
        name=dict(type='str'),
        include_system_managed=dict(type='bool', default=False),
        include_access_list=dict(type='bool', default=False),
        audit=dict(type='bool', default=False),
        audit_expiring_hours=dict(type='int', default=EXPIRING_HOURS_DEFAULT),
        audit_unused_days=dict(type='int', default=UNUSED_DAYS_DEFAULT),
        audit_fail_on=dict(type='list', elements='str', default=[], choices=list(AUDIT_FLAGS)),
        concurrency=dict(type='int', default=8),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True, mutually_exclusive=SCOPE_RULES['mutually_exclusive'] + [('client_id', 'name')],
                         required_one_of=SCOPE_RULES['required_one_of'])
    ServiceAccountInfo(module).run()


if __name__ == '__main__':
    main()
