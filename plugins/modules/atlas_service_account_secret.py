#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_service_account_secret
short_description: Keep a MongoDB Atlas service account supplied with a valid secret, and rotate it safely
version_added: 1.0.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Makes sure a service account has a secret that stays valid long enough, creates a new one when
    the newest is about to expire (rotation without downtime, the previous secret is kept until it
    expires unless O(revoke_previous) is set), handles the limit of two secrets per account, deletes
    expired or named secrets, and can deliver a new secret to a file instead of returning it.
  - Decisions about expiry use the Atlas server's clock (the C(Date) header of its responses), so a
    controller with a wrong clock does not rotate too early or too late.
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.scope
  - cloudops.atlas.attributes
  - cloudops.atlas.secret_store
attributes:
  idempotent:
    support: partial
    details:
      - With O(state=present) a secret is only created when none is valid or the newest expires within
        O(rotate_before_hours), so a daily run changes nothing until rotation is due.
      - O(force=true) with O(state=present) creates a new secret on every run and is not idempotent.
options:
  client_id:
    description:
      - Client ID of the service account. One of O(client_id) or O(name) is required.
    type: str
  name:
    description:
      - Name of the service account; several accounts with that name make the task fail and ask for O(client_id).
    type: str
  state:
    description:
      - V(present) makes sure the account has a secret valid for long enough, creating one when needed.
      - V(absent) deletes the secrets named in O(secret_id).
    type: str
    choices: [present, absent]
    default: present
  expires_after_hours:
    description:
      - Lifetime in hours (8 to 8760, and at most the organization's maximum) of a secret this task creates.
      - Required only when a secret has to be created; the task fails with a clear message otherwise.
    type: int
  rotate_before_hours:
    description:
      - Create a new secret when the newest unexpired secret expires within this many hours.
      - V(0) creates one only when no unexpired secret exists.
      - Must be less than O(expires_after_hours), or every run would rotate.
    type: int
    default: 0
  force:
    description:
      - With O(state=present), always create a new secret (not idempotent).
      - With O(state=absent), allow deleting the last unexpired secret of the account.
    type: bool
    default: false
  revoke_previous:
    description:
      - After creating a new secret, delete all older secrets at once (immediate cut-over).
      - By default older secrets stay until they expire, so that consumers can switch over.
    type: bool
    default: false
  prune_expired:
    description:
      - Delete expired secrets.
    type: bool
    default: false
  dest:
    description:
      - Path of a file, on the host where the module runs, to write a new secret to as a JSON document
        with the keys C(client_id), C(client_secret), C(secret_id), C(expires_at) and C(api_base_url),
        atomically and with mode C(0600).
      - Written only when a secret is created, never in check mode, never touched otherwise.
      - Its directory must exist and be writable; this is checked before anything is changed in Atlas.
    type: path
  return_secret:
    description:
      - Return the plaintext of a new secret in RV(secret.secret). Set to V(false) with O(dest) so that
        the value exists only in that file.
    type: bool
    default: true
  secret_id:
    description:
      - With O(state=absent), the ID or IDs of the secrets to delete. IDs that do not exist are no change.
    type: list
    elements: str
notes:
  - An account holds at most two secrets. When a new secret is needed and two exist, expired secrets
    are deleted first, then the older one; the newest unexpired secret is never deleted to make room.
    Every deletion is reported in RV(deleted_secret_ids).
  - With O(secret_store), the secret the store holds is what consumers use, so it is never deleted to make room
    (an unexpired one); a store that does not hold the newest valid secret gets a new one, and when the account
    that runs the task keeps its own secret there, the previous secret stays valid until a later run rotates
    again (see the self-rotation recipe in the collection's AWX guide).
  - A secret's value is shown by Atlas only once, in the response that creates it. Run tasks that
    return it with C(no_log=true), or use O(dest) with O(return_secret=false).
  - A create whose response is lost is not retried blindly; the account is read again and a new
    secret is created only when none appeared.
  - A warning is shown when the newest unexpired secret expires within 7 days and this task did not create one.
seealso:
  - module: cloudops.atlas.atlas_service_account
  - name: Rotate service account secrets
    description: How Atlas recommends rotating secrets.
    link: https://www.mongodb.com/docs/atlas/tutorial/rotate-service-account-secrets/
'''

EXAMPLES = r'''
- name: Keep service account secrets fresh
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Rotate a week before expiry, deliver the new secret to a file only
      cloudops.atlas.atlas_service_account_secret:
        org_id: 5f1e2d3c4b5a69788796a5b4
        client_id: mdb_sa_id_0123456789abcdef01234567
        expires_after_hours: 720
        rotate_before_hours: 168
        dest: /etc/myapp/atlas-credentials.json
        return_secret: false
      no_log: true

    - name: Create a new secret now and cut over immediately (incident response)
      cloudops.atlas.atlas_service_account_secret:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        name: app-backend
        expires_after_hours: 720
        force: true
        revoke_previous: true
      no_log: true
      register: new_secret

    - name: Delete a leaked secret
      cloudops.atlas.atlas_service_account_secret:
        org_id: 5f1e2d3c4b5a69788796a5b4
        client_id: mdb_sa_id_0123456789abcdef01234567
        secret_id: 6a0b1c2d3e4f5a6b7c8d9e10
        state: absent
'''

RETURN = r'''
client_id:
  description: Client ID of the service account.
  returned: success
  type: str
  sample: mdb_sa_id_0123456789abcdef01234567
secret:
  description:
    - The secret created by this task; C({}) when none was created.
    - In check mode a secret that would be created has RV(secret.id=null) and no value.
  returned: success
  type: dict
  contains:
    id:
      description: ID of the new secret.
      type: str
      sample: 6a0b1c2d3e4f5a6b7c8d9e10
    created_at:
      description: When it was created (ISO 8601, UTC).
      type: str
      sample: '2026-11-23T09:00:00Z'
    expires_at:
      description: When it expires (ISO 8601, UTC).
      type: str
      sample: '2026-12-23T09:00:00Z'
    masked_secret_value:
      description: The masked secret.
      type: str
      sample: mdb_sa_sk_...a1b2
    secret:
      description: The plaintext secret; only when O(return_secret=true). Atlas never shows it again.
      type: str
      returned: when a secret was created and O(return_secret=true)
      sample: mdb_sa_sk_...
secrets:
  description: Every secret of the account after the task (predicted in check mode), oldest first.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: ID of the secret (null for a secret check mode predicts).
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
      description: Hours until it expires, by the Atlas server's clock (negative once expired).
      type: float
      sample: 719.98
    expired:
      description: Whether it has expired.
      type: bool
      sample: false
deleted_secret_ids:
  description: IDs of the secrets this task deleted (or would delete, in check mode).
  returned: success
  type: list
  elements: str
  sample: [6a0b1c2d3e4f5a6b7c8d9e0a]
secret_store:
  description:
    - Where the account's newest secret is held in O(secret_store) after the task (in check mode, where it would be;
      C(version) is then the version a write would make, or null when the store does not number them).
  returned: with O(secret_store) and O(state=present)
  type: dict
  contains:
    type:
      description: V(vault_kv2) or V(aws_secretsmanager).
      type: str
      sample: vault_kv2
    path_or_name:
      description: The path (mount first, as AWX's Vault lookup and C(vault kv get) take it) or the AWS secret name.
      type: str
      sample: secret/atlas/ci-deployer
    version:
      description: The KV version 2 version (an integer) or the AWS C(VersionId).
      type: raw
      sample: 3
error:
  description: The Atlas error (or the secret store's) that made the task fail.
  returned: failure
  type: dict
  sample: {status: 400, error_code: VALIDATION_ERROR, detail: null, reason: Bad Request, parameters: null}
'''

from datetime import timedelta

from ansible_collections.cloudops.atlas.plugins.module_utils._credentials import CredentialsFile, check_dest
from ansible_collections.cloudops.atlas.plugins.module_utils._errors import InputError, Refusal
from ansible_collections.cloudops.atlas.plugins.module_utils._executor import PlanExecutor
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._planning import plan_account_secrets, plan_secret_deletions
from ansible_collections.cloudops.atlas.plugins.module_utils._presentation import present_secret, secrets_diff_view
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import SCOPE_RULES, Scope, scope_argument_spec
from ansible_collections.cloudops.atlas.plugins.module_utils._secret_delivery import Delivery, SecretStores
from ansible_collections.cloudops.atlas.plugins.module_utils._secret_stores import secret_store_argument
from ansible_collections.cloudops.atlas.plugins.module_utils._secrets import is_valid, secret_rules
from ansible_collections.cloudops.atlas.plugins.module_utils._service_accounts import (
    ServiceAccountDirectory, account_text, secret_lifetime_hint)
from ansible_collections.cloudops.atlas.plugins.module_utils._task import AtlasTask
from ansible_collections.cloudops.atlas.plugins.module_utils._time import oldest_first, parse_time
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import check_client_id, check_rotation_window

EXPIRY_WARNING_HOURS = 7 * 24


class ServiceAccountSecrets(AtlasTask):
    """Keep one account supplied with a valid secret (state=present) or delete named secrets (state=absent)."""

    def __init__(self, module):
        super(ServiceAccountSecrets, self).__init__(module)
        self.scope = Scope.from_params(self.params)
        self.accounts = None
        self.stores = None
        self.result.update(client_id=None, secret={}, secrets=[], deleted_secret_ids=[])

    def explain(self, error):
        return secret_lifetime_hint(self.client, self.scope, error)

    def describe(self):
        return 'secrets of service account ' + account_text(self.params)

    def action_text(self):
        return '%s %s' % ('Removing' if self.params['state'] == 'absent' else 'Ensuring', self.describe())

    def validate(self):
        params = self.params
        self.scope.check()
        check_client_id('client_id', params['client_id'])
        check_rotation_window('', params['expires_after_hours'], params['rotate_before_hours'])
        check_dest('dest', params['dest'])
        if params['state'] == 'absent' and not params['secret_id']:
            raise InputError('state=absent needs secret_id: the ID or IDs of the secrets to delete')
        if params['secret_store']:
            if params['state'] == 'absent':
                raise InputError('secret_store applies only to state=present')
            self.stores = SecretStores(params['api_base_url'].rstrip('/'))
            # The account's place, named now so that a template that does not fit the scope fails before any call.
            self.stores.slot('secret_store', params['secret_store'], None, None, self.scope, params['name'] or 'account')

    # -- reading and presenting -------------------------------------------------------------------

    def read(self):
        self.accounts = ServiceAccountDirectory(self.client, self.scope)
        account = self.accounts.find(self.params['client_id'], self.params['name'])
        if account is None:
            raise Refusal('service account %s not found in %s' % (self.params['client_id'] or repr(self.params['name']), self.scope.text))
        self.result['client_id'] = account['clientId']
        return account

    def view(self, secret, now):
        shown = present_secret(secret, now)
        shown['expired'] = not is_valid(secret, now)
        return shown

    def finish(self, before, after, deleted, now):
        self.result.update(deleted_secret_ids=deleted, secrets=[self.view(secret, now) for secret in after],
                           diff=dict(before=secrets_diff_view(before), after=secrets_diff_view(after)))

    # -- state=present: keep a valid secret ------------------------------------------------------------

    def keep_valid_secret(self):
        params = self.params
        account = self.read()
        slot = None
        if self.stores:
            # One read of the store, before anything changes in Atlas: a store that does not hold the newest valid secret
            # gets a new one (never stale), and one that cannot be read fails the task here.
            slot = self.stores.slot('secret_store', params['secret_store'], None, None, self.scope, account['name'])
            slot.read()
        now = self.client.server_now()
        rules = secret_rules(params['expires_after_hours'], params['rotate_before_hours'], params['force'],
                             params['revoke_previous'], params['prune_expired'])
        plan = plan_account_secrets(account, now, rules, [slot.held()] if slot else ())
        for note in plan.notes:
            self.module.warn('Service account %s: %s.' % (account['clientId'], note))
        after, created, replaced = plan.after, None, []
        if not self.check_mode:
            delivery = Delivery(self.client.base_url, CredentialsFile(params['dest']) if params['dest'] else None,
                                returned=params['return_secret'], store=slot, org_id=None if self.scope.is_project else self.scope.id,
                                project_id=self.scope.id if self.scope.is_project else None)
            executor = PlanExecutor(self, self.accounts, plan, delivery).run()
            after, created, replaced = executor.after, executor.issued, executor.replaced_ids
        elif plan.secret_plan.need_new:
            created = after['secrets'][-1]
        deleted = plan.secret_plan.delete_before + plan.secret_plan.delete_after + replaced
        secrets = oldest_first(after['secrets'])
        self.result['changed'] = bool(plan.steps)
        self.finish(oldest_first(account.get('secrets')), secrets, deleted, now)
        if slot is not None:
            self.result['secret_store'] = slot.view(predicted=self.check_mode and created is not None)
            # The diff names the store's place and the secret id it holds before and after, never a value.
            place = slot.store.describe(slot.location)
            held_after = (created.get('id') or '(new)') if created else slot.before_id
            self.result['diff'].update(before_header='%s holds %s' % (place, slot.before_id or 'no secret'),
                                       after_header='%s holds %s' % (place, held_after or 'no secret'))
        if created:
            self.result['secret'] = self.new_secret_result(created, now)
        else:
            self.warn_if_expiring(secrets, now)

    def new_secret_result(self, created, now):
        shown = present_secret(created, now, with_secret=self.params['return_secret'])
        return dict((key, shown[key]) for key in ('id', 'created_at', 'expires_at', 'masked_secret_value', 'secret') if key in shown)

    def warn_if_expiring(self, secrets, now):
        valid = [secret for secret in secrets if is_valid(secret, now)]
        if valid and parse_time(valid[-1]['expiresAt']) - now <= timedelta(hours=EXPIRY_WARNING_HOURS):
            self.module.warn('The newest valid secret (%s) of service account %s expires at %s, within 7 days; '
                             'set rotate_before_hours to rotate it.' % (valid[-1]['id'], self.result['client_id'], valid[-1]['expiresAt']))

    # -- state=absent: delete named secrets ------------------------------------------------------------

    def delete_named_secrets(self):
        account = self.read()
        now = self.client.server_now()
        plan = plan_secret_deletions(account, self.params['secret_id'], now, self.params['force'])
        if not self.check_mode:
            PlanExecutor(self, self.accounts, plan, Delivery(self.client.base_url)).run()
        self.result['changed'] = plan.changed
        self.finish(oldest_first(account.get('secrets')), plan.after['secrets'], plan.secret_plan.delete_before, now)

    def execute(self):
        if self.params['state'] == 'absent':
            self.delete_named_secrets()
        else:
            self.keep_valid_secret()


def main():
    argument_spec = scope_argument_spec()
    argument_spec.update(
        client_id=dict(type='str'),
        name=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        expires_after_hours=dict(type='int'),
        rotate_before_hours=dict(type='int', default=0),
        force=dict(type='bool', default=False),
        revoke_previous=dict(type='bool', default=False),
        prune_expired=dict(type='bool', default=False),
        dest=dict(type='path'),
        return_secret=dict(type='bool', default=True, no_log=False),
        secret_id=dict(type='list', elements='str', no_log=False),
        secret_store=secret_store_argument(),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True,
                         mutually_exclusive=SCOPE_RULES['mutually_exclusive'] + [('client_id', 'name')],
                         required_one_of=SCOPE_RULES['required_one_of'] + [('client_id', 'name')])
    ServiceAccountSecrets(module).run()


if __name__ == '__main__':
    main()
