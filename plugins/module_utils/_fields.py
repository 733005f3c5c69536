# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Field tables: where snake_case options meet camelCase API fields. A resource declares its fields
once; the API body, the comparison (lists such as roles as sets) and both sides of a diff come
from the table. Pure functions."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple

# option: the module option; api: the API field; create_only: sent only when creating, never compared;
# unordered: a list compared as a set (so a removal counts and order does not).
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
