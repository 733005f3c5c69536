# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Auditing service accounts: pure functions from an API account object, its access list and the
server's clock to a dict of boolean flags, the counts of a set of accounts, and the accounts that
make an audit gate fail. No HTTP, no module.

The rules, all by the server's clock `now`:
- expired: no secret is valid (expiresAt > now), also when the account has no secret at all;
- expiring: the newest valid secret (by createdAt) expires within `expiring_hours` (inclusive);
  never together with expired; 0 turns it off;
- never_used: no secret has a lastUsedAt (Atlas only knows the current secrets);
- unused: the last use of any secret, or for a never-used account its creation, is more than
  `unused_days` before now. A never-used account is therefore unused once it is older than the
  window, and a brand-new one is not;
- at_secret_cap: the account has two secrets (MAX_SECRETS), so a rotation must delete one first;
- open_access: its access list was read and is empty (usable from any address); false when not read;
- system_managed: only what the caller knows (the extra listing), else false."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple
from datetime import timedelta

from ._secrets import MAX_SECRETS, is_valid
from ._time import oldest_first, parse_time
from ._validation import InputError, check_range

AUDIT_FLAGS = ('expired', 'expiring', 'never_used', 'unused', 'at_secret_cap', 'open_access', 'system_managed')
EXPIRING_HOURS_DEFAULT = 168
UNUSED_DAYS_DEFAULT = 90
EXPIRING_HOURS_RANGE = (0, 8760)
UNUSED_DAYS_RANGE = (1, 3650)

# What an audit run checks: thresholds, and the flags that make the task fail.
AuditSettings = namedtuple('AuditSettings', 'expiring_hours unused_days fail_on')


def audit_settings(params):
    """The audit settings of the info module's options, or None when no audit is asked for.

    `audit_fail_on` turns the audit on by itself. Raises InputError (before any call) for a threshold
    out of range, or for `system_managed` in `audit_fail_on` without `include_system_managed`."""
    fail_on = list(params.get('audit_fail_on') or [])
    check_range('audit_expiring_hours', params['audit_expiring_hours'], *EXPIRING_HOURS_RANGE)
    check_range('audit_unused_days', params['audit_unused_days'], *UNUSED_DAYS_RANGE)
    unknown = [flag for flag in fail_on if flag not in AUDIT_FLAGS]
    if unknown:
        raise InputError('audit_fail_on: %s; the flags are %s' % (', '.join(unknown), ', '.join(AUDIT_FLAGS)))
    if 'system_managed' in fail_on and not params.get('include_system_managed'):
        raise InputError('audit_fail_on: system_managed needs include_system_managed=true; without it system-managed '
                         'accounts are not listed and the flag is always false')
    if not (params.get('audit') or fail_on):
        return None
    return AuditSettings(params['audit_expiring_hours'], params['audit_unused_days'], sorted(set(fail_on), key=AUDIT_FLAGS.index))


def audit_account(account, access_list, now, expiring_hours=EXPIRING_HOURS_DEFAULT, unused_days=UNUSED_DAYS_DEFAULT,
                  system_managed=False):
    """The audit flags of one API account object; `access_list` is its API entries, or None when not read."""
    secrets = oldest_first(account.get('secrets'))
    valid = [secret for secret in secrets if is_valid(secret, now)]
    newest_valid = valid[-1] if valid else None
    uses = [parse_time(secret['lastUsedAt']) for secret in secrets if secret.get('lastUsedAt')]
    last_used = max(uses) if uses else None
    last_activity = last_used or parse_time(account.get('createdAt'))
    return dict(
        expired=newest_valid is None,
        expiring=bool(newest_valid and parse_time(newest_valid['expiresAt']) - now <= timedelta(hours=expiring_hours)),
        never_used=last_used is None,
        unused=last_activity is None or last_activity < now - timedelta(days=unused_days),
        at_secret_cap=len(secrets) >= MAX_SECRETS,
        open_access=access_list is not None and len(access_list) == 0,
        system_managed=bool(system_managed),
    )


def audit_summary(flag_sets):
    """The number of accounts and, for every flag, how many of them have it."""
    flag_sets = list(flag_sets)
    summary = dict(accounts=len(flag_sets))
    for flag in AUDIT_FLAGS:
        summary[flag] = sum(1 for flags in flag_sets if flags.get(flag))
    return summary


def audit_findings(accounts, fail_on):
    """The presented accounts (each with its `audit`) that have a flag of `fail_on`: name, client id, those flags."""
    findings = []
    for account in accounts:
        flags = [flag for flag in fail_on if account['audit'].get(flag)]
        if flags:
            findings.append(dict(name=account.get('name'), client_id=account.get('client_id'), flags=flags))
    return findings


def findings_text(findings, total, fail_on, scope_text):
    """The message of a failed audit gate: every account with its flags."""
    return ('Audit of %s: %d of %d service accounts have a flag of audit_fail_on (%s): %s'
            % (scope_text, len(findings), total, ', '.join(fail_on),
               '; '.join('%r (%s): %s' % (found['name'], found['client_id'], ', '.join(found['flags'])) for found in findings)))
