# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The :class:`Simulator`: state, clock and hooks plus a loopback HTTP server, usable in-process."""

import datetime
import sys
import threading

from .auth import DigestNonces
from .clock import SimClock, parse_iso
from .faults import FaultQueue
from .journal import Journal
from .ratelimit import RateLimits, SlidingWindow, load_document, preset, shorthand
from .seed import load_seed
from .server import Application, SimulatorServer
from .state import State
from .validation import load_contract


class Simulator:
    """A MongoDB Atlas Admin API v2 (Service Accounts) simulator.

    ``seed``: None (default seed), a dict or a path to a JSON seed file. ``strict``: validate every
    response against the spec and turn a violation into a 500 ``SIMULATOR_RESPONSE_INVALID``.
    ``start_time``: a datetime or ISO string for the simulated clock (default: real time).

    Admin API rate limits (at most one of the first three; default: the ``default`` preset):
    ``api_rate_limit`` N (shorthand: one ORGANIZATION bucket per organization over every endpoint,
    capacity N, N tokens every 60 s), ``rate_limits`` (a configuration dict or JSON file path),
    ``rate_limit_preset`` (a name in ``rate_limits/``); ``rate_limit_headers`` and
    ``rate_limits_inspection`` override the configuration's ``headers`` and ``inspection`` modes.
    """

    def __init__(self, seed=None, strict=True, token_ttl=3600, token_rate_limit=50, max_secret_hours=8760,
                 start_time=None, api_rate_limit=None, verbose=False, rate_limits=None, rate_limit_preset=None,
                 rate_limit_headers=None, rate_limits_inspection=None):
        self.seed = load_seed(seed)
        self.strict = strict
        self.token_ttl = int(token_ttl)
        self.max_secret_hours = int(max_secret_hours)
        self.verbose = verbose
        if isinstance(start_time, str):
            start_time = parse_iso(start_time)
        if isinstance(start_time, datetime.datetime) and start_time.tzinfo is None:
            start_time = start_time.replace(tzinfo=datetime.timezone.utc)
        self.clock = SimClock(start_time)
        self.contract = load_contract()
        self.state = State()
        self.journal = Journal()
        self.faults = FaultQueue()
        self.nonces = DigestNonces()
        self.token_rate_limit = int(token_rate_limit)
        self.token_limiter = SlidingWindow(token_rate_limit)
        self.rate_limits = RateLimits((operation.method, operation.template) for operation in self.contract.operations)
        self.rate_limit_document = self._rate_limit_document(api_rate_limit, rate_limits, rate_limit_preset,
                                                             rate_limit_headers, rate_limits_inspection)
        self.rate_limits.configure(self.rate_limit_document)  # fails early on a broken configuration
        self.violations = []
        self.url = None
        self._server = None
        self._thread = None
        self.reset()

    @staticmethod
    def _rate_limit_document(api_rate_limit, rate_limits, rate_limit_preset, headers, inspection):
        given = [name for name, value in (('api_rate_limit', api_rate_limit), ('rate_limits', rate_limits),
                                          ('rate_limit_preset', rate_limit_preset)) if value is not None]
        if len(given) > 1:
            raise ValueError(f'give at most one of {", ".join(given)}')
        if api_rate_limit is not None:
            document = shorthand(int(api_rate_limit))
        elif rate_limits is not None:
            document = load_document(rate_limits)
        else:
            document = preset(rate_limit_preset or 'default')
        if headers is not None:
            document['headers'] = headers
        if inspection is not None:
            document['inspection'] = inspection
        return document

    def reset(self):
        """Back to the seed: state, tokens, journal, faults, rate limits (start-up configuration, full
        buckets) and the token endpoint's window, clock offset, violations."""
        self.state.load(self.seed, self.max_secret_hours)
        self.journal.clear()
        self.faults.clear()
        self.nonces.clear()
        self.token_limiter.set_limit(self.token_rate_limit)
        self.token_limiter.clear()
        self.rate_limits.configure(self.rate_limit_document)
        self.clock.reset()
        self.violations.clear()

    def record_violation(self, violation):
        """Keep (and print) a response that broke the spec, so tests can assert on it."""
        self.violations.append(violation)
        print(f"atlas-simulator: RESPONSE VIOLATES SPEC: {violation['operation']} {violation['status']}: "
              + '; '.join(violation['problems']), file=sys.stderr, flush=True)

    def start(self, host='127.0.0.1', port=0):
        """Listen (port 0 = any free port), serve in a background thread, return the base URL."""
        self._server = SimulatorServer((host, port), Application(self), verbose=self.verbose)
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f'http://{bound_host}:{bound_port}'
        self._thread = threading.Thread(target=self._server.serve_forever, name='atlas-simulator', daemon=True)
        self._thread.start()
        return self.url

    def stop(self):
        """Stop serving and close the listening socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def info(self):
        """What the ``--info-file`` holds: URL, seeded ids and the admin credentials."""
        admin = self.state.admin
        org = self.state.orgs[admin['org_id']]
        return {
            'url': self.url,
            'org_id': org.id,
            'project_ids': list(org.projects),
            'admin': {key: admin[key] for key in ('client_id', 'client_secret', 'public_key', 'private_key')},
            'orgs': [self._org_info(o) for o in self.state.orgs.values()],
        }

    def _org_info(self, org):
        """An ``orgs`` entry of the info document: ids, and the organization's own seeded identities."""
        entry = {'id': org.id, 'name': org.name, 'project_ids': list(org.projects)}
        admin = self.state.org_admins.get(org.id)
        if admin:
            entry['admin'] = {key: admin[key] for key in ('client_id', 'client_secret', 'public_key', 'private_key')
                              if admin.get(key)}
        keys = list(self.seed_org(org.id).get('api_keys', []))
        if keys:
            entry['api_keys'] = [{'id': key['id'], 'public_key': key['public_key'], 'private_key': key['private_key'],
                                  'desc': key['desc']} for key in keys]
        accounts = self.seed_org(org.id).get('service_accounts', [])
        if accounts:
            entry['service_accounts'] = [{'client_id': account['client_id'], 'name': account['name'],
                                          'client_secret': account['secrets'][0]['secret'] if account.get('secrets') else None}
                                         for account in accounts]
        return entry

    def seed_org(self, org_id):
        """The seed's entry of an organization ({} when it has none)."""
        return next((item for item in self.seed['orgs'] if item['id'] == org_id), {})
