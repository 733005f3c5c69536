# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Reading service accounts: the directory of one scope (lookups by client id and by name, the
listing, access lists, and what a lost create made), how messages name an account, and the hint
that names the organization's cap on secret lifetimes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ._client import AtlasApiError, AtlasError, api_path
from ._errors import Refusal
from ._planning import duplicate_names_message
from ._scope import ORG_SETTINGS_API_VERSION, ORG_SETTINGS_PATH, Scope


class ServiceAccountDirectory:
    """Looks service accounts up in one scope (org or project) by client id or by name."""

    def __init__(self, client, scope):
        self.client = client
        self.scope = scope
        self.listing = None  # the last full listing, kept to spot accounts created since

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
        """The one account with this name, None when there is none; several are refused (names are not unique)."""
        matches = [account for account in self.list() if account.get('name') == name]
        if len(matches) > 1:
            raise Refusal(duplicate_names_message(matches, name, self.scope.text))
        return matches[0] if matches else None

    def find(self, client_id=None, name=None):
        return self.get(client_id) if client_id else self.by_name(name)

    def access_list(self, client_id):
        """Every entry of an account's access list (paginated), or None when the account is not in the scope."""
        try:
            return self.client.paginate(self.scope.access_list_path(client_id))
        except AtlasApiError as exc:
            if exc.status == 404:
                return None
            raise

    def project_roles(self, client_id):
        """{project id: sorted roles} of an organization account's project assignments (paginated)."""
        path = self.scope.account_path(client_id) + '/groups'
        return dict((item['groupId'], sorted(item.get('roles') or [])) for item in self.client.paginate(path))

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

    def post_secret(self, task, client_id, body, known_ids):
        """POST one secret through the task (changed, lost-create recovery): never a second one while the first may exist."""
        return task.create_once(lambda: task.write('POST', self.scope.secrets_path(client_id), body),
                                lambda: self.secret_made_since(client_id, set(known_ids)),
                                'a secret of service account %s' % client_id)


def account_text(params):
    """How messages name the account: its client id, else its quoted name, and where it lives."""
    return '%s in %s' % (params.get('client_id') or repr(params.get('name')), Scope.from_params(params).text)


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
