# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fault-injecting HTTP proxy in front of an OpenBao (or Vault) server, for the chaos run's store faults.

A threaded http.server on 127.0.0.1 (a free port) forwards every request to the upstream server with requests
and logs it. Faults are queued with `add_fault` (Python calls: the chaos run starts the proxy in its own
process) and each one applies to the next `count` requests it matches, then is used up:

  write-lost      a write (POST /v1/<mount>/data/...) is forwarded, then the connection is closed without an
                  answer: the write was applied, the module never hears so
  write-refused   a write is answered 503 without being forwarded: not applied
  read-down       a read (GET /v1/<mount>/data/...) is answered 503 without being forwarded
  write-conflict  just before a write is forwarded, the path's version is bumped out of band (its current document
                  written again, or, when it holds none, a placeholder written and deleted), so the write's
                  check-and-set fails

A fault aims at a location regex (the path below <mount>/data/, matched with re.fullmatch), so at one account
or at all of them. Nothing here prints or logs a token or a secret value.

    proxy = StoreProxy('http://127.0.0.1:8200', mount='secret').start()
    proxy.add_fault('write-lost', count=1, location=r'chaos/[0-9a-f]{24}/chaos-1')
    ...  (point the store's url at proxy.url)
    proxy.log_since(mark), proxy.clear_faults(), proxy.stop()
"""

from __future__ import absolute_import, division, print_function

import http.server
import json
import re
import socket
import struct
import threading
import time

import requests

FAULT_KINDS = ('write-lost', 'write-refused', 'read-down', 'write-conflict')
# Which request each fault kind applies to.
FAULT_APPLIES_TO = {'write-lost': 'write', 'write-refused': 'write', 'write-conflict': 'write', 'read-down': 'read'}
# Request headers passed on to the upstream server (hop-by-hop ones are not).
FORWARDED_HEADERS = ('X-Vault-Token', 'X-Vault-Request', 'X-Vault-Namespace', 'Content-Type', 'Accept', 'User-Agent')
UPSTREAM_TIMEOUT = 30


class StoreProxy:
    """The proxy server, its fault queue and its request log (all guarded by one lock)."""

    def __init__(self, upstream, mount='secret', token=None):
        self.upstream = upstream.rstrip('/')
        self.mount = mount.strip('/')
        self.token = token  # for the out-of-band writes of write-conflict only
        self._data = re.compile(r'^/v1/%s/data/(.+)$' % re.escape(self.mount))
        self._lock = threading.Lock()
        self._faults = []  # dicts: id, kind, count, location (regex), used
        self._log = []  # dicts: seq, method, kind (read/write/other), location, status, fault, forwarded
        self._seq = 0
        self._fault_ids = 0
        self._values = set()  # every client_secret a write carried (for the log checks; never logged)
        self._local = threading.local()
        self._server = None
        self._thread = None
        self.url = None

    # -- control --------------------------------------------------------------------------------------

    def start(self):
        proxy = self

        class Handler(ProxyHandler):
            owner = proxy

        self._server = QuietServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name='store-proxy', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def add_fault(self, kind, count=1, location='.+'):
        """Queue a fault for the next `count` matching requests; returns its description."""
        if kind not in FAULT_KINDS:
            raise ValueError('unknown store fault %r; choose from %s' % (kind, ', '.join(FAULT_KINDS)))
        re.compile(location)
        with self._lock:
            self._fault_ids += 1
            fault = dict(id=self._fault_ids, kind=kind, count=int(count), location=location, used=0)
            self._faults.append(fault)
            return dict(fault)

    def clear_faults(self):
        """Drop the pending faults; return those never used up (count left > 0), as add_fault described them."""
        with self._lock:
            pending = [dict(fault) for fault in self._faults if fault['count'] > 0]
            self._faults = []
        return pending

    def mark(self):
        with self._lock:
            return self._seq

    def log_since(self, mark=0):
        with self._lock:
            return [dict(entry) for entry in self._log if entry['seq'] > mark]

    def values_written(self):
        """Every client_secret that a write sent through the proxy carried (whether or not it was applied)."""
        with self._lock:
            return set(self._values)

    def note_values(self, body):
        try:
            data = (json.loads(body or b'{}').get('data') or {})
        except (ValueError, AttributeError):
            return
        if isinstance(data, dict) and data.get('client_secret'):
            with self._lock:
                self._values.add(str(data['client_secret']))

    # -- the work of a request ------------------------------------------------------------------------

    def classify(self, method, path):
        """(kind, location): 'read' or 'write' of <mount>/data/<location>, else ('other', None)."""
        match = self._data.match(path.split('?', 1)[0])
        if not match:
            return 'other', None
        if method == 'GET':
            return 'read', match.group(1)
        if method in ('POST', 'PUT'):
            return 'write', match.group(1)
        return 'other', match.group(1)

    def take_fault(self, kind, location):
        """The first pending fault for this request (its count lowered), or None."""
        if location is None or kind not in ('read', 'write'):
            return None
        with self._lock:
            for fault in self._faults:
                if fault['count'] > 0 and FAULT_APPLIES_TO[fault['kind']] == kind and re.fullmatch(fault['location'], location):
                    fault['count'] -= 1
                    fault['used'] += 1
                    return fault['kind']
        return None

    def record(self, **entry):
        with self._lock:
            self._seq += 1
            entry.update(seq=self._seq, time=time.time())
            self._log.append(entry)
            return entry

    def session(self):
        if getattr(self._local, 'session', None) is None:
            self._local.session = requests.Session()
            self._local.session.trust_env = False  # no proxy variables, no .netrc
        return self._local.session

    def forward(self, method, path, headers, body):
        """(status, headers, body) of the upstream server."""
        response = self.session().request(method, self.upstream + path, headers=headers, data=body, timeout=UPSTREAM_TIMEOUT,
                                          allow_redirects=False)
        return response.status_code, response.headers, response.content

    def bump_version(self, location, headers):
        """write-conflict: make the path's version move on without changing what it holds (or holding nothing)."""
        path = '/v1/%s/data/%s' % (self.mount, location)
        token = dict((key, value) for key, value in headers.items() if key.lower() in ('x-vault-token', 'x-vault-namespace'))
        if self.token and not token:
            token = {'X-Vault-Token': self.token}
        session = self.session()
        current = session.get(self.upstream + path, headers=token, timeout=UPSTREAM_TIMEOUT)
        data = (current.json().get('data') or {}).get('data') if current.status_code == 200 else None
        if isinstance(data, dict):
            session.post(self.upstream + path, headers=token, json={'data': data}, timeout=UPSTREAM_TIMEOUT)
            return 'rewritten'
        session.post(self.upstream + path, headers=token, json={'data': {'chaos': 'out-of-band write'}}, timeout=UPSTREAM_TIMEOUT)
        session.delete(self.upstream + path, headers=token, timeout=UPSTREAM_TIMEOUT)
        return 'written and deleted'


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a connection the client or a drop fault closed; the log has what matters


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    owner = None  # the StoreProxy (set on a subclass per server)
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass  # the proxy keeps its own log; stderr would mix into the chaos run's output

    def do_GET(self):  # noqa: N802  (http.server's naming)
        self.handle_any('GET')

    def do_POST(self):  # noqa: N802
        self.handle_any('POST')

    def do_PUT(self):  # noqa: N802
        self.handle_any('PUT')

    def do_DELETE(self):  # noqa: N802
        self.handle_any('DELETE')

    def do_LIST(self):  # noqa: N802
        self.handle_any('LIST')

    def handle_any(self, method):
        owner = self.owner
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else None
        kind, location = owner.classify(method, self.path)
        if kind == 'write':
            owner.note_values(body)
        fault = owner.take_fault(kind, location)
        entry = dict(method=method, kind=kind, location=location, fault=fault, status=None, forwarded=False)
        if fault in ('write-refused', 'read-down'):
            entry['status'] = 503
            owner.record(**entry)
            self.answer(503, {'Content-Type': 'application/json'},
                        json.dumps({'errors': ['chaos: injected store fault %s' % fault]}).encode())
            return
        headers = dict((name, self.headers[name]) for name in FORWARDED_HEADERS if self.headers.get(name))
        if fault == 'write-conflict':
            try:
                entry['out_of_band'] = owner.bump_version(location, headers)
            except (requests.RequestException, ValueError) as exc:
                entry['out_of_band'] = 'failed: %s' % type(exc).__name__
        try:
            status, upstream_headers, content = owner.forward(method, self.path, headers, body)
        except requests.RequestException as exc:
            entry.update(status=502, error=type(exc).__name__)
            owner.record(**entry)
            self.answer(502, {'Content-Type': 'application/json'}, json.dumps({'errors': ['chaos proxy: upstream failed']}).encode())
            return
        entry.update(status=status, forwarded=True)
        if fault == 'write-lost':
            entry['answered'] = False
            owner.record(**entry)
            self.drop()
            return
        owner.record(**entry)
        self.answer(status, dict((key, value) for key, value in upstream_headers.items() if key.lower() == 'content-type'), content)

    def answer(self, status, headers, content):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(content or b'')))
        self.end_headers()
        if content:
            self.wfile.write(content)

    def drop(self):
        """Close the connection without a word (a reset: SO_LINGER 0), as a lost response looks to the client."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
