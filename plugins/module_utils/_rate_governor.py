# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The rate governor: paces every Admin API request of one module run (all worker threads) to
Atlas's token buckets, so that a run finishes at the rate limit's floor instead of burning retries.

Atlas keeps one token bucket per endpoint set and scope entity (organization, project, caller or IP);
a bucket holds up to `capacity` tokens, each request takes one, and `refill_rate` tokens come back
at once every `refill_seconds` (docs/atlas rate-limits notes: the 429s' retry-after values fit that,
not a smooth refill). The governor learns each bucket from `GET /rateLimits` (once per run, cached
on the host), from the `RateLimit-Limit`/`-Remaining` headers and from a 429's `parameters`
[path, retry-after, capacity, refill rate, refill seconds], and never sends into a bucket it knows
to be empty: it waits for the next refill.

The refill phase is unknown to a client, so refills are counted on a grid: from a moment when the
level was observed, each interval of `refill_seconds` holds exactly one refill, so at the end of each
interval `refill_rate` more tokens are sure to be there. Levels read from headers afterwards may
only lower the estimate (another caller spent tokens), never raise it. A 429 is flow control, not
failure: it does not use up api_retries; what bounds the waiting is the run's wait budget
(api_rate_limit_max_wait)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import tempfile
import threading
import time
from collections import namedtuple

from ._token_cache import TokenCacheError, _digest, default_cache_dir, ensure_private_directory

API_PREFIX = '/api/atlas/v2/'
RATE_LIMITS_PATH = '/api/atlas/v2/rateLimits'
RATE_LIMITS_API_VERSION = '2025-03-12'
TOKEN_BUCKET_ERROR = 'RATE_LIMITED_TOKEN_BUCKET'
# How long the endpoint sets read from /rateLimits are reused by later runs on the host. Limits change only
# when Support changes them; headers and 429s correct a stale capacity or refill within the run.
CACHE_LIFETIME_SECONDS = 3600
# Atlas rounds Retry-After down ("retry after 0 seconds" happens): wait this much longer.
REFILL_MARGIN_SECONDS = 1.0
# Requests in flight to a bucket whose level is unknown: one until a response tells the level, a few when
# Atlas sends no RateLimit headers at all (the fallback: fewer requests at once, and the 429 path).
UNKNOWN_LEVEL_IN_FLIGHT = 2
# A bucket at or below this many tokens, whose refill is unknown, is the moment to read /rateLimits: more than the
# requests the workers may have out at once (the set module's concurrency is at most 32), so none meets an empty bucket.
LOW_WATER = 40
# A Retry-After on a 429 that says nothing else of its bucket is honoured up to this.
RETRY_AFTER_CAP_SECONDS = 60.0
MAX_CONCURRENCY = 32

EndpointSet = namedtuple('EndpointSet', 'id name scope endpoints capacity refill_rate refill_seconds')


class RateLimitWaitExceeded(Exception):
    """The run's wait budget for rate-limit refills would be passed; says which bucket and how long was waited."""

    def __init__(self, bucket, waited, needed, budget):
        self.bucket = bucket
        self.waited = waited
        self.needed = needed
        self.budget = budget
        super(RateLimitWaitExceeded, self).__init__(
            'the Atlas rate limit of %s left no token, and waiting %d s more for its next refill would pass the run\'s wait budget '
            '(%d s waited of api_rate_limit_max_wait=%d s); raise api_rate_limit_max_wait, or run fewer projects per job '
            '(AWX job slicing) or at a quieter time' % (bucket.describe(), needed, waited, budget))


def template_pattern(template):
    """A regular expression for an endpoint's template path, e.g. /api/atlas/v2/groups/{groupId}/serviceAccounts."""
    return re.compile('^' + re.sub(r'\\\{[^}]*\\\}', '[^/]+', re.escape(template)) + '$')


