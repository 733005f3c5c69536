# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rate limiting on the simulated clock.

* :class:`SlidingWindow`: the OAuth token endpoint's legacy limit (``RATE_LIMITED``, N requests per
  minute per client id).
* :class:`RateLimits`: the Admin API's documented model. Endpoints are grouped in *endpoint sets*;
  each set has a *scope* (``ORGANIZATION``, ``GROUP``, ``USER``, ``IP``), a capacity, a refill rate and
  a refill duration, and optional per-entity overrides. There is one token bucket per (endpoint set,
  scope entity). A request costs one token; an empty bucket answers 429
  ``RATE_LIMITED_TOKEN_BUCKET`` and consumes nothing. Refill is ``interval`` (all ``refillRate`` tokens
  at once at each boundary, every ``refillDurationSeconds`` from the bucket's first use: what Atlas's
  429s suggest) or ``smooth`` (continuous). The configuration format is documented in README.md.
"""

import collections
import copy
import fnmatch
import glob
import json
import math
import os
import threading

SCOPES = ('ORGANIZATION', 'GROUP', 'USER', 'IP')
REFILL_MODES = ('interval', 'smooth')
HEADER_MODES = ('sent', 'omit-ratelimit', 'omit-all')
INSPECTION_MODES = ('available', '403', '404')
INSPECTION_OPERATIONS = ('listRateLimits', 'getRateLimit')
LIMIT_FIELDS = ('capacity', 'refillRate', 'refillDurationSeconds')
SET_FIELDS = ('endpointSetId', 'endpointSetName', 'scope', 'endpoints', 'refillMode', 'overrides') + LIMIT_FIELDS
METHODS = ('GET', 'POST', 'PUT', 'DELETE', 'PATCH')
PRESET_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'rate_limits')
SHORTHAND_SET_ID = 'simulator_allEndpoints_org'

# Which scope a request names explicitly decides between sets that list the same endpoint with different
# scopes (the rate-limit inspection sets): first an explicit entity in this order, then an implicit one.
EXPLICIT_ORDER = ('GROUP', 'ORGANIZATION', 'USER', 'IP')
IMPLICIT_ORDER = ('USER', 'ORGANIZATION', 'IP')


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


# --- configuration ---------------------------------------------------------------------------------


def _positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'{what} must be an integer of at least 1 (got {value!r})')
    return value


def _limits(body, what, required):
    """The capacity / refillRate / refillDurationSeconds of a set or an override."""
    limits = {}
    for field in LIMIT_FIELDS:
        if field in body:
            limits[field] = _positive_int(body[field], f'{what}: {field}')
        elif required:
            raise ValueError(f'{what}: {field} is required')
    return limits


class EndpointSet:
    """One endpoint set: id, name, scope, endpoints (method, template path), limits, refill mode, overrides."""

    def __init__(self, body, operations):
        if not isinstance(body, dict):
            raise ValueError('an endpoint set is a JSON object')
        unknown = sorted(set(body) - set(SET_FIELDS))
        if unknown:
            raise ValueError(f'unknown endpoint set field(s): {", ".join(unknown)}')
        self.id = body.get('endpointSetId')
        if not isinstance(self.id, str) or not self.id:
            raise ValueError('endpointSetId (a non-empty string) is required')
        what = f'endpoint set {self.id}'
        self.name = body.get('endpointSetName', self.id)
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f'{what}: endpointSetName must be a non-empty string')
        self.scope = body.get('scope')
        if self.scope not in SCOPES:
            raise ValueError(f'{what}: scope must be one of {", ".join(SCOPES)}')
        self.mode = body.get('refillMode', 'interval')
        if self.mode not in REFILL_MODES:
            raise ValueError(f'{what}: refillMode must be one of {", ".join(REFILL_MODES)}')
        self.limits = _limits(body, what, required=True)
        self.endpoints = _expand_endpoints(body.get('endpoints'), operations, what)
        overrides = body.get('overrides') or {}
        if not isinstance(overrides, dict):
            raise ValueError(f'{what}: overrides is an object of entity id -> limits')
        self.overrides = {}
        for entity, limits in overrides.items():
            if not isinstance(limits, dict) or not limits or set(limits) - set(LIMIT_FIELDS):
                raise ValueError(f'{what}: the override of {entity} needs one or more of {", ".join(LIMIT_FIELDS)}')
            self.overrides[str(entity)] = _limits(limits, f'{what}, override of {entity}', required=False)

    def effective(self, entity):
        """(capacity, refillRate, refillDurationSeconds) applied to ``entity`` (None: the defaults)."""
        limits = dict(self.limits, **self.overrides.get(entity, {})) if entity is not None else self.limits
        return tuple(limits[field] for field in LIMIT_FIELDS)

    def config(self):
        """The set as a configuration document (endpoints expanded)."""
        return {
            'endpointSetId': self.id, 'endpointSetName': self.name, 'scope': self.scope,
            'endpoints': [{'method': method, 'path': path} for method, path in self.endpoints],
            **self.limits, 'refillMode': self.mode,
            'overrides': copy.deepcopy(self.overrides),
        }

    def view(self, entity=None):
        """The RateLimitEndpointSetResponse body: values applied to ``entity``; ``defaultValue`` for each
        field the entity's override changes."""
        override = self.overrides.get(entity, {}) if entity is not None else {}
        body = {'endpointSetId': self.id, 'endpointSetName': self.name, 'scope': self.scope,
                'endpoints': [{'method': method, 'path': path} for method, path in self.endpoints]}
        for field in LIMIT_FIELDS:
            value = {'value': override.get(field, self.limits[field])}
            if field in override:
                value['defaultValue'] = self.limits[field]
            body[field] = value
        return body


