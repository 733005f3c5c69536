# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plain request and response objects passed between the HTTP server, the pipeline and the control API."""

import urllib.parse


class Request:
    """What the pipeline needs from an HTTP request (path and query stay percent-encoded)."""

    def __init__(self, method, target, headers, body, client_ip):
        self.method = method
        self.target = target
        split = urllib.parse.urlsplit(target)
        self.path = split.path
        self.query = {}
        self.query_all = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        for key, value in self.query_all:
            self.query.setdefault(key, value)
        self.headers = headers
        self.body = body
        self.client_ip = client_ip

    @property
    def content_type(self):
        """The media type of the body, lower-cased, without parameters."""
        return (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()

    def flag(self, name):
        """A boolean query flag read leniently (used to format even the responses to invalid requests)."""
        return (self.query.get(name) or '').lower() == 'true'


class Response:
    """Status, headers and body bytes; ``drop`` resets the connection instead of answering."""

    def __init__(self, status=200, body=b'', headers=None, drop=False):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.drop = drop
