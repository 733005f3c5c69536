# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Account plans as tables: the current account (or listing), the wishes and what consumers hold, at the
server time NOW -> the steps (kind, target), the labels the result reports, and the secrets after."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._access_lists import normalize_access_entries
from ansible_collections.cloudops.atlas.plugins.module_utils._errors import Refusal
from ansible_collections.cloudops.atlas.plugins.module_utils._planning import (
    plan_account, plan_account_access, plan_account_secrets, plan_account_set, plan_project_roles, plan_secret_deletions)
from ansible_collections.cloudops.atlas.plugins.module_utils._secrets import HeldSecret, secret_rules
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.planner_data import (
    CLIENT_ID, EXPIRED, LONG, NOW, OLD_VALID, OWN, SOON, WEEKLY, account, ids, steps_of, wish)

NEW = None  # the id of a secret still to be created, in the `secrets after` column


def held(secret_id):
    return [HeldSecret(secret_id, 'its credentials file')]


def delete(secret):
    return ('delete_secret', (CLIENT_ID, secret['id']))


ISSUE = ('new_secret', CLIENT_ID)
UPDATE = ('update_account', CLIENT_ID)

# Each row: why; current account, wish, what the file holds;
#           expected steps, labels, secret ids after (NEW: the one to be created).
ACCOUNT_TABLE = [
    ('missing: one create with its first secret', None, wish(secret=WEEKLY), (),
     [('create_account', 'app')], ['created'], [NEW]),
    ('as wished: unchanged', account(secrets=[LONG]), wish(secret=WEEKLY), (),
     [], ['unchanged'], ids(LONG)),
    ('unmanaged fields are left alone', account(description='Other'), wish(description=None, roles=None), (),
     [], ['unchanged'], []),
    ('role and description: one patch', account(secrets=[LONG]), wish(description='New', roles=('GROUP_OWNER',), secret=WEEKLY), (),
     [UPDATE], ['updated'], ids(LONG)),
    ('rotation at the cap: delete then post', account(secrets=[EXPIRED, SOON]), wish(secret=WEEKLY), (),
     [delete(EXPIRED), ISSUE], ['rotated'], [SOON['id'], NEW]),
    ('update and rotation are both reported', account(secrets=[SOON]), wish(description='New', secret=WEEKLY), (),
     [UPDATE, ISSUE], ['updated', 'rotated'], [SOON['id'], NEW]),
    ('no secret entry: secrets not managed', account(secrets=[EXPIRED]), wish(), (),
     [], ['unchanged'], ids(EXPIRED)),
    ('absent removes an existing account', account(), wish(state='absent'), (),
     [('remove_account', CLIENT_ID)], ['removed'], None),
    ('absent of a missing account: nothing', None, wish(state='absent'), (),
     [], ['unchanged'], None),
    ('file holds the newest valid: nothing', account(secrets=[LONG]), wish(secret=WEEKLY), held(LONG['id']),
     [], ['unchanged'], ids(LONG)),
    ('no file: nothing', account(secrets=[LONG]), wish(secret=WEEKLY), held(None),
     [], ['unchanged'], ids(LONG)),
    ('file holds an older secret: the unheld newest makes room', account(secrets=[OLD_VALID, LONG]), wish(secret=WEEKLY), held(OLD_VALID['id']),
     [delete(LONG), ISSUE], ['rotated'], [OLD_VALID['id'], NEW]),
    ('file holds no secret: a new one', account(secrets=[LONG]), wish(secret=WEEKLY), held(''),
     [ISSUE], ['rotated'], [LONG['id'], NEW]),
]


@pytest.mark.parametrize('why, current, wished, consumers, steps, labels, secrets', ACCOUNT_TABLE, ids=[row[0] for row in ACCOUNT_TABLE])
def test_plan_account(why, current, wished, consumers, steps, labels, secrets):
    plan = plan_account(current, wished, NOW, consumers)
    assert steps_of(plan) == steps
    assert plan.result_action == labels and plan.changed == bool(steps)
    assert (None if plan.after is None else [item['id'] for item in plan.after['secrets']]) == secrets


