# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The simulated clock.

Simulated time starts at the real time of start-up (or a given start time), advances with real time,
and can be moved forward or set by tests. Everything time-dependent in the simulator (token and
secret expiry, rate-limit windows, digest nonces, timestamps, the ``Date`` header) reads this clock,
so tests never sleep.
"""

import datetime
import threading
import time


def utc_now():
    """Real current time, timezone-aware UTC."""
    return datetime.datetime.now(datetime.timezone.utc)


def parse_iso(text):
    """Parse an ISO 8601 timestamp (``Z`` or offset); a naive value is taken as UTC."""
    value = datetime.datetime.fromisoformat(text.strip().replace('Z', '+00:00').replace('z', '+00:00'))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


def iso(moment):
    """Format like Atlas does: UTC, second precision, ``Z`` suffix."""
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class SimClock:
    """Real time plus an adjustable offset (monotonic, so wall-clock jumps on the host do not leak in)."""

    def __init__(self, start=None):
        self._lock = threading.Lock()
        self._start = start
        self._base = start or utc_now()
        self._base_mono = time.monotonic()
        self._offset = 0.0

    def now(self):
        """Current simulated time (aware UTC datetime)."""
        with self._lock:
            elapsed = time.monotonic() - self._base_mono + self._offset
            return self._base + datetime.timedelta(seconds=elapsed)

    def advance(self, seconds):
        """Move simulated time forward (a negative value moves it back)."""
        with self._lock:
            self._offset += float(seconds)

    def set(self, moment):
        """Jump to ``moment``; time keeps running from there."""
        with self._lock:
            self._base = moment
            self._base_mono = time.monotonic()
            self._offset = 0.0

    def reset(self):
        """Back to the start-up rule: real time (or the configured start time) with no offset."""
        with self._lock:
            self._base = self._start or utc_now()
            self._base_mono = time.monotonic()
            self._offset = 0.0
