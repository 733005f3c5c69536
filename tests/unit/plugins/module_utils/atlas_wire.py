# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Constants and helpers shared by the client tests (the fixtures are in conftest.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64

BASE = 'https://cloud.mongodb.com'
TOKEN_URL = BASE + '/api/oauth/token'
ORGS_URL = BASE + '/api/atlas/v2/orgs'
CLIENT_ID = 'mdb_sa_id_0123456789abcdef01234567'
# '/', '+' and ':' must be url-quoted before the Basic encoding.
CLIENT_SECRET = 'mdb_sa_sk_Pl4nted/Secret+Value:42'
MEDIA_TYPE = 'application/vnd.atlas.2024-08-05+json'


def basic_header(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode('ascii')).decode('ascii')


def wire(mock):
    """The conversation so far as (method, full URL) pairs."""
    return [(call.request.method, call.request.url) for call in mock.calls]


class FakeClock:
    """A monotonic clock and a sleep for tests: a sleep is recorded and moves the clock on, without waiting."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