def _expand_endpoints(entries, operations, what):
    """Endpoint entries -> sorted unique (method, template) pairs of the spec.

    An entry is ``{"method": "GET", "path": "/api/atlas/v2/..."}``; ``method`` may be ``*`` and ``path`` may
    use ``*`` wildcards (fnmatch), so one entry can name every operation under a path.
    """
    if not isinstance(entries, list) or not entries:
        raise ValueError(f'{what}: endpoints must be a non-empty list of {{method, path}}')
    found = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {'method', 'path'} or not all(
                isinstance(entry[key], str) for key in entry):
            raise ValueError(f'{what}: each endpoint is {{"method": ..., "path": ...}} (got {entry!r})')
        method = entry['method'].upper()
        matched = [(op_method, template) for op_method, template in operations
                   if method in ('*', op_method) and fnmatch.fnmatchcase(template, entry['path'])]
        if not matched:
            raise ValueError(f'{what}: no operation of the spec matches {method} {entry["path"]}')
        found.extend(pair for pair in matched if pair not in found)
    return sorted(found, key=lambda pair: (pair[1], METHODS.index(pair[0]) if pair[0] in METHODS else 99))


def load_document(source):
    """A configuration document from a dict or a JSON file path."""
    if isinstance(source, dict):
        return copy.deepcopy(source)
    with open(source, encoding='utf-8') as handle:
        document = json.load(handle)
    if not isinstance(document, dict):
        raise ValueError(f'{source}: a rate-limit configuration is a JSON object')
    return document


def preset_names():
    """The presets shipped in ``rate_limits/`` (file names without ``.json``)."""
    return sorted(os.path.basename(path)[:-5] for path in glob.glob(os.path.join(PRESET_DIR, '*.json')))


def preset(name):
    """The configuration document of a preset."""
    if name not in preset_names():
        raise ValueError(f'unknown rate-limit preset {name!r}; presets: {", ".join(preset_names())}')
    with open(os.path.join(PRESET_DIR, f'{name}.json'), encoding='utf-8') as handle:
        return json.load(handle)


def shorthand(per_minute):
    """``--api-rate-limit N`` / ``{"api_per_minute": N}``: one ORGANIZATION bucket per organization over every
    Admin API endpoint, capacity N, N tokens at once every 60 s."""
    per_minute = _positive_int(per_minute, 'api_per_minute')
    return {'endpointSets': [{
        'endpointSetId': SHORTHAND_SET_ID, 'endpointSetName': 'All Admin API endpoints (simulator shorthand)',
        'scope': 'ORGANIZATION', 'endpoints': [{'method': '*', 'path': '/api/atlas/v2/*'}],
        'capacity': per_minute, 'refillRate': per_minute, 'refillDurationSeconds': 60, 'refillMode': 'interval'}]}


# --- buckets ---------------------------------------------------------------------------------------


