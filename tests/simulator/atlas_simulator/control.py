# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``/_sim/`` control API for tests (never part of Atlas): clock, faults, rate limits, journal, state, reset.

No authentication; only loopback clients may use it.
"""

import ipaddress
import json

from .clock import iso, parse_iso
from .messages import Response
from .ratelimit import preset, preset_names, shorthand


def _json(status, payload):
    return Response(status, json.dumps(payload, indent=2).encode('utf-8'), {'Content-Type': 'application/json'})


def _body(request):
    if not request.body.strip():
        return {}
    body = json.loads(request.body)
    if not isinstance(body, dict):
        raise ValueError('the body must be a JSON object')
    return body


def _clock(sim, request):
    if request.method == 'POST':
        body = _body(request)
        if 'set' in body:
            sim.clock.set(parse_iso(body['set']))
        elif 'advance_seconds' in body:
            sim.clock.advance(float(body['advance_seconds']))
        elif 'advance_hours' in body:
            sim.clock.advance(float(body['advance_hours']) * 3600)
        else:
            raise ValueError('give one of set, advance_seconds, advance_hours')
    return 200, {'now': iso(sim.clock.now())}


def _faults(sim, request):
    if request.method == 'POST':
        return 201, {'fault': sim.faults.add(_body(request)).describe(), 'pending': sim.faults.pending()}
    if request.method == 'DELETE':
        sim.faults.clear()
    return 200, {'faults': sim.faults.pending()}


def _rate_limit(sim, request):
    """The shorthand: ``api_per_minute`` N replaces the Admin API configuration with one ORGANIZATION bucket
    per organization over every endpoint (capacity N, N tokens every 60 s, full at once; the headers and
    inspection modes stay); ``token_per_minute`` is /api/oauth/token's limit per client id. GET reports
    ``api_per_minute`` as N while the configuration is uniform (every set capacity N, N tokens per 60 s, no
    override: the default configuration gives 10000), else null. A reset restores the start-up values."""
    if request.method == 'POST':
        body = _body(request)
        known = ('api_per_minute', 'token_per_minute')
        unknown = sorted(set(body) - set(known))
        if unknown or not body:
            raise ValueError(f'give api_per_minute and/or token_per_minute (unknown: {", ".join(unknown) or "none"})')
        for name, value in body.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be an integer of at least 1')
        if 'api_per_minute' in body:
            current = sim.rate_limits.document()
            sim.rate_limits.configure(dict(shorthand(body['api_per_minute']), headers=current['headers'],
                                           inspection=current['inspection']))
        if 'token_per_minute' in body:
            sim.token_limiter.set_limit(body['token_per_minute'])
    return 200, {'api_per_minute': sim.rate_limits.per_minute(), 'token_per_minute': sim.token_limiter.limit}


def _rate_limits(sim, request):
    """The Admin API's endpoint sets: GET the configuration and the live buckets; PUT a whole configuration
    (or ``{"preset": name}``, optionally with ``headers``/``inspection``); POST a patch (see
    ``RateLimits.patch``). PUT starts every bucket full; POST keeps their levels."""
    if request.method == 'PUT':
        body = _body(request)
        if 'preset' in body:
            extra = sorted(set(body) - {'preset', 'headers', 'inspection'})
            if extra:
                raise ValueError(f'with preset, only headers and inspection may be given (not {", ".join(extra)})')
            body = dict(preset(body['preset']), **{key: body[key] for key in ('headers', 'inspection') if key in body})
        sim.rate_limits.configure(body)
    elif request.method == 'POST':
        sim.rate_limits.patch(_body(request), sim.clock.now().timestamp())
    return 200, {'config': sim.rate_limits.document(), 'buckets': sim.rate_limits.buckets(sim.clock.now()),
                 'api_per_minute': sim.rate_limits.per_minute(), 'presets': preset_names()}


def _journal(sim, request):
    if request.method == 'DELETE':
        sim.journal.clear()
        return 200, {'mark': 0, 'entries': []}
    since = int(request.query.get('since') or 0)
    return 200, {'mark': sim.journal.mark(), 'entries': sim.journal.since(since)}


def _mark(sim, request):  # pylint: disable=unused-argument
    return 200, {'mark': sim.journal.mark()}


def _state(sim, request):  # pylint: disable=unused-argument
    return 200, sim.state.dump(sim.clock.now())


def _reset(sim, request):  # pylint: disable=unused-argument
    sim.reset()
    return 200, {'reset': True, 'now': iso(sim.clock.now())}


def _info(sim, request):  # pylint: disable=unused-argument
    return 200, sim.info


def _violations(sim, request):
    if request.method == 'DELETE':
        sim.violations.clear()
    return 200, {'violations': list(sim.violations)}


ROUTES = {
    '/_sim/clock': (('GET', 'POST'), _clock),
    '/_sim/faults': (('GET', 'POST', 'DELETE'), _faults),
    '/_sim/rate-limit': (('GET', 'POST'), _rate_limit),
    '/_sim/rate-limits': (('GET', 'PUT', 'POST'), _rate_limits),
    '/_sim/journal': (('GET', 'DELETE'), _journal),
    '/_sim/journal/mark': (('POST',), _mark),
    '/_sim/state': (('GET',), _state),
    '/_sim/reset': (('POST',), _reset),
    '/_sim/info': (('GET',), _info),
    '/_sim/violations': (('GET', 'DELETE'), _violations),
}


def handle(sim, request):
    """Answer one control request."""
    if not ipaddress.ip_address(request.client_ip).is_loopback:
        return _json(403, {'error': 'the control API is available to loopback clients only'})
    route = ROUTES.get(request.path.rstrip('/'))
    if route is None:
        return _json(404, {'error': f'unknown control endpoint {request.path}', 'endpoints': sorted(ROUTES)})
    methods, function = route
    if request.method not in methods:
        return _json(405, {'error': f'{request.method} not allowed; use {", ".join(methods)}'})
    try:
        status, payload = function(sim, request)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        return _json(400, {'error': str(exc)})
    return _json(status, payload)
