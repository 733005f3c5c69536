# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The secret rules, as pure functions of an account's secrets and the server's clock: when a new
secret is due (rotation window, force, a consumer that does not hold the newest valid secret), which
secrets make room under the two-secret cap (expired first, never the newest valid one), and what
the secrets are after a plan."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple
from datetime import timedelta

from ._time import format_time, parse_time

MAX_SECRETS = 2

SecretRules = namedtuple('SecretRules', 'expires_after_hours rotate_before_hours force revoke_previous prune_expired')
# need_new: a secret is to be created; delete_before: ids deleted first (to make room, or expired ones pruned);
# delete_after: ids revoked once the new secret exists.
SecretPlan = namedtuple('SecretPlan', 'need_new delete_before delete_after')
# What a consumer of the account's secrets holds: `secret_id` None when there is no consumer to judge (no file),
# '' when it holds no usable secret; `holder` names it in notes ("its credentials file /path"); `credentials` the
# document with the secret's value when the consumer can give it back (a credentials file), else None.
HeldSecret = namedtuple('HeldSecret', 'secret_id holder credentials', defaults=(None,))


def secret_rules(expires_after_hours, rotate_before_hours=0, force=False, revoke_previous=False, prune_expired=False):
    return SecretRules(expires_after_hours, rotate_before_hours or 0, force, revoke_previous, prune_expired)


def is_valid(secret, now):
    return parse_time(secret['expiresAt']) > now


def newest_valid(secrets, now):
    """The newest valid secret of `secrets` (oldest first), or None."""
    valid = [secret for secret in secrets if is_valid(secret, now)]
    return valid[-1] if valid else None


def plan_secrets(secrets, now, rules, held_ids=()):
    """Decide (new secret needed?, ids to delete before creating, ids to delete after creating).

    `secrets` oldest first; `held_ids` the secrets that consumers (credentials files, secret stores) hold.
    A new secret is due when forced, when none is valid, or when the newest valid one expires within the
    rotation window. Under the cap, every expired secret goes first, then the older valid ones. What is
    never deleted to make room is what consumers use: a valid secret they hold, or, when they hold none,
    the newest valid one. (When a consumer holds an older secret, the newest one is one whose value nobody
    has, and it goes before the held one: the consumer keeps working until the new secret reaches it.)"""
    valid = [secret for secret in secrets if is_valid(secret, now)]
    newest = valid[-1] if valid else None
    window = timedelta(hours=rules.rotate_before_hours)
    need_new = bool(rules.force or newest is None or (
        rules.rotate_before_hours > 0 and parse_time(newest['expiresAt']) - now <= window))
    expired_ids = [secret['id'] for secret in secrets if secret not in valid]
    protected = set(secret['id'] for secret in valid if secret['id'] in set(held_ids)) or set([newest['id']] if newest else [])
    before = list(expired_ids) if rules.prune_expired else []
    after = []
    if need_new:
        kept = [secret for secret in secrets if secret['id'] not in before]
        if len(kept) >= MAX_SECRETS:
            before += [secret['id'] for secret in kept if secret['id'] in expired_ids]
            kept = [secret for secret in kept if secret['id'] not in expired_ids]
        # Unprotected first; if consumers hold every secret there is (two consumers on two secrets), the older held
        # one makes room rather than no secret being made at all: the newest held one stays.
        newest_held = [secret for secret in kept if secret['id'] in protected][-1:]
        for victim in [secret for secret in kept if secret['id'] not in protected] + [secret for secret in kept if secret not in newest_held]:
            if len(kept) < MAX_SECRETS:
                break
            if victim in kept:
                kept.remove(victim)
                before.append(victim['id'])
        if rules.revoke_previous:
            after = [secret['id'] for secret in kept]
    return SecretPlan(need_new, before, after)


def stale_holders(secrets, now, held):
    """Notes on the consumers (HeldSecret) that do not hold the newest valid secret: each is a reason for a new one.

    The newest secret's value is then unknown (its create response was lost) or held elsewhere, and a secret
    whose value nobody here holds is worse than none: the consumers would be locked out once their secret
    expires, while every run reported no change. A consumer whose secret_id is None (a missing file) is left
    alone: the file may have been moved on purpose, and an AWX job starts without the files of the last one."""
    newest = newest_valid(secrets, now)
    if newest is None:
        return []
    return ['%s holds %s, not its newest valid secret %s, so it gets a new secret'
            % (item.holder, 'secret %s' % item.secret_id if item.secret_id else 'no secret', newest['id'])
            for item in held or () if item.secret_id is not None and item.secret_id != newest['id']]


def redelivery_source(secrets, now, held):
    """The consumer that holds the account's newest valid secret with its value (a credentials file), from which a
    consumer that holds an older secret can be given that one, without a new secret; None when there is none."""
    newest = newest_valid(secrets, now)
    for item in held or ():
        if newest is not None and item.secret_id == newest['id'] and item.credentials:
            return item
    return None


def predict_secret(now, expires_after_hours):
    """The secret a create would make, as check mode shows it (no id, no value)."""
    expires = now + timedelta(hours=expires_after_hours)
    return dict(id=None, createdAt=format_time(now), expiresAt=format_time(expires), lastUsedAt=None, maskedSecretValue=None)


def secrets_after(secrets, plan, created):
    """The secrets once a plan ran: the deleted ones gone, the created one (or its prediction) last."""
    deleted = set(plan.delete_before + plan.delete_after)
    return [secret for secret in secrets if secret['id'] not in deleted] + ([created] if created else [])
