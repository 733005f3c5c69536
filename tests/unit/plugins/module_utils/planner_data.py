# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The data of the planner tables: one server clock, four secrets around it, accounts and wishes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from datetime import datetime, timezone

from ansible_collections.cloudops.atlas.plugins.module_utils._planning import AccountWish
from ansible_collections.cloudops.atlas.plugins.module_utils._secrets import secret_rules

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
OWN = 'mdb_sa_id_65f1a00000000000000000aa'
CLIENT_ID = 'mdb_sa_id_0123456789abcdef01234567'


def secret(secret_id, created, expires):
    return dict(id=secret_id, createdAt=created, expiresAt=expires, lastUsedAt=None, maskedSecretValue='mdb_sa_sk_****')


EXPIRED = secret('000000000000000000000001', '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z')
OLD_VALID = secret('000000000000000000000002', '2026-10-20T00:00:00Z', '2026-12-20T00:00:00Z')
SOON = secret('000000000000000000000003', '2026-11-01T00:00:00Z', '2026-11-25T12:00:00Z')  # 48 h left
LONG = secret('000000000000000000000004', '2026-11-10T00:00:00Z', '2027-02-10T00:00:00Z')  # ~79 days left
SECRETS = dict(EXPIRED=EXPIRED, OLD_VALID=OLD_VALID, SOON=SOON, LONG=LONG)


def account(client_id=CLIENT_ID, name='app', description='App', roles=('GROUP_READ_ONLY',), secrets=()):
    return dict(clientId=client_id, name=name, description=description, roles=list(roles), createdAt='2026-11-01T00:00:00Z',
                secrets=list(secrets))


def wish(name='app', description='App', roles=('GROUP_READ_ONLY',), state='present', secret=None, first=720):
    return AccountWish(name, description, sorted(roles) if roles is not None else None, state, secret, first)


WEEKLY = secret_rules(720, 168)


def ids(*secrets):
    return [item['id'] for item in secrets]


def steps_of(plan):
    """A plan's steps as (kind, target) pairs: what the tables compare."""
    return [(step.kind, step.target) for step in plan.steps]
