# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The request journal: what clients sent and got, so tests can count calls, retries and challenges."""

import threading


class Journal:
    """Append-only list of request records with increasing ``seq`` numbers."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []
        self._seq = 0

    def start(self, method, path, query, time):
        """Record a request as it arrives; the caller fills ``status``, ``auth`` etc. later."""
        with self._lock:
            self._seq += 1
            entry = {'seq': self._seq, 'method': method, 'path': path, 'query': query, 'status': None,
                     'auth': 'none', 'client_id': None, 'public_key': None, 'time': time, 'fault': None,
                     'rate_limit': None}
            self._entries.append(entry)
            return entry

    def mark(self):
        """The seq of the latest record (entries after it are returned by ``since(mark)``)."""
        with self._lock:
            return self._seq

    def since(self, mark=0):
        """Copies of the records with ``seq > mark``."""
        with self._lock:
            return [dict(entry) for entry in self._entries if entry['seq'] > mark]

    def clear(self):
        """Forget everything and restart numbering at 1."""
        with self._lock:
            self._entries = []
            self._seq = 0
