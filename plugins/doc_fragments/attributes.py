# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Modules that change Atlas. A module may refine an attribute (its own keys win).
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it predicts, without modifying Atlas.
    support: full
    details: Check mode reports the same C(changed) as a real run and returns the predicted state.
  diff_mode:
    description: Returns details on what has changed (or would change, in check mode) when run with C(--diff).
    support: full
    details: The diff shows the managed fields before and after; secret values never appear in it.
  idempotent:
    description: A second run with the same options reports no change and makes no write.
    support: full
  action_group:
    description: Use C(group/cloudops.atlas.atlas) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - cloudops.atlas.atlas
'''

    # Read-only modules.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it predicts, without modifying Atlas.
    support: full
    details: This module only reads, so it runs the same way in check mode.
  diff_mode:
    description: Returns details on what has changed (or would change, in check mode) when run with C(--diff).
    support: N/A
    details: This module never changes anything.
  idempotent:
    description: A second run with the same options reports no change and makes no write.
    support: full
  action_group:
    description: Use C(group/cloudops.atlas.atlas) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - cloudops.atlas.atlas
'''
