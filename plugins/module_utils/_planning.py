# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Planning: pure functions from the current API objects, the desired options and the server's
clock to an ordered plan. No HTTP, no module: check mode returns a plan's prediction and a real run
executes its actions, so both come from the same decision.

The rules live here once: which account fields differ (roles as sets), when a secret is due
(rotation window, force), which secrets make room under the two-secret cap (expired first, never the
newest valid one), and what a set of accounts needs (create, update, rotate, remove, purge)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re
from collections import namedtuple
from datetime import timedelta

from ._presentation import format_time, oldest_first, parse_time
from ._validation import InputError

MAX_SECRETS = 2

# -- field tables: where snake_case options and camelCase API fields meet -----------------------------

Field = namedtuple('Field', 'option api create_only unordered')


def field(option, api=None, create_only=False, unordered=False):
    return Field(option, api or option, create_only, unordered)


SERVICE_ACCOUNT_FIELDS = (
    field('name'),
    field('description'),
    field('roles', unordered=True),
    field('secret_expires_after_hours', 'secretExpiresAfterHours', create_only=True),
    field('without_initial_secret', 'withoutInitialSecret', create_only=True),
)
PROJECT_ASSIGNMENT_FIELDS = (
    field('roles', unordered=True),
)


def snake(name):
    return re.sub(r'([A-Z])', lambda match: '_' + match.group(1).lower(), name)


def api_body(fields, values, create=False):
    """The API body for option values (None means "not managed"); create-only fields only when creating."""
    body = {}
    for item in fields:
        value = values.get(item.option)
        if value is None or (item.create_only and not create):
            continue
        body[item.api] = sorted(set(value)) if item.unordered else value
    return body


def field_changes(fields, current, wanted):
    """The API fields of `wanted` (an API body) whose value differs from `current`'s."""
    changes = {}
    for item in fields:
        if item.create_only or item.api not in wanted:
            continue
        want, have = wanted[item.api], current.get(item.api)
        if item.unordered:
            if set(have or ()) != set(want):
                changes[item.api] = sorted(set(want))
        elif have != want:
            changes[item.api] = want
    return changes


def diff_view(fields, obj):
    """Managed fields of an API object, snake_case, sets sorted: one side of a diff."""
    if not obj:
        return {}
    view = {}
    for item in fields:
        if item.create_only:
            continue
        value = obj.get(item.api)
        view[item.option] = sorted(value) if item.unordered and value is not None else value
    return view


# -- plans ---------------------------------------------------------------------------------------------

# One step of a plan: `kind` names the call, `target` what it acts on (client id, secret id), `body` what
# it sends, `predicts` the object it is expected to return (check mode shows it).
Action = namedtuple('Action', 'kind target body predicts')


# -- secrets -------------------------------------------------------------------------------------------

SecretRules = namedtuple('SecretRules', 'expires_after_hours rotate_before_hours force revoke_previous prune_expired')
SecretPlan = namedtuple('SecretPlan', 'need_new delete_before delete_after')


def secret_rules(expires_after_hours, rotate_before_hours=0, force=False, revoke_previous=False, prune_expired=False):
    return SecretRules(expires_after_hours, rotate_before_hours or 0, force, revoke_previous, prune_expired)


def is_valid(secret, now):
    return parse_time(secret['expiresAt']) > now


def plan_secrets(secrets, now, rules):
    """Decide (new secret needed?, ids to delete before creating, ids to delete after creating).

    `secrets` oldest first. A new secret is due when forced, when none is valid, or when the newest
    valid one expires within the rotation window. Under the cap, every expired secret goes first,
    then the older valid ones; the newest valid one is never deleted to make room."""
    valid = [secret for secret in secrets if is_valid(secret, now)]
    newest_valid = valid[-1] if valid else None
    window = timedelta(hours=rules.rotate_before_hours)
    need_new = bool(rules.force or newest_valid is None or (
        rules.rotate_before_hours > 0 and parse_time(newest_valid['expiresAt']) - now <= window))
    expired_ids = [secret['id'] for secret in secrets if secret not in valid]
    before = list(expired_ids) if rules.prune_expired else []
    after = []
    if need_new:
        kept = [secret for secret in secrets if secret['id'] not in before]
        if len(kept) >= MAX_SECRETS:
            before += [secret['id'] for secret in kept if secret['id'] in expired_ids]
            kept = [secret for secret in kept if secret['id'] not in expired_ids]
        for victim in [secret for secret in kept if secret is not newest_valid]:
            if len(kept) < MAX_SECRETS:
                break
            kept.remove(victim)
            before.append(victim['id'])
        if rules.revoke_previous:
            after = [secret['id'] for secret in kept]
    return SecretPlan(need_new, before, after)


