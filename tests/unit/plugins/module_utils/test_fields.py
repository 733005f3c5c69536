# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The field tables: API bodies, comparisons and diff views from one declaration."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.cloudops.atlas.plugins.module_utils._fields import (
    PROJECT_ASSIGNMENT_FIELDS, SERVICE_ACCOUNT_FIELDS, api_body, diff_view, field_changes)
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.planner_data import account


def test_api_body_maps_options_to_api_names_and_keeps_create_only_fields_for_creates():
    values = dict(name='app', description=None, roles=['B', 'A', 'A'], secret_expires_after_hours=720)
    assert api_body(SERVICE_ACCOUNT_FIELDS, values) == dict(name='app', roles=['A', 'B'])
    assert api_body(SERVICE_ACCOUNT_FIELDS, values, create=True) == dict(name='app', roles=['A', 'B'], secretExpiresAfterHours=720)


def test_roles_compare_as_sets_so_order_is_no_change_but_a_removal_is():
    current = account(roles=['GROUP_OWNER', 'GROUP_READ_ONLY'])
    assert field_changes(SERVICE_ACCOUNT_FIELDS, current, dict(roles=['GROUP_READ_ONLY', 'GROUP_OWNER'])) == {}
    assert field_changes(SERVICE_ACCOUNT_FIELDS, current, dict(roles=['GROUP_OWNER'])) == dict(roles=['GROUP_OWNER'])


def test_only_fields_given_are_compared_and_create_only_fields_never_are():
    current = account(description='Old')
    wanted = dict(description='New', secretExpiresAfterHours=24)
    assert field_changes(SERVICE_ACCOUNT_FIELDS, current, wanted) == dict(description='New')


def test_diff_view_is_snake_case_managed_fields_with_sorted_sets():
    assert diff_view(SERVICE_ACCOUNT_FIELDS, account(roles=['Z', 'A'])) == dict(name='app', description='App', roles=['A', 'Z'])
    assert diff_view(PROJECT_ASSIGNMENT_FIELDS, account(roles=['Z', 'A'])) == dict(roles=['A', 'Z'])
    assert diff_view(SERVICE_ACCOUNT_FIELDS, None) == {}
