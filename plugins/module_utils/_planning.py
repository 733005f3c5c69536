# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Account plans: pure functions from the current API objects, the wishes and the server's clock to
ordered steps. No HTTP, no module: check mode returns a plan's prediction and a real run hands the
same plan to the executor (_executor), so both come from one decision.

The rules of the parts live in their own files (fields in _fields, secrets in _secrets, access lists
in _access_lists); this file composes them into what one account, or a set of accounts in one scope,
needs: create, update, new secrets, deletions, access-list changes, removal and purge."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple
from datetime import timedelta

from ._access_lists import guard_own_access_list, plan_access_list
from ._errors import Refusal
from ._fields import SERVICE_ACCOUNT_FIELDS, api_body, field_changes
from ._secrets import SecretPlan, is_valid, plan_secrets, predict_secret, redelivery_source, secrets_after, stale_holders
from ._time import format_time, oldest_first, parse_time

# The kinds of step a plan is made of; _executor carries out each kind with the handler its table names.
CREATE_ACCOUNT = 'create_account'
UPDATE_ACCOUNT = 'update_account'
REMOVE_ACCOUNT = 'remove_account'
NEW_SECRET = 'new_secret'
DELETE_SECRET = 'delete_secret'
SET_ACCESS_LIST = 'set_access_list'
SET_PROJECT_ROLES = 'set_project_roles'
DELIVER_SECRET = 'deliver_secret'
STEP_KINDS = (CREATE_ACCOUNT, UPDATE_ACCOUNT, REMOVE_ACCOUNT, NEW_SECRET, DELETE_SECRET, SET_ACCESS_LIST, SET_PROJECT_ROLES, DELIVER_SECRET)

# One step of a plan: `kind` one of STEP_KINDS, `target` what it acts on (client id, (client id, secret id)),
# `body` what it sends, `predicts` the object it is expected to return (check mode shows it).
Step = namedtuple('Step', 'kind target body predicts')

# The labels of a result's `action`, in the order they are reported.
LABEL_ORDER = ('created', 'updated', 'rotated', 'removed')

# What the set module wants for one account (options already checked, roles sorted):
# state 'present' or 'absent'; secret: SecretRules or None; first_secret_hours: the lifetime of the
# secret a create makes; access_list: normalized (kind, value) pairs, or None when not managed;
# initial_secret: False creates the account without a secret (then its first one, if `secret` asks for
# one, comes from the secret planner); project_roles: {project id: sorted roles} of an organization account,
# or None when its project assignments are not managed.
AccountWish = namedtuple('AccountWish', 'name description roles state secret first_secret_hours access_list initial_secret project_roles',
                         defaults=(None, True, None))


class AccountPlan:
    """The plan for one account: what it is, what it becomes, its steps in order, and the labels it reports."""

    def __init__(self, name, current, wish=None):
        self.name = name
        self.current = current
        self.wish = wish
        self.after = current
        self.steps = []
        self.labels = []
        self.secret_plan = None
        self.access_current = None  # the access list as read, when the wish manages it
        self.access_plan = None
        self.projects_current = None  # {project id: roles} as read, when the wish manages the project assignments
        self.projects_plan = None
        self.notes = []  # why the plan does something the options alone do not explain

    @property
    def changed(self):
        return bool(self.steps)

    @property
    def result_action(self):
        """The result's `action`: the labels, or ['unchanged']."""
        return self.labels or ['unchanged']

    def label(self, *labels):
        self.labels = sorted(set(self.labels).union(labels), key=LABEL_ORDER.index)


def secret_steps(client_id, secrets, now, rules, held=()):
    """The secret plan of one account and its steps: deletions to make room, the new secret, revocations.

    `held`: HeldSecret of each consumer. One that does not hold the newest valid secret gets it from a consumer
    that holds it with its value (a credentials file: a deliver_secret step, no Atlas call) or, when none can
    give it, a new secret; a rotation that is due anyway serves every consumer at once."""
    held_ids = [item.secret_id for item in held or () if item.secret_id]
    plan = plan_secrets(secrets, now, rules, held_ids)
    notes = stale_holders(secrets, now, held)
    steps = []
    if notes and not plan.need_new:
        source = redelivery_source(secrets, now, held)
        if source is not None:
            notes = [note.replace('so it gets a new secret', 'so it gets that one from %s' % source.holder) for note in notes]
            steps.append(Step(DELIVER_SECRET, client_id, source.credentials, None))
        else:
            plan = plan_secrets(secrets, now, rules._replace(force=True), held_ids)
    if plan.need_new and rules.expires_after_hours is None:
        raise Refusal('service account %s needs a new secret (%s): set expires_after_hours'
                      % (client_id, 'force=true' if rules.force else 'none is valid long enough'))
    steps = [Step(DELETE_SECRET, (client_id, secret_id), None, None) for secret_id in plan.delete_before] + steps
    if plan.need_new:
        steps.append(Step(NEW_SECRET, client_id, dict(secretExpiresAfterHours=rules.expires_after_hours),
                          predict_secret(now, rules.expires_after_hours)))
    steps += [Step(DELETE_SECRET, (client_id, secret_id), None, None) for secret_id in plan.delete_after]
    return plan, steps, notes


