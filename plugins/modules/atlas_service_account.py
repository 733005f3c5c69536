#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_service_account
short_description: Manage MongoDB Atlas organization and project service accounts
version_added: 1.0.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Create, update and delete MongoDB Atlas service accounts, in an organization (O(org_id)) or in a
    project (O(project_id)), idempotently, with check mode and diff.
  - An account is identified by O(client_id), or by O(name) (Atlas names are not unique, so several
    accounts with that name make the task fail and ask for O(client_id)).
  - Secrets of an existing account are managed with M(cloudops.atlas.atlas_service_account_secret).
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.scope
  - cloudops.atlas.attributes
attributes:
  idempotent:
    support: full
    details: O(secret_expires_after_hours) only applies when the account is created, so it never causes a change.
options:
  project_id:
    description:
      - ID of the project (24 hexadecimal characters). The account is created in the project (and
        becomes an C(ORG_MEMBER) of its organization); O(state=absent) removes it from the project only.
      - Mutually exclusive with O(org_id); one of them is required.
    type: str
    aliases: [group_id]
  client_id:
    description:
      - Client ID of the account to manage (C(mdb_sa_id_) followed by 24 hexadecimal characters).
      - With O(client_id), a missing account makes O(state=present) fail (it is never created) and
        O(state=absent) report no change. O(name) then renames the account.
    type: str
  name:
    description:
      - Name of the account, 1 to 64 letters, digits, spaces and C(-_.,').
      - Without O(client_id), the account is looked up by this name; no match creates it.
    type: str
  description:
    description:
      - Description of the account, 1 to 250 letters, digits, spaces and C(-_.,').
      - Required to create an account.
    type: str
  roles:
    description:
      - Roles of the account, compared as a set.
      - With O(org_id), organization roles (V(ORG_MEMBER), V(ORG_READ_ONLY), V(ORG_BILLING_ADMIN),
        V(ORG_BILLING_READ_ONLY), V(ORG_STREAM_PROCESSING_ADMIN), V(ORG_GROUP_CREATOR), V(ORG_OWNER)).
      - With O(project_id), project roles (C(GROUP_*)); a C(GROUP_*) role that is not one of the 11
        documented ones gets a warning, anything else fails.
      - Required to create an account.
    type: list
    elements: str
  secret_expires_after_hours:
    description:
      - Lifetime in hours (8 to 8760) of the first secret that Atlas creates with a new account.
      - Required only when the account has to be created with O(initial_secret=true); never changes an existing account.
    type: int
  initial_secret:
    description:
      - V(false) creates the account without a secret (C(withoutInitialSecret)), for example to give it
        its first secret later with M(cloudops.atlas.atlas_service_account_secret). O(secret_expires_after_hours)
        is then not needed, and giving it fails.
      - Only applies when the account is created.
    type: bool
    default: true
    version_added: 1.1.0
  dest:
    description:
      - Path of a file, on the host where the module runs, to write the first secret of a new account
        to, as a JSON document with the keys C(client_id), C(client_secret), C(secret_id),
        C(expires_at) and C(api_base_url), atomically and with mode C(0600).
      - Written only when this task creates the account, never in check mode, never touched otherwise.
      - Its directory must exist and be writable; this is checked before anything is changed in Atlas.
    type: path
  return_secret:
    description:
      - Return the plaintext of the first secret of a new account in RV(service_account.secrets[0].secret).
        Set to V(false) with O(dest) so that the value exists only in that file.
    type: bool
    default: true
  state:
    description:
      - V(present) makes sure the account exists with the given fields.
      - V(absent) deletes an organization account, or removes a project account from the project
        (it stays in the organization, with working credentials, until it is deleted there).
    type: str
    choices: [present, absent]
    default: present
notes:
  - The plaintext of the first secret is returned only in the run that creates the account, in
    RV(service_account.secrets[0].secret) (unless O(return_secret=false)). Run such tasks with
    C(no_log=true) and store the value at once, or deliver it to a file with O(dest); Atlas never
    shows it again.
  - A create whose response is lost (connection dropped) is not retried blindly; the module lists
    the accounts again and adopts the account the lost request created, if any.
seealso:
  - module: cloudops.atlas.atlas_service_account_secret
  - module: cloudops.atlas.atlas_service_account_info
  - module: cloudops.atlas.atlas_service_account_project
  - name: Atlas service accounts
    description: Service accounts in the MongoDB Atlas documentation.
    link: https://www.mongodb.com/docs/atlas/api/service-accounts-overview/
'''

EXAMPLES = r'''
- name: Manage Atlas service accounts
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Create an organization service account for CI (its first secret is returned once)
      cloudops.atlas.atlas_service_account:
        org_id: 5f1e2d3c4b5a69788796a5b4
        name: ci-deployer
        description: Deploys from the CI pipeline
        roles: [ORG_READ_ONLY, ORG_GROUP_CREATOR]
        secret_expires_after_hours: 720
      no_log: true
      register: ci_account

    - name: Store the first secret in a vault (only in the run that created the account)
      ansible.builtin.debug:
        msg: "Store the secret of {{ ci_account.service_account.client_id }} now"
      when: ci_account.service_account.secrets[0].secret is defined

    - name: Create an account and deliver its first secret to a file only
      cloudops.atlas.atlas_service_account:
        org_id: 5f1e2d3c4b5a69788796a5b4
        name: reporting
        description: Reads billing data
        roles: [ORG_BILLING_READ_ONLY]
        secret_expires_after_hours: 720
        dest: /etc/reporting/atlas-credentials.json
        return_secret: false

    - name: Change the roles of an account known by client id
      cloudops.atlas.atlas_service_account:
        org_id: 5f1e2d3c4b5a69788796a5b4
        client_id: mdb_sa_id_0123456789abcdef01234567
        roles: [ORG_READ_ONLY]

    - name: Create a project service account
      cloudops.atlas.atlas_service_account:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        name: app-backend
        description: Backend of the shop application
        roles: [GROUP_READ_ONLY, GROUP_DATA_ACCESS_READ_WRITE]
        secret_expires_after_hours: 2160
      no_log: true

    - name: Delete an organization service account
      cloudops.atlas.atlas_service_account:
        org_id: 5f1e2d3c4b5a69788796a5b4
        name: ci-deployer
        state: absent
'''

RETURN = r'''
service_account:
  description:
    - The service account after the task; C({}) after O(state=absent).
    - In check mode, an account that would be created has RV(service_account.client_id=null) and no secrets.
  returned: always
  type: dict
  contains:
    client_id:
      description: Client ID of the account.
      type: str
      returned: success
      sample: mdb_sa_id_0123456789abcdef01234567
    name:
      description: Name of the account.
      type: str
      returned: success
      sample: ci-deployer
    description:
      description: Description of the account.
      type: str
      returned: success
      sample: Deploys from the CI pipeline
    roles:
      description: Roles of the account in the organization or project, sorted.
      type: list
      elements: str
      returned: success
      sample: [ORG_GROUP_CREATOR, ORG_READ_ONLY]
    created_at:
      description: When the account was created (ISO 8601, UTC).
      type: str
      returned: success
      sample: '2026-11-23T09:00:00Z'
    secrets:
      description: The secrets of the account, oldest first.
      type: list
      elements: dict
      returned: success
      contains:
        id:
          description: ID of the secret.
          type: str
          sample: 6a0b1c2d3e4f5a6b7c8d9e10
        created_at:
          description: When the secret was created (ISO 8601, UTC).
          type: str
          sample: '2026-11-23T09:00:00Z'
        expires_at:
          description: When the secret expires (ISO 8601, UTC).
          type: str
          sample: '2026-12-23T09:00:00Z'
        last_used_at:
          description: When the secret was last used, or null.
          type: str
          sample: null
        masked_secret_value:
          description: The masked secret, safe to show.
          type: str
          sample: mdb_sa_sk_...a1b2
        expires_in_hours:
          description: Hours until the secret expires, by the Atlas server's clock (negative once expired).
          type: float
          sample: 719.98
        secret:
          description:
            - The plaintext secret. Only in the run that created the account, for its first secret,
              and only with O(return_secret=true).
          type: str
          returned: when the account was created by this task and O(return_secret=true)
          sample: mdb_sa_sk_...
error:
  description: The Atlas error that made the task fail.
  returned: failure
  type: dict
  contains:
    status:
      description: HTTP status, or null for a connection error.
      type: int
      sample: 404
    error_code:
      description: Atlas C(errorCode).
      type: str
      sample: RESOURCE_NOT_FOUND
    detail:
      description: Atlas C(detail).
      type: str
    reason:
      description: HTTP reason phrase.
      type: str
    parameters:
      description: Atlas C(parameters).
      type: list
'''

from ansible_collections.cloudops.atlas.plugins.module_utils._errors import InputError, Refusal
from ansible_collections.cloudops.atlas.plugins.module_utils._credentials import CredentialsFile, check_dest
from ansible_collections.cloudops.atlas.plugins.module_utils._fields import SERVICE_ACCOUNT_FIELDS
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._presentation import present_account
from ansible_collections.cloudops.atlas.plugins.module_utils._resource import AtlasResource
from ansible_collections.cloudops.atlas.plugins.module_utils._secret_delivery import Delivery, SecretIssuer
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import SCOPE_RULES, Scope, scope_argument_spec
from ansible_collections.cloudops.atlas.plugins.module_utils._service_accounts import (
    ServiceAccountDirectory, account_text, secret_lifetime_hint)
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import (
    DESCRIPTION_MAX, NAME_MAX, SECRET_HOURS_MAX, SECRET_HOURS_MIN, check_client_id, check_range, check_roles, check_text)


class ServiceAccount(AtlasResource):
    noun = 'service account'
    return_key = 'service_account'
    fields = SERVICE_ACCOUNT_FIELDS

    @property
    def create_requires(self):
        """Without an initial secret, no lifetime is needed to create the account."""
        required = ('name', 'description', 'roles')
        return required + ('secret_expires_after_hours',) if self.params['initial_secret'] else required

    def __init__(self, module):
        super(ServiceAccount, self).__init__(module)
        self.scope = Scope.from_params(self.params)
        self.roles = None
        self._accounts = None

    @property
    def accounts(self):
        if self._accounts is None:
            self._accounts = ServiceAccountDirectory(self.client, self.scope)
        return self._accounts

    def explain(self, error):
        return secret_lifetime_hint(self.client, self.scope, error)

    def describe(self):
        return 'service account ' + account_text(self.params)

    def validate(self):
        params = self.params
        self.scope.check()
        check_client_id('client_id', params['client_id'])
        if not params['client_id'] and not params['name']:
            raise InputError('one of client_id or name is required')
        check_text('name', params['name'], NAME_MAX)
        check_text('description', params['description'], DESCRIPTION_MAX)
        self.roles = check_roles('roles', params['roles'], self.scope.kind, self.module.warn)
        check_range('secret_expires_after_hours', params['secret_expires_after_hours'], SECRET_HOURS_MIN, SECRET_HOURS_MAX)
        if not params['initial_secret'] and params['secret_expires_after_hours'] is not None:
            raise InputError('initial_secret=false creates the account without a secret, so secret_expires_after_hours cannot be given with it')
        check_dest('dest', params['dest'])

    def read(self):
        if not self.params['client_id'] and self.params['state'] == 'present':
            # Held until the task ends: a parallel run on this host waits, then finds what this one created.
            self.lock_names(self.scope, [self.params['name']])
        account = self.accounts.find(self.params['client_id'], self.params['name'])
        if account is None and self.params['state'] == 'present' and self.params['client_id']:
            raise Refusal('%s does not exist; it is never created when client_id is given' % self.describe())
        return account

    def wanted(self):
        return dict(name=self.params['name'], description=self.params['description'], roles=self.roles,
                    secret_expires_after_hours=self.params['secret_expires_after_hours'],
                    without_initial_secret=True if not self.params['initial_secret'] else None)

    def predict_created(self, body):
        return dict(clientId=None, name=body['name'], description=body['description'], roles=body['roles'],
                    createdAt=None, secrets=[])

    def create(self, body):
        return self.write('POST', self.accounts.collection_path, body)

    def recover_lost_create(self, body):
        return self.accounts.account_made_since(body['name'])

    def settle_created(self, created, body):
        """The first secret goes to dest; one whose value was lost with a lost create's response is replaced."""
        delivery = Delivery(self.client.base_url, CredentialsFile(self.params['dest']) if self.params['dest'] else None,
                            returned=self.params['return_secret'])
        account, dummy = SecretIssuer(self, self.accounts).first_secret(created, body.get('secretExpiresAfterHours'), delivery)
        return account

    def update(self, current, changes):
        return self.write('PATCH', self.accounts.item_path(current['clientId']), changes)

    def remove(self, current):
        self.write('DELETE', self.accounts.item_path(current['clientId']))

    def after_absent(self, current):
        if self.scope.is_project:
            self.module.warn('Service account %s was removed from project %s only: it still exists in the organization, '
                             'and its credentials keep working until it is deleted there (atlas_service_account with org_id '
                             'and state=absent).' % (current['clientId'], self.params['project_id']))

    def result_view(self, obj):
        return present_account(obj, self.client.server_now(), with_secret=self.params['return_secret'])


def main():
    argument_spec = scope_argument_spec()
    argument_spec.update(
        client_id=dict(type='str'),
        name=dict(type='str'),
        description=dict(type='str'),
        roles=dict(type='list', elements='str'),
        secret_expires_after_hours=dict(type='int', no_log=False),
        initial_secret=dict(type='bool', default=True, no_log=False),
        dest=dict(type='path'),
        return_secret=dict(type='bool', default=True, no_log=False),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True, **SCOPE_RULES)
    ServiceAccount(module).run()


if __name__ == '__main__':
    main()
