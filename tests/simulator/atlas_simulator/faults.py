# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Queued fault injection for /api/... requests.

Kinds: ``status`` (answer with an error status, nothing applied), ``conflict`` (answer 409
``DATA_CONCURRENCY_ERROR``, as Atlas does to parallel writes such as two secret creates on one account;
nothing applied), ``delay`` (sleep, then handle normally), ``apply_then_delay`` (handle and apply the
request, then sleep before answering: the write has happened while the client still waits, or times
out), ``reset`` (drop the connection, nothing applied) and ``apply_then_drop`` (handle and apply the
request, then drop the connection before any response byte).
"""

import re
import threading

from .errors import ApiError

KINDS = ('status', 'conflict', 'delay', 'apply_then_delay', 'reset', 'apply_then_drop')
FAULT_STATUSES = {
    429: ('RATE_LIMITED', 'Simulated fault: too many requests.'),
    500: ('UNEXPECTED_ERROR', 'Simulated fault: unexpected error.'),
    502: ('BAD_GATEWAY', 'Simulated fault: bad gateway.'),
    503: ('SERVICE_UNAVAILABLE', 'Simulated fault: service unavailable.'),
    504: ('GATEWAY_TIMEOUT', 'Simulated fault: gateway timeout.'),
}
CONFLICT = (409, 'DATA_CONCURRENCY_ERROR',
            'Simulated fault: a concurrent request modified the same resource; retry the request.')
DELAY_KINDS = ('delay', 'apply_then_delay')
MAX_DELAY_SECONDS = 120


class Fault:
    """One queued fault: matches the next ``count`` requests with this method and path regex."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError('a fault is a JSON object')
        self.kind = spec.get('kind')
        if self.kind not in KINDS:
            raise ValueError(f'kind must be one of {", ".join(KINDS)}')
        self.method = (spec.get('method') or '*').upper()
        self.path = spec.get('path') or '.*'
        try:
            self.regex = re.compile(self.path)
        except re.error as exc:
            raise ValueError(f'path is not a valid regex: {exc}') from exc
        self.count = int(spec.get('count', 1))
        if self.count < 1:
            raise ValueError('count must be at least 1')
        self.status = int(spec.get('status', 503))
        if self.kind == 'status' and self.status not in FAULT_STATUSES:
            raise ValueError(f'status must be one of {sorted(FAULT_STATUSES)}')
        self.retry_after = spec.get('retry_after')
        self.error_code = spec.get('error_code')
        self.detail = spec.get('detail')
        self.seconds = float(spec.get('seconds', 0))
        if self.kind in DELAY_KINDS and not 0 <= self.seconds <= MAX_DELAY_SECONDS:
            raise ValueError(f'seconds must be between 0 and {MAX_DELAY_SECONDS}')

    def matches(self, method, path):
        """Whether a request is one this fault is waiting for."""
        return self.method in ('*', method) and bool(self.regex.search(path))

    def error(self):
        """The ApiError a ``status`` or ``conflict`` fault answers with (``Retry-After`` when asked)."""
        if self.kind == 'conflict':
            status, default_code, default_detail = CONFLICT
        else:
            status = self.status
            default_code, default_detail = FAULT_STATUSES[status]
        headers = {}
        if self.retry_after is not None:
            headers['Retry-After'] = str(int(self.retry_after))
        return ApiError(status, self.error_code or default_code, self.detail or default_detail, headers=headers)

    def describe(self):
        """The fault as JSON for GET /_sim/faults."""
        return {'kind': self.kind, 'method': self.method, 'path': self.path, 'count': self.count,
                'status': CONFLICT[0] if self.kind == 'conflict' else self.status if self.kind == 'status' else None,
                'retry_after': self.retry_after, 'seconds': self.seconds if self.kind in DELAY_KINDS else None}


class FaultQueue:
    """Pending faults, consumed first-in first-out by matching requests."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, spec):
        """Queue a fault from its JSON description (raises ValueError when invalid)."""
        fault = Fault(spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method, path):
        """The first pending fault matching the request, with one use consumed (or None)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def pending(self):
        """Descriptions of the pending faults."""
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def clear(self):
        """Drop all pending faults."""
        with self._lock:
            self._faults = []
