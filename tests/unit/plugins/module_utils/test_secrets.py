# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The secret rules as a table: the account's secrets (oldest first) and the rules, at the server time
NOW (2026-11-23 12:00 UTC) -> (new secret?, deleted before the create, deleted after it)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._secrets import (
    HeldSecret, plan_secrets, predict_secret, secret_rules, secrets_after, stale_holders)
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.planner_data import (
    EXPIRED, LONG, NOW, OLD_VALID, SOON, WEEKLY, ids)

# Each row: why; secrets (oldest first), rules; new secret?, ids deleted before the create, ids deleted after it.
PLAN_TABLE = [
    ('valid beyond the window: nothing', [LONG], WEEKLY, False, [], []),
    ('inside the window: a new one, nothing deleted below cap', [SOON], WEEKLY, True, [], []),
    ('none valid: a new one, even without a window', [EXPIRED], secret_rules(720), True, [], []),
    ('no secret at all: a new one', [], secret_rules(720), True, [], []),
    ('no window: a soon-expiring secret is kept', [SOON], secret_rules(720, 0), False, [], []),
    ('at the cap the expired secret goes first', [EXPIRED, SOON], WEEKLY, True, ids(EXPIRED), []),
    ('two valid at the cap: the older goes, never the newest', [OLD_VALID, SOON], WEEKLY, True, ids(OLD_VALID), []),
    ('forced at the cap: the older goes too', [OLD_VALID, SOON], secret_rules(720, 168, force=True), True, ids(OLD_VALID), []),
    ('force + revoke_previous cuts over after the create', [LONG], secret_rules(720, 0, force=True, revoke_previous=True), True, [], ids(LONG)),
    ('prune_expired deletes expired ones with nothing due', [EXPIRED, LONG], secret_rules(720, 0, prune_expired=True), False, ids(EXPIRED), []),
]

# Each row: why; secrets, the ids consumers hold; new secret?, deleted before, deleted after.
HELD_TABLE = [
    ('a held older secret stays; the unheld newest makes room', [OLD_VALID, LONG], ids(OLD_VALID), True, ids(LONG), []),
    ('the held newest stays; the older makes room', [OLD_VALID, SOON], ids(SOON), True, ids(OLD_VALID), []),
    ('an expired held secret protects nothing', [EXPIRED, SOON], ids(EXPIRED), True, ids(EXPIRED), []),
    ('both held: the older held one makes room', [OLD_VALID, SOON], ids(OLD_VALID, SOON), True, ids(OLD_VALID), []),
]


@pytest.mark.parametrize('why, secrets, held_ids, need_new, before, after', HELD_TABLE, ids=[row[0] for row in HELD_TABLE])
def test_what_consumers_hold_is_never_deleted_to_make_room(why, secrets, held_ids, need_new, before, after):
    assert plan_secrets(secrets, NOW, secret_rules(720, 168, force=True), held_ids) == (need_new, before, after)


@pytest.mark.parametrize('why, secrets, rules, need_new, before, after', PLAN_TABLE, ids=[row[0] for row in PLAN_TABLE])
def test_plan_secrets(why, secrets, rules, need_new, before, after):
    assert plan_secrets(secrets, NOW, rules) == (need_new, before, after)


# Each row: why; secrets, the secret id the consumer holds (None: no file, '': none); the notes.
STALE_TABLE = [
    ('holds the newest valid secret: nothing', [LONG], LONG['id'], []),
    ('no file (None) is left alone', [LONG], None, []),
    ('holds an older secret: a new one', [OLD_VALID, LONG], OLD_VALID['id'],
     ['its credentials file holds secret %s, not its newest valid secret %s, so it gets a new secret' % (OLD_VALID['id'], LONG['id'])]),
    ('holds no secret: a new one', [LONG], '',
     ['its credentials file holds no secret, not its newest valid secret %s, so it gets a new secret' % LONG['id']]),
    ('nothing valid to hold: the rules decide alone', [EXPIRED], EXPIRED['id'], []),
]


@pytest.mark.parametrize('why, secrets, held, notes', STALE_TABLE, ids=[row[0] for row in STALE_TABLE])
def test_stale_holders(why, secrets, held, notes):
    assert stale_holders(secrets, NOW, [HeldSecret(held, 'its credentials file')]) == notes


def test_the_prediction_expires_after_the_lifetime_and_carries_no_id_or_value():
    predicted = predict_secret(NOW, 720)
    assert predicted['id'] is None and 'secret' not in predicted
    assert predicted['expiresAt'] == '2026-12-23T12:00:00Z'


def test_secrets_after_drops_deleted_and_appends_the_new_one():
    plan = plan_secrets([EXPIRED, SOON], NOW, WEEKLY)
    new = predict_secret(NOW, 720)
    assert secrets_after([EXPIRED, SOON], plan, new) == [SOON, new]
