# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sliding-window rate limiting on the simulated clock (token endpoint and Admin API)."""

import collections
import math
import threading


class SlidingWindow:
    """At most ``limit`` hits per ``window`` seconds per key, measured on the simulated clock."""

    def __init__(self, limit, window=60.0):
        self.limit = int(limit)
        self.window = float(window)
        self._hits = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def hit(self, key, now):
        """Count one request at ``now`` (POSIX seconds).

        Returns ``(allowed, remaining, retry_after)``; a refused hit is not counted.
        """
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False, 0, max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return True, self.limit - len(hits), 0

    def set_limit(self, limit):
        """Change the limit at run time; hits already counted stay in the window."""
        limit = int(limit)
        if limit < 1:
            raise ValueError('a rate limit must be at least 1 request per minute')
        with self._lock:
            self.limit = limit

    def clear(self):
        """Forget all hits (simulator reset)."""
        with self._lock:
            self._hits.clear()
