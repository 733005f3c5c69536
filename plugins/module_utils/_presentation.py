# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Accounts, secrets and access-list entries as the modules return them (snake_case, sorted,
plaintext only when asked for)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ._time import hours_between, oldest_first, parse_time


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
    return dict(
        client_id=account.get('clientId'),
        name=account.get('name'),
        description=account.get('description'),
        roles=sorted(account.get('roles') or []),
        created_at=account.get('createdAt'),
        secrets=[present_secret(secret, now, with_secret) for secret in oldest_first(account.get('secrets'))],
    )


def secrets_diff_view(secrets):
    """Secrets in a diff: ids and expiry only, a secret still to be made as '(new)'; never a value."""
    return [dict(id=secret.get('id') or '(new)', expires_at=secret.get('expiresAt')) for secret in secrets]


def present_access_entry(entry):
    """An IP access-list entry as the modules return it (no value is secret here)."""
    return dict(
        ip_address=entry.get('ipAddress'),
        cidr_block=entry.get('cidrBlock'),
        created_at=entry.get('createdAt'),
        last_used_at=entry.get('lastUsedAt'),
        last_used_address=entry.get('lastUsedAddress'),
        request_count=entry.get('requestCount'),
    )