def test_the_create_body_carries_the_first_secret_and_the_prediction_its_expiry():
    plan = plan_account(None, wish(secret=WEEKLY), NOW)
    assert plan.steps[0].body == dict(name='app', description='App', roles=['GROUP_READ_ONLY'], secretExpiresAfterHours=720)
    assert plan.after['clientId'] is None and plan.after['secrets'][0]['expiresAt'] == '2026-12-23T12:00:00Z'


def test_an_update_predicts_the_new_fields_and_a_new_secret_its_lifetime():
    plan = plan_account(account(secrets=[EXPIRED, SOON]), wish(roles=('GROUP_OWNER',), secret=WEEKLY), NOW)
    assert plan.steps[0].body == dict(roles=['GROUP_OWNER']) and plan.after['roles'] == ['GROUP_OWNER']
    assert plan.steps[-1].body == dict(secretExpiresAfterHours=720)


def test_a_stale_file_is_explained_in_a_note():
    plan = plan_account(account(secrets=[OLD_VALID, LONG]), wish(secret=WEEKLY), NOW, held(OLD_VALID['id']))
    assert 'its credentials file holds secret %s, not its newest valid secret %s' % (OLD_VALID['id'], LONG['id']) in plan.notes[0]


def test_creating_without_description_or_roles_is_refused_naming_what_is_missing():
    with pytest.raises(Refusal, match="creating service account 'app' needs description, roles"):
        plan_account(None, wish(description=None, roles=None), NOW)


LISTING = [account(client_id='mdb_sa_id_%024d' % 1, name='app', secrets=[LONG]),
           account(client_id='mdb_sa_id_%024d' % 2, name='stale', secrets=[LONG])]
# Each row: why; listing, wishes, purge, the running account, what files hold; (name, labels) of each plan in order.
SET_TABLE = [
    ('input order, purge last', LISTING, [wish(name='new'), wish(name='app')], True, None, None,
     [('new', ['created']), ('app', ['unchanged']), ('stale', ['removed'])]),
    ('without purge unlisted accounts stay', LISTING, [wish(name='app')], False, None, None,
     [('app', ['unchanged'])]),
    ('the running account listed: purge is fine', [account(client_id=OWN, name='automation')],
     [wish(name='automation', description=None, roles=None)], True, OWN, None,
     [('automation', ['unchanged'])]),
    ('each account gets what its file holds', [account(secrets=[LONG])], [wish(secret=WEEKLY)], False, None, {'app': held(OLD_VALID['id'])},
     [('app', ['rotated'])]),
]


@pytest.mark.parametrize('why, listing, wishes, purge, own, consumers, outcome', SET_TABLE, ids=[row[0] for row in SET_TABLE])
def test_plan_account_set(why, listing, wishes, purge, own, consumers, outcome):
    plans = plan_account_set(listing, wishes, NOW, purge=purge, own_client_id=own, held=consumers)
    assert [(plan.name, plan.result_action) for plan in plans] == outcome


# Each row: why; listing, wishes, purge; whether it stops the whole run, parts of the message.
REFUSAL_TABLE = [
    ('a name matching several accounts', LISTING + [account(client_id='mdb_sa_id_%024d' % 3, name='app')], [wish(name='app')], False, False,
     ["2 service accounts are named 'app' in project 6a0b1c2d3e4f5a6b7c8d9e0f", 'mdb_sa_id_%024d, mdb_sa_id_%024d' % (1, 3)]),
    ('purge never removes the running account', LISTING + [account(client_id=OWN, name='automation')], [wish(name='app'), wish(name='stale')], True, True,
     ["refusing to remove service account 'automation' (%s)" % OWN, 'lock itself out']),
    ('nor does state=absent', [account(client_id=OWN, name='automation')], [wish(name='automation', state='absent')], False, True,
     ['refusing to remove']),
]


