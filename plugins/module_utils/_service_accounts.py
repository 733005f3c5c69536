# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Reading service accounts: the lookups by client id and by name in one scope, and how messages
name an account. Input rules are in _validation, paths in _scope, planning in _planning,
presentation in _presentation and credentials files in _credentials."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ._client import AtlasApiError, AtlasError, api_path
from ._planning import access_entry_key, duplicate_names_message
from ._scope import ORG_SETTINGS_API_VERSION, ORG_SETTINGS_PATH, Scope
from ._validation import InputError


def duplicate_names_error(matches, name, scope):
    return InputError(duplicate_names_message(matches, name, scope.text))


class ServiceAccountDirectory:
    """Looks service accounts up in one scope (org or project) by client id or by name."""

    def __init__(self, client, scope):
        self.client = client
        self.scope = scope
        self.listing = None  # the last full listing, kept to spot accounts created since

    @classmethod
    def of_scope(cls, client, params):
        """The directory of the org or project named by the scope options."""
        return cls(client, Scope.from_params(params))

    @property
    def collection_path(self):
        return self.scope.accounts_path

    def item_path(self, client_id):
        return self.scope.account_path(client_id)

    def get(self, client_id):
        """The account, or None on 404 (unknown here, or not assigned to this project)."""
        try:
            return self.client.get(self.item_path(client_id))
        except AtlasApiError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, include_system_managed=False):
        params = {'includeSystemManaged': 'true'} if include_system_managed else None
        self.listing = self.client.paginate(self.collection_path, params=params)
        return self.listing

    def user_managed_ids(self):
        """The client ids of the default listing, which leaves system-managed accounts out (one more listing)."""
        return set(account['clientId'] for account in self.client.paginate(self.collection_path))

    def by_name(self, name):
        """The one account with this name, None when there is none; several fail (names are not unique)."""
        matches = [account for account in self.list() if account.get('name') == name]
        if len(matches) > 1:
            raise duplicate_names_error(matches, name, self.scope)
        return matches[0] if matches else None

    def find(self, client_id=None, name=None):
        return self.get(client_id) if client_id else self.by_name(name)

    def account_made_since(self, name):
        """After a lost create: list again; the one account named `name` that the last listing lacked, else None."""
        known = set(account['clientId'] for account in self.listing or [])
        made = [account for account in self.list() if account.get('name') == name and account['clientId'] not in known]
        return made[0] if len(made) == 1 else None

    def secret_made_since(self, client_id, known_ids):
        """After a lost secret create: read the account again; a secret it did not have is the one the lost POST made."""
        fresh = self.get(client_id) or {}
        appeared = [secret for secret in fresh.get('secrets') or [] if secret['id'] not in known_ids]
        return appeared[0] if appeared else None

    def create_secret(self, task, client_id, body, known_ids, what):
        """POST a secret through the task (changed, lost-create recovery); never a second one while the first may exist."""
        return task.create_once(lambda: task.write('POST', self.scope.secrets_path(client_id), body),
                                lambda: self.secret_made_since(client_id, set(known_ids)), what)

    def replace_secret(self, task, client_id, unknown, body, known_ids, what):
        """A secret whose value was lost with its response is worse than none: nobody can use it, and a credentials
        file would keep the old secret until it expires. Delete it and create one; the caller checks that this
        one came with its value (a second loss)."""
        task.write('DELETE', self.scope.secret_path(client_id, unknown['id']))
        return self.create_secret(task, client_id, body, [secret_id for secret_id in known_ids if secret_id != unknown['id']], what)


def account_text(params):
    """How messages name the account: its client id, else its quoted name, and where it lives."""
    return '%s in %s' % (params.get('client_id') or repr(params.get('name')), Scope.from_params(params).text)


# -- IP access lists ----------------------------------------------------------------------------------

def read_access_list(client, scope, client_id):
    """Every entry of an account's access list (paginated), or None when the account is not in the scope."""
    try:
        return client.paginate(scope.access_list_path(client_id))
    except AtlasApiError as exc:
        if exc.status == 404:
            return None
        raise


def sorted_access_entries(entries):
    """API access-list entries sorted by their string form (as results list them)."""
    return sorted(entries, key=access_entry_key)


def apply_access_plan(task, scope, client_id, plan):
    """Additions in one POST, then each removal as one DELETE; `changed` is reported write by write."""
    added = task.write('POST', scope.access_list_path(client_id), plan.add) if plan.add else None
    for stored in plan.remove:
        task.write('DELETE', scope.access_entry_path(client_id, stored))
    return (added or {}).get('results') or []


def access_entries_after(current, plan, added=()):
    """The API entries once the plan ran, sorted by their string form; entries not seen yet are predicted."""
    known = dict((access_entry_key(entry), entry) for entry in list(current) + list(added))
    return [known.get(key) or {('cidrBlock' if '/' in key else 'ipAddress'): key} for key in plan.after_keys]


# -- the organization's cap on secret lifetimes ----------------------------------------------------------


def secret_lifetime_hint(client, scope, error):
    """After Atlas refused a secret lifetime: name the organization setting that caps it, with its value when
    the organization is known (one more read, on this failure path only)."""
    if getattr(error, 'error_code', None) != 'INVALID_SECRET_EXPIRATION':
        return None
    where = ('cloudops.atlas.atlas_organization_settings manages it (option max_service_account_secret_validity_hours); '
             'ask an organization owner to raise it, or ask for a shorter lifetime')
    if scope.is_project:
        return 'the organization setting maxServiceAccountSecretValidityInHours caps the lifetime of new secrets; ' + where
    try:
        settings = client.get(api_path(ORG_SETTINGS_PATH, org_id=scope.id), version=ORG_SETTINGS_API_VERSION) or {}
    except AtlasError:
        settings = {}
    value = settings.get('maxServiceAccountSecretValidityInHours')
    if value is None:
        return 'the organization setting maxServiceAccountSecretValidityInHours caps the lifetime of new secrets; ' + where
    return 'organization %s allows secrets of at most %s hours (maxServiceAccountSecretValidityInHours); %s' % (scope.id, value, where)