def predicted_secret(steps):
    """The secret the NEW_SECRET step of `steps` predicts, or None."""
    for step in steps:
        if step.kind == NEW_SECRET:
            return step.predicts
    return None


def plan_account_secrets(current, now, rules, held=()):
    """The plan of an existing account's secrets alone (atlas_service_account_secret)."""
    plan = AccountPlan(current.get('name'), current)
    secrets = oldest_first(current.get('secrets'))
    plan.secret_plan, plan.steps, plan.notes = secret_steps(current['clientId'], secrets, now, rules, held)
    plan.after = dict(current, secrets=secrets_after(secrets, plan.secret_plan, predicted_secret(plan.steps)))
    if plan.steps:
        plan.label('rotated' if plan.secret_plan.need_new else 'updated')
    return plan


def plan_secret_deletions(current, secret_ids, now, force=False):
    """The plan that deletes the named secrets of an existing account (ids it does not have are no change).

    Leaving the account without an unexpired secret would lock out whoever uses it: refused unless forced."""
    plan = AccountPlan(current.get('name'), current)
    secrets = oldest_first(current.get('secrets'))
    doomed = [secret['id'] for secret in secrets if secret['id'] in set(secret_ids)]
    remaining = [secret for secret in secrets if secret['id'] not in doomed]
    if any(is_valid(secret, now) for secret in secrets) and not any(is_valid(secret, now) for secret in remaining) and not force:
        raise Refusal('deleting %s would leave service account %s without an unexpired secret and lock out whoever '
                      'uses it; set force=true to delete anyway' % (', '.join(doomed), current['clientId']))
    plan.steps = [Step(DELETE_SECRET, (current['clientId'], secret_id), None, None) for secret_id in doomed]
    plan.secret_plan = SecretPlan(False, doomed, [])
    plan.after = dict(current, secrets=remaining)
    if plan.steps:
        plan.label('updated')
    return plan


def plan_account(current, wish, now, held=()):
    """Plan one wished-for account against its current API object (None: it does not exist).

    `held`: what the consumers of its secrets hold (HeldSecret each, see _secrets.stale_holders)."""
    plan = AccountPlan(wish.name, current, wish)
    if wish.state == 'absent':
        if current is not None:
            plan.steps.append(Step(REMOVE_ACCOUNT, current['clientId'], None, None))
            plan.label('removed')
            plan.after = None
        return plan
    if current is None:
        return plan_new_account(plan, wish, now)
    client_id = current['clientId']
    changes = field_changes(SERVICE_ACCOUNT_FIELDS, current, api_body(SERVICE_ACCOUNT_FIELDS, wish._asdict()))
    after = dict(current)
    if changes:
        after.update(changes)
        plan.steps.append(Step(UPDATE_ACCOUNT, client_id, changes, after))
        plan.label('updated')
    if wish.secret is not None:
        secrets = oldest_first(current.get('secrets'))
        plan.secret_plan, steps, notes = secret_steps(client_id, secrets, now, wish.secret, held)
        plan.notes += notes
        if steps:
            plan.steps += steps
            plan.label('rotated' if plan.secret_plan.need_new else 'updated')
            after['secrets'] = secrets_after(secrets, plan.secret_plan, predicted_secret(steps))
    plan.after = after
    return plan


def plan_new_account(plan, wish, now):
    """The create of an account (with its first secret, or without and then one from the secret planner)."""
    required = [('description', wish.description), ('roles', wish.roles)]
    if wish.initial_secret:
        required.append(('secret.expires_after_hours', wish.first_secret_hours))
    missing = [option for option, value in required if value is None]
    if missing:
        raise Refusal('creating service account %r needs %s' % (wish.name, ', '.join(missing)))
    values = dict(name=wish.name, description=wish.description, roles=wish.roles)
    if wish.initial_secret:
        values['secret_expires_after_hours'] = wish.first_secret_hours
    else:
        values['without_initial_secret'] = True
    predicted = dict(clientId=None, name=wish.name, description=wish.description, roles=list(wish.roles),
                     createdAt=format_time(now), secrets=[predict_secret(now, wish.first_secret_hours)] if wish.initial_secret else [])
    plan.steps.append(Step(CREATE_ACCOUNT, wish.name, api_body(SERVICE_ACCOUNT_FIELDS, values, create=True), predicted))
    plan.label('created')
    if not wish.initial_secret and wish.secret is not None:
        # The first secret comes from the secret planner, once the account exists (its client id is known then).
        plan.secret_plan, steps, dummy = secret_steps(None, [], now, wish.secret)
        plan.steps += steps
        predicted = dict(predicted, secrets=[predicted_secret(steps)])
    plan.after = predicted
    return plan


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