def predict_secret(now, expires_after_hours):
    """The secret a create would make, as check mode shows it (no id, no value)."""
    expires = now + timedelta(hours=expires_after_hours)
    return dict(id=None, createdAt=format_time(now), expiresAt=format_time(expires), lastUsedAt=None, maskedSecretValue=None)


def secret_actions(client_id, secrets, now, rules):
    """The ordered secret actions for one account: deletions to make room, the create, revocations."""
    plan = plan_secrets(secrets, now, rules)
    actions = [Action('delete_secret', (client_id, secret_id), None, None) for secret_id in plan.delete_before]
    if plan.need_new:
        actions.append(Action('create_secret', client_id, dict(secretExpiresAfterHours=rules.expires_after_hours),
                              predict_secret(now, rules.expires_after_hours)))
    actions += [Action('delete_secret', (client_id, secret_id), None, None) for secret_id in plan.delete_after]
    return plan, actions


def secrets_after(secrets, plan, created):
    """The secrets once a plan ran: the deleted ones gone, the created one (or its prediction) last."""
    deleted = set(plan.delete_before + plan.delete_after)
    return [secret for secret in secrets if secret['id'] not in deleted] + ([created] if created else [])


# -- a set of service accounts in one scope -------------------------------------------------------------

# What the set module wants for one account (options already checked, roles sorted):
# state 'present' or 'absent'; secret: SecretRules or None; first_secret_hours: the lifetime of the
# secret a create makes; access_list: normalized (kind, value) pairs, or None when not managed;
# initial_secret: False creates the account without a secret (then its first one, if `secret` asks for
# one, comes from the secret planner).
AccountWish = namedtuple('AccountWish', 'name description roles state secret first_secret_hours access_list initial_secret',
                         defaults=(None, True))


class AccountPlan:
    """The plan for one account: what it is, what it becomes, the actions in order, and their labels."""

    def __init__(self, name, current, wish=None):
        self.name = name
        self.current = current
        self.wish = wish
        self.after = current
        self.actions = []
        self.labels = []
        self.secret_plan = None
        self.access_current = None  # the access list as read, when the wish manages it
        self.access_plan = None
        self.notes = []  # why the plan does something the options alone do not explain

    @property
    def changed(self):
        return bool(self.actions)

    @property
    def action(self):
        return self.labels or ['unchanged']


def plan_account(current, wish, now, held_secret_id=None):
    """Plan one wished-for account against its current API object (None: it does not exist).

    `held_secret_id` is the secret id in the account's credentials file ('' when the file holds none, None
    when there is no file): a file that does not hold the account's newest valid secret gets a new one. The
    newest secret's value is then unknown (its create response was lost) or held elsewhere, and a secret
    whose value nobody here holds is worse than none: the file's consumers would be locked out once their
    secret expires, while every run reported no change. A missing file is left alone: it may have been
    moved into a secret store on purpose (and an AWX job starts without the files of the last one)."""
    plan = AccountPlan(wish.name, current, wish)
    if wish.state == 'absent':
        if current is not None:
            plan.actions.append(Action('remove_account', current['clientId'], None, None))
            plan.labels.append('removed')
            plan.after = None
        return plan
    if current is None:
        required = [('description', wish.description), ('roles', wish.roles)]
        if wish.initial_secret:
            required.append(('secret.expires_after_hours', wish.first_secret_hours))
        missing = [option for option, value in required if value is None]
        if missing:
            raise InputError('creating service account %r needs %s' % (wish.name, ', '.join(missing)))
        values = dict(name=wish.name, description=wish.description, roles=wish.roles)
        if wish.initial_secret:
            values['secret_expires_after_hours'] = wish.first_secret_hours
        else:
            values['without_initial_secret'] = True
        predicted = dict(clientId=None, name=wish.name, description=wish.description, roles=list(wish.roles),
                         createdAt=format_time(now), secrets=[predict_secret(now, wish.first_secret_hours)] if wish.initial_secret else [])
        plan.actions.append(Action('create_account', wish.name, api_body(SERVICE_ACCOUNT_FIELDS, values, create=True), predicted))
        plan.labels.append('created')
        if not wish.initial_secret and wish.secret is not None:
            # The first secret comes from the secret planner, once the account exists (its client id is known then).
            secret_plan, actions = secret_actions(None, [], now, wish.secret)
            plan.secret_plan = secret_plan
            plan.actions += actions
            predicted = dict(predicted, secrets=[actions_predicting(actions, 'create_secret')])
        plan.after = predicted
        return plan
    client_id = current['clientId']
    changes = field_changes(SERVICE_ACCOUNT_FIELDS, current, api_body(SERVICE_ACCOUNT_FIELDS, wish._asdict()))
    after = dict(current)
    if changes:
        after.update(changes)
        plan.actions.append(Action('update_account', client_id, changes, after))
        plan.labels.append('updated')
    if wish.secret is not None:
        secrets = oldest_first(current.get('secrets'))
        rules = wish.secret
        valid = [secret['id'] for secret in secrets if is_valid(secret, now)]
        if held_secret_id is not None and valid and held_secret_id != valid[-1]:
            rules = rules._replace(force=True)
            plan.notes.append('its credentials file holds %s, not its newest valid secret %s, so it gets a new secret'
                              % ('secret %s' % held_secret_id if held_secret_id else 'no secret', valid[-1]))
        secret_plan, actions = secret_actions(client_id, secrets, now, rules)
        plan.secret_plan = secret_plan
        if actions:
            plan.actions += actions
            plan.labels.append('rotated' if secret_plan.need_new else 'updated')
            created = actions_predicting(actions, 'create_secret')
            after['secrets'] = secrets_after(secrets, secret_plan, created)
    plan.labels = sorted(set(plan.labels), key=plan.labels.index)
    plan.after = after
    return plan


