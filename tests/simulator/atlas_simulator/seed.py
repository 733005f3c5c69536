# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The default seed and seed loading.

Ids are fixed so that docs and tests can rely on them; the format is documented in ``README.md``.
The admin identities (an ORG_OWNER service account and an ORG_OWNER programmatic API key) belong to
``admin.org_id``. The admin service account is system-managed, so it is hidden from list calls unless
``includeSystemManaged=true`` and does not count towards the 200-accounts limit.

The third organization, ``API Key Migration Org``, is for migrating programmatic API keys to service
accounts: its own admin service account, one existing service account, and six API keys with different
organization roles, project roles on two of its three projects, IPv4/IPv6 addresses and CIDR blocks in
their access lists (one list empty), two keys with the same description and one whose description is
the name of the existing service account. Organizations 1 and 2 are unchanged by it.
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
        {
            'id': '65f1c0000000000000000003',
            'name': 'API Key Migration Org',
            'projects': [
                {'id': '65f1c0000000000000000031', 'name': 'Migration Alpha'},
                {'id': '65f1c0000000000000000032', 'name': 'Migration Beta'},
                {'id': '65f1c0000000000000000033', 'name': 'Migration Gamma'},
            ],
            # ORG_OWNER of this organization (system-managed, like organization 1's admin; no API key, so the
            # organization's API keys are exactly the six below).
            'admin': {
                'client_id': 'mdb_sa_id_65f1c00000000000000000aa',
                'client_secret': 'mdb_sa_sk_migrationadmin00000000000000000000000003',
                'secret_id': '65f1c00000000000000000ab',
                'name': 'Migration admin',
                'description': 'Seeded ORG_OWNER identity of the API key migration organization',
            },
            'service_accounts': [
                {'client_id': 'mdb_sa_id_65f1c00000000000000000b1', 'name': 'Backup automation',
                 'description': 'Existing account whose name an API key description repeats', 'roles': ['ORG_MEMBER'],
                 'projects': {'65f1c0000000000000000031': ['GROUP_BACKUP_MANAGER']},
                 'secrets': [{'id': '65f1c00000000000000000b2', 'secret': 'mdb_sa_sk_backupautomation0000000000000000000000b1',
                              'expires_at': '2099-12-31T00:00:00Z'}]},
            ],
            'api_keys': [
                {'id': '65f1c00000000000000000c1', 'public_key': 'migkeyaa', 'private_key': '6b1f0c3e-2a4d-4e5f-8a9b-0c1d2e3f4a01',
                 'desc': 'Terraform CI', 'roles': ['ORG_OWNER'],
                 'access_list': ['192.0.2.10', '2001:db8:0:0:0:0:0:10']},
                {'id': '65f1c00000000000000000c2', 'public_key': 'migkeybb', 'private_key': '6b1f0c3e-2a4d-4e5f-8a9b-0c1d2e3f4a02',
                 'desc': 'Billing export', 'roles': ['ORG_BILLING_READ_ONLY'],
                 'access_list': ['198.51.100.0/24']},
                {'id': '65f1c00000000000000000c3', 'public_key': 'migkeycc', 'private_key': '6b1f0c3e-2a4d-4e5f-8a9b-0c1d2e3f4a03',
                 'desc': 'Deploy bot', 'roles': ['ORG_MEMBER'],
                 'project_roles': {'65f1c0000000000000000031': ['GROUP_OWNER'],
                                   '65f1c0000000000000000032': ['GROUP_READ_ONLY']},
                 'access_list': ['203.0.113.7', '2001:db8:abcd::/48']},
                {'id': '65f1c00000000000000000c4', 'public_key': 'migkeydd', 'private_key': '6b1f0c3e-2a4d-4e5f-8a9b-0c1d2e3f4a04',
                 'desc': 'Deploy bot', 'roles': ['ORG_MEMBER'],
                 'project_roles': {'65f1c0000000000000000032': ['GROUP_CLUSTER_MANAGER', 'GROUP_DATA_ACCESS_READ_ONLY']},
                 'access_list': []},
                {'id': '65f1c00000000000000000c5', 'public_key': 'migkeyee', 'private_key': '6b1f0c3e-2a4d-4e5f-8a9b-0c1d2e3f4a05',
                 'desc': 'Project factory', 'roles': ['ORG_GROUP_CREATOR', 'ORG_READ_ONLY'],
                 'access_list': ['192.0.2.55']},
                {'id': '65f1c00000000000000000c6', 'public_key': 'migkeyff', 'private_key': '6b1f0c3e-2a4d-4e5f-8a9b-0c1d2e3f4a06',
                 'desc': 'Backup automation', 'roles': ['ORG_MEMBER'],
                 'project_roles': {'65f1c0000000000000000031': ['GROUP_BACKUP_MANAGER']},
                 'access_list': ['203.0.113.0/24']},
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
