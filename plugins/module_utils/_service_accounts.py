# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""What the service-account modules share: scope and identity options, input rules, lookups, and the
snake_case presentation of accounts and secrets."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import tempfile
from datetime import datetime, timezone

from ._client import AtlasApiError, api_path
from ._resource import InputError

HEX24 = re.compile(r'^[a-f0-9]{24}$')
CLIENT_ID = re.compile(r'^mdb_sa_id_[a-fA-F0-9]{24}$')
# Atlas's pattern for names and descriptions is ^[\p{L}\p{N}\-_.,' ]*$ (any letter or number, space, -_.,').
TEXT_PUNCTUATION = frozenset("-_.,' ")

ORG_ROLES = ('ORG_MEMBER', 'ORG_READ_ONLY', 'ORG_BILLING_ADMIN', 'ORG_BILLING_READ_ONLY',
             'ORG_STREAM_PROCESSING_ADMIN', 'ORG_GROUP_CREATOR', 'ORG_OWNER')
# The project roles the API documented for service accounts (the spec dropped the enum in 2026).
PROJECT_ROLES = ('GROUP_OWNER', 'GROUP_READ_ONLY', 'GROUP_DATA_ACCESS_ADMIN', 'GROUP_DATA_ACCESS_READ_ONLY',
                 'GROUP_DATA_ACCESS_READ_WRITE', 'GROUP_CLUSTER_MANAGER', 'GROUP_SEARCH_INDEX_EDITOR',
                 'GROUP_STREAM_PROCESSING_OWNER', 'GROUP_BACKUP_MANAGER', 'GROUP_OBSERVABILITY_VIEWER',
                 'GROUP_DATABASE_ACCESS_ADMIN')

ORG_SA_PATH = '/api/atlas/v2/orgs/{org_id}/serviceAccounts'
PROJECT_SA_PATH = '/api/atlas/v2/groups/{project_id}/serviceAccounts'


def parse_time(value):
    """Parse Atlas's ISO 8601 timestamps (with Z or an offset) into aware datetimes."""
    if not value:
        return None
    text = value.replace('Z', '+00:00')
    if '.' in text:  # fromisoformat before 3.11 accepts only 3 or 6 fraction digits
        head, rest = text.split('.', 1)
        digits = re.match(r'\d*', rest).group(0)
        text = head + '.' + (digits + '000000')[:6] + rest[len(digits):]
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_time(value):
    return value.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def hours_between(now, later):
    return round((later - now).total_seconds() / 3600.0, 2)


# -- input checks shared by the modules -------------------------------------------------------------

def check_hex_id(option, value):
    if value is not None and not HEX24.match(value):
        raise InputError('%s must be 24 lowercase hexadecimal characters, got %r' % (option, value))


def check_client_id(option, value):
    if value is not None and not CLIENT_ID.match(value):
        raise InputError('%s must match ^mdb_sa_id_[a-fA-F0-9]{24}$, got %r' % (option, value))


def check_text(option, value, maximum):
    if value is None:
        return
    if not 1 <= len(value) <= maximum:
        raise InputError('%s must be 1 to %d characters long, got %d' % (option, maximum, len(value)))
    bad = sorted(set(char for char in value if not (char.isalpha() or char.isnumeric() or char in TEXT_PUNCTUATION)))
    if bad:
        raise InputError("%s may contain only letters, digits, spaces and the characters - _ . , ' (%s not allowed)"
                         % (option, ' '.join(repr(char) for char in bad)))


def check_range(option, value, minimum, maximum):
    if value is not None and not minimum <= value <= maximum:
        raise InputError('%s must be between %d and %d, got %d' % (option, minimum, maximum, value))


def _listing(values, singular, plural):
    """'X is not a <singular>' / 'X, Y are not <plural>'."""
    if len(values) == 1:
        return '%s is not %s' % (values[0], singular)
    return '%s are not %s' % (', '.join(values), plural)


def check_roles(option, roles, scope, warn):
    """Org roles must be ORG_* of the API; project roles GROUP_* (unknown GROUP_* only warn)."""
    if roles is None:
        return None
    if not roles:
        raise InputError('%s must name at least one role' % option)
    if scope == 'org':
        unknown = sorted(set(roles) - set(ORG_ROLES))
        if unknown:
            raise InputError('%s: %s; use %s' % (option, _listing(unknown, 'an organization role', 'organization roles'), ', '.join(ORG_ROLES)))
    else:
        wrong = sorted(set(role for role in roles if not role.startswith('GROUP_')))
        if wrong:
            raise InputError('%s: %s; project roles start with GROUP_, for example %s'
                             % (option, _listing(wrong, 'a project role', 'project roles'), ', '.join(PROJECT_ROLES[:3])))
        unknown = sorted(set(roles) - set(PROJECT_ROLES))
        if unknown:
            documented = 'among the documented project roles for service accounts'
            warn('%s: %s; Atlas decides whether to accept it.' % (option, _listing(unknown, documented, documented)))
    return sorted(set(roles))


