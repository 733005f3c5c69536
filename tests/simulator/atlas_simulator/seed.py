# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The default seed and seed loading.

Ids are fixed so that docs and tests can rely on them; the format is documented in ``README.md``.
The admin identities (an ORG_OWNER service account and an ORG_OWNER programmatic API key) belong to
``admin.org_id``. The admin service account is system-managed, so it is hidden from list calls unless
``includeSystemManaged=true`` and does not count towards the 200-accounts limit.
"""

import copy
import json

DEFAULT_SEED = {
    'orgs': [
        {
            'id': '65f1a0000000000000000001',
            'name': 'Simulated Org',
            'projects': [
                {'id': '65f1a0000000000000000011', 'name': 'Project One'},
                {'id': '65f1a0000000000000000012', 'name': 'Project Two'},
                {'id': '65f1a0000000000000000013', 'name': 'Project Three'},
            ],
        },
        {
            'id': '65f1b0000000000000000002',
            'name': 'Other Org',
            'projects': [
                {'id': '65f1b0000000000000000021', 'name': 'Other Project'},
            ],
        },
    ],
    'admin': {
        'org_id': '65f1a0000000000000000001',
        'client_id': 'mdb_sa_id_65f1a00000000000000000aa',
        'client_secret': 'mdb_sa_sk_simulatoradmin0000000000000000000000000001',
        'secret_id': '65f1a00000000000000000ab',
        'secret_expires_at': '2099-12-31T00:00:00Z',
        'created_at': '2026-01-01T00:00:00Z',
        'name': 'Simulator admin',
        'description': 'Seeded ORG_OWNER identity of the Atlas simulator',
        'public_key': 'simadmin',
        'private_key': '5f8e0f6a-3b1c-4c2d-9e7f-0a1b2c3d4e5f',
        'api_key_id': '65f1a00000000000000000ac',
    },
}


def load_seed(seed=None):
    """Return a seed dict: the default for ``None``, a copy of a dict, or the JSON file at a path."""
    if seed is None:
        return copy.deepcopy(DEFAULT_SEED)
    if isinstance(seed, dict):
        return copy.deepcopy(seed)
    with open(seed, encoding='utf-8') as handle:
        return json.load(handle)