def actions_predicting(actions, kind):
    for action in actions:
        if action.kind == kind:
            return action.predicts
    return None


RACE_WINDOW = timedelta(minutes=10)


def duplicate_names_message(matches, name, scope_text):
    """Why several accounts share a name, and what to do. Accounts made minutes apart are the mark of two
    runs on different hosts at once (runs on one host take a lock, see _locks)."""
    message = '%d service accounts are named %r in %s (%s)' % (
        len(matches), name, scope_text, ', '.join(sorted(match['clientId'] for match in matches)))
    created = sorted((parse_time(match.get('createdAt')), match['clientId']) for match in matches if match.get('createdAt'))
    if len(created) == len(matches) and created[-1][0] - created[0][0] <= RACE_WINDOW:
        return ('%s, created %d seconds apart: probably two runs at once on different hosts. Keep one and delete the other, '
                'for example with cloudops.atlas.atlas_service_account and client_id=%s, state=absent'
                % (message, (created[-1][0] - created[0][0]).total_seconds(), created[-1][1]))
    return '%s: Atlas names are not unique; delete the extra ones, or pass client_id to choose one' % message


def plan_account_set(listing, wishes, now, purge=False, own_client_id=None, scope_text='the organization', held_secret_ids=None):
    """Plan a set of accounts in one scope from its one listing (and `held_secret_ids`: name -> the secret id in its
    credentials file, see plan_account).

    Returns the plans of `wishes` in their order, then one per account that `purge` removes. Fails
    (InputError, before any write) when a wished-for name matches several accounts, or when the plan
    would remove the account whose credentials run the task."""
    by_name = {}
    for account in listing:
        by_name.setdefault(account.get('name'), []).append(account)
    plans = []
    for wish in wishes:
        matches = by_name.get(wish.name, [])
        if len(matches) > 1:
            raise InputError(duplicate_names_message(matches, wish.name, scope_text))
        plans.append(plan_account(matches[0] if matches else None, wish, now, (held_secret_ids or {}).get(wish.name)))
    if purge:
        # The listing leaves system-managed accounts out (includeSystemManaged is false), so they are never purged.
        wanted = set(wish.name for wish in wishes)
        for account in listing:
            if account.get('name') in wanted:
                continue
            plan = AccountPlan(account.get('name'), account)
            plan.actions.append(Action('remove_account', account['clientId'], None, None))
            plan.labels.append('removed')
            plan.after = None
            plans.append(plan)
    if own_client_id:
        for plan in plans:
            if plan.current and plan.current.get('clientId') == own_client_id and 'removed' in plan.labels:
                raise InputError('refusing to remove service account %r (%s) from %s: its credentials run this task, '
                                 'so the run would lock itself out; list it in accounts, or remove it with other credentials'
                                 % (plan.name, own_client_id, scope_text))
    return plans


# -- IP access lists -------------------------------------------------------------------------------------

MAX_ACCESS_LIST_ENTRIES = 200


def normalize_access_entry(option, text):
    """An address or CIDR block as Atlas stores it: ('ipAddress', '10.1.2.3') or ('cidrBlock', '10.0.0.0/24').

    /32 (/128) is the bare address; a CIDR block with host bits set or anything else malformed fails."""
    value = str(text).strip()
    try:
        if '/' in value:
            network = ipaddress.ip_network(value, strict=True)
            if network.prefixlen == network.max_prefixlen:
                return 'ipAddress', str(network.network_address)
            return 'cidrBlock', str(network)
        return 'ipAddress', str(ipaddress.ip_address(value))
    except ValueError as exc:
        if '/' in value and 'has host bits set' in str(exc):
            network = ipaddress.ip_network(value, strict=False)
            raise InputError('%s: %s has host bits set; the network is %s' % (option, value, network))
        raise InputError('%s: %r is not an IPv4 or IPv6 address or CIDR block' % (option, text))


