# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make chaos`: the project_onboarding role under a seeded fault matrix (issue 12 section 1).

One fresh Atlas simulator (tests/utils/simulator.sh) with P projects; the role (many-projects mode,
tests/chaos/onboard.yml) keeps A service accounts in each. For I iterations, each with faults drawn
from a seeded random generator:

  429 bursts with and without Retry-After, the Admin API rate limit turned down, 500/502/503/504,
  connection resets (drop), writes applied but their response lost (apply_then_drop), delays past
  api_timeout (delay, apply_then_delay), the access token revoked mid-run, and the simulator's clock
  moved into the secrets' rotation windows (never past the expiry of a secret that is in use).

Every new secret also goes to a secret store (the role's project_onboarding_secret_store): a vault_kv2 path
chaos/{project_id}/{name} of an OpenBao dev server (tests/utils/secret_servers.py), reached through a
fault-injecting proxy (tests/chaos/store_proxy.py) that adds the store faults: a write applied but its answer
lost (write-lost), a write answered 503 unapplied (write-refused), reads answered 503 (read-down, up to one
more than the module's read attempts) and the path's version bumped out of band just before a write, so its
check-and-set fails (write-conflict). They aim at one account (one whose store write is due, for writes) or at
all of them.

Atlas faults target one project or all of them, and one kind of call (listing, account create, account
update, secret create, secret delete, token mint, any), with a count. Accounts join over the first
iterations (so creates are not all in the first one) and roles drift (so there are updates).

After every iteration, and after a final clean converge run and a clean rerun, the invariants are
checked against the simulator's state (/_sim/state), its journal, the credentials files, the store (read
directly, not through the proxy) and the proxy's log:

  no-duplicates        no two accounts with one name in a project, ever
  keeps-valid-secret   an account seen with a valid secret never has none (nor disappears)
  credentials-file     every file's secret is known to Atlas (id and SHA-256), unexpired by the
                       simulator's clock, and mints a token (POST /api/oauth/token, HTTP Basic); mode 0600
  fresh-after-success  after a successful run, every file's secret outlives the rotation window (the
                       role's promise: each account keeps a secret valid beyond it, in its file)
  store-document       a store document, when there is one, names an account of that name in that project and
                       a secret Atlas knows for it (id, SHA-256 of its client_secret, expires_at), unexpired, that
                       mints a token; no document (nothing delivered yet, or an out-of-band delete) is allowed
                       only while runs fail for the account
  store-fresh          after a successful run, every active account's store holds its newest valid secret,
                       valid beyond the rotation window (nothing stale)
  failure-reason       a run fails only when its retry budget was exhausted, and says so: each failed
                       project's message names a rate limit, or 5xx answers or connection errors that
                       outlasted api_retries (or api_retry_max_wait), or a create whose answer was lost twice
                       (never retried blindly), and the journal bears it out; an account that failed naming its
                       store is explained by an injected store fault on its path (reads answered 503 as often as
                       the module reads, or a refused, conflicting or lost-and-unconfirmed write), a read failure
                       left it untouched (no write of Atlas for it, no account created), and a delivery failure
                       says truly what the store still holds; any other failure is a violation
  no-secret-in-logs    no secret value appears in a run's output (run with -vvvv; secure logging is off, to read
                       messages): no Atlas secret of a file or a store document, no admin secret, no Vault token
  converged            after the clean converge run: every wished account exists, with its file, and its store
                       holds its newest valid secret, valid beyond its rotation window
  clean-rerun          the clean rerun is changed=0, with no write and exactly one GET per project; at the
                       store, one read per account and no write

A duplicated account, once recorded, is deleted (keeping the one its file names) as the module's message
tells an operator to, so that the iterations after it are not all stopped by it. Faults are cleared
before the checks, and every check waits until the simulator answered the run's last request.

Prints one line of figures and writes every detail to .cache/chaos/report.json; exits 1 on any
violation that is not a known failure (KNOWN_FAILURES below: a bug reported, not yet fixed;
tests/chaos/repro.py reproduces each). The OpenBao server is stopped at the end, also on a failure, an
interrupt or SIGTERM.

  python tests/chaos/chaos.py [--seed S] [--iterations I] [--projects P] [--accounts A]
  (or CHAOS_SEED, CHAOS_ITERATIONS, CHAOS_PROJECTS, CHAOS_ACCOUNTS, CHAOS_API_TIMEOUT, ...)
