# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rate governor's report of each module run, for tests/benchmark/bench.py. Enabled by the
benchmark only; writes a JSON list of {"task", "failed", "msg", "rate_limits", "warnings"}, one per
task result that has a `rate_limits` key (ok or failed, so a failed run is reported too), to the file
named by BENCH_RATE_LIMITS_FILE when the playbook ends."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: bench_rate_limits
type: aggregate
short_description: The rate_limits result of every module run, for the cloudops.atlas benchmark
description:
  - Writes the C(rate_limits) of every task result that has one, as JSON, to the file named by E(BENCH_RATE_LIMITS_FILE).
requirements:
  - enabled in C(ANSIBLE_CALLBACKS_ENABLED)
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_rate_limits'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.reports = []

    def _record(self, result, failed):
        data = result._result  # pylint: disable=protected-access
        if isinstance(data, dict) and isinstance(data.get('rate_limits'), dict):
            self.reports.append(dict(task=result._task.get_name(), failed=failed,  # pylint: disable=protected-access
                                     msg=data.get('msg') if failed else None, rate_limits=data['rate_limits'],
                                     warnings=data.get('warnings') or []))

    def v2_runner_on_ok(self, result):
        self._record(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, True)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BENCH_RATE_LIMITS_FILE')
        if path:
            with open(path, 'w') as handle:
                json.dump(self.reports, handle, indent=1)
