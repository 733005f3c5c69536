# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The executor: one handler per kind of step, carried out in the plan's order through the task's writes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.cloudops.atlas.plugins.module_utils._executor import PlanExecutor
from ansible_collections.cloudops.atlas.plugins.module_utils._planning import STEP_KINDS, plan_account
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import Scope
from ansible_collections.cloudops.atlas.plugins.module_utils._secret_delivery import Delivery
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.planner_data import (
    CLIENT_ID, EXPIRED, NOW, SOON, WEEKLY, account, wish)

PROJECT = Scope.project('6a0b1c2d3e4f5a6b7c8d9e0f')
NEW = dict(id='000000000000000000000009', createdAt='2026-11-23T12:00:00Z', expiresAt='2026-12-23T12:00:00Z', secret='mdb_sa_sk_new')


class RecordingTask:
    """A task whose writes are recorded and answered from a table (no HTTP)."""

    def __init__(self, answers=None):
        self.writes = []
        self.answers = answers or {}
        self.module = self
        self.warnings = []

    def write(self, method, path, body=None):
        self.writes.append((method, path))
        return self.answers.get((method, path))

    def create_once(self, create, recover, what):
        return create()

    def warn(self, message):
        self.warnings.append(message)


class Directory:
    scope = PROJECT

    def __init__(self, task):
        self.task = task

    def post_secret(self, task, client_id, body, known_ids):
        return task.write('POST', PROJECT.secrets_path(client_id), body)


def test_every_kind_of_step_has_exactly_one_handler():
    executor = PlanExecutor(RecordingTask(), Directory(None), plan_account(None, wish(), NOW), Delivery('https://atlas.test'))
    assert sorted(executor.handlers) == sorted(STEP_KINDS)


def test_steps_run_in_the_plans_order_and_the_account_after_is_recorded():
    task = RecordingTask({('POST', PROJECT.secrets_path(CLIENT_ID)): NEW})
    plan = plan_account(account(secrets=[EXPIRED, SOON]), wish(description='New', secret=WEEKLY), NOW)

    executor = PlanExecutor(task, Directory(task), plan, Delivery('https://atlas.test')).run()

    assert task.writes == [('PATCH', PROJECT.account_path(CLIENT_ID)), ('DELETE', PROJECT.secret_path(CLIENT_ID, EXPIRED['id'])),
                           ('POST', PROJECT.secrets_path(CLIENT_ID))]
    assert executor.done == 3 and executor.result_action == ['updated', 'rotated']
    assert [secret['id'] for secret in executor.after['secrets']] == [SOON['id'], NEW['id']]
    assert executor.issued == NEW