def scope_of(params):
    """('org', org_id) or ('project', project_id), from the mutually exclusive scope options."""
    if params.get('project_id'):
        return 'project', params['project_id']
    return 'org', params['org_id']


def service_accounts_path(params):
    """The org or project collection path of service accounts, from the scope options."""
    scope, scope_id = scope_of(params)
    if scope == 'org':
        return api_path(ORG_SA_PATH, org_id=scope_id)
    return api_path(PROJECT_SA_PATH, project_id=scope_id)


class ServiceAccountDirectory:
    """Looks service accounts up in one scope (org or project) by client id or by name."""

    def __init__(self, client, collection_path, scope_text):
        self.client = client
        self.collection_path = collection_path
        self.scope_text = scope_text
        self.listing = None  # the last full listing, kept to spot accounts created since

    @classmethod
    def of_scope(cls, client, params):
        """The directory of the org or project named by the scope options."""
        return cls(client, service_accounts_path(params), scope_text(params))

    def item_path(self, client_id):
        return self.collection_path + api_path('/{client_id}', client_id=client_id)

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

    def by_name(self, name):
        """The one account with this name, None when there is none; several fail (names are not unique)."""
        matches = [account for account in self.list() if account.get('name') == name]
        if len(matches) > 1:
            raise InputError('%d service accounts are named %r in %s (%s): pass client_id to choose one'
                             % (len(matches), name, self.scope_text, ', '.join(sorted(m['clientId'] for m in matches))))
        return matches[0] if matches else None

    def find(self, client_id=None, name=None):
        return self.get(client_id) if client_id else self.by_name(name)


# -- options and presentation -----------------------------------------------------------------------

def scope_argument_spec():
    """org_id or project_id (alias group_id): exactly one, see SCOPE_RULES."""
    return dict(
        org_id=dict(type='str'),
        project_id=dict(type='str', aliases=['group_id']),
    )


SCOPE_RULES = dict(mutually_exclusive=[('org_id', 'project_id')], required_one_of=[('org_id', 'project_id')])


def check_scope(params):
    check_hex_id('org_id', params.get('org_id'))
    check_hex_id('project_id', params.get('project_id'))


def scope_text(params):
    scope, scope_id = scope_of(params)
    return '%s %s' % ('organization' if scope == 'org' else 'project', scope_id)


def account_text(params):
    """How messages name the account: its client id, else its quoted name, and where it lives."""
    return '%s in %s' % (params.get('client_id') or repr(params.get('name')), scope_text(params))


def present_secret(secret, now, with_secret=False):
    """A secret as the modules return it; its plaintext only when asked for and Atlas sent it (creates)."""
    expires_at = parse_time(secret.get('expiresAt'))
    view = dict(
        id=secret.get('id'),
        created_at=secret.get('createdAt'),
        expires_at=secret.get('expiresAt'),
        last_used_at=secret.get('lastUsedAt'),
        masked_secret_value=secret.get('maskedSecretValue'),
        expires_in_hours=hours_between(now, expires_at) if expires_at else None,
    )
    if with_secret and secret.get('secret'):
        view['secret'] = secret['secret']
    return view


def present_account(account, now, with_secret=False):
    """A service account as the modules return it (roles sorted, secrets oldest first, plaintext only when asked)."""
    secrets = sorted(account.get('secrets') or [], key=lambda secret: secret.get('createdAt') or '')
    return dict(
        client_id=account.get('clientId'),
        name=account.get('name'),
        description=account.get('description'),
        roles=sorted(account.get('roles') or []),
        created_at=account.get('createdAt'),
        secrets=[present_secret(secret, now, with_secret) for secret in secrets],
    )


# -- delivery of new credentials to a file ------------------------------------------------------------

def check_dest(option, dest):
    """Checked before anything changes in Atlas: a secret that cannot be delivered wastes a slot."""
    if dest is None:
        return
    if os.path.isdir(dest):
        raise InputError('%s %s is a directory; give the path of the file to write' % (option, dest))
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent):
        raise InputError('%s: directory %s does not exist (it is not created)' % (option, parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError('%s: directory %s is not writable' % (option, parent))


def write_credentials(dest, client_id, secret, api_base_url):
    """Write a new secret's credentials as JSON, atomically, with mode 0600 (mkstemp creates 0600)."""
    document = dict(client_id=client_id, client_secret=secret['secret'], secret_id=secret['id'],
                    expires_at=secret['expiresAt'], api_base_url=api_base_url)
    fd, tmp_path = tempfile.mkstemp(prefix='.atlas-credentials-', dir=os.path.dirname(os.path.abspath(dest)))
    try:
        with os.fdopen(fd, 'w') as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write('\n')
        os.replace(tmp_path, dest)
    except (IOError, OSError) as exc:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise InputError('secret %s of %s was created but could not be written to %s: %s' % (secret['id'], client_id, dest, exc.strerror))
