# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The one place where secrets are created and delivered.

`Delivery` says where the value of one account's new secrets goes (its credentials file, and the
task result when asked) and what those places hold now. `SecretIssuer` creates a secret with one
POST that is never sent twice while the first may exist (the task layer's create_once), replaces a
secret whose value was lost with its response by one whose value arrives (a secret nobody holds is
worse than none), and delivers the value. Every module that can create a secret goes through it:
the account module (the first secret of a new account), the secret module and the set module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ._errors import DeliveryError


class Delivery:
    """Where one account's new secrets go: a credentials file (or none), and whether the task returns the value."""

    def __init__(self, api_base_url, file=None, returned=False):
        self.api_base_url = api_base_url
        self.file = file
        self.returned = returned
        self.written = None  # the file written by this run

    @property
    def needs_value(self):
        """A secret whose value was lost must be replaced only when someone here needs the value."""
        return bool(self.file or self.returned)

    def held(self):
        """What the destinations hold now (HeldSecret each), for the planner's never-stale rule."""
        return [self.file.held()] if self.file else []

    def deliver(self, client_id, secret):
        if self.file:
            self.written = self.file.deliver(dict(client_id=client_id, client_secret=secret['secret'], secret_id=secret['id'],
                                                  expires_at=secret['expiresAt'], api_base_url=self.api_base_url))

    def lost_twice(self, client_id, secret_id, new_account):
        """The error after a second lost value; a new account's file is marked as waiting, so that the next run delivers one."""
        where = ''
        if self.file:
            if new_account:
                self.file.mark_pending(client_id, self.api_base_url)
                where = ': %s holds no secret yet' % self.file
            else:
                where = ': %s still holds the previous secret' % self.file
        return DeliveryError('the value of the new secret of service account %s was lost twice (secret %s exists, its value is '
                             'unknown)%s; run the task again, it delivers a new secret' % (client_id, secret_id, where))


class SecretIssuer:
    """Creates an account's secrets through a task, replacing a lost value once, and delivers them."""

    def __init__(self, task, directory):
        self.task = task
        self.directory = directory

    def new_secret(self, client_id, hours, known_ids, delivery):
        """Create one secret of `hours` and deliver it. Returns (the secret, ids of secrets made and replaced on the way)."""
        created = self.directory.post_secret(self.task, client_id, dict(secretExpiresAfterHours=hours), known_ids)
        if created.get('secret'):
            delivery.deliver(client_id, created)
            return created, []
        if not delivery.needs_value:
            return created, []
        return self.replace_lost(client_id, created, hours, known_ids, delivery, new_account=False)

    def first_secret(self, account, hours, delivery):
        """Deliver the first secret of an account just created, or replace it when its value was lost (the account
        was adopted after its create's response was lost). Returns (the account as it now is, replaced ids)."""
        secrets = account.get('secrets') or []
        if not secrets:
            return account, []
        if secrets[0].get('secret'):
            delivery.deliver(account['clientId'], secrets[0])
            return account, []
        if not delivery.needs_value:
            return account, []
        known = [secret['id'] for secret in secrets]
        created, replaced = self.replace_lost(account['clientId'], secrets[0], hours, known, delivery, new_account=True)
        return dict(account, secrets=[secret for secret in secrets if secret['id'] not in replaced] + [created]), replaced

    def replace_lost(self, client_id, lost, hours, known_ids, delivery, new_account):
        """Delete the secret whose value was lost and create one whose value arrives; a second loss fails."""
        self.task.write('DELETE', self.directory.scope.secret_path(client_id, lost['id']))
        known = [secret_id for secret_id in known_ids if secret_id != lost['id']]
        created = self.directory.post_secret(self.task, client_id, dict(secretExpiresAfterHours=hours), known)
        if not created.get('secret'):
            raise delivery.lost_twice(client_id, created['id'], new_account)
        delivery.deliver(client_id, created)
        where = ', delivered to %s' % delivery.file if delivery.file else ''
        self.task.module.warn('The value of secret %s of service account %s was lost with its response; it was replaced by '
                              'secret %s%s (the lost one is deleted).' % (lost['id'], client_id, created['id'], where))
        return created, [lost['id']]