@pytest.mark.parametrize('why, listing, wishes, purge, stops, parts', REFUSAL_TABLE, ids=[row[0] for row in REFUSAL_TABLE])
def test_plan_account_set_refusals(why, listing, wishes, purge, stops, parts):
    with pytest.raises(Refusal) as refusal:
        plan_account_set(listing, wishes, NOW, purge=purge, own_client_id=OWN, scope_text='project 6a0b1c2d3e4f5a6b7c8d9e0f')
    assert all(part in str(refusal.value) for part in parts)
    assert refusal.value.stops_run is stops


# Each row: why; secrets, rules; steps, labels.
SECRETS_TABLE = [
    ('valid long enough: nothing', [LONG], secret_rules(720, 168), [], ['unchanged']),
    ('rotation with revoke_previous', [SOON], secret_rules(720, 168, revoke_previous=True), [ISSUE, delete(SOON)], ['rotated']),
    ('prune only: an update', [EXPIRED, LONG], secret_rules(720, 0, prune_expired=True), [delete(EXPIRED)], ['updated']),
]


@pytest.mark.parametrize('why, secrets, rules, steps, labels', SECRETS_TABLE, ids=[row[0] for row in SECRETS_TABLE])
def test_plan_account_secrets(why, secrets, rules, steps, labels):
    plan = plan_account_secrets(account(secrets=secrets), NOW, rules)
    assert steps_of(plan) == steps and plan.result_action == labels


def test_a_secret_that_is_due_without_a_lifetime_is_refused():
    with pytest.raises(Refusal, match='needs a new secret \\(none is valid long enough\\): set expires_after_hours'):
        plan_account_secrets(account(secrets=[EXPIRED]), NOW, secret_rules(None))


# Each row: why; secrets, ids to delete, force; steps.
DELETION_TABLE = [
    ('ids it does not have are no change', [LONG], ['000000000000000000000009'], False, []),
    ('an older secret goes, the newest stays', [OLD_VALID, LONG], [OLD_VALID['id']], False, [delete(OLD_VALID)]),
    ('the last valid one only when forced', [EXPIRED, LONG], [LONG['id']], True, [delete(LONG)]),
]


@pytest.mark.parametrize('why, secrets, doomed, force, steps', DELETION_TABLE, ids=[row[0] for row in DELETION_TABLE])
def test_plan_secret_deletions(why, secrets, doomed, force, steps):
    assert steps_of(plan_secret_deletions(account(secrets=secrets), doomed, NOW, force)) == steps


def test_deleting_the_last_valid_secret_is_refused_unless_forced():
    with pytest.raises(Refusal, match='would leave service account %s without an unexpired secret' % CLIENT_ID):
        plan_secret_deletions(account(secrets=[EXPIRED, LONG]), [LONG['id']], NOW)


class TestAccessListSteps:
    def test_the_set_planner_adds_an_access_step_and_guards_the_running_account(self):
        own = account(client_id=OWN)
        plan = plan_account(own, wish(roles=None, description=None), NOW)
        with pytest.raises(Refusal, match="refusing to change the access list of service account 'app'"):
            plan_account_access(plan, [], normalize_access_entries('access_list', ['192.0.2.1']), own_client_id=OWN)
        allowed = plan_account_access(plan_account(own, wish(roles=None, description=None), NOW), [],
                                      normalize_access_entries('access_list', ['192.0.2.1']), own_client_id=OWN, allow_own_account=True)
        assert steps_of(allowed) == [('set_access_list', OWN)] and allowed.result_action == ['updated']

    def test_a_new_account_gets_its_access_list_after_the_create(self):
        plan = plan_account_access(plan_account(None, wish(), NOW), [], normalize_access_entries('access_list', ['192.0.2.1']))
        assert steps_of(plan) == [('create_account', 'app'), ('set_access_list', None)] and plan.result_action == ['created']

    def test_labels_keep_their_order(self):
        plan = plan_account(account(secrets=[SOON]), wish(secret=WEEKLY), NOW)
        plan_account_access(plan, [], normalize_access_entries('access_list', ['192.0.2.1']))
        assert plan.result_action == ['updated', 'rotated']


