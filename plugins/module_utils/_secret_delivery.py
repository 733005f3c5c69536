# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The one place where secrets are created and delivered.

`Delivery` says where the value of one account's new secrets goes (its credentials file, its place
in a secret store, and the task result when asked) and what those places hold now. `SecretIssuer` creates a secret with one
POST that is never sent twice while the first may exist (the task layer's create_once), replaces a
secret whose value was lost with its response by one whose value arrives (a secret nobody holds is
worse than none), and delivers the value. Every module that can create a secret goes through it:
the account module (the first secret of a new account), the secret module and the set module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ._errors import DeliveryError
from ._secret_stores import StoreError, open_secret_store
from ._secrets import HeldSecret


class StoreSlot:
    """One account's place in a secret store: what it holds (read once, before planning) and the delivery of a new
    secret to it, check-and-set against the version read."""

    def __init__(self, store, location):
        self.store = store
        self.location = location
        self.held_now = None  # the store's Held once read
        self.before_id = None  # the secret id it held when read, for diffs

    @property
    def holder(self):
        return 'its secret store (%s)' % self.store.describe(self.location)

    def read(self):
        """One read of the store (StoreError when it cannot be reached or refuses the credentials)."""
        self.held_now = self.store.read(self.location)
        self.before_id = self.held_now.secret_id
        return self.held_now

    def held(self):
        """As the planner judges it: a store that holds nothing holds no secret (unlike a missing file, it is where the
        consumers look, so it must get one)."""
        return HeldSecret(self.held_now.secret_id or '', self.holder)

    def deliver(self, credentials):
        try:
            self.held_now = self.store.write(self.location, credentials, self.held_now)
        except StoreError as exc:
            raise DeliveryError('secret %s of %s was created but %s; the store still holds %s, which stays valid, and the next run '
                                'gives it a new secret' % (credentials['secret_id'], credentials['client_id'], exc,
                                                           'secret %s' % self.held_now.secret_id if self.held_now.secret_id else 'no secret'))
        return self.view()

    def view(self, predicted=False):
        """Where the newest secret is held, for results: {type, path_or_name, version} (check mode: the version a write
        would make, when the store numbers them)."""
        view = self.store.result(self.held_now)
        if predicted:
            view['version'] = self.held_now.version + 1 if isinstance(self.held_now.version, int) else None
        return view


class SecretStores:
    """The secret stores of one run: each distinct configuration opened once (worker threads share it), checked before
    any API call, and the place of each account in it."""

    def __init__(self, api_base_url):
        self.api_base_url = api_base_url
        self._opened = {}

    def open(self, option, options):
        key = json.dumps(options, sort_keys=True)
        if key not in self._opened:
            self._opened[key] = open_secret_store(options, api_base_url=self.api_base_url, option=option)
        return self._opened[key]

    def slot(self, option, options, default_option, default, scope, name):
        """The StoreSlot of one account: its own store (`options`), else the default for every account; None without either.
        InputError (no call made) when the options break a rule or the account's path cannot be made."""
        if not options and not default:
            return None
        store = self.open(option, options) if options else self.open(default_option, default)
        return StoreSlot(store, store.location(None if scope.is_project else scope.id, scope.id if scope.is_project else None, name))


class Delivery:
    """Where one account's new secrets go: a credentials file and/or a secret store (or neither), and whether the
    task returns the value. `org_id`/`project_id` name the account's scope in store documents."""

    def __init__(self, api_base_url, file=None, returned=False, store=None, org_id=None, project_id=None):
        self.api_base_url = api_base_url
        self.file = file
        self.store = store
        self.returned = returned
        self.org_id = org_id
        self.project_id = project_id
        self.written = None  # the file written by this run
        self.stored = None  # the store's view after this run wrote to it

    @property
    def needs_value(self):
        """A secret whose value was lost must be replaced only when someone here needs the value."""
        return bool(self.file or self.store or self.returned)

    def held(self):
        """What the destinations hold now (HeldSecret each), for the planner's never-stale rule."""
        return [destination.held() for destination in (self.file, self.store) if destination is not None]

    def deliver(self, client_id, secret):
        credentials = dict(client_id=client_id, client_secret=secret['secret'], secret_id=secret['id'], expires_at=secret['expiresAt'],
                           api_base_url=self.api_base_url, org_id=self.org_id, project_id=self.project_id)
        if self.file:
            self.written = self.file.deliver(credentials)
        if self.store:
            self.stored = self.store.deliver(credentials)

    def redeliver(self, credentials):
        """Give the destinations that hold another secret the one in `credentials` (read from a credentials file)."""
        if self.store and self.store.held_now.secret_id != credentials.get('secret_id'):
            self.stored = self.store.deliver(dict(credentials, org_id=self.org_id, project_id=self.project_id))

    def where(self):
        """The destinations, for messages."""
        return ' and '.join(str(place) for place in (self.file, self.store and self.store.store.describe(self.store.location)) if place)

    def lost_twice(self, client_id, secret_id, new_account):
        """The error after a second lost value; a new account's file is marked as waiting, so that the next run delivers one."""
        where = ''
        if self.file:
            if new_account:
                self.file.mark_pending(client_id, self.api_base_url)
                where = ': %s holds no secret yet' % self.file
            else:
                where = ': %s still holds the previous secret' % self.file
        elif self.store:
            where = ': %s still holds the previous secret, or none' % self.store.store.describe(self.store.location)
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
        where = ', delivered to %s' % delivery.where() if delivery.where() else ''
        self.task.module.warn('The value of secret %s of service account %s was lost with its response; it was replaced by '
                              'secret %s%s (the lost one is deleted).' % (lost['id'], client_id, created['id'], where))
        return created, [lost['id']]
