# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Why a task stops, by when it stops: before any call (InputError), after reading but before any
write (Refusal), after a write (DeliveryError), or at the end with its whole result (TaskFailure).
The task layer turns each into a failed task whose message names the option or object and the rule."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class InputError(Exception):
    """An option breaks a rule; raised by validate(), before any API call."""


class Refusal(Exception):
    """What Atlas holds makes the wished change ambiguous or unsafe; raised after reading, before any write.

    `stops_run`: the guards that protect the automation itself (removing or locking out the account that runs
    the task) stop every scope of a run before its first write; other refusals concern one scope or account."""

    def __init__(self, message, stops_run=False):
        super(Refusal, self).__init__(message)
        self.stops_run = stops_run


class DeliveryError(Exception):
    """A secret exists in Atlas but its value did not reach where it was asked to go; raised after writes."""


class TaskFailure(Exception):
    """The task ran to the end, but its outcome is a failure (an audit gate): it fails with its whole result."""