"""

from __future__ import absolute_import, division, print_function

import argparse
import base64
import collections
import datetime
import hashlib
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOK = os.path.join(HERE, 'onboard.yml')
sys.path.insert(0, HERE)
import store_proxy  # noqa: E402  pylint: disable=wrong-import-position


def load_bench():
    """tests/benchmark/bench.py, for its seed (make_seed), Simulator wrapper and journal counting."""
    spec = importlib.util.spec_from_file_location('cloudops_atlas_bench', os.path.join(ROOT, 'tests', 'benchmark', 'bench.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_bench()


def load_secret_servers():
    """tests/utils/secret_servers.py: starts and stops the OpenBao dev server."""
    spec = importlib.util.spec_from_file_location('cloudops_atlas_secret_servers', os.path.join(ROOT, 'tests', 'utils', 'secret_servers.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


secret_servers = load_secret_servers()

# The fault kinds drawn per iteration (the names of the figures line), with their weights.
KINDS = collections.OrderedDict((
    ('429-retry-after', 3), ('429', 3), ('rate-limit', 2), ('5xx', 5), ('drop', 3),
    ('apply-then-drop', 4), ('delay', 2), ('apply-then-delay', 3), ('revoke', 2), ('clock', 3),
    ('write-lost', 3), ('write-refused', 3), ('read-down', 2), ('write-conflict', 2),
))
# The store faults among them (tests/chaos/store_proxy.py does them).
STORE_KINDS = ('write-lost', 'write-refused', 'read-down', 'write-conflict')
STORE_WRITE_KINDS = ('write-lost', 'write-refused', 'write-conflict')
# The store of every account: a KV v2 path of the OpenBao dev server, through the proxy.
STORE_MOUNT = 'secret'
STORE_PATH = 'chaos/{project_id}/{name}'
STORE_ALL = r'chaos/[0-9a-f]{24}/[^/]+'
# How often the module sends one store read before it gives up (_secret_stores.READ_RETRIES + 1).
STORE_READ_ATTEMPTS = 3
STATUSES_5XX = (500, 502, 503, 504)
# What a fault aims at: (method, path regex with {project}).
SA = r'/api/atlas/v2/groups/{project}/serviceAccounts'
TARGETS = collections.OrderedDict((
    ('listing', ('GET', SA + '$')),
    ('create-account', ('POST', SA + '$')),
    ('update-account', ('PATCH', SA + r'/[^/]+$')),
    ('create-secret', ('POST', SA + r'/[^/]+/secrets$')),
    ('delete-secret', ('DELETE', SA + r'/[^/]+/secrets/[^/]+$')),
    ('token', ('POST', r'^/api/oauth/token$')),
    ('any', (None, SA + '(/|$)')),
))
# Which targets each kind may aim at, with weights (a write-only fault never aims at the listing).
TARGET_WEIGHTS = {
    'status': (('listing', 2), ('create-account', 2), ('update-account', 1), ('create-secret', 3), ('delete-secret', 2),
               ('token', 1), ('any', 2)),
    'drop': (('listing', 2), ('create-account', 2), ('update-account', 1), ('create-secret', 3), ('delete-secret', 2),
             ('token', 1), ('any', 1)),
    'apply': (('create-account', 3), ('update-account', 1), ('create-secret', 4), ('delete-secret', 3), ('any', 1)),
}
ROLE_SETS = (['GROUP_READ_ONLY'], ['GROUP_DATA_ACCESS_READ_ONLY', 'GROUP_READ_ONLY'])
# The secrets of the accounts: (expires_after_hours, rotate_before_hours), alternating by position.
SECRET_RULES = ((240, 72), (720, 168))
# The clock never moves closer than this to the expiry of a secret in use (the checks take time too).
CLOCK_MARGIN_HOURS = 2

# Bugs reported and not fixed yet: a violation that matches one is counted as a known failure, shown
# in the figures, and does not fail the run. Each entry: (id, invariant, regex on the violation's
# detail, what it is). None now.
KNOWN_FAILURES = ()
# Found by the chaos run and fixed since (tests/chaos/repro.py still replays each one):
#   B1 HTTP 500 was never retried, not even on a GET;
#   B2 a secret DELETE whose response was lost was retried, got 404 and failed the run;
#   B3 a token minted by the run and revoked mid-run was not renewed;
#   B4 a secret whose value never reached its credentials file was never replaced;
#   B5 a create that timed out before Atlas applied it was sent again (a duplicate account);
#   B6 atlas_service_account_set crashed while reporting an account whose create had failed;
#   B7 a store write that failed at a rotation left the file with the new secret and the store with the previous
#      one; the next run protected both and Atlas refused a third (the store now gets the file's secret).


env_int = bench.env_int


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seed', type=int, default=env_int('CHAOS_SEED', 12), help='random seed (env CHAOS_SEED, default 12)')
    parser.add_argument('--iterations', type=int, default=env_int('CHAOS_ITERATIONS', 20),
                        help='faulted iterations (env CHAOS_ITERATIONS, default 20)')
    parser.add_argument('--projects', type=int, default=env_int('CHAOS_PROJECTS', 5), help='projects (env CHAOS_PROJECTS, default 5)')
    parser.add_argument('--accounts', type=int, default=env_int('CHAOS_ACCOUNTS', 2),
                        help='service accounts per project (env CHAOS_ACCOUNTS, default 2)')
    parser.add_argument('--api-timeout', type=int, default=env_int('CHAOS_API_TIMEOUT', 2),
                        help='api_timeout of the modules, seconds (env CHAOS_API_TIMEOUT, default 2); delays outlast it')
    parser.add_argument('--api-retries', type=int, default=env_int('CHAOS_API_RETRIES', 3),
                        help='api_retries of the modules (env CHAOS_API_RETRIES, default 3); bursts are up to one longer')
    parser.add_argument('--api-retry-max-wait', type=int, default=env_int('CHAOS_API_RETRY_MAX_WAIT', 10),
                        help='api_retry_max_wait of the modules, seconds (env CHAOS_API_RETRY_MAX_WAIT, default 10)')
    parser.add_argument('--api-rate-limit-max-wait', type=int, default=env_int('CHAOS_API_RATE_LIMIT_MAX_WAIT', 10),
                        help='api_rate_limit_max_wait of the modules, seconds (env CHAOS_API_RATE_LIMIT_MAX_WAIT, default 10): '
                             'how long a run may wait for rate-limit refills, so a lowered limit ends runs instead of stalling them')
    parser.add_argument('--verbosity', type=int, default=env_int('CHAOS_VERBOSITY', 4),
                        help='ansible-playbook -v count of every run (env CHAOS_VERBOSITY, default 4: -vvvv, so that the '
                             'no-secret-in-logs check reads the module arguments and results too)')
    parser.add_argument('--stage', default=os.path.join(ROOT, '.cache', 'stage'),
                        help='directory holding ansible_collections/cloudops/atlas (make stage)')
    parser.add_argument('--output', default=os.path.join(ROOT, '.cache', 'chaos', 'report.json'), help='JSON report')
    parser.add_argument('--workdir', default=os.path.join(ROOT, '.cache', 'chaos', 'work'),
                        help='scratch directory (emptied first): simulator, credentials, token cache, logs')
    args = parser.parse_args(argv)
    if args.iterations < 0 or args.projects < 1 or args.accounts < 1:
        parser.error('--iterations must be at least 0, --projects and --accounts at least 1')
    if args.projects * args.accounts > bench.MAX_ACCOUNTS:
        parser.error('more than the %d service accounts Atlas allows in one organization' % bench.MAX_ACCOUNTS)
    if args.api_timeout < 1 or args.api_retries < 0 or args.api_retry_max_wait < 0 or args.api_rate_limit_max_wait < 0:
        parser.error('--api-timeout must be at least 1, --api-retries, --api-retry-max-wait and --api-rate-limit-max-wait at least 0')
    return args


def progress(message):
    print('chaos: ' + message, file=sys.stderr, flush=True)


def parse_time(text):
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)


def sha256(text):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


# -- the simulator --------------------------------------------------------------------------------------------


class Simulator(bench.Simulator):
    """The benchmark's simulator wrapper, plus the control calls and OAuth calls the chaos run needs."""

    def state(self):
        return self.control('GET', '/_sim/state')

    def mark(self):
        return self.control('POST', '/_sim/journal/mark')['mark']

    def journal_since(self, mark):
        return self.control('GET', '/_sim/journal?since=%d' % mark)['entries']

    def add_fault(self, spec):
        return self.control('POST', '/_sim/faults', spec)['fault']

    def clear_faults(self):
        """Drop the pending faults; return those that were never used."""
        pending = self.control('GET', '/_sim/faults')['faults']
        self.control('DELETE', '/_sim/faults')
        return pending

    def rate_limit(self, **limits):
        return self.control('POST', '/_sim/rate-limit', limits) if limits else self.control('GET', '/_sim/rate-limit')

    def oauth(self, path, client_id, client_secret, form):
        """POST to /api/oauth/...: (status, JSON body). RFC 6749 2.3.1: id and secret form-encoded, then Basic."""
        basic = base64.b64encode(('%s:%s' % (urllib.parse.quote(client_id, safe=''),
                                             urllib.parse.quote(client_secret, safe=''))).encode()).decode()
        request = urllib.request.Request(self.info['url'] + path, data=urllib.parse.urlencode(form).encode(), method='POST',
                                         headers={'Authorization': 'Basic ' + basic, 'Accept': 'application/json',
                                                  'Content-Type': 'application/x-www-form-urlencoded'})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            try:
                body = json.load(exc)
            except ValueError:
                body = None
            return exc.code, body

    def mint(self, client_id, client_secret):
        """Mint a token with these credentials and revoke it at once; return (status, error code)."""
        status, body = self.oauth('/api/oauth/token', client_id, client_secret, {'grant_type': 'client_credentials'})
        if status == 200:
            self.oauth('/api/oauth/revoke', client_id, client_secret, {'token': body['access_token']})
            return status, None
        return status, (body or {}).get('errorCode')

    def revoke(self, token):
        admin = self.info['admin']
        return self.oauth('/api/oauth/revoke', admin['client_id'], admin['client_secret'], {'token': token})[0]

    def delete_account(self, client_id):
        """DELETE /orgs/{orgId}/serviceAccounts/{clientId} as the admin (a token minted and revoked for it); the HTTP status."""
        admin = self.info['admin']
        status, body = self.oauth('/api/oauth/token', admin['client_id'], admin['client_secret'], {'grant_type': 'client_credentials'})
        if status != 200:
            return status
        request = urllib.request.Request(
            '%s/api/atlas/v2/orgs/%s/serviceAccounts/%s' % (self.info['url'], self.info['org_id'], client_id), method='DELETE',
            headers={'Authorization': 'Bearer ' + body['access_token'], 'Accept': 'application/vnd.atlas.2024-08-05+json'})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        self.revoke(body['access_token'])
        return status


class Store:
    """The secret store of the run: an OpenBao dev server (tests/utils/secret_servers.py) and the fault-injecting
    proxy in front of it (tests/chaos/store_proxy.py), which the role is given. The checks read the server directly."""

    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.info = None
        self.proxy = None
        self.session = requests.Session()
        self.session.trust_env = False

    def start(self):
        self.info = secret_servers.start('openbao', self.state_dir)
        self.proxy = store_proxy.StoreProxy(self.info['url'], mount=STORE_MOUNT, token=self.info['token']).start()
        return self

    def stop(self):
        if self.proxy is not None:
            self.proxy.stop()
        secret_servers.stop(self.state_dir, ['openbao'])
        self.session.close()

    @property
    def token(self):
        return self.info['token']

    def spec(self):
        """The role's project_onboarding_secret_store."""
        return dict(type='vault_kv2', url=self.proxy.url, token=self.token, mount=STORE_MOUNT, path=STORE_PATH)

    @staticmethod
    def location(project_id, name):
        return STORE_PATH.format(project_id=project_id, name=name)

    def document(self, project_id, name):
        """What the store holds for the account, read directly: (the document or None, its version)."""
        response = self.session.get('%s/v1/%s/data/%s' % (self.info['url'], STORE_MOUNT, self.location(project_id, name)),
                                    headers={'X-Vault-Token': self.token}, timeout=30)
        body = response.json() if response.content else {}
        data = body.get('data') or {}
        version = (data.get('metadata') or {}).get('version') or 0
        if response.status_code == 404:
            return None, version
        response.raise_for_status()
        document = data.get('data')
        return (document if isinstance(document, dict) else None), version

    def put(self, project_id, name, document):
        """Write a document directly (not through the proxy): what an operator does by hand."""
        response = self.session.post('%s/v1/%s/data/%s' % (self.info['url'], STORE_MOUNT, self.location(project_id, name)),
                                     headers={'X-Vault-Token': self.token}, json={'data': document}, timeout=30)
        response.raise_for_status()
        return response.json()['data']['version']

    def held_id(self, project_id, name):
        """The secret id the store holds for the account (None: nothing)."""
        document = self.document(project_id, name)[0]
        return (document or {}).get('secret_id') if (document or {}).get('client_secret') else None