def parse_endpoint_sets(results):
    """EndpointSets from the results of GET /rateLimits (the spec's RateLimitEndpointSetResponse)."""
    sets = []
    for item in results or []:
        try:
            endpoints = [(entry.get('method', '*').upper(), template_pattern(entry['path'])) for entry in item.get('endpoints') or []]
            sets.append(EndpointSet(item['endpointSetId'], item.get('endpointSetName') or item['endpointSetId'], item['scope'],
                                    endpoints, int(item['capacity']['value']), int(item['refillRate']['value']),
                                    int(item['refillDurationSeconds']['value'])))
        except (KeyError, TypeError, ValueError, re.error):
            continue  # a set this client cannot read is left to the headers and the 429 path
    return sets


def path_scope(path):
    """The organization or project a path names, as a fallback bucket key: ('ORGANIZATION', id) or ('GROUP', id)."""
    match = re.match(r'^/api/atlas/v2/(orgs|groups)/([^/?]+)', path)
    if not match:
        return 'USER', 'caller'
    return ('ORGANIZATION' if match.group(1) == 'orgs' else 'GROUP'), match.group(2)


class Bucket:
    """One token bucket as this run knows it."""

    def __init__(self, endpoint_set, scope, entity):
        self.endpoint_set = endpoint_set  # None until /rateLimits named the set
        self.scope = scope
        self.entity = entity
        self.capacity = self.refill_rate = self.refill_seconds = None
        self.source = None  # where the limits came from: rateLimits, headers or 429
        self.level = None  # tokens this run may still spend (its reservations subtracted); None: unknown
        self.anchor = None  # a time from which every refill_seconds holds exactly one refill
        self.refills_counted = 0
        self.in_flight = 0
        self.headers_seen = None  # whether Atlas sends RateLimit headers for it (None: no response yet)
        self.blocked_until = 0.0  # after a 429 that said nothing of the bucket
        self.blind_429s = 0
        self.probing = False  # one request is out to learn an empty bucket's refill from its 429
        self.calls = self.status_429 = 0
        self.waited = 0.0  # wall clock during which at least one request waited for this bucket
        self.waiting = 0
        self.wait_started = None
        self.lowest_remaining = None  # the lowest RateLimit-Remaining since the bucket last had nothing out
        self.last_request = None  # (method, path) of its latest request, to find its endpoint set later

    @property
    def key(self):
        return (self.endpoint_set, self.scope, self.entity)

    def describe(self):
        if self.endpoint_set:
            scope = {'ORGANIZATION': 'organization', 'GROUP': 'project', 'USER': 'caller', 'IP': 'address'}.get(self.scope, self.scope)
            text = 'endpoint set %s (%s scope)' % (self.endpoint_set, scope)
        elif self.scope == 'GROUP':
            text = 'the requests to project %s' % self.entity
        elif self.scope == 'ORGANIZATION':
            text = 'the requests to organization %s' % self.entity
        elif self.scope == 'SHARED':
            text = 'every request of this run (one bucket assumed: GET /rateLimits did not answer)'
        else:
            text = 'the requests of this caller'
        if self.capacity:
            text += ', capacity %d' % self.capacity
            if self.refill_rate:
                text += ', %d token%s every %d s' % (self.refill_rate, '' if self.refill_rate == 1 else 's', self.refill_seconds)
        return text

    def set_limits(self, capacity, refill_rate, refill_seconds, source):
        if capacity:
            self.capacity = capacity
        if refill_rate and refill_seconds:
            self.refill_rate, self.refill_seconds = refill_rate, refill_seconds
        self.source = source

    @property
    def refill_known(self):
        return bool(self.refill_rate and self.refill_seconds and self.anchor is not None)

    def count_refills(self, now):
        """Add the refills whose grid interval has ended."""
        if not self.refill_known or self.level is None:
            return
        due = int((now - self.anchor) // self.refill_seconds)
        if due > self.refills_counted:
            ceiling = (self.capacity or self.level + self.refill_rate * due) - self.in_flight
            self.level = min(ceiling, self.level + self.refill_rate * (due - self.refills_counted))
            self.refills_counted = due

    def next_refill(self):
        return self.anchor + (self.refills_counted + 1) * self.refill_seconds

    def observe(self, remaining, limit, ticket, received):
        """A response's RateLimit headers: the level as Atlas saw it after that request.

        Concurrent requests reach Atlas in no set order, so one answer's Remaining may leave out requests sent
        before it or count requests sent after it: read alone, it over- or undercounts. Tokens only go down between
        refills, so the lowest Remaining of the answers since the bucket last had nothing out is the level after
        the last of them; it is applied when the last answer is in. Answers to requests sent before the latest
        refill counted on the grid tell of the level before that refill and are left out (they would undo it)."""
        if limit:
            self.capacity = limit
            self.source = self.source or 'headers'
        if remaining is None:
            return
        if not (self.refill_known and ticket.sent < self.anchor + self.refills_counted * self.refill_seconds):
            self.lowest_remaining = remaining if self.lowest_remaining is None else min(self.lowest_remaining, remaining)
        if self.level is None:
            # The first answer: the requests still out may all come after it.
            self.level, self.anchor, self.refills_counted = remaining - self.in_flight, received, 0
        if self.in_flight or self.lowest_remaining is None:
            return
        if self.refill_known:
            # On a grid a header may only lower the estimate (another caller spent tokens): a refill it shows
            # may be one the grid counts later.
            self.level = min(self.level, self.lowest_remaining)
        else:
            # No refill grid yet: what Atlas says is the best knowledge, and the grid starts here.
            self.level, self.anchor, self.refills_counted = self.lowest_remaining, received, 0
        self.lowest_remaining = None

    def start_wait(self, now):
        if not self.waiting:
            self.wait_started = now
        self.waiting += 1

    def end_wait(self, now):
        self.waiting -= 1
        if not self.waiting:
            self.waited += now - self.wait_started

    def inherit(self, other):
        """Take over what a bucket keyed by its path's scope learned, once /rateLimits named its endpoint set."""
        if other.source == '429' or not self.refill_rate:
            self.set_limits(other.capacity, other.refill_rate, other.refill_seconds, other.source or self.source)
        if other.level is not None and (self.level is None or other.level < self.level):
            self.level, self.anchor, self.refills_counted = other.level, other.anchor, other.refills_counted
        self.blocked_until = max(self.blocked_until, other.blocked_until)
        self.headers_seen = self.headers_seen if other.headers_seen is None else other.headers_seen
        self.calls += other.calls
        self.status_429 += other.status_429
        self.waited += other.waited

    def view(self):
        return dict(endpoint_set=self.endpoint_set, scope=self.scope, capacity=self.capacity, refill_rate=self.refill_rate,
                    refill_seconds=self.refill_seconds, source=self.source, calls=self.calls, status_429=self.status_429,
                    waited_seconds=round(self.waited, 1), description=self.describe())


class Ticket:
    """A request the governor let go: its bucket and when it was sent."""

    def __init__(self, bucket, sent):
        self.bucket = bucket
        self.sent = sent


class RateGovernor:
    """Shared by every request of one client; thread-safe."""

    def __init__(self, base_url, max_wait=1800, fetch_sets=None, use_cache=True, backoff=None, clock=time.monotonic, sleep=None,
                 wall_clock=time.time):
        self.base_url = base_url.rstrip('/')
        self.max_wait = float(max_wait)
        self.fetch_sets = fetch_sets  # () -> the results of GET /rateLimits, or None when unavailable
        self.use_cache = use_cache
        self.backoff = backoff or (lambda attempt: min(30.0, 2.0 ** attempt))  # the wait after a 429 without Retry-After
        self.clock = clock
        self.sleep = sleep  # None: wait on the condition (threads); a function: tests with a clock of their own
        self.wall_clock = wall_clock
        self._cond = threading.Condition()
        self.sets = None  # EndpointSets from /rateLimits; None: not read (yet)
        self.discovery = 'not needed'  # 'needed', 'running', 'done', 'unavailable'
        self.buckets = {}
        self.in_flight = 0
        self.headers_seen = False  # whether any answer came back yet
        self.limit = MAX_CONCURRENCY  # shrinks when 429s come, grows back when they stop
        self.successes_since_429 = 0
        self.calls = self.status_429 = 0
        self._waiting = 0
        self._wait_started = None
        self._waited = 0.0
        if use_cache:
            self._load_cache()

    # -- which bucket a request is in ------------------------------------------------------------------

    def governs(self, path):
        return path.startswith(API_PREFIX)

    def bucket_for(self, method, path):
        if self.discovery == 'unavailable':
            # Limited, and Atlas did not say which requests share a bucket: treat them all as sharing one, so that a
            # bucket over every project of an organization is met with one 429 at most (separate buckets only slower).
            scope, entity = 'SHARED', 'run'
            return self.buckets.setdefault((None, scope, entity), Bucket(None, scope, entity))
        scope, entity = path_scope(path)
        endpoint_set = None
        for candidate in self.sets or ():
            if any(verb in ('*', method) and pattern.match(path) for verb, pattern in candidate.endpoints):
                endpoint_set, scope = candidate, candidate.scope
                break
        if endpoint_set is not None:
            # A service account or API key belongs to one organization: every ORGANIZATION bucket of its run is
            # that organization's, whether the path names the organization or one of its projects.
            entity = {'ORGANIZATION': 'organization', 'USER': 'caller', 'IP': 'address'}.get(scope, entity)
        key = (endpoint_set.id if endpoint_set else None, scope, entity)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(*key)
            if endpoint_set is not None:
                bucket.set_limits(endpoint_set.capacity, endpoint_set.refill_rate, endpoint_set.refill_seconds, 'rateLimits')
        return bucket

    # -- before and after each request -----------------------------------------------------------------

    def acquire(self, method, path):
        """Wait until the request may go; returns its Ticket. Raises RateLimitWaitExceeded past the wait budget."""
        with self._cond:
            while True:
                ticket, bucket, wake = self._try(method, path)
                if ticket is not None:
                    return ticket
                self._wait_for(bucket, wake)

    def try_acquire(self, method, path):
        """(Ticket, None) when the request may go now, else (None, when to look again): acquire() without waiting."""
        with self._cond:
            ticket, dummy, wake = self._try(method, path)
            return ticket, wake

    def _try(self, method, path):
        """(ticket, None, None) when the request may go now; else (None, its bucket or None, when to look again)."""
        if self.discovery == 'needed' and self.in_flight == 0:
            self._discover()
        if self.discovery in ('needed', 'running'):
            # /rateLimits is read with nothing in flight, so that its buckets start from what responses say.
            return None, None, None
        bucket = self.bucket_for(method, path)
        now = self.clock()
        bucket.count_refills(now)
        wake = self._wake_time(bucket, now)
        if wake is not None:
            return None, bucket, wake
        bucket.in_flight += 1
        bucket.last_request = (method, path)
        self.in_flight += 1
        if bucket.level is not None:
            bucket.level -= 1
        bucket.calls += 1
        self.calls += 1
        return Ticket(bucket, now), None, None

    def _wake_time(self, bucket, now):
        """None when a request may go now; else when to look again (float('inf'): when a response arrives)."""
        if self.in_flight >= self.limit or (self.in_flight and not self.headers_seen):
            # The first request of a run goes alone: its answer tells whether the buckets are small enough to read
            # /rateLimits before the workers spend them (they are keyed by project until then).
            return float('inf')
        if bucket.blocked_until > now:
            return bucket.blocked_until
        if bucket.level is None:
            # Level unknown: one request until a response tells it; a few at once when Atlas sends no RateLimit
            # headers (the fallback: fewer requests at once, and the 429 path to learn the bucket).
            unknown_limit = 1 if bucket.headers_seen is None else UNKNOWN_LEVEL_IN_FLIGHT
            return None if bucket.in_flight < unknown_limit else float('inf')
        if bucket.level >= 1:
            return None
        if bucket.refill_known:
            return bucket.next_refill()
        # Empty, and its refill unknown: let one request find out (its 429 says when), the rest wait for it.
        if bucket.in_flight or bucket.probing:
            return float('inf')
        if self.discovery == 'not needed':
            self.discovery = 'needed'
            return float('inf') if self.in_flight else self._wake_time(bucket, now)
        bucket.probing = True
        return None

    def release(self, ticket, status, headers, body=None):
        """After a response (status None: no response). Returns whether it was a 429 to wait out and send again."""
        with self._cond:
            bucket, now = ticket.bucket, self.clock()
            bucket.in_flight -= 1
            self.in_flight -= 1
            bucket.probing = False
            limited = status == 429
            if status is not None:
                self.headers_seen = True
                self._read_headers(bucket, ticket, headers, now)
            if limited:
                self._learn_from_429(bucket, headers, body, now)
            elif status is not None and status < 500:
                bucket.blind_429s = 0
                self.successes_since_429 += 1
                if self.successes_since_429 >= self.limit and self.limit < MAX_CONCURRENCY:
                    self.limit += 1
                    self.successes_since_429 = 0
            self._cond.notify_all()
            return limited

    def _read_headers(self, bucket, ticket, headers, now):
        remaining, limit = _int(headers.get('RateLimit-Remaining')), _int(headers.get('RateLimit-Limit'))
        bucket.headers_seen = remaining is not None
        bucket.observe(remaining, limit, ticket, now)
        if self.discovery == 'not needed' and bucket.level is not None and bucket.level <= LOW_WATER and not bucket.refill_rate:
            self.discovery = 'needed'  # the bucket runs low and its refill is unknown: read /rateLimits before it is empty

    def _learn_from_429(self, bucket, headers, body, now):
        self.status_429 += 1
        bucket.status_429 += 1
        self.limit = max(1, self.limit // 2)
        self.successes_since_429 = 0
        retry_after = _int(headers.get('Retry-After'))
        parameters = (body or {}).get('parameters') if isinstance(body, dict) else None
        if (body or {}).get('errorCode') == TOKEN_BUCKET_ERROR and isinstance(parameters, list) and len(parameters) >= 5:
            wait, capacity, rate, seconds = (_int(value) for value in parameters[1:5])
            bucket.set_limits(capacity, rate, seconds, '429')
            wait = wait if wait is not None else retry_after or 0
            if rate and seconds:
                # The next refill comes within a second after `wait` (rounded down): anchor the grid there.
                bucket.level, bucket.refills_counted, bucket.lowest_remaining = -bucket.in_flight, 0, None
                bucket.anchor = now + wait + REFILL_MARGIN_SECONDS - seconds
                if self.discovery == 'not needed':
                    self.discovery = 'needed'  # which other requests share this bucket: /rateLimits names its set
                return
        bucket.blind_429s += 1
        # Retry-After 0 means "under a second" (Atlas rounds down).
        wait = min(RETRY_AFTER_CAP_SECONDS, max(1.0, retry_after)) if retry_after is not None else self.backoff(bucket.blind_429s - 1)
        bucket.blocked_until = now + wait

    # -- waiting ---------------------------------------------------------------------------------------

    def waited(self):
        """Seconds the run has spent with at least one request waiting for a refill (wall clock, not per worker)."""
        running = self.clock() - self._wait_started if self._waiting else 0.0
        return self._waited + running

    def _wait_for(self, bucket, wake):
        """Wait (lock held by the caller) until `wake` or a notification, within the run's wait budget."""
        now = self.clock()
        timeout = None if wake is None or wake == float('inf') else max(0.0, wake - now)
        if bucket is not None and timeout and self.waited() + timeout > self.max_wait:
            raise RateLimitWaitExceeded(bucket, self.waited(), timeout, self.max_wait)
        if timeout is None and self.waited() >= self.max_wait and bucket is not None:
            raise RateLimitWaitExceeded(bucket, self.waited(), 0, self.max_wait)
        self._waiting += 1
        if self._waiting == 1:
            self._wait_started = now
        if bucket is not None:
            bucket.start_wait(now)
        try:
            self._sleep(timeout)
        finally:
            self._waiting -= 1
            if self._waiting == 0:
                self._waited += self.clock() - self._wait_started
            if bucket is not None:
                bucket.end_wait(self.clock())

    def _sleep(self, timeout):
        """Wait on the condition (releases the lock); a response or a refill wakes the waiters."""
        if self.sleep is None:
            self._cond.wait(timeout if timeout is not None else 1.0)
            return
        self._cond.release()
        try:
            self.sleep(timeout if timeout is not None else 0.0)
        finally:
            self._cond.acquire()

    # -- /rateLimits -----------------------------------------------------------------------------------

    def _discover(self):
        """Read the endpoint sets once (the lock is released meanwhile; every other request waits for it)."""
        self.discovery = 'running'
        self._cond.release()
        try:
            results = self.fetch_sets() if self.fetch_sets else None
        finally:
            self._cond.acquire()
        self._install(results, store=results is not None)
        self._cond.notify_all()

    def _install(self, results, store=False):
        sets = parse_endpoint_sets(results) if results is not None else None
        self.discovery = 'done' if sets is not None else 'unavailable'
        self.sets = sets
        if sets is None:
            learned, self.buckets = self.buckets, {}
            for bucket in learned.values():
                self.bucket_for('GET', API_PREFIX).inherit(bucket)
        elif sets:
            # Buckets keyed by the organization or project of their path become the buckets of their sets, with what
            # they learned (nothing is in flight while this runs).
            learned, self.buckets = self.buckets, {}
            for bucket in learned.values():
                if bucket.last_request is not None:
                    self.bucket_for(*bucket.last_request).inherit(bucket)
        if store and self.use_cache:
            self._store_cache(results)

    def _cache_path(self):
        return os.path.join(default_cache_dir(), 'rate-limits', _digest(self.base_url) + '.json')

    def _load_cache(self):
        try:
            with open(self._cache_path()) as handle:
                document = json.load(handle)
            if self.wall_clock() - float(document['fetched_at']) < CACHE_LIFETIME_SECONDS:
                self._install(document['results'])
        except (IOError, OSError, ValueError, KeyError, TypeError):
            pass

    def _store_cache(self, results):
        path = self._cache_path()
        try:
            ensure_private_directory(os.path.dirname(path), 'rate-limit cache directory', TokenCacheError)
            fd, tmp_path = tempfile.mkstemp(prefix='.rate-limits-', dir=os.path.dirname(path))
            with os.fdopen(fd, 'w') as handle:
                json.dump(dict(fetched_at=self.wall_clock(), results=results), handle)
            os.replace(tmp_path, path)
        except (IOError, OSError, TokenCacheError):
            pass  # a cache that cannot be written only costs the next run one read

    # -- what the run reports --------------------------------------------------------------------------

    def report(self):
        with self._cond:
            buckets = [bucket.view() for bucket in self.buckets.values() if bucket.calls]
            return dict(calls=self.calls, status_429=self.status_429, waited_seconds=round(self.waited(), 1),
                        buckets=sorted(buckets, key=lambda view: (str(view['endpoint_set']), view['scope'])))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