class Bucket:
    """A token bucket; times are POSIX seconds of the simulated clock."""

    def __init__(self, limits, mode, now):
        self.capacity, self.rate, self.seconds = limits
        self.mode = mode
        self.tokens = float(self.capacity)
        self.anchor = now  # interval boundaries are at anchor + k * seconds
        self.updated = now

    def refill(self, now):
        """Add what the time since the last update brings (nothing when the clock went back)."""
        if now <= self.updated:
            return
        if self.mode == 'smooth':
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate / self.seconds)
        else:
            passed = math.floor((now - self.anchor) / self.seconds) - math.floor((self.updated - self.anchor) / self.seconds)
            if passed > 0:
                self.tokens = min(self.capacity, self.tokens + passed * self.rate)
        self.updated = now

    def wait(self, now):
        """Seconds from ``now`` until the bucket holds one token."""
        missing = 1.0 - self.tokens
        if missing <= 0:
            return 0.0
        if self.mode == 'smooth':
            return missing * self.seconds / self.rate
        boundaries = max(1, math.ceil(missing / self.rate))
        next_boundary = self.anchor + (math.floor((now - self.anchor) / self.seconds) + boundaries) * self.seconds
        return max(0.0, next_boundary - now)

    def take(self, now):
        """Spend one token: ``(allowed, remaining, retry_after_seconds)``; a refusal spends nothing."""
        self.refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True, int(math.floor(self.tokens + 1e-9)), 0
        return False, int(math.floor(self.tokens + 1e-9)), math.floor(self.wait(now) + 1e-9)

    def reconfigure(self, limits, mode, now):
        """New limits from ``now`` on: refill under the old ones first, then clamp to the new capacity."""
        self.refill(now)
        self.capacity, self.rate, self.seconds = limits
        self.mode = mode
        self.tokens = min(self.tokens, float(self.capacity))

    def describe(self, now):
        """Live level for GET /_sim/rate-limits."""
        self.refill(now)
        level = {'tokens': round(self.tokens, 3), 'remaining': int(math.floor(self.tokens + 1e-9)),
                 'capacity': self.capacity, 'refillRate': self.rate, 'refillDurationSeconds': self.seconds,
                 'refillMode': self.mode, 'secondsUntilNextToken': round(self.wait(now), 3) if self.tokens < 1 else 0}
        if self.mode == 'interval':
            level['secondsUntilNextRefill'] = round(
                self.anchor + (math.floor((now - self.anchor) / self.seconds) + 1) * self.seconds - now, 3)
        return level


class Decision:
    """The outcome of charging one request: the set, the entity, and the bucket's answer."""

    def __init__(self, endpoint_set, entity, allowed, remaining, retry_after, limits):
        self.endpoint_set = endpoint_set
        self.entity = entity
        self.allowed = allowed
        self.remaining = remaining
        self.retry_after = retry_after
        self.capacity, self.rate, self.seconds = limits

    def journal(self):
        """What the journal entry records under ``rate_limit``."""
        return {'endpoint_set': self.endpoint_set.id, 'scope': self.endpoint_set.scope, 'entity': self.entity,
                'remaining': self.remaining, 'limited': not self.allowed}