# -- what the role is asked to keep -----------------------------------------------------------------------------


class Wishes:
    """The accounts of every project: the first of each project from the start, the others joining during
    the first half of the run; roles drift from time to time."""

    def __init__(self, rng, project_ids, accounts, iterations, credentials_root):
        self.project_ids = project_ids
        self.credentials_root = credentials_root
        self.accounts = []  # dicts: project_id, name, joins, roles, hours, window
        for project_index, project_id in enumerate(project_ids):
            for index in range(accounts):
                hours, window = SECRET_RULES[(project_index + index) % len(SECRET_RULES)]
                joins = 1 if index == 0 else rng.randint(1, max(1, (iterations + 1) // 2))
                self.accounts.append(dict(project_id=project_id, name='chaos-%d' % (index + 1), joins=joins,
                                          roles=list(ROLE_SETS[0]), hours=hours, window=window))

    def active(self, iteration):
        return [account for account in self.accounts if account['joins'] <= iteration]

    def drift(self, rng, iteration):
        """Maybe change the roles of one active account (so some runs update an account); return its name."""
        candidates = self.active(iteration)
        if not candidates or rng.random() >= 0.4:
            return None
        account = rng.choice(candidates)
        account['roles'] = list(ROLE_SETS[1] if account['roles'] == ROLE_SETS[0] else ROLE_SETS[0])
        return '%s/%s' % (account['project_id'], account['name'])

    def credentials_dir(self, project_id):
        return os.path.join(self.credentials_root, project_id)

    def file(self, account):
        return os.path.join(self.credentials_dir(account['project_id']), account['name'] + '.json')

    def projects_var(self, iteration):
        """The role's project_onboarding_projects."""
        active = self.active(iteration)
        return [dict(project_id=project_id, credentials_dir=self.credentials_dir(project_id),
                     service_accounts=[dict(name=account['name'], description='Chaos account %s of project %s' % (account['name'], project_id),
                                            roles=account['roles'], secret_expires_after_hours=account['hours'],
                                            rotate_before_hours=account['window'])
                                       for account in active if account['project_id'] == project_id])
                for project_id in self.project_ids]


# -- the faults of one iteration --------------------------------------------------------------------------------


def weighted(rng, pairs):
    total = sum(weight for _item, weight in pairs)
    pick = rng.uniform(0, total)
    for item, weight in pairs:
        pick -= weight
        if pick <= 0:
            return item
    return pairs[-1][0]


def pick_target(rng, family, due):
    """A target of the family's weights among those with work due (the listing and `any` always are)."""
    pairs = [(target, weight) for target, weight in TARGET_WEIGHTS[family] if due.get(target)]
    return weighted(rng, pairs or list(TARGET_WEIGHTS[family]))


def fault_path(rng, target, project_ids, due):
    """(method, path regex): half of the time one project where the target has work due, else every project."""
    method, path = TARGETS[target]
    candidates = sorted(due.get(target) or project_ids)
    project = rng.choice(candidates) if rng.random() < 0.5 else '[0-9a-f]{24}'
    return method, path.format(project=project)


class Plan:
    """The faults of one iteration: queued faults, a rate limit, a revocation, a clock move."""

    def __init__(self, kinds=()):
        self.kinds = list(kinds)  # fault kinds drawn (names of KINDS)
        self.faults = []  # (kind, target, spec) for /_sim/faults
        self.rate_limit = None  # api_per_minute during the run
        self.rate_window_age = None  # seconds the clock moves on first, so older calls leave the window soon
        self.revoke_after = None  # revoke the token once this many Admin API requests arrived
        self.clock = 'clock' in self.kinds
        self.store_faults = []  # (kind, target 'one' or 'all', spec) for the store proxy

    def describe(self):
        return dict(kinds=self.kinds, faults=[dict(spec, drawn=kind, target=target) for kind, target, spec in self.faults],
                    store_faults=[dict(spec, target=target) for _kind, target, spec in self.store_faults],
                    rate_limit=self.rate_limit, rate_window_age_s=self.rate_window_age, revoke_after_requests=self.revoke_after,
                    clock=self.clock)


def draw_kinds(rng, first_kind):
    """The fault kinds of one iteration: `first_kind`, then up to two more drawn by weight."""
    return [first_kind] + [weighted(rng, list(KINDS.items())) for dummy in range(rng.choice((0, 1, 1, 2)))]


def due_targets(state, wishes, iteration, token_likely, store=None):
    """{target: projects} where the run is expected to make such a call (the clock already moved); and
    {'store-read': accounts, 'store-write': accounts}, as (project id, name), for the store faults."""
    now = parse_time(state['now'])
    due = collections.defaultdict(set)
    due['listing'] = due['any'] = set(wishes.project_ids)
    if token_likely:
        due['token'] = set(wishes.project_ids)
    for account in wishes.active(iteration):
        project_id = account['project_id']
        key = (project_id, account['name'])
        due['store-read'].add(key)
        matches = [current for current in project_accounts(state, project_id) if current['name'] == account['name']]
        if not matches:
            due['create-account'].add(project_id)
            due['store-write'].add(key)
            continue
        current = matches[0]
        if sorted(current['projects'][project_id]) != sorted(account['roles']):
            due['update-account'].add(project_id)
        valid = [secret for secret in current['secrets'] if parse_time(secret['expiresAt']) > now]
        newest = max(valid, key=lambda secret: secret['expiresAt']) if valid else None
        if not valid or parse_time(newest['expiresAt']) - now <= datetime.timedelta(hours=account['window']):
            due['create-secret'].add(project_id)
            due['store-write'].add(key)
            if len(current['secrets']) >= 2:
                due['delete-secret'].add(project_id)
        elif store is not None and store.held_id(project_id, account['name']) != newest['id']:
            due['store-write'].add(key)  # a stale store gets a new secret
    return due


def draw_plan(rng, args, project_ids, kinds, due):
    """The faults of the kinds, aimed at calls that `due` expects."""
    plan = Plan(kinds)
    for kind in kinds:
        burst = rng.randint(1, args.api_retries + 1)  # up to one more than the retries: may exhaust them
        if kind in ('429-retry-after', '429', '5xx'):
            target = pick_target(rng, 'status', due)
            spec = dict(kind='status', count=burst, status=429 if kind.startswith('429') else rng.choice(STATUSES_5XX))
            if kind == '429-retry-after':
                spec['retry_after'] = rng.randint(1, 2)
            elif kind == '5xx' and rng.random() < 0.3:
                spec['retry_after'] = 1
        elif kind == 'drop':
            target = pick_target(rng, 'drop', due)
            spec = dict(kind='reset', count=burst)
        elif kind == 'apply-then-drop':
            target = pick_target(rng, 'apply', due)
            spec = dict(kind='apply_then_drop', count=rng.randint(1, 2))
        elif kind in ('delay', 'apply-then-delay'):
            target = pick_target(rng, 'drop' if kind == 'delay' else 'apply', due)
            spec = dict(kind=kind.replace('-', '_'), count=rng.randint(1, 2), seconds=round(args.api_timeout + rng.uniform(0.5, 1.5), 1))
        elif kind in STORE_KINDS:
            plan.store_faults.append(draw_store_fault(rng, kind, due))
            continue
        elif kind == 'rate-limit':
            plan.rate_limit = rng.randint(2, len(project_ids) + 4)
            plan.rate_window_age = rng.randint(40, 58)
            continue
        elif kind == 'revoke':
            plan.revoke_after = rng.randint(1, len(project_ids) + 2)
            continue
        else:  # clock: moved before the plan is drawn
            continue
        method, spec['path'] = fault_path(rng, target, project_ids, due)
        if method:
            spec['method'] = method
        plan.faults.append((kind, target, spec))
    return plan


def draw_store_fault(rng, kind, due):
    """(kind, target, spec) of one store fault: at one account (one whose store write is due, for writes) half of the
    time, else at every account. read-down counts up to one more than the module's attempts at one read (so it may
    fail the account), or, aimed at all, sometimes enough to fail every read (the store down)."""
    pool = sorted(due.get('store-read' if kind == 'read-down' else 'store-write') or [])
    if pool and rng.random() < 0.5:
        target, location = 'one', re.escape(Store.location(*rng.choice(pool)))
    else:
        target, location = 'all', STORE_ALL
    if kind == 'read-down':
        count = rng.randint(1, STORE_READ_ATTEMPTS + 1)
        if target == 'all' and rng.random() < 0.3:
            count = STORE_READ_ATTEMPTS * max(1, len(pool))
    elif kind == 'write-conflict':
        count = 1
    else:
        count = rng.randint(1, 2)
    return kind, target, dict(kind=kind, count=count, location=location)


def clock_advance_hours(rng, state, wishes, store=None):
    """Hours to move the clock: into (or past) some rotation windows, never past the expiry of the newest
    valid secret of a wished account, nor of a secret held in a credentials file or in the store."""
    now = parse_time(state['now'])
    limit = None
    for account, current in wished_accounts(state, wishes):
        valid = [parse_time(secret['expiresAt']) for secret in current['secrets'] if parse_time(secret['expiresAt']) > now]
        held = read_file(wishes.file(account)) or {}
        held_ids = [held.get('secret_id')] + ([store.held_id(account['project_id'], account['name'])] if store else [])
        bounds = [parse_time(secret['expiresAt']) for secret in current['secrets'] if secret['id'] in held_ids]
        bounds += [max(valid)] if valid else []
        if bounds:
            bound = min(bounds) - now
            limit = bound if limit is None else min(limit, bound)
    if limit is None:
        return 0
    hours = limit.total_seconds() / 3600 - CLOCK_MARGIN_HOURS
    if hours <= 1:
        return 0
    # Mostly deep into the windows (rotations are due), sometimes short of them.
    return round(rng.uniform(0.6, 1.0) * hours if rng.random() < 0.8 else rng.uniform(0, 0.5) * hours, 2)


# -- state, files and invariants --------------------------------------------------------------------------------


def read_file(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def project_accounts(state, project_id):
    return [account for account in state['serviceAccounts']
            if not account.get('systemManaged') and project_id in (account.get('projects') or {})]


def wished_accounts(state, wishes, iteration=None):
    """(wish, the one current account) of every wished account that exists once."""
    pairs = []
    for account in wishes.accounts if iteration is None else wishes.active(iteration):
        matches = [current for current in project_accounts(state, account['project_id']) if current['name'] == account['name']]
        if len(matches) == 1:
            pairs.append((account, matches[0]))
    return pairs


class Checker:
    """The invariants; remembers what it has seen across checks (accounts once seen with a valid secret)."""

    def __init__(self, sim, wishes, args, store=None):
        self.sim = sim
        self.wishes = wishes
        self.args = args
        self.store = store
        self.had_valid = {}  # client id -> (project id, name)
        self.secrets_seen = set()  # every secret value seen in a credentials file or a store document (for the log check)
        self.secrets_seen.add(sim.info['admin']['client_secret'])
        if store is not None:
            self.secrets_seen.add(store.token)

    def check_state(self, state):
        violations = []
        now = parse_time(state['now'])
        by_id = dict((account['clientId'], account) for account in state['serviceAccounts'])
        for project_id in self.wishes.project_ids:
            names = collections.Counter(account['name'] for account in project_accounts(state, project_id))
            for name, count in sorted(names.items()):
                if count > 1:
                    clients = sorted(account['clientId'] for account in project_accounts(state, project_id) if account['name'] == name)
                    violations.append(violation('no-duplicates', '%d accounts named %r in project %s: %s'
                                                % (count, name, project_id, ', '.join(clients))))
        for client_id, (project_id, name) in sorted(self.had_valid.items()):
            account = by_id.get(client_id)
            if account is None or project_id not in (account.get('projects') or {}):
                violations.append(violation('keeps-valid-secret', 'account %s (%r in project %s) had a valid secret and is gone'
                                            % (client_id, name, project_id), key=client_id))
            elif not any(parse_time(secret['expiresAt']) > now for secret in account['secrets']):
                violations.append(violation('keeps-valid-secret', 'account %s (%r in project %s) had a valid secret and has none now'
                                            ' (secrets: %s)' % (client_id, name, project_id, describe_secrets(account['secrets'])), key=client_id))
        for project_id in self.wishes.project_ids:
            for account in project_accounts(state, project_id):
                if any(parse_time(secret['expiresAt']) > now for secret in account['secrets']):
                    self.had_valid.setdefault(account['clientId'], (project_id, account['name']))
        return violations

    def check_files(self, state, fresh=False):
        """Every credentials file against the state; with fresh, its secret must also outlive the rotation window."""
        violations = []
        now = parse_time(state['now'])
        by_id = dict((account['clientId'], account) for account in state['serviceAccounts'])
        windows = dict(((account['project_id'], account['name']), account['window']) for account in self.wishes.accounts)
        for project_id in self.wishes.project_ids:
            directory = self.wishes.credentials_dir(project_id)
            for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
                path = os.path.join(directory, name)
                where = os.path.relpath(path, self.wishes.credentials_root)
                if name.startswith('.'):
                    violations.append(violation('credentials-file', '%s: a temporary file was left behind' % where))
                    continue
                mode = stat.S_IMODE(os.stat(path).st_mode)
                if mode != 0o600:
                    violations.append(violation('credentials-file', '%s: mode %o, not 0600' % (where, mode)))
                document = read_file(path)
                if not isinstance(document, dict) or not all(document.get(key) for key in ('client_id', 'client_secret', 'secret_id')):
                    violations.append(violation('credentials-file', '%s: not a credentials document' % where))
                    continue
                self.secrets_seen.add(document['client_secret'])
                account = by_id.get(document['client_id'])
                secret = None
                if account is None:
                    problem = 'its account %s does not exist' % document['client_id']
                elif account['name'] != name[:-len('.json')] or project_id not in (account.get('projects') or {}):
                    problem = 'its account %s is %r, not this project\'s %r' % (document['client_id'], account['name'], name[:-5])
                else:
                    secret = dict((item['id'], item) for item in account['secrets']).get(document['secret_id'])
                    if secret is None:
                        problem = 'Atlas does not know its secret %s (the account has %s)' % (
                            document['secret_id'], describe_secrets(account['secrets']))
                    elif secret.get('sha256') != sha256(document['client_secret']):
                        problem = 'its secret value is not the value of secret %s' % document['secret_id']
                    elif parse_time(secret['expiresAt']) <= now:
                        problem = 'its secret %s expired at %s (simulator clock %s)' % (document['secret_id'], secret['expiresAt'], state['now'])
                    else:
                        problem = None
                if problem is None:
                    status, error = self.sim.mint(document['client_id'], document['client_secret'])
                    if status != 200:
                        problem = 'its credentials do not mint a token: HTTP %s %s' % (status, error or '')
                if problem:
                    violations.append(violation('credentials-file', '%s: %s' % (where, problem), key='%s %s' % (where, document['secret_id'])))
                    continue
                window = windows.get((project_id, name[:-5]))
                if fresh and window is not None:
                    left = parse_time(secret['expiresAt']) - now
                    newest = max(account['secrets'], key=lambda item: item['expiresAt'])
                    if left <= datetime.timedelta(hours=window):
                        violations.append(violation(
                            'fresh-after-success', '%s: after a successful run its secret %s expires in %.1f hours, within the %d-hour '
                            'rotation window; the account\'s newest secret is %s (%s)' % (
                                where, secret['id'], left.total_seconds() / 3600, window, newest['id'],
                                'the same' if newest['id'] == secret['id'] else 'not in the file'), key='%s %s' % (where, secret['id'])))
        return violations

    def check_store(self, state, iteration=None, fresh=False, invariant='store-fresh'):
        """Every store document against the state; with fresh, every active account's store must hold its newest valid
        secret, valid beyond the rotation window (`invariant` names that part: store-fresh, or converged)."""
        if self.store is None:
            return []
        violations = []
        now = parse_time(state['now'])
        by_id = dict((account['clientId'], account) for account in state['serviceAccounts'])
        active = set((account['project_id'], account['name']) for account in self.wishes.active(iteration or 0)) if fresh else set()
        current = dict(((account['project_id'], account['name']), match) for account, match in wished_accounts(state, self.wishes))
        for account in self.wishes.accounts:
            project_id, name = account['project_id'], account['name']
            where = 'store %s/%s' % (STORE_MOUNT, Store.location(project_id, name))
            document, version = self.store.document(project_id, name)
            key = (project_id, name)
            due = key in active and key in current
            if document is None:
                if due:
                    violations.append(violation(invariant, '%s holds no secret (version %s) for account %s' % (
                        where, version, current[key]['clientId']), key='%s none' % where))
                continue
            if not all(document.get(item) for item in ('client_id', 'client_secret', 'secret_id')):
                violations.append(violation('store-document', '%s: not a credentials document (keys %s, version %s)' % (
                    where, ', '.join(sorted(document)), version), key='%s version %s' % (where, version)))
                continue
            self.secrets_seen.add(document['client_secret'])
            holder = by_id.get(document['client_id'])
            secret = None
            if holder is None:
                problem = 'its account %s does not exist' % document['client_id']
            elif holder['name'] != name or project_id not in (holder.get('projects') or {}):
                problem = 'its account %s is %r, not this project\'s %r' % (document['client_id'], holder['name'], name)
            else:
                secret = dict((item['id'], item) for item in holder['secrets']).get(document['secret_id'])
                if secret is None:
                    problem = 'Atlas does not know its secret %s (the account has %s)' % (
                        document['secret_id'], describe_secrets(holder['secrets']))
                elif secret.get('sha256') != sha256(document['client_secret']):
                    problem = 'its client_secret is not the value of secret %s' % document['secret_id']
                elif document.get('expires_at') != secret['expiresAt']:
                    problem = 'its expires_at %s is not the expiry %s of secret %s' % (document.get('expires_at'), secret['expiresAt'], secret['id'])
                elif parse_time(secret['expiresAt']) <= now:
                    problem = 'its secret %s expired at %s (simulator clock %s)' % (document['secret_id'], secret['expiresAt'], state['now'])
                else:
                    problem = None
            if problem is None:
                status, error = self.sim.mint(document['client_id'], document['client_secret'])
                if status != 200:
                    problem = 'its credentials do not mint a token: HTTP %s %s' % (status, error or '')
            if problem:
                violations.append(violation('store-document', '%s (version %s): %s' % (where, version, problem),
                                            key='%s %s' % (where, document['secret_id'])))
                continue
            if not due:
                continue
            valid = [item for item in current[key]['secrets'] if parse_time(item['expiresAt']) > now]
            newest = max(valid, key=lambda item: item['expiresAt'])
            left = parse_time(secret['expiresAt']) - now
            if current[key]['clientId'] != document['client_id'] or newest['id'] != secret['id']:
                violations.append(violation(invariant, '%s holds secret %s, not the newest valid secret %s of account %s (stale)' % (
                    where, secret['id'], newest['id'], current[key]['clientId']), key='%s %s' % (where, secret['id'])))
            elif left <= datetime.timedelta(hours=account['window']):
                violations.append(violation(invariant, '%s: its secret %s expires in %.1f hours, within the %d-hour rotation window' % (
                    where, secret['id'], left.total_seconds() / 3600, account['window']), key='%s %s' % (where, secret['id'])))
        return violations

    def heal_duplicates(self, state):
        """Delete the extra accounts of a duplicated name (keeping the one its credentials file names, else the oldest),
        as the module's message tells an operator to, so that later iterations are not all stopped by it."""
        healed = []
        for project_id in self.wishes.project_ids:
            names = collections.Counter(account['name'] for account in project_accounts(state, project_id))
            for name in sorted(name for name, count in names.items() if count > 1):
                matches = sorted((account for account in project_accounts(state, project_id) if account['name'] == name),
                                 key=lambda account: account.get('createdAt') or '')
                held = [(read_file(os.path.join(self.wishes.credentials_dir(project_id), name + '.json')) or {}).get('client_id')]
                if self.store is not None:
                    held.append((self.store.document(project_id, name)[0] or {}).get('client_id'))
                ids = [account['clientId'] for account in matches]
                keep = next((client_id for client_id in held if client_id in ids), matches[0]['clientId'])
                for account in matches:
                    if account['clientId'] != keep:
                        status = self.sim.delete_account(account['clientId'])
                        self.had_valid.pop(account['clientId'], None)
                        healed.append(dict(project_id=project_id, name=name, deleted=account['clientId'], kept=keep, status=status))
        return healed

    def check_converged(self, state, iteration):
        """Every wished account exists (once: duplicates are their own invariant) and has its file, and its store holds
        its newest valid secret, valid beyond the rotation window."""
        violations = [item for item in self.check_store(state, iteration, fresh=True, invariant='converged')
                      if item['invariant'] == 'converged']  # the documents themselves are checked after every run
        present = dict(((account['project_id'], account['name']), current) for account, current in wished_accounts(state, self.wishes, iteration))
        for account in self.wishes.active(iteration):
            key = (account['project_id'], account['name'])
            if key not in present:
                if not any(current['name'] == account['name'] for current in project_accounts(state, account['project_id'])):
                    violations.append(violation('converged', 'account %r of project %s does not exist' % (account['name'], account['project_id'])))
                continue
            document = read_file(self.wishes.file(account))
            if not document:
                violations.append(violation('converged', 'account %r of project %s (%s) has no credentials file' % (
                    account['name'], account['project_id'], present[key]['clientId'])))
            elif document.get('client_id') != present[key]['clientId']:
                violations.append(violation('converged', 'the credentials file of %r in project %s names %s, not the account %s' % (
                    account['name'], account['project_id'], document.get('client_id'), present[key]['clientId'])))
        return violations

    def check_logs(self, *paths):
        violations = []
        if self.store is not None:
            self.secrets_seen.update(self.store.proxy.values_written())  # every value sent to the store, kept or not
        for path in paths:
            try:
                with open(path) as handle:
                    text = handle.read()
            except (IOError, OSError):
                continue
            for value in self.secrets_seen:
                if value and value in text:
                    violations.append(violation('no-secret-in-logs', '%s holds a secret value (...%s)' % (
                        os.path.relpath(path, ROOT), value[-4:])))
        return violations


def describe_secrets(secrets):
    return ', '.join('%s until %s' % (secret['id'], secret['expiresAt']) for secret in secrets) or 'none'


def violation(invariant, detail, key=None):
    """One violation; `key` names what it is about, so that one lasting problem is counted once across checks."""
    known = [known_id for known_id, known_invariant, pattern, _what in KNOWN_FAILURES
             if known_invariant == invariant and re.search(pattern, detail)]
    entry = dict(invariant=invariant, detail=detail, key='%s: %s' % (invariant, key or detail))
    if known:
        entry['known'] = known[0]
    return entry


# -- failures ---------------------------------------------------------------------------------------------------

GAVE_UP = re.compile(r'\(gave up after (\d+) attempts\)')
CONNECTION = re.compile(r'cannot connect to|no response from .* within|timed out connecting')
# A create whose outcome stays unknown after the module's one re-read and one more create (never retried blindly).
LOST_CREATE = re.compile(r'^(?:.*: )?POST \S+: .*; Atlas may have applied it$|the value of the new secret of .* was lost twice')


def classify_message(part):
    """The reason of one failed project's message: 'rate limit', '5xx exhausted' or 'connection' (a retry budget
    exhausted), 'lost create' (a create lost twice: not retried blindly, by design), or None when the message names
    no exhausted budget."""
    code = re.search(r'\[([A-Z_]+)\]', part)
    code = code.group(1) if code else None
    # The legacy code, the Admin API's token buckets, and the rate governor's wait budget (api_rate_limit_max_wait).
    if code in ('RATE_LIMITED', 'RATE_LIMITED_TOKEN_BUCKET', 'RATE_LIMIT_WAIT_BUDGET'):
        return 'rate limit'
    if code in ('BAD_GATEWAY', 'SERVICE_UNAVAILABLE', 'GATEWAY_TIMEOUT', 'UNEXPECTED_ERROR') and GAVE_UP.search(part):
        return '5xx exhausted'
    if code is None and CONNECTION.search(part) and GAVE_UP.search(part):
        return 'connection'
    if LOST_CREATE.search(part):
        return 'lost create'
    return None


def split_failure(msg):
    """A module failure message as one part per failed project ("...: project X: error; project Y: error")."""
    parts = re.split(r'(?:^|; )(?=project [0-9a-f]{24}: )', msg)
    return [part for part in parts if part.strip()] or [msg]


def wait_budget_may_run_out(attempts, entries, args):
    """Whether api_retry_max_wait may have ended the retries before api_retries did: a 429 (a Retry-After of up
    to 60 s) was answered, or the longest backoffs (1, 2, 4, ... s, at most 30) of these attempts exceed it."""
    if any(entry['status'] == 429 for entry in entries):
        return True
    return sum(min(30, 2 ** attempt) for attempt in range(attempts)) > args.api_retry_max_wait


def confirm(reason, part, entries, args):
    """Why the journal does not bear out the reason (None when it does): the 429s, or as many answers of the
    kind as the message's attempts, up to api_retries + 1."""
    attempts = GAVE_UP.search(part)
    attempts = int(attempts.group(1)) if attempts else 1
    statuses = [entry['status'] for entry in entries]
    faults = [entry['fault'] for entry in entries if entry.get('fault')]
    if reason == 'rate limit':
        # The governor may stop waiting before any 429, for a bucket the journal shows empty.
        drained = any((entry.get('rate_limit') or {}).get('remaining') == 0 for entry in entries)
        return None if 429 in statuses or drained else 'no 429 and no emptied bucket in the journal'
    if reason == 'lost create':
        lost = sum(1 for entry in entries if entry['method'] == 'POST' and (
            entry.get('fault') in ('reset', 'apply_then_drop', 'delay', 'apply_then_delay') or entry['status'] in (502, 504)))
        return None if lost >= 2 else 'the journal shows %d POSTs with a lost or gateway answer, not 2' % lost
    if attempts < args.api_retries + 1 and not wait_budget_may_run_out(attempts, entries, args):
        return 'it gave up after %d attempts, with api_retries %d and waits that fit api_retry_max_wait %d' % (
            attempts, args.api_retries, args.api_retry_max_wait)
    if reason == '5xx exhausted':
        seen = sum(1 for status in statuses if status in STATUSES_5XX)
    else:
        seen = sum(1 for fault in faults if fault in ('reset', 'apply_then_drop', 'delay', 'apply_then_delay'))
    return None if seen >= attempts else 'the journal shows %d such answers for %d attempts' % (seen, attempts)


STORE_TEXT = re.compile(r'\bvault_kv2 ')
STILL_HOLDS = re.compile(r'the store still holds (?:secret (\S+)|no secret), which stays valid')


def store_failures(failure):
    """(accounts of a failed task whose error names their store, the task's message without their parts)."""
    msg = str(failure.get('msg') or '')
    found = []
    for item in failure.get('accounts') or []:
        error = item.get('error') or {}
        detail = str(error.get('detail') or '')
        if STORE_TEXT.search(detail) and not LOST_CREATE.search(detail):
            found.append(item)
            msg = msg.replace('%s: %s' % (item['name'], detail), '')
    return found, msg


def residue(part):
    """What a project's part of a message says once the account parts taken out are gone ('' when nothing)."""
    text = re.sub(r'^Managing the service accounts of [^:]*: ', '', part)
    text = re.sub(r'^\d+ of \d+ projects failed[^:]*: ', '', text)
    text = re.sub(r'^project [0-9a-f]{24}: ', '', text)
    return text.strip('; ')


def confirm_store(item, store_log, entries, state, store):
    """(reason, problem) of an account that failed naming its store: 'store read' or 'store write', and why the proxy's
    log, the journal, the state or the store do not bear it out (None when they do)."""
    error = item.get('error') or {}
    code, detail = error.get('error_code'), str(error.get('detail') or '')
    project_id, name = item.get('project_id'), item.get('name')
    location = Store.location(project_id, name)
    hit = collections.Counter(entry['fault'] for entry in store_log if entry['location'] == location and entry.get('fault'))
    seen = ', '.join('%s x%d' % pair for pair in sorted(hit.items())) or 'none'
    if code == 'DELIVERY_FAILED':
        if 'was created but' not in detail:
            return 'store write', 'it does not say that the secret was created'
        if 'changed by someone else' in detail:
            explained = hit['write-conflict'] > 0
        else:
            explained = hit['write-refused'] > 0 or hit['write-conflict'] > 0 or (
                hit['write-lost'] > 0 and hit['read-down'] >= STORE_READ_ATTEMPTS)  # lost, and the re-read failed too
        if not explained:
            return 'store write', 'the store faults on its path (%s) do not explain it' % seen
        claim = STILL_HOLDS.search(detail)
        if not claim:
            return 'store write', 'it does not say which secret the store still holds'
        held = store.held_id(project_id, name)
        if claim.group(1) != held:
            return 'store write', 'it says the store still holds %s, but it holds %s' % (
                'secret %s' % claim.group(1) if claim.group(1) else 'no secret', 'secret %s' % held if held else 'no secret')
        return 'store write', None
    if code == 'STORE_UNREACHABLE' and ': read failed:' in detail:
        if hit['read-down'] < STORE_READ_ATTEMPTS:
            return 'store read', 'the proxy answered only %d of its reads 503 (faults on its path: %s)' % (hit['read-down'], seen)
        # Failed alone, before anything was done to it: no Atlas write for it, not even its create.
        client_id = item.get('client_id')
        writes = ['%s %s' % (entry['method'], entry['path']) for entry in entries
                  if client_id and entry['method'] != 'GET' and '/serviceAccounts/%s' % client_id in entry['path']]
        if writes:
            return 'store read', 'the run still wrote to its account: %s' % '; '.join(writes)
        if (item.get('action') or ['unchanged']) != ['unchanged']:
            return 'store read', 'its action is %s' % ', '.join(item['action'])
        if not client_id and any(account['name'] == name for account in project_accounts(state, project_id)):
            return 'store read', 'an account named %r was created in project %s' % (name, project_id)
        return 'store read', None
    return 'store', 'no fault of the chaos run makes %s' % code


def read_run(results_path):
    """(stats, failed task results, warnings) from the chaos_results callback's file."""
    document = read_file(results_path)
    if not isinstance(document, dict):
        return None, [], []
    failures = [dict(task=item['task'], msg=item.get('msg'), error=item.get('error'), accounts=item.get('accounts') or [])
                for item in document.get('results', []) if item['status'] in ('failed', 'unreachable')]
    warnings = [warning for item in document.get('results', []) for warning in item.get('warnings') or []]
    return document.get('stats', {}).get('localhost'), failures, warnings


def classify_run(rc, stats, failures, entries, args, store_log=(), state=None, store=None):
    """(reasons, violations) of a run: every failed part must be an exhausted budget that the journal confirms, or an
    account's store failure that an injected store fault explains."""
    if rc == 0 and not failures:
        return [], []
    reasons, violations = [], []
    if not failures:
        return ['no result'], [violation('failure-reason', 'ansible-playbook exited %d without a failed task (stats %s)' % (rc, stats))]
    for failure in failures:
        found, msg = store_failures(failure) if store is not None else ([], str(failure.get('msg') or ''))
        for item in found:
            reason, problem = confirm_store(item, store_log, entries, state, store)
            if problem:
                violations.append(violation('failure-reason', 'an account failed naming its store (%s), but %s: %s in project %s: %s' % (
                    reason, problem, item['name'], item['project_id'], item['error'].get('detail'))))
                reason = violations[-1].get('known') or 'other'
            reasons.append(reason)
        for part in split_failure(msg):
            if found and not residue(part):
                continue
            reason = classify_message(part)
            problem = confirm(reason, part, entries, args) if reason else None
            if reason is None:
                violations.append(violation('failure-reason', 'a failure that names no exhausted retry budget: %s' % part))
            elif problem:
                violations.append(violation('failure-reason', 'a failure that says %s, but %s: %s' % (reason, problem, part)))
            else:
                reasons.append(reason)
                continue
            reasons.append(violations[-1].get('known') or 'other')
    return reasons, violations


# -- one run of the role ----------------------------------------------------------------------------------------


class Runner:
    def __init__(self, args, workdir, sim, wishes, store=None):
        self.args = args
        self.workdir = workdir
        self.sim = sim
        self.wishes = wishes
        self.store = store
        self.cache = os.path.join(workdir, 'xdg-cache')
        self.logs = os.path.join(workdir, 'logs')
        for path in (self.cache, self.logs, wishes.credentials_root):
            os.makedirs(path, mode=0o700, exist_ok=True)
        self.config = os.path.join(workdir, 'ansible.cfg')
        with open(self.config, 'w') as handle:
            handle.write('# empty: the chaos run configures ansible through environment variables\n')

    def env(self, results_file):
        env = bench.playbook_environment(
            self.config, self.args.stage, self.workdir, self.cache, os.path.join(HERE, 'callback_plugins'), 'chaos_results',
            CHAOS_RESULTS_FILE=results_file, MONGODB_ATLAS_BASE_URL=self.sim.info['url'],
            MONGODB_ATLAS_CLIENT_ID=self.sim.info['admin']['client_id'],
            MONGODB_ATLAS_CLIENT_SECRET=self.sim.info['admin']['client_secret'])
        # The store is given in full by the playbook: no VAULT_ADDR, VAULT_TOKEN or VAULT_NAMESPACE of the caller's shell.
        return dict((key, value) for key, value in env.items() if not key.startswith(('VAULT_', 'BAO_')))

    def cached_tokens(self):
        directory = os.path.join(self.cache, 'cloudops.atlas', 'tokens')
        tokens = []
        for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
            if name.endswith('.json') and not name.startswith('.'):
                document = read_file(os.path.join(directory, name))
                if document and document.get('access_token'):
                    tokens.append(document['access_token'])
        return tokens

    def expire_token_cache(self):
        """The simulator's clock moved hours on: the host's cached token (an hour's life, judged by the host's clock) would
        have expired as well, so it goes."""
        directory = os.path.join(self.cache, 'cloudops.atlas', 'tokens')
        for name in os.listdir(directory) if os.path.isdir(directory) else []:
            if name.endswith('.json'):
                os.unlink(os.path.join(directory, name))

    def run(self, label, iteration, revoke_after=None):
        """Run the playbook once; return (rc, stats, failures, warnings, journal entries, revocation, seconds, log paths)."""
        variables = dict(chaos_projects=self.wishes.projects_var(iteration), chaos_api_timeout=self.args.api_timeout,
                         chaos_api_retries=self.args.api_retries, chaos_api_retry_max_wait=self.args.api_retry_max_wait,
                         chaos_api_rate_limit_max_wait=self.args.api_rate_limit_max_wait,
                         project_onboarding_secure_logging=False)
        if self.store is not None:
            variables['chaos_secret_store'] = self.store.spec()
        vars_file = os.path.join(self.workdir, 'vars-%s.json' % label)
        with os.fdopen(os.open(vars_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
            json.dump(variables, handle)
        log_path, results_path = os.path.join(self.logs, label + '.log'), os.path.join(self.logs, label + '.results.json')
        mark = self.sim.mark()
        store_mark = self.store.proxy.mark() if self.store is not None else None
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), PLAYBOOK, '-e', '@' + vars_file]
        if self.args.verbosity:
            command.append('-' + 'v' * self.args.verbosity)
        began = time.monotonic()
        with open(log_path, 'w') as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=self.env(results_path), cwd=self.workdir)
            try:
                revocation = None
                if revoke_after:
                    revocation = self.revoke_mid_run(process, mark, revoke_after)
                rc = process.wait()
            except BaseException:  # Ctrl-C, SIGTERM: the playbook goes too, before the servers are stopped
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                raise
        seconds = round(time.monotonic() - began, 1)
        self.settle(mark)
        stats, failures, warnings = read_run(results_path)
        entries = self.sim.journal_since(mark)
        store_log = self.store.proxy.log_since(store_mark) if self.store is not None else []
        return dict(rc=rc, stats=stats, failures=failures, warnings=warnings, entries=entries, revocation=revocation,
                    seconds=seconds, logs=(log_path, results_path), store_log=store_log)

    def settle(self, mark, timeout=150):
        """Wait until the simulator answered every request of the run (a delayed one may still be on its way in)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(entry['status'] is not None for entry in self.sim.journal_since(mark)):
                return
            time.sleep(0.1)
        progress('requests of the run still unanswered after %d s' % timeout)

    def revoke_mid_run(self, process, mark, after):
        """Once `after` Admin API requests of this run arrived, revoke the access token the modules use (the cached one)."""
        while process.poll() is None:
            entries = self.sim.journal_since(mark)
            api = [entry for entry in entries if entry['path'].startswith('/api/atlas/v2')]
            if len(api) >= after:
                tokens = self.cached_tokens()
                statuses = [self.sim.revoke(token) for token in tokens]
                return dict(after_requests=len(api), tokens=len(tokens), statuses=statuses, at_seq=api[-1]['seq'])
            time.sleep(0.02)
        return dict(after_requests=None, note='the run ended before %d Admin API requests' % after)


# -- the whole run ----------------------------------------------------------------------------------------------


def count_faults(entries):
    return collections.Counter(entry['fault'] for entry in entries if entry.get('fault'))


def changed_of(stats):
    return (stats or {}).get('changed')


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.isdir(os.path.join(args.stage, 'ansible_collections', 'cloudops', 'atlas')):
        progress('no staged collection under %s: run make stage first' % args.stage)
        return 2
    workdir = os.path.abspath(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir, mode=0o700)
    seed_file = os.path.join(workdir, 'seed.json')
    with open(seed_file, 'w') as handle:
        json.dump(bench.make_seed(args.projects), handle)
    rng = random.Random(args.seed)
    began = time.monotonic()
    # SIGTERM (a CI timeout, kill) unwinds like Ctrl-C, so that the servers below are stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sim = Simulator(os.path.join(workdir, 'sim'), ['--seed', seed_file]).start()
    store = None
    try:
        store = Store(os.path.join(workdir, 'store'))
        store.start()
        report = chaos(args, rng, sim, workdir, store)
    finally:
        if store is not None:
            store.stop()
        sim.stop()
    report['seconds'] = round(time.monotonic() - began, 1)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, 'w') as handle:
        json.dump(report, handle, indent=2)
        handle.write('\n')
    for item in report['violations']:
        print('%s %s: %s [%s]' % ('known failure %s,' % item['known'] if item.get('known') else 'VIOLATION', item['invariant'],
                                  item['detail'], ', '.join(item['runs'])))
    print(figures_line(args, report))
    print('Details: %s' % os.path.relpath(os.path.abspath(args.output), ROOT))
    return 1 if any(not item.get('known') for item in report['violations']) else 0


def chaos(args, rng, sim, workdir, store=None):
    project_ids = sim.info['project_ids']
    wishes = Wishes(rng, project_ids, args.accounts, args.iterations, os.path.join(workdir, 'credentials'))
    runner = Runner(args, workdir, sim, wishes, store)
    checker = Checker(sim, wishes, args, store)
    base_limit = sim.rate_limit()['api_per_minute']
    report = dict(seed=args.seed, iterations=args.iterations, projects=args.projects, accounts_per_project=args.accounts,
                  api_timeout=args.api_timeout, api_retries=args.api_retries, api_retry_max_wait=args.api_retry_max_wait,
                  api_rate_limit_max_wait=args.api_rate_limit_max_wait,
                  runs=[], violations=[], known_failures=[dict(id=known_id, invariant=invariant, what=what)
                                                          for known_id, invariant, _pattern, what in KNOWN_FAILURES])
    progress('seed %d: %d iterations x %d projects x %d accounts; work in %s' % (
        args.seed, args.iterations, args.projects, args.accounts, os.path.relpath(workdir, ROOT)))
    rotation = []
    for iteration in range(1, args.iterations + 1):
        if not rotation:  # every kind leads an iteration in turn (in a seeded order), so a short run covers most
            rotation = list(KINDS)
            rng.shuffle(rotation)
        kinds = draw_kinds(rng, rotation.pop())
        drifted = wishes.drift(rng, iteration)
        before = sim.state()
        checker.check_state(before)  # note the accounts that have a valid secret now
        clock = None
        # A store write fault needs a store write: when none is due, the clock moves into rotation windows as for `clock`.
        wants_write = any(kind in STORE_WRITE_KINDS for kind in kinds) and not due_targets(before, wishes, iteration, False, store)['store-write']
        if 'clock' in kinds or wants_write:
            hours = clock_advance_hours(rng, before, wishes, store)
            clock = dict(advance_hours=hours, now=sim.advance(advance_hours=hours) if hours else before['now'],
                         why='clock' if 'clock' in kinds else 'a store write fault, with no store write due')
            if hours >= 1 and 'revoke' in kinds:
                # The cached token is expired by the simulator's clock now. Alone, that is the 401 the module renews once;
                # with a revocation too it would be a second one, which only a clock jump makes: the host's clock moves too.
                runner.expire_token_cache()
            before = sim.state()
        due = due_targets(before, wishes, iteration, token_likely=iteration == 1 or clock is not None or 'revoke' in kinds, store=store)
        plan = draw_plan(rng, args, project_ids, kinds, due)
        if plan.rate_limit:
            sim.advance(advance_seconds=plan.rate_window_age)
            sim.rate_limit(api_per_minute=plan.rate_limit)
        for _kind, _target, spec in plan.faults:
            sim.add_fault(spec)
        for _kind, _target, spec in plan.store_faults:
            store.proxy.add_fault(spec['kind'], spec['count'], spec['location'])
        run = runner.run('iteration-%02d' % iteration, iteration, revoke_after=plan.revoke_after)
        unused = sim.clear_faults() + (store.proxy.clear_faults() if store is not None else [])
        if plan.rate_limit:
            sim.rate_limit(api_per_minute=base_limit)
        record = iteration_record(args, iteration, plan, drifted, clock, run, unused, checker, sim, wishes)
        report['runs'].append(record)
        show(record, ' '.join(plan.kinds), note_violations(report, record))
    # Faults off: converge (whatever the faulted runs left undone), then the counted rerun.
    sim.clear_faults()
    sim.rate_limit(api_per_minute=base_limit)
    final = max(args.iterations, 1)
    # Converge until a run succeeds (a duplicate healed after a failed one leaves work for the next), then count the rerun.
    for label, counted in (('converge', False), ('converge-2', False), ('converge-3', False), ('rerun', True)):
        if label.startswith('converge-') and report['runs'][-1]['rc'] == 0 and not report['runs'][-1]['healed_duplicates']:
            continue
        run = runner.run(label, final)
        record = iteration_record(args, final, Plan(), None, None, run, [], checker, sim, wishes, label=label)
        state = sim.state()
        record['violations'] += checker.check_converged(state, final)
        if counted:
            gets = sum(1 for entry in run['entries'] if entry['method'] == 'GET' and entry['path'].startswith('/api/atlas/v2'))
            writes = sum(1 for entry in run['entries'] if entry['method'] != 'GET' and entry['path'].startswith('/api/atlas/v2'))
            record['reads'], record['writes'] = gets, writes
            store_text, store_ok = '', True
            if store is not None:
                # At the store: one read of each account's path, no write (the store already holds the newest secret).
                reads = collections.Counter(entry['location'] for entry in run['store_log'] if entry['kind'] == 'read')
                wished = [Store.location(account['project_id'], account['name']) for account in wishes.active(final)]
                record['store_reads'], record['store_writes'] = sum(reads.values()), record['store']['writes']
                store_ok = not record['store_writes'] and sorted(reads) == sorted(wished) and set(reads.values()) == {1}
                store_text = '; at the store %d reads of %d paths for %d accounts, %d writes' % (
                    record['store_reads'], len(reads), len(wished), record['store_writes'])
            if run['rc'] != 0 or changed_of(run['stats']) != 0 or gets != len(project_ids) or writes or not store_ok:
                record['violations'].append(violation('clean-rerun', 'rc %d, changed=%s, %d GETs on /api/atlas/v2 for %d projects, %d writes%s%s' % (
                    run['rc'], changed_of(run['stats']), gets, len(project_ids), writes, store_text,
                    ''.join('; %s' % failure['msg'] for failure in run['failures']))))
        report['runs'].append(record)
        show(record, '(no faults)', note_violations(report, record))
    return report


def note_violations(report, record):
    """Add a run's violations to the report's list, once per problem (key), with the runs that saw it; return the new ones."""
    seen = dict((item['key'], item) for item in report['violations'])
    new = []
    for item in record['violations']:
        if item['key'] in seen:
            seen[item['key']]['runs'].append(record['label'])
        else:
            seen[item['key']] = dict(item, runs=[record['label']])
            report['violations'].append(seen[item['key']])
            new.append(item)
    return new


def show(record, faults, new):
    again = len(record['violations']) - len(new)
    progress('%-13s %-52s %-34s %5.1f s%s%s%s' % (
        record['label'], faults, record['outcome'], record['seconds'],
        ''.join('\n       %s %s: %s' % ('known %s' % item['known'] if item.get('known') else 'VIOLATION', item['invariant'], item['detail'])
                for item in new),
        '\n       (%d seen before, still there)' % again if again else '',
        ''.join('\n       healed: deleted %s, a duplicate of %s (%r in project %s)' % (item['deleted'], item['kept'], item['name'], item['project_id'])
                for item in record['healed_duplicates'])))


def iteration_record(args, iteration, plan, drifted, clock, run, unused, checker, sim, wishes, label=None):
    state = sim.state()
    reasons, violations = classify_run(run['rc'], run['stats'], run['failures'], run['entries'], args,
                                       run['store_log'], state, checker.store)
    violations += checker.check_state(state)
    violations += checker.check_files(state, fresh=run['rc'] == 0)
    # After a faulted run that succeeded, every store holds the newest secret (the converge runs check it as `converged`).
    violations += checker.check_store(state, iteration, fresh=run['rc'] == 0 and label is None)
    violations += checker.check_logs(*run['logs'])
    healed = checker.heal_duplicates(state)
    if run['rc'] == 0:
        outcome = 'ok, changed=%s' % changed_of(run['stats'])
    else:
        outcome = 'failed: %s' % ', '.join(sorted(set(reasons)))
    figures = bench.count_calls(run['entries'])
    store_log = run['store_log']
    store = dict(reads=sum(1 for entry in store_log if entry['kind'] == 'read'), writes=sum(1 for entry in store_log if entry['kind'] == 'write'),
                 other=sum(1 for entry in store_log if entry['kind'] == 'other'),
                 faults_hit=dict(collections.Counter(entry['fault'] for entry in store_log if entry.get('fault'))))
    return dict(label=label or 'iteration-%02d' % iteration, iteration=iteration, faults=plan.describe(), roles_drifted=drifted,
                clock=clock, revocation=run['revocation'], unused_faults=unused, faults_hit=dict(count_faults(run['entries'])), store=store,
                healed_duplicates=healed, rc=run['rc'], changed=changed_of(run['stats']), outcome=outcome, failure_reasons=reasons,
                failures=run['failures'], warnings=run['warnings'], calls=figures, seconds=run['seconds'],
                log=os.path.relpath(run['logs'][0], ROOT), violations=violations)


def figures_line(args, report):
    injected = collections.Counter()
    hit = 0
    failed = collections.Counter()
    faulted = [run for run in report['runs'] if run['label'].startswith('iteration-')]
    for run in faulted:
        injected.update(run['faults']['kinds'])
        hit += sum(run['faults_hit'].values()) + sum(run['store']['faults_hit'].values())
        for reason in set(run['failure_reasons']):
            failed[reason] += 1
    runs_failed = sum(1 for run in faulted if run['rc'] != 0)
    violations = [item for item in report['violations'] if not item.get('known')]
    known = collections.Counter(item['known'] for item in report['violations'] if item.get('known'))
    rerun = [run for run in report['runs'] if run['label'] == 'rerun']
    rerun_text = 'no rerun'
    if rerun:
        store_text = ''
        if 'store_reads' in rerun[0]:
            store_text = ', %s store reads and %s store writes for %d accounts' % (
                rerun[0]['store_reads'], rerun[0]['store_writes'], args.projects * args.accounts)
        rerun_text = 'rerun changed=%s, %s reads for %d projects%s' % (rerun[0]['changed'], rerun[0].get('reads'), args.projects, store_text)
    return ('chaos: seed %d, %d iterations x %d projects x %d accounts; faults injected %d (%s), %d requests hit; '
            'runs failed %d of %d (%s); %s; invariant violations %d%s; %.0f s' % (
                args.seed, args.iterations, args.projects, args.accounts, sum(injected.values()),
                ' '.join('%s=%d' % (kind, injected[kind]) for kind in KINDS if injected[kind]) or 'none', hit,
                runs_failed, len(faulted), ', '.join('%s %d' % (reason, count) for reason, count in sorted(failed.items())) or 'none',
                rerun_text, len(violations),
                ' (known failures %d: %s)' % (sum(known.values()), ', '.join('%s x%d' % item for item in sorted(known.items()))) if known else '',
                report.get('seconds') or 0))


if __name__ == '__main__':
    sys.exit(main())
