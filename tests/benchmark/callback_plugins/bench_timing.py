# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-task wall times for tests/benchmark/bench.py (ansible.posix's profile_tasks is not a
dependency of this collection). Enabled by the benchmark only; writes a JSON list of
{"task", "seconds"} to the file named by BENCH_TIMING_FILE when the playbook ends."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: bench_timing
type: aggregate
short_description: Per-task wall times for the cloudops.atlas benchmark
description:
  - Writes the wall time of every task, in order, as JSON to the file named by E(BENCH_TIMING_FILE).
requirements:
  - enabled in C(ANSIBLE_CALLBACKS_ENABLED)
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.started = time.monotonic()
        self.tasks = []
        self.current = None

    def _close(self):
        if self.current is not None:
            name, began = self.current
            self.tasks.append(dict(task=name, seconds=round(time.monotonic() - began, 3)))
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current = (task.get_name(), time.monotonic())

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get('BENCH_TIMING_FILE')
        if path:
            with open(path, 'w') as handle:
                json.dump(dict(tasks=self.tasks, since_callback_load=round(time.monotonic() - self.started, 3)), handle, indent=1)
