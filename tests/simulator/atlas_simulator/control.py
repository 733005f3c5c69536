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
    """Read or change the per-minute limits: ``api_per_minute`` (Admin API, per caller) and
    ``token_per_minute`` (/api/oauth/token, per client id). A reset restores the start-up values."""
    if request.method == 'POST':
        body = _body(request)
        known = {'api_per_minute': sim.api_limiter, 'token_per_minute': sim.token_limiter}
        unknown = sorted(set(body) - set(known))
        if unknown or not body:
            raise ValueError(f'give api_per_minute and/or token_per_minute (unknown: {", ".join(unknown) or "none"})')
        for name, value in body.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be an integer of at least 1')
        for name, value in body.items():
            known[name].set_limit(value)
    return 200, {'api_per_minute': sim.api_limiter.limit, 'token_per_minute': sim.token_limiter.limit}


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
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        return _json(400, {'error': str(exc)})
    return _json(status, payload)
