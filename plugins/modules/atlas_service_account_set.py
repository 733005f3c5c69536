#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_service_account_set
short_description: Manage the service accounts of MongoDB Atlas organizations or projects as a set
version_added: 1.2.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Keeps the service accounts of one organization (O(org_id)), one project (O(project_id)) or many
    projects (O(projects)) as listed in one module run, with check mode and diff.
  - Each scope is read with exactly one (paginated) listing, which carries every account's secrets;
    then only the writes the plan needs are made. A new account is one POST (its first secret comes
    with it), a description or role change one PATCH, a rotation one POST (plus one DELETE at the
    two-secret cap), a removal one DELETE. A run with nothing to change costs one read per scope.
  - Accounts are matched by name within their scope. A listed name that matches several Atlas
    accounts fails, naming their client ids (Atlas names are not unique).
  - With O(projects), the projects are read, and then written, concurrently over one connection
    pool (O(concurrency)); every plan is made, and every guard checked, before the first write.
  - New secrets go to credentials files (O(credentials_dir), O(accounts[].secret.dest)) and/or a secret store
    (O(secret_store) for every account that keeps a secret, O(accounts[].secret.store) for one), that is Vault or
    OpenBao KV version 2, or AWS Secrets Manager. A file or store that does not hold the account's newest valid secret
    gets a new one, so that none is left stale.
  - The C(cloudops.atlas.project_onboarding) role onboards projects with this module.
  - Before 1.2.0 this module was named C(cloudops.atlas.atlas_service_accounts); that name still works,
    with a deprecation warning, until 3.0.0.
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.attributes
  - cloudops.atlas.secret_store
attributes:
  idempotent:
    support: full
    details: O(accounts[].secret_expires_after_hours) only applies when an account is created.