def normalize_access_entries(option, entries):
    """The entries as (kind, value) pairs, in order; duplicates (after normalizing) and more than 200 fail."""
    normalized, seen = [], {}
    for index, text in enumerate(entries or []):
        entry = normalize_access_entry('%s[%d]' % (option, index), text)
        if entry[1] in seen:
            raise InputError('%s[%d]: %s repeats %s[%d] (%s)' % (option, index, text, option, seen[entry[1]], entry[1]))
        seen[entry[1]] = index
        normalized.append(entry)
    if len(normalized) > MAX_ACCESS_LIST_ENTRIES:
        raise InputError('%s has %d entries; a service account can have at most %d' % (option, len(normalized), MAX_ACCESS_LIST_ENTRIES))
    return normalized


def access_wire_value(value):
    """An entry as the API's patterns accept it: IPv6 written out in eight groups (the spec's ipAddress
    pattern has no '::'), IPv4 unchanged."""
    address, slash, prefix = value.partition('/')
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        address = ':'.join('%x' % int(group, 16) for group in parsed.exploded.split(':'))
    return address + slash + prefix


def access_entry_key(entry):
    """The normalized string of an access-list entry of the API (its ipAddress or cidrBlock)."""
    if entry.get('ipAddress'):
        return normalize_access_entry('ipAddress', entry['ipAddress'])[1]
    return normalize_access_entry('cidrBlock', entry['cidrBlock'].replace('%2F', '/').replace('%2f', '/'))[1]


AccessListPlan = namedtuple('AccessListPlan', 'add remove after_keys')


def plan_access_list(current, wanted, state='present', purge=False):
    """Plan an access list from its current API entries and the wanted (kind, value) pairs.

    present adds what is missing (and with purge removes what is not wanted); absent removes what is
    listed. `add` is one POST body; `remove` the Atlas keys (as stored) to DELETE one by one."""
    current_keys = dict((access_entry_key(entry), entry.get('ipAddress') or entry.get('cidrBlock')) for entry in current)
    wanted_keys = [value for dummy, value in wanted]
    if state == 'absent':
        add = []
        remove = [current_keys[key] for key in wanted_keys if key in current_keys]
        after = [key for key in current_keys if key not in wanted_keys]
    else:
        add = [{kind: access_wire_value(value)} for kind, value in wanted if value not in current_keys]
        remove = [stored for key, stored in current_keys.items() if purge and key not in wanted_keys]
        after = [key for key in current_keys if not purge or key in wanted_keys] + [value for dummy, value in wanted if value not in current_keys]
    if len(after) > MAX_ACCESS_LIST_ENTRIES:
        raise InputError('the access list would have %d entries (%d now, %d added); a service account can have at most %d'
                         % (len(after), len(current_keys), len(add), MAX_ACCESS_LIST_ENTRIES))
    return AccessListPlan(add, remove, sorted(after))


def lockout_risk(plan, current):
    """Why a change to the access list of the account running the task could lock it out, or None."""
    if plan.remove:
        return 'it removes %s from the access list of the account whose credentials run this task' % ', '.join(plan.remove)
    if plan.add and not current:
        return ('it adds the first entry to the access list of the account whose credentials run this task, which then works '
                'only from the listed addresses')
    return None


LABEL_ORDER = ('created', 'updated', 'rotated', 'removed')


def plan_account_access(plan, current_entries, wanted, own_client_id=None, allow_own_account=False):
    """Add the authoritative access list of a wished-for account to its plan (after the account's own actions).

    `current_entries` are the API entries (an account still to be created has none); `wanted` the
    normalized (kind, value) pairs. Changing the access list of the account running the task in a way
    that could lock it out fails unless allowed."""
    access = plan_access_list(current_entries, wanted, 'present', purge=True)
    plan.access_current, plan.access_plan = list(current_entries), access
    if not (access.add or access.remove):
        return plan
    client_id = plan.current['clientId'] if plan.current else None
    if client_id and client_id == own_client_id and not allow_own_account:
        risk = lockout_risk(access, current_entries)
        if risk:
            raise InputError('refusing to change the access list of service account %r (%s): %s, so a mistake locks the automation '
                             'out; set allow_own_account=true to make the change anyway' % (plan.name, client_id, risk))
    plan.actions.append(Action('set_access_list', client_id, access, None))
    if 'created' not in plan.labels and 'updated' not in plan.labels:
        plan.labels.append('updated')
    plan.labels.sort(key=LABEL_ORDER.index)
    return plan
