# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Where a service account lives; mirrors scope_argument_spec() in plugins/module_utils/_service_accounts.py.
    DOCUMENTATION = r'''
options:
  org_id:
    description:
      - ID of the organization (24 lowercase hexadecimal characters) whose service accounts are meant.
      - Mutually exclusive with O(project_id); one of them is required.
    type: str
  project_id:
    description:
      - ID of the project (24 lowercase hexadecimal characters) whose service accounts are meant.
      - Mutually exclusive with O(org_id); one of them is required.
    type: str
    aliases: [group_id]
'''
