# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Schemathesis hooks of the fuzz step (loaded through SCHEMATHESIS_HOOKS by run_fuzz.py).

The run authenticates as the seeded admin service account. Schemathesis reuses identifiers it sees in
responses, and the admin account is listed (includeSystemManaged=true), so it would sooner or later
delete that account, restrict it to an access list or demote it, and every later request would end in
401/403 instead of exercising the API. Requests that name the run's own identity (FUZZ_PROTECTED_IDS,
comma-separated) are pointed at an unknown id of the same shape instead; they still reach the
simulator and get its 404.
"""

import os

import schemathesis

PROTECTED = frozenset(filter(None, os.environ.get('FUZZ_PROTECTED_IDS', '').split(',')))
STAND_INS = {'clientId': 'mdb_sa_id_000000000000000000000000'}


@schemathesis.hook
def before_call(context, case, kwargs):  # pylint: disable=unused-argument
    """Swap a protected path parameter for an unknown one of the same shape."""
    parameters = case.path_parameters or {}
    for name, value in list(parameters.items()):
        if value in PROTECTED:
            parameters[name] = STAND_INS.get(name, '000000000000000000000000')