def plan_account_set(listing, wishes, now, purge=False, own_client_id=None, scope_text='the organization', held=None):
    """Plan a set of accounts in one scope from its one listing (and `held`: name -> HeldSecret list, see plan_account).

    Returns the plans of `wishes` in their order, then one per account that `purge` removes. Refuses
    (before any write) when a wished-for name matches several accounts, or when the plan would remove
    the account whose credentials run the task."""
    by_name = {}
    for account in listing:
        by_name.setdefault(account.get('name'), []).append(account)
    plans = []
    for wish in wishes:
        matches = by_name.get(wish.name, [])
        if len(matches) > 1:
            raise Refusal(duplicate_names_message(matches, wish.name, scope_text))
        plans.append(plan_account(matches[0] if matches else None, wish, now, (held or {}).get(wish.name, ())))
    if purge:
        # The listing leaves system-managed accounts out (includeSystemManaged is false), so they are never purged.
        wanted = set(wish.name for wish in wishes)
        for account in listing:
            if account.get('name') in wanted:
                continue
            plan = AccountPlan(account.get('name'), account)
            plan.steps.append(Step(REMOVE_ACCOUNT, account['clientId'], None, None))
            plan.label('removed')
            plan.after = None
            plans.append(plan)
    if own_client_id:
        for plan in plans:
            if plan.current and plan.current.get('clientId') == own_client_id and 'removed' in plan.labels:
                raise Refusal('refusing to remove service account %r (%s) from %s: its credentials run this task, '
                              'so the run would lock itself out; list it in accounts, or remove it with other credentials'
                              % (plan.name, own_client_id, scope_text), stops_run=True)
    return plans


def plan_account_access(plan, current_entries, wanted, own_client_id=None, allow_own_account=False):
    """Add the authoritative access list of a wished-for account to its plan (after the account's own steps).

    `current_entries` are the API entries (an account still to be created has none); `wanted` the
    normalized (kind, value) pairs. Changing the access list of the account running the task in a way
    that could lock it out is refused unless allowed."""
    access = plan_access_list(current_entries, wanted, 'present', purge=True)
    plan.access_current, plan.access_plan = list(current_entries), access
    if not (access.add or access.remove):
        return plan
    client_id = plan.current['clientId'] if plan.current else None
    guard_own_access_list(access, current_entries, 'service account %r (%s)' % (plan.name, client_id), client_id,
                          own_client_id, allow_own_account)
    plan.steps.append(Step(SET_ACCESS_LIST, client_id, access, None))
    if 'created' not in plan.labels:
        plan.label('updated')
    return plan


# An organization account's project assignments: `invite` and `update` are (project id, roles) pairs, `remove`
# project ids; `after` {project id: roles} once the plan ran.
ProjectRolesPlan = namedtuple('ProjectRolesPlan', 'invite update remove after')


def plan_project_roles(plan, current, wanted):
    """Add the authoritative project assignments of a wished-for organization account to its plan (after its own steps).

    `current` {project id: roles} as read (an account still to be created has none), `wanted` the same shape: a project
    missing is one invite, other roles one update, a project not wanted one removal from it (the account stays in the
    organization)."""
    current = dict((project_id, sorted(set(roles))) for project_id, roles in (current or {}).items())
    invite = [(project_id, roles) for project_id, roles in sorted(wanted.items()) if project_id not in current]
    update = [(project_id, roles) for project_id, roles in sorted(wanted.items()) if project_id in current and current[project_id] != roles]
    remove = sorted(project_id for project_id in current if project_id not in wanted)
    plan.projects_current, plan.projects_plan = current, ProjectRolesPlan(invite, update, remove, dict(wanted))
    if invite or update or remove:
        plan.steps.append(Step(SET_PROJECT_ROLES, plan.current['clientId'] if plan.current else None, plan.projects_plan, None))
        if 'created' not in plan.labels:
            plan.label('updated')
    return plan