options:
  org_id:
    description:
      - ID of the organization (24 lowercase hexadecimal characters) whose service accounts are managed.
      - Exactly one of O(org_id), O(project_id) and O(projects) is required.
    type: str
  project_id:
    description:
      - ID of the project (24 lowercase hexadecimal characters) whose service accounts are managed.
        Accounts created in a project become C(ORG_MEMBER)s of its organization.
    type: str
    aliases: [group_id]
  accounts:
    description:
      - The service accounts of the scope to keep (V(present)) or to remove (V(absent)). Names must be unique in the list.
      - Required with O(org_id) or O(project_id) (an empty list is allowed, with O(purge)).
    type: list
    elements: dict
    suboptions: &account_options
      name:
        description: Name of the account, 1 to 64 letters, digits, spaces and C(-_.,'); accounts are matched by name.
        type: str
        required: true
      description:
        description: Description of the account, 1 to 250 letters, digits, spaces and C(-_.,'). Required to create it; left out, it is not managed.
        type: str
      roles:
        description:
          - Roles of the account, compared as a set. C(ORG_*) roles in an organization, C(GROUP_*) roles in a project.
          - Required to create it; left out, they are not managed.
        type: list
        elements: str
      state:
        description: V(present) keeps the account; V(absent) deletes it (organization) or removes it from the project.
        type: str
        choices: [present, absent]
        default: present
      secret_expires_after_hours:
        description:
          - Lifetime in hours (8 to 8760) of the first secret of an account created without O(accounts[].secret).
          - Never changes an existing account.
        type: int
      initial_secret:
        description:
          - V(false) creates the account without a secret (C(withoutInitialSecret)); with
            O(accounts[].secret) its first secret is then created by the secret rules and delivered like
            any other. V(true) lets Atlas create the first secret with the account.
          - V(false) cannot be combined with O(accounts[].secret_expires_after_hours).
          - Only applies when the account is created.
        type: bool
        default: true
      access_list:
        description:
          - The account's IP access list, authoritative when given (entries not listed are removed); not
            managed when left out. IPv4 or IPv6 addresses or CIDR blocks, normalized as in
            M(cloudops.atlas.atlas_service_account_access_list), at most 200.
          - Costs one more read per existing account that declares it; additions are one POST, each removal one DELETE.
          - V([]) removes every entry, so the credentials work from any address.
        type: list
        elements: str
      project_roles:
        description:
          - The projects an organization account (O(org_id)) is assigned to, with its project roles there;
            authoritative when given (it is removed from the projects not listed, and stays in the organization),
            not managed when left out.
          - Costs one more read per existing account that declares it (its project assignments); each new project
            is one invite, each change of roles one PATCH, each removal one DELETE.
        type: list
        elements: dict
        version_added: 1.2.0
        suboptions:
          project_id:
            description: ID of the project (24 lowercase hexadecimal characters); unique in the list.
            type: str
            required: true
          roles:
            description: Project roles (C(GROUP_*)) of the account in that project, compared as a set.
            type: list
            elements: str
            required: true
      secret:
        description:
          - Keep the account supplied with a secret valid beyond the rotation window, with the rules of
            M(cloudops.atlas.atlas_service_account_secret) (at the two-secret cap the expired secrets are
            deleted first, then the older valid one; the newest valid secret is never deleted).
          - Every new secret's credentials go to O(accounts[].secret.dest), or else to O(credentials_dir)C(/<name>.json).
          - Use V({}) for the defaults.
        type: dict
        suboptions:
          expires_after_hours:
            description: Lifetime in hours (8 to 8760) of every new secret, the first one included.
            type: int
            default: 720
          rotate_before_hours:
            description: Create a new secret when the newest valid one expires within this many hours (less than O(accounts[].secret.expires_after_hours)).
            type: int
            default: 168
          dest:
            description:
              - File to write new credentials to (JSON, mode C(0600)), instead of O(credentials_dir)C(/<name>.json).
              - Its directory must exist and be writable; this is checked before anything changes in Atlas.
            type: path
          store:
            description:
              - A secret store for this account's new secrets, instead of O(secret_store) (same suboptions).
              - Read once before anything changes in Atlas; a store that does not hold the account's newest valid
                secret gets a new one, so it is never stale. A store that cannot be read fails this account alone.
            type: dict
            suboptions:
              type:
                description: As O(secret_store.type).
                type: str
                required: true
                choices: [vault_kv2, aws_secretsmanager]
              url:
                description: As O(secret_store.url).
                type: str
              mount:
                description: As O(secret_store.mount).
                type: str
                default: secret
              path:
                description: As O(secret_store.path).
                type: str
              namespace:
                description: As O(secret_store.namespace).
                type: str
              token:
                description: As O(secret_store.token).
                type: str
              role_id:
                description: As O(secret_store.role_id).
                type: str
              secret_id:
                description: As O(secret_store.secret_id).
                type: str
              approle_mount:
                description: As O(secret_store.approle_mount).
                type: str
                default: approle
              region:
                description: As O(secret_store.region).
                type: str
              name:
                description: As O(secret_store.name).
                type: str
              endpoint_url:
                description: As O(secret_store.endpoint_url).
                type: str
              profile:
                description: As O(secret_store.profile).
                type: str
              ca_path:
                description: As O(secret_store.ca_path).
                type: path
              validate_certs:
                description: As O(secret_store.validate_certs).
                type: bool
                default: true
              timeout:
                description: As O(secret_store.timeout).
                type: int
                default: 30
  projects:
    description:
      - Many projects in one run, each with its own accounts. Used instead of O(project_id) and O(accounts).
    type: list
    elements: dict
    suboptions:
      project_id:
        description: ID of the project (24 lowercase hexadecimal characters); unique within O(projects).
        type: str
        required: true
      accounts:
        description: The accounts of this project, as in O(accounts).
        type: list
        elements: dict
        required: true
        suboptions: *account_options
      purge:
        description: As O(purge), for this project; defaults to O(purge).
        type: bool
      credentials_dir:
        description: As O(credentials_dir), for this project; defaults to O(credentials_dir).
        type: path
  purge:
    description:
      - Remove the accounts of the scope that O(accounts) does not list (delete them in an
        organization, remove them from a project).
      - System-managed accounts are never listed, so never removed. Removing the account whose client
        id runs the task fails before any write.
    type: bool
    default: false
  credentials_dir:
    description:
      - Directory on the host running the module where the credentials of every new secret (the first
        one of a created account, and rotations) are written as C(<name>.json), mode C(0600), with the
        keys C(client_id), C(client_secret), C(secret_id), C(expires_at) and C(api_base_url).
      - Created with mode C(0700) when missing (its parent must exist). An account's C(secret.dest) wins.
      - Every path is checked before anything changes in Atlas.
    type: path
  return_secrets:
    description:
      - Return the plaintext of new secrets in RV(service_accounts[].secrets[].secret). Prefer
        O(credentials_dir) or C(secret.dest), and C(no_log) on the task.
    type: bool
    default: false
  allow_own_account:
    description:
      - Allow access-list changes that could lock out the account whose credentials run the task
        (adding its first entry, or removing entries); without it they fail before any write.
    type: bool
    default: false
  concurrency:
    description:
      - How many scopes (projects) are read, and written, at the same time. Requests of all workers
        share one connection pool and one rate governor, which paces them to Atlas's rate limits (see
        O(api_rate_limit_max_wait)) and lowers the number of requests at once after a 429.
    type: int
    default: 8
notes:
  - The plaintext of a new secret exists only in the run that created it. It is written to the
    credentials file when there is one, and returned only with O(return_secrets=true).
  - A create whose response is lost is recovered with one more listing, never a blind second POST.
    When the value of such a secret is unknown and a credentials file must hold it, the module replaces
    that secret with one whose value it receives, so no file is left with a stale secret.
  - Removing an account from a project leaves it in the organization with working credentials; delete
    it there with M(cloudops.atlas.atlas_service_account).
  - One scope's failure never stops the others. Bad input and the guards that protect the automation
    itself (removing, or locking out, the account that runs the task) fail before any API call or write.
    After that, a scope whose listing fails, or whose writes meet an Atlas error that the retries and the
    rate-limit wait could not get past, is reported, and every other scope is still planned and carried
    out; the task then fails, naming each failed scope with Atlas's C(errorCode) and detail, and
    RV(service_accounts) shows what was done everywhere else. A rerun finishes the rest.
  - Atlas's rate limits are met by waiting for refills, not by failing (see O(api_rate_limit_max_wait));
    a warning says how many calls were made, how many were answered 429 and how long the run waited
    when it waited a minute or more.
seealso:
  - module: cloudops.atlas.atlas_service_account
  - module: cloudops.atlas.atlas_service_account_secret
  - module: cloudops.atlas.atlas_service_account_info
'''

EXAMPLES = r'''
- name: Manage Atlas service accounts as sets
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Keep the accounts of a project, with secrets rotated a week before expiry
      cloudops.atlas.atlas_service_account_set:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        credentials_dir: /etc/atlas/shop
        accounts:
          - name: shop-backend
            description: Backend of the shop
            roles: [GROUP_READ_ONLY, GROUP_DATA_ACCESS_READ_WRITE]
            secret:
              expires_after_hours: 720
              rotate_before_hours: 168
          - name: old-batch
            state: absent

    - name: Only these organization accounts may exist (others are deleted)
      cloudops.atlas.atlas_service_account_set:
        org_id: 5f1e2d3c4b5a69788796a5b4
        purge: true
        accounts:
          - name: ci-deployer
            description: Deploys from the CI pipeline
            roles: [ORG_READ_ONLY, ORG_GROUP_CREATOR]
            secret:
              dest: /etc/ci/atlas-credentials.json

    - name: Many projects in one run (one listing each, read concurrently)
      cloudops.atlas.atlas_service_account_set:
        projects:
          - project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
            credentials_dir: /etc/atlas/shop
            accounts:
              - name: shop-backend
                description: Backend of the shop
                roles: [GROUP_READ_ONLY]
                secret: {}
          - project_id: 6a0b1c2d3e4f5a6b7c8d9e1f
            credentials_dir: /etc/atlas/analytics
            accounts:
              - name: etl-loader
                description: Loads the warehouse
                roles: [GROUP_DATA_ACCESS_READ_WRITE]
                secret: {}
      register: onboarded

    - name: Show what happened to each account (no secret values)
      ansible.builtin.debug:
        msg: "{{ onboarded.service_accounts | map(attribute='action') | list }}"
'''

RETURN = r'''
service_accounts:
  description:
    - One entry per element of O(accounts) (of every element of O(projects)), in input order, then one
      per account removed by O(purge).
    - In check mode, what a real run would return; an account that would be created has
      RV(service_accounts[].client_id=null) and a secret with RV(service_accounts[].secrets[].id=null).
  returned: always
  type: list
  elements: dict
  contains:
    org_id:
      description: The organization, for accounts managed with O(org_id).
      type: str
      returned: with O(org_id)
      sample: 5f1e2d3c4b5a69788796a5b4
    project_id:
      description: The project, for accounts managed with O(project_id) or O(projects).
      type: str
      returned: with O(project_id) or O(projects)
      sample: 6a0b1c2d3e4f5a6b7c8d9e0f
    name:
      description: Name of the account.
      type: str
      sample: shop-backend
    client_id:
      description: Client ID of the account (null for one that check mode would create).
      type: str
      sample: mdb_sa_id_0123456789abcdef01234567
    description:
      description: Description of the account.
      type: str
      sample: Backend of the shop
    roles:
      description: Roles of the account in the scope, sorted.
      type: list
      elements: str
      sample: [GROUP_DATA_ACCESS_READ_WRITE, GROUP_READ_ONLY]
    created_at:
      description: When the account was created.
      type: str
      sample: '2026-11-23T09:00:00Z'
    action:
      description:
        - What happened to the account, a list of V(created), V(updated), V(rotated), V(removed), or
          V(unchanged) alone.
      type: list
      elements: str
      sample: [updated, rotated]
    secrets:
      description: The secrets of the account after the run (predicted in check mode), oldest first; empty once removed.
      type: list
      elements: dict
      contains:
        id:
          description: ID of the secret (null for one check mode predicts).
          type: str
          sample: 6a0b1c2d3e4f5a6b7c8d9e10
        created_at:
          description: When it was created.
          type: str
          sample: '2026-11-23T09:00:00Z'
        expires_at:
          description: When it expires.
          type: str
          sample: '2026-12-23T09:00:00Z'
        last_used_at:
          description: When it was last used, or null.
          type: str
          sample: null
        masked_secret_value:
          description: The masked secret.
          type: str
          sample: mdb_sa_sk_...a1b2
        expires_in_hours:
          description: Hours until it expires, by the Atlas server's clock.
          type: float
          sample: 719.98
        secret:
          description: The plaintext of a secret created by this run; only with O(return_secrets=true).
          type: str
          returned: for new secrets, with O(return_secrets=true)
          sample: mdb_sa_sk_...
    access_list:
      description: The account's access list after the run, sorted, when O(accounts[].access_list) manages it.
      type: list
      elements: dict
      returned: when O(accounts[].access_list) is given
      sample: [{ip_address: null, cidr_block: 203.0.113.0/24, created_at: '2026-11-23T09:00:00Z', last_used_at: null,
                last_used_address: null, request_count: 0}]
    credentials_file:
      description: The file this run wrote the account's new credentials to, else null.
      type: str
      sample: /etc/atlas/shop/shop-backend.json
    project_roles:
      description: The account's project assignments after the run, sorted, when O(accounts[].project_roles) manages them.
      type: list
      elements: dict
      returned: when O(accounts[].project_roles) is given
      sample: [{project_id: 6a0b1c2d3e4f5a6b7c8d9e0f, roles: [GROUP_READ_ONLY]}]
    secret_store:
      description:
        - Where the account's newest secret is held in its secret store after the run (in check mode, where it
          would be; V(version) is then the version a write would make, or null when the store does not number them).
      type: dict
      returned: for accounts with a secret store that could be read
      contains:
        type:
          description: V(vault_kv2) or V(aws_secretsmanager).
          type: str
          sample: vault_kv2
        path_or_name:
          description: The path (mount first, as AWX's Vault lookup and C(vault kv get) take it) or the AWS secret name.
          type: str
          sample: secret/atlas/6a0b1c2d3e4f5a6b7c8d9e0f/shop-backend
        version:
          description: The KV version 2 version (an integer) or the AWS C(VersionId).
          type: raw
          sample: 3
    error:
      description:
        - Why the account was not (fully) done; only on accounts of a scope that failed (its listing, or an
          Atlas error while writing, after which its other accounts are not attempted) and on an account
          whose new secret could not be delivered (V(DELIVERY_FAILED)).
      type: dict
      returned: on failure, for the accounts concerned
      sample: {status: 429, error_code: RATE_LIMIT_WAIT_BUDGET, detail: "GET /api/atlas/v2/groups/.../serviceAccounts: ..."}
rate_limits:
  description:
    - What Atlas's rate limits did to the run, also on failure.
  returned: always, once an API call was made
  type: dict
  contains:
    calls:
      description: Admin API requests sent (every attempt, 429s included; token mints are not counted).
      type: int
      sample: 150
    status_429:
      description: How many of them Atlas answered with HTTP 429.
      type: int
      sample: 0
    waited_seconds:
      description: Seconds the run spent waiting for refills (wall clock, however many requests waited at once).
      type: float
      sample: 183.5
    buckets:
      description: The token buckets the run used, as the rate governor knew them.
      type: list
      elements: dict
      sample: [{endpoint_set: serviceAccounts_org, scope: ORGANIZATION, capacity: 10, refill_rate: 5, refill_seconds: 60,
                source: rateLimits, calls: 150, status_429: 0, waited_seconds: 183.5,
                description: "endpoint set serviceAccounts_org (organization scope), capacity 10, 5 tokens every 60 s"}]
error:
  description: The Atlas error that made the task fail (the first one, when several scopes failed).
  returned: failure
  type: dict
  sample: {status: 404, error_code: RESOURCE_NOT_FOUND, detail: null, reason: Not Found, parameters: null}
'''

from ansible_collections.cloudops.atlas.plugins.module_utils._account_set import AccountSetTask
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._secret_stores import secret_store_argument


def account_spec():
    """The options of one element of accounts (also of projects[].accounts)."""
    return dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        roles=dict(type='list', elements='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        secret_expires_after_hours=dict(type='int', no_log=False),
        initial_secret=dict(type='bool', default=True, no_log=False),
        access_list=dict(type='list', elements='str'),
        project_roles=dict(type='list', elements='dict', options=dict(
            project_id=dict(type='str', required=True),
            roles=dict(type='list', elements='str', required=True),
        )),
        secret=dict(type='dict', no_log=False, options=dict(
            expires_after_hours=dict(type='int', default=720, no_log=False),
            rotate_before_hours=dict(type='int', default=168, no_log=False),
            dest=dict(type='path'),
            store=secret_store_argument(),
        )),
    )


def main():
    argument_spec = dict(
        org_id=dict(type='str'),
        project_id=dict(type='str', aliases=['group_id']),
        projects=dict(type='list', elements='dict', options=dict(
            project_id=dict(type='str', required=True),
            accounts=dict(type='list', elements='dict', required=True, options=account_spec()),
            purge=dict(type='bool'),
            credentials_dir=dict(type='path'),
        )),
        accounts=dict(type='list', elements='dict', options=account_spec()),
        purge=dict(type='bool', default=False),
        credentials_dir=dict(type='path'),
        return_secrets=dict(type='bool', default=False, no_log=False),
        concurrency=dict(type='int', default=8),
        allow_own_account=dict(type='bool', default=False),
        secret_store=secret_store_argument(),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True,
                         mutually_exclusive=[('org_id', 'project_id', 'projects')],
                         required_one_of=[('org_id', 'project_id', 'projects')])
    AccountSetTask(module).run()


if __name__ == '__main__':
    main()
