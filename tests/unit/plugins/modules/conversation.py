# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The mocked Atlas of the module tests and the documents it answers with."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from responses import matchers

BASE = 'https://atlas.example.test'
API = BASE + '/api/atlas/v2'
ORG = '5f1e2d3c4b5a69788796a5b4'
PROJECT = '6a0b1c2d3e4f5a6b7c8d9e0f'
CLIENT_ID = 'mdb_sa_id_0123456789abcdef01234567'
OTHER_CLIENT_ID = 'mdb_sa_id_89abcdef0123456789abcdef'
# Planted credentials: no test output may ever contain them.
ACCESS_TOKEN = 'planted-access-token-7f3a9c'
# The Atlas server's clock in these conversations (sent as the Date header of every reply).
SERVER_DATE = 'Mon, 23 Nov 2026 12:00:00 GMT'
NOW = '2026-11-23T12:00:00Z'

CONNECTION = dict(api_base_url=BASE, api_access_token=ACCESS_TOKEN, api_retries=0)


class Atlas:
    """The mocked Atlas of one test: replies are consumed strictly in the order they are added."""

    def __init__(self, mock):
        self.mock = mock

    def reply(self, method, path, status=200, json_body=None, body=None, headers=None, match_body=None):
        """Expect `method API+path` next; answer with status and body. `match_body` asserts the JSON sent."""
        match = [matchers.json_params_matcher(match_body)] if match_body is not None else []
        reply_headers = {'Date': SERVER_DATE}
        reply_headers.update(headers or {})
        url = path if path.startswith('http') else API + path
        kwargs = dict(status=status, headers=reply_headers, match=match)
        if isinstance(body, Exception):
            kwargs = dict(body=body, match=match)
        elif json_body is not None:
            kwargs['json'] = json_body
        self.mock.add(method, url, **kwargs)

    def error(self, method, path, status, code, detail):
        self.reply(method, path, status=status,
                   json_body=dict(error=status, errorCode=code, detail=detail, reason='Error', parameters=[]))

    @property
    def calls(self):
        """The calls made, as 'METHOD /path?query' strings relative to the API root."""
        made = []
        for call in self.mock.calls:
            url = call.request.url.replace(API, '').replace(BASE, '')
            made.append('%s %s' % (call.request.method, url))
        return made

    def body(self, index):
        return json.loads(self.mock.calls[index].request.body)


def account(client_id=CLIENT_ID, name='ci-deployer', description='Deploys from CI', roles=('ORG_READ_ONLY',), secrets=()):
    """An Atlas service account document as the API returns it."""
    return dict(clientId=client_id, name=name, description=description, roles=list(roles),
                createdAt='2026-11-01T08:00:00Z', secrets=list(secrets))


def secret(secret_id, created='2026-11-01T08:00:00Z', expires='2026-12-01T08:00:00Z', plaintext=None):
    doc = dict(id=secret_id, createdAt=created, expiresAt=expires, lastUsedAt=None, maskedSecretValue='mdb_sa_sk_****' + secret_id[-4:])
    if plaintext:
        doc['secret'] = plaintext
    return doc


def page(*items):
    return dict(results=list(items), totalCount=len(items), links=[])


def warnings_of(result):
    """The warning texts of a module result (plain strings before ansible-core 2.19, summaries after)."""
    texts = []
    for warning in result.get('warnings', []):
        texts.append(warning['event']['msg'] if isinstance(warning, dict) else warning)
    return texts
