# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Task results for tests/chaos/chaos.py (the json callback is in ansible.posix, not a dependency of this
collection). Enabled by the chaos run only; writes the stats and every task result's status, message,
error and warnings, and of each account in its service_accounts the name, project, client id, action, error
and secret store (never a secret), as JSON to the file named by CHAOS_RESULTS_FILE when the playbook ends."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: chaos_results
type: aggregate
short_description: Task results of the cloudops.atlas chaos run
description:
  - Writes the play stats and the status, message, error and warnings of every task result, and the name,
    project, client id, action, error and secret store of each account it reports, as JSON to the file named
    by E(CHAOS_RESULTS_FILE).
requirements:
  - enabled in C(ANSIBLE_CALLBACKS_ENABLED)
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'chaos_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.results = []

    def _record(self, status, result):
        data = result._result  # pylint: disable=protected-access
        self.results.append(dict(task=result._task.get_name(), status=status,  # pylint: disable=protected-access
                                 changed=bool(data.get('changed')), msg=data.get('msg'), error=data.get('error'),
                                 warnings=[str(warning) for warning in data.get('warnings') or []],
                                 accounts=[self._account(item) for item in data.get('service_accounts') or [] if isinstance(item, dict)]))

    @staticmethod
    def _account(item):
        """What the chaos run judges of one account (its secrets, which may hold values, are left out)."""
        return dict((key, item.get(key)) for key in ('project_id', 'org_id', 'name', 'client_id', 'action', 'error', 'secret_store'))

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('CHAOS_RESULTS_FILE')
        if path:
            summary = dict((host, stats.summarize(host)) for host in stats.processed)
            with open(path, 'w') as handle:
                json.dump(dict(stats=summary, results=self.results), handle, indent=1)