P1, P2, P3 = '6a0b1c2d3e4f5a6b7c8d9e01', '6a0b1c2d3e4f5a6b7c8d9e02', '6a0b1c2d3e4f5a6b7c8d9e03'
# Each row: why; current {project: roles}, wanted; invites, updates, removals, labels.
PROJECTS_TABLE = [
    ('as wished: no step', {P1: ['GROUP_READ_ONLY']}, {P1: ['GROUP_READ_ONLY']}, [], [], [], ['unchanged']),
    ('a new project is one invite', {}, {P1: ['GROUP_OWNER']}, [(P1, ['GROUP_OWNER'])], [], [], ['updated']),
    ('other roles are one update', {P1: ['GROUP_READ_ONLY']}, {P1: ['GROUP_OWNER']}, [], [(P1, ['GROUP_OWNER'])], [], ['updated']),
    ('a project not wanted is left', {P1: ['GROUP_READ_ONLY'], P3: ['GROUP_OWNER']}, {P1: ['GROUP_READ_ONLY'], P2: ['GROUP_READ_ONLY']},
     [(P2, ['GROUP_READ_ONLY'])], [], [P3], ['updated']),
]


@pytest.mark.parametrize('why, current, wanted, invite, update, remove, labels', PROJECTS_TABLE, ids=[row[0] for row in PROJECTS_TABLE])
def test_plan_project_roles(why, current, wanted, invite, update, remove, labels):
    plan = plan_project_roles(plan_account(account(), wish(description=None, roles=None), NOW), current, wanted)
    assert (plan.projects_plan.invite, plan.projects_plan.update, plan.projects_plan.remove) == (invite, update, remove)
    assert plan.result_action == labels and plan.projects_plan.after == wanted


def test_a_new_account_is_assigned_after_its_create():
    plan = plan_project_roles(plan_account(None, wish(), NOW), {}, {P1: ['GROUP_READ_ONLY']})
    assert steps_of(plan) == [('create_account', 'app'), ('set_project_roles', None)] and plan.result_action == ['created']


def test_a_store_behind_a_file_gets_the_files_secret_not_a_new_one():
    # B7 of the chaos run: the file got the newest secret, the store's write failed. Before, both were protected
    # and the account was stuck at the two-secret cap; now the store gets the file's secret, with no Atlas call.
    document = dict(client_id=CLIENT_ID, client_secret='mdb_sa_sk_value', secret_id=LONG['id'])
    consumers = [HeldSecret(LONG['id'], 'its credentials file', document), HeldSecret(OLD_VALID['id'], 'its secret store (vault_kv2 x)')]
    plan = plan_account(account(secrets=[OLD_VALID, LONG]), wish(secret=WEEKLY), NOW, consumers)
    assert steps_of(plan) == [('deliver_secret', CLIENT_ID)] and plan.steps[0].body == document
    assert plan.result_action == ['updated']
    assert 'so it gets that one from its credentials file' in plan.notes[0]


def test_when_consumers_hold_both_secrets_and_a_new_one_is_due_the_older_held_one_makes_room():
    consumers = [HeldSecret(SOON['id'], 'its credentials file'), HeldSecret(OLD_VALID['id'], 'its secret store (vault_kv2 x)')]
    plan = plan_account(account(secrets=[OLD_VALID, SOON]), wish(secret=WEEKLY), NOW, consumers)
    assert steps_of(plan) == [delete(OLD_VALID), ISSUE]