class RateLimits:
    """The endpoint-set configuration, its live buckets and the two fallback modes (headers, inspection)."""

    def __init__(self, operations):
        self.operations = list(operations)
        self._lock = threading.RLock()
        self.sets = {}
        self.headers = 'sent'
        self.inspection = 'available'
        self._buckets = {}

    # --- configuration ------------------------------------------------------------------------------

    def _build(self, set_bodies):
        sets = {}
        for body in set_bodies:
            endpoint_set = EndpointSet(body, self.operations)
            if endpoint_set.id in sets:
                raise ValueError(f'endpoint set {endpoint_set.id} is defined twice')
            sets[endpoint_set.id] = endpoint_set
        owners = {}
        for endpoint_set in sets.values():
            for method, path in endpoint_set.endpoints:
                other = owners.setdefault((method, path, endpoint_set.scope), endpoint_set.id)
                if other != endpoint_set.id:
                    raise ValueError(f'{method} {path} is in two {endpoint_set.scope} sets ({other}, {endpoint_set.id}); '
                                     'an endpoint belongs to at most one set per scope')
        return sets

    @staticmethod
    def _modes(document):
        headers = document.get('headers', 'sent')
        if headers not in HEADER_MODES:
            raise ValueError(f'headers must be one of {", ".join(HEADER_MODES)}')
        inspection = document.get('inspection', 'available')
        if inspection not in INSPECTION_MODES:
            raise ValueError(f'inspection must be one of {", ".join(INSPECTION_MODES)}')
        return headers, inspection

    def configure(self, document):
        """Replace the whole configuration (``endpointSets``, ``headers``, ``inspection``); buckets start full."""
        if not isinstance(document, dict):
            raise ValueError('a rate-limit configuration is a JSON object')
        unknown = sorted(set(document) - {'endpointSets', 'headers', 'inspection', 'description'})
        if unknown:
            raise ValueError(f'unknown configuration field(s): {", ".join(unknown)}')
        bodies = document.get('endpointSets')
        if not isinstance(bodies, list):
            raise ValueError('endpointSets (a list of endpoint sets) is required')
        sets = self._build(bodies)
        headers, inspection = self._modes(document)
        with self._lock:
            self.sets, self.headers, self.inspection = sets, headers, inspection
            self._buckets = {}

    def patch(self, body, now):
        """Change parts of the configuration; live buckets keep their level (clamped to a lower capacity).

        Keys, applied in this order: ``endpointSets`` (full sets, added or replacing the set of that id),
        ``removeEndpointSets`` (ids), ``update`` ({id: {field: value}}, any set field but the id),
        ``overrides`` ({id: {entity: limits or null}}), ``headers``, ``inspection``, ``resetBuckets`` (true).
        """
        unknown = sorted(set(body) - {'endpointSets', 'removeEndpointSets', 'update', 'overrides', 'headers',
                                      'inspection', 'resetBuckets'})
        if unknown or not body:
            raise ValueError(f'unknown or no change (unknown: {", ".join(unknown) or "none"})')
        with self._lock:
            bodies = {set_id: endpoint_set.config() for set_id, endpoint_set in self.sets.items()}
            for set_body in body.get('endpointSets') or []:
                if not isinstance(set_body, dict) or 'endpointSetId' not in set_body:
                    raise ValueError('each of endpointSets needs an endpointSetId')
                bodies[set_body['endpointSetId']] = set_body
            for set_id in body.get('removeEndpointSets') or []:
                if bodies.pop(set_id, None) is None:
                    raise ValueError(f'unknown endpoint set {set_id}')
            for set_id, fields in (body.get('update') or {}).items():
                if set_id not in bodies:
                    raise ValueError(f'unknown endpoint set {set_id}')
                if not isinstance(fields, dict) or 'endpointSetId' in fields:
                    raise ValueError(f'update of {set_id}: give the fields to change (not the id)')
                bodies[set_id] = dict(bodies[set_id], **fields)
            for set_id, entities in (body.get('overrides') or {}).items():
                if set_id not in bodies or not isinstance(entities, dict):
                    raise ValueError(f'overrides: unknown endpoint set {set_id} or not an object of entity -> limits')
                overrides = dict(bodies[set_id].get('overrides') or {})
                for entity, limits in entities.items():
                    if limits is None:
                        overrides.pop(entity, None)
                    else:
                        overrides[entity] = limits
                bodies[set_id] = dict(bodies[set_id], overrides=overrides)
            sets = self._build(list(bodies.values()))
            headers, inspection = self._modes({'headers': body.get('headers', self.headers),
                                               'inspection': body.get('inspection', self.inspection)})
            reset = body.get('resetBuckets', False)
            if not isinstance(reset, bool):
                raise ValueError('resetBuckets must be true or false')
            self.sets, self.headers, self.inspection = sets, headers, inspection
            if reset:
                self._buckets = {}
            for (set_id, entity), bucket in list(self._buckets.items()):
                if set_id not in sets:
                    del self._buckets[(set_id, entity)]
                else:
                    bucket.reconfigure(sets[set_id].effective(entity), sets[set_id].mode, now)

    def reset_buckets(self):
        """Every bucket full again (forgotten; a new one starts full)."""
        with self._lock:
            self._buckets = {}

    def document(self):
        """The configuration as a document ``configure`` accepts (endpoints expanded)."""
        with self._lock:
            return {'endpointSets': [endpoint_set.config() for endpoint_set in self.sets.values()],
                    'headers': self.headers, 'inspection': self.inspection}

    def per_minute(self):
        """N when the configuration is uniform as the shorthand makes it (every set capacity N, N tokens per
        60 s, no override), else None."""
        with self._lock:
            values = {(s.limits['capacity'], s.limits['refillRate'], s.limits['refillDurationSeconds'])
                      for s in self.sets.values()}
            overridden = any(s.overrides for s in self.sets.values())
        if len(values) != 1 or overridden:
            return None
        capacity, rate, seconds = values.pop()
        return capacity if capacity == rate and seconds == 60 else None

    def buckets(self, now):
        """Live buckets for GET /_sim/rate-limits."""
        with self._lock:
            return [dict({'endpointSetId': set_id, 'scope': self.sets[set_id].scope, 'entity': entity},
                         **bucket.describe(now.timestamp()))
                    for (set_id, entity), bucket in sorted(self._buckets.items(), key=lambda item: (item[0][0], str(item[0][1])))]

    # --- charging -------------------------------------------------------------------------------------

    def choose(self, method, template, entities):
        """The set that charges a request, and its entity; ``entities``: scope -> (entity, explicit) or None."""
        with self._lock:
            candidates = {s.scope: s for s in self.sets.values() if (method, template) in s.endpoints}
        if not candidates:
            return None, None
        for explicit, order in ((True, EXPLICIT_ORDER), (False, IMPLICIT_ORDER)):
            for scope in order:
                found = entities.get(scope)
                if scope in candidates and found is not None and found[0] is not None and found[1] == explicit:
                    return candidates[scope], found[0]
        return None, None

    def charge(self, method, template, entities, now):
        """Spend a token of the request's bucket: a :class:`Decision`, or None when no set lists the endpoint
        (or its scope entity cannot be told from the request)."""
        endpoint_set, entity = self.choose(method, template, entities)
        if endpoint_set is None:
            return None
        stamp = now.timestamp()
        with self._lock:
            limits = endpoint_set.effective(entity)
            bucket = self._buckets.get((endpoint_set.id, entity))
            if bucket is None:
                bucket = self._buckets[(endpoint_set.id, entity)] = Bucket(limits, endpoint_set.mode, stamp)
            allowed, remaining, retry_after = bucket.take(stamp)
        return Decision(endpoint_set, entity, allowed, remaining, retry_after, limits)

    def headers_for(self, decision):
        """The RateLimit-* headers of an answer (none in the ``omit-*`` modes)."""
        if decision is None or self.headers != 'sent':
            return {}
        return {'RateLimit-Limit': str(decision.capacity), 'RateLimit-Remaining': str(decision.remaining)}

    def refusal(self, decision, raw_path):
        """(detail, parameters, headers) of the documented 429 ``RATE_LIMITED_TOKEN_BUCKET`` answer."""
        path = raw_path.lstrip('/')
        detail = (f'Rate limit exceeded for {path}. Please retry after {decision.retry_after} seconds. '
                  f'Request capacity: {decision.capacity}. Refill rate: {decision.rate} per {decision.seconds} seconds.')
        headers = self.headers_for(decision)
        if self.headers != 'omit-all':
            headers['Retry-After'] = str(decision.retry_after)
        return detail, [path, decision.retry_after, decision.capacity, decision.rate, decision.seconds], headers

    # --- inspection ---------------------------------------------------------------------------------

    def views(self, selections, names=(), paths=()):
        """RateLimitEndpointSetResponse bodies: ``selections`` is a list of (scope or None, entity); a scope
        selects its sets valued for the entity, None every set with default values. ``names`` (exact) and
        ``paths`` (prefix of an endpoint's template path) filter further."""
        with self._lock:
            found = []
            for scope, entity in selections:
                for endpoint_set in self.sets.values():
                    if scope is not None and endpoint_set.scope != scope:
                        continue
                    if names and endpoint_set.name not in names:
                        continue
                    if paths and not any(path.startswith(prefix) for _method, path in endpoint_set.endpoints
                                         for prefix in paths):
                        continue
                    found.append(endpoint_set.view(entity))
            return found

    def view(self, set_id, entities):
        """One set's body valued for the entity of its scope in ``entities`` (scope -> entity), or None."""
        with self._lock:
            endpoint_set = self.sets.get(set_id)
            return None if endpoint_set is None else endpoint_set.view(entities.get(endpoint_set.scope))
