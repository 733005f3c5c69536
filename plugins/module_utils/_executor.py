# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The executor: carries out an account plan (_planning) step by step through an explicit table of
handlers, one per kind of step, and records what the account became. Check mode never gets here;
it reports the plan's prediction instead."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ._planning import (
    CREATE_ACCOUNT, DELETE_SECRET, DELIVER_SECRET, NEW_SECRET, REMOVE_ACCOUNT, SET_ACCESS_LIST, SET_PROJECT_ROLES, UPDATE_ACCOUNT)
from ._scope import Scope
from ._secret_delivery import SecretIssuer


def write_access_list(task, scope, client_id, access_plan):
    """Additions in one POST, then each removal as one DELETE (`changed` write by write); returns the entries Atlas added."""
    added = task.write('POST', scope.access_list_path(client_id), access_plan.add) if access_plan.add else None
    for stored in access_plan.remove:
        task.write('DELETE', scope.access_entry_path(client_id, stored))
    return (added or {}).get('results') or []


class PlanExecutor:
    """Carries out one account's plan in order; `after` is the account as it became, `done` the steps carried out."""

    def __init__(self, task, directory, plan, delivery):
        self.task = task
        self.directory = directory
        self.scope = directory.scope
        self.plan = plan
        self.delivery = delivery
        self.issuer = SecretIssuer(task, directory)
        self.after = dict(plan.current) if plan.current else None
        self.done = 0
        self.issued = None  # the secret this run created (with its value when it arrived)
        self.replaced_ids = []  # secrets made on the way whose value was lost, deleted and replaced
        self.access_added = []  # the entries Atlas returned for the access-list POST
        self.access_done = False
        self.projects_done = False
        self.handlers = {
            CREATE_ACCOUNT: self.create_account,
            UPDATE_ACCOUNT: self.update_account,
            REMOVE_ACCOUNT: self.remove_account,
            NEW_SECRET: self.new_secret,
            DELETE_SECRET: self.delete_secret,
            SET_ACCESS_LIST: self.set_access_list,
            SET_PROJECT_ROLES: self.set_project_roles,
            DELIVER_SECRET: self.deliver_secret,
        }

    def run(self):
        for step in self.plan.steps:
            self.handlers[step.kind](step)
            self.done += 1
        return self

    @property
    def result_action(self):
        """The result's `action`: the plan's labels once anything was done (a failure part-way keeps them), plus
        'rotated' when a lost secret was replaced."""
        labels = list(self.plan.labels) if self.done else []
        if self.replaced_ids and 'rotated' not in labels:
            labels.append('rotated')
        return labels or ['unchanged']

    # -- one handler per kind of step ----------------------------------------------------------------

    def create_account(self, step):
        directory = self.directory
        created = self.task.create_once(lambda: self.task.write('POST', self.scope.accounts_path, step.body),
                                        lambda: directory.account_made_since(self.plan.name),
                                        'service account %r in %s' % (self.plan.name, self.scope.text))
        self.after, replaced = self.issuer.first_secret(created, step.body.get('secretExpiresAfterHours'), self.delivery)
        self.replaced_ids += replaced

    def update_account(self, step):
        updated = self.task.write('PATCH', self.scope.account_path(step.target), step.body) or {}
        self.after.update(dict((key, updated[key]) for key in step.body if key in updated))

    def remove_account(self, step):
        self.task.write('DELETE', self.scope.account_path(step.target))
        self.after = None
        if self.scope.is_project:
            self.task.module.warn('Service account %s (%s) was removed from %s only: it still exists in the organization, and its '
                                  'credentials keep working until it is deleted there.' % (self.plan.name, step.target, self.scope.text))

    def new_secret(self, step):
        client_id = step.target or self.after['clientId']  # an account created without a secret gets its first one here
        known = [secret['id'] for secret in self.after.get('secrets') or []]
        self.issued, replaced = self.issuer.new_secret(client_id, step.body['secretExpiresAfterHours'], known, self.delivery)
        self.replaced_ids += replaced
        self.after['secrets'] = (self.after.get('secrets') or []) + [self.issued]

    def deliver_secret(self, step):
        """A consumer holds an older secret while another holds the newest with its value: give it that one."""
        self.delivery.redeliver(step.body)

    def delete_secret(self, step):
        client_id, secret_id = step.target
        self.task.write('DELETE', self.scope.secret_path(client_id, secret_id))
        self.after['secrets'] = [secret for secret in self.after.get('secrets') or [] if secret['id'] != secret_id]

    def set_access_list(self, step):
        client_id = step.target or self.after['clientId']  # a new account's client id is known once it exists
        self.access_added = write_access_list(self.task, self.scope, client_id, step.body)
        self.access_done = True

    def set_project_roles(self, step):
        """Invite the organization account to projects, change its roles there, remove it from others."""
        client_id = step.target or self.after['clientId']
        for project_id, roles in step.body.invite:
            self.task.write('POST', Scope.project(project_id).account_path(client_id) + ':invite', dict(roles=roles))
        for project_id, roles in step.body.update:
            self.task.write('PATCH', Scope.project(project_id).account_path(client_id), dict(roles=roles))
        for project_id in step.body.remove:
            self.task.write('DELETE', Scope.project(project_id).account_path(client_id))
        self.projects_done = True
