# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: the project_onboarding role against a plain ansible.builtin.uri playbook.

Both do the same job (tests/benchmark/role.yml and tests/benchmark/uri.yml) on N projects with A
service accounts each, every tool against its own fresh Atlas simulator, in three phases:

  1. first run         creates every account (its first secret comes with it) and a credentials file each
  2. no-change rerun   nothing to do
  3. rotation run      after the simulator's clock moved 7 days on; the accounts at odd positions
                       (1st, 3rd, ...) have 240-hour secrets rotated 72 hours before expiry, so they are
                       due; the others (720 / 168 hours) are not

Then the rate-limited scenarios of issue 20, each on fresh simulators loaded with a rate-limit preset
(tests/simulator/README.md, "Rate limits of the Admin API"):

  (a) org-smooth     one ORGANIZATION bucket over every service-account endpoint, capacity 10, 2 tokens per 1 s (smooth)
  (b) org-interval   the same bucket, capacity 10, 5 tokens at once every 60 s (the documented example; 20 projects)
  (c) per-project    one GROUP bucket per project (capacity 10, 5 every 60 s), 3 calls per project

In each: the role with GET /rateLimits available (first run with a fresh cache, then a no-change rerun
with the warm token and rate-limit cache), the role with /rateLimits answering 404 (first run and rerun,
on another fresh simulator), and the uri playbook (first run and rerun; it does not retry, so its first
429 fails it). Every run starts with full buckets. Wall times are set against the floor: the least time
the buckets allow for the calls the run needed (per bucket; the largest counts).

API calls are counted from the simulator's journal (cleared before every run). Prints a table and
writes every figure to .cache/bench/results.json.

  python tests/benchmark/bench.py [--projects N] [--accounts A] [--scenarios a,b,c] [--limited-projects a=50,b=20,c=50]
"""

from __future__ import absolute_import, division, print_function

import argparse
import datetime
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOLS = ('role', 'uri')
PLAYBOOKS = {'role': os.path.join(HERE, 'role.yml'), 'uri': os.path.join(HERE, 'uri.yml')}
PHASES = (('first', 'first run'), ('nochange', 'no-change rerun'), ('rotation', 'rotation run (+7 days)'))
ROTATION_ADVANCE_HOURS = 168
SHORT_SECRET = dict(secret_expires_after_hours=240, rotate_before_hours=72)
LONG_SECRET = dict(secret_expires_after_hours=720, rotate_before_hours=168)
# Atlas allows 200 user-managed service accounts per organization.
MAX_ACCOUNTS = 200
ORG_ID = '65f1c0000000000000000001'
ADMIN = {
    'org_id': ORG_ID,
    'client_id': 'mdb_sa_id_65f1c00000000000000000aa',
    'client_secret': 'mdb_sa_sk_benchmarkadmin00000000000000000000000000001',
    'secret_id': '65f1c00000000000000000ab',
    'secret_expires_at': '2099-12-31T00:00:00Z',
    'name': 'Benchmark admin',
    'description': 'ORG_OWNER identity of the benchmark',
    'public_key': 'benchadm',
    'private_key': '0b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d',
}
# The targets of issue 9 section 4.
TARGET_NOCHANGE_RATIO = 0.5
TARGET_FIRST_RATIO = 0.7
# Issue 20: a rate-limited role run's wall time is at most this many times its floor.
TARGET_FLOOR_RATIO = 1.1
# The rate-limited scenarios of issue 20: the simulator preset (tests/simulator/atlas_simulator/rate_limits/) and the
# default project count.
SCENARIOS = (
    ('a', dict(preset='org-smooth', projects=50,
               title='one organization bucket over every service-account endpoint, capacity 10, 2 tokens per 1 s (smooth)')),
    ('b', dict(preset='org-interval', projects=20,
               title='one organization bucket over every service-account endpoint, capacity 10, 5 tokens every 60 s (interval)')),
    ('c', dict(preset='per-project', projects=50,
               title='one bucket per project (GROUP), capacity 10, 5 tokens every 60 s (interval); org endpoints in an ORG bucket')),
)
SCENARIO_NAMES = tuple(name for name, _spec in SCENARIOS)
# The runs of each scenario: (variant, tool, simulator options, runs).
LIMITED_VARIANTS = (
    ('inspect', 'role', [], '/rateLimits available'),
    ('no-inspect', 'role', ['--rate-limits-inspection', '404'], '/rateLimits 404'),
    ('uri', 'uri', [], 'plain uri playbook'),
)
LIMITED_RUNS = (('first', 'first run'), ('rerun', 'no-change rerun'))
INSPECTION_PATH = '/api/atlas/v2/rateLimits'


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, '') else default


def playbook_environment(config, stage, workdir, cache, callback_dir, callback, **extra):
    """The environment of an ansible-playbook run of the benchmark or the chaos run: this checkout's staged
    collection, a private ANSIBLE_HOME and token cache, one results callback (from callback_dir), and no
    ANSIBLE_* or MONGODB_ATLAS_* variable of the caller's shell (extra may set some)."""
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'MONGODB_ATLAS_')))
    env.update(
        ANSIBLE_CONFIG=config,
        ANSIBLE_COLLECTIONS_PATH=stage,
        ANSIBLE_HOME=os.path.join(workdir, 'ansible-home'),
        ANSIBLE_PIPELINING='True',
        ANSIBLE_LOCALHOST_WARNING='False',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='False',
        ANSIBLE_RETRY_FILES_ENABLED='False',
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_CALLBACK_PLUGINS=callback_dir,
        ANSIBLE_CALLBACKS_ENABLED=callback,
        XDG_CACHE_HOME=cache,
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', ''),
    )
    env.update(extra)
    return env


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--projects', type=int, default=env_int('BENCH_PROJECTS', 50),
                        help='projects (env BENCH_PROJECTS, default 50)')
    parser.add_argument('--accounts', type=int, default=env_int('BENCH_ACCOUNTS', 2),
                        help='service accounts per project (env BENCH_ACCOUNTS, default 2)')
    parser.add_argument('--unlimited', type=int, choices=(0, 1), default=env_int('BENCH_UNLIMITED', 1),
                        help='run the three unlimited phases, role against uri (env BENCH_UNLIMITED, default 1; 0 skips them)')
    parser.add_argument('--store', type=int, choices=(0, 1), default=env_int('BENCH_STORE', 1),
                        help='run the role with a Vault store, first run and no-change rerun (env BENCH_STORE, default 1; 0 skips it)')
    parser.add_argument('--rate-limited', type=int, choices=(0, 1), default=env_int('BENCH_RATE_LIMITED', 1),
                        help='run the rate-limited scenarios (env BENCH_RATE_LIMITED, default 1; 0 skips them)')
    parser.add_argument('--scenarios', default=os.environ.get('BENCH_SCENARIOS') or ','.join(SCENARIO_NAMES),
                        help='rate-limited scenarios to run, of a, b, c (env BENCH_SCENARIOS, default a,b,c)')
    parser.add_argument('--limited-projects', default=os.environ.get('BENCH_LIMITED_PROJECTS', ''),
                        help='projects of the rate-limited scenarios: one number for all, or e.g. a=50,b=20,c=50 '
                             '(env BENCH_LIMITED_PROJECTS; default %s)'
                             % ','.join('%s=%d' % (name, spec['projects']) for name, spec in SCENARIOS))
    parser.add_argument('--api-rate-limit-max-wait', type=int, default=env_int('BENCH_API_RATE_LIMIT_MAX_WAIT', -1),
                        help='api_rate_limit_max_wait for the role in the rate-limited scenarios (env BENCH_API_RATE_LIMIT_MAX_WAIT; '
                             'default: the module default, 1800 s)')
    parser.add_argument('--stage', default=os.path.join(ROOT, '.cache', 'stage'),
                        help='directory holding ansible_collections/cloudops/atlas (make stage)')
    parser.add_argument('--output', default=os.path.join(ROOT, '.cache', 'bench', 'results.json'), help='JSON results file')
    parser.add_argument('--workdir', default=os.path.join(ROOT, '.cache', 'bench', 'work'),
                        help='scratch directory (emptied first): simulators, credentials, logs')
    args = parser.parse_args(argv)
    if args.projects < 1 or args.accounts < 1:
        parser.error('--projects and --accounts must be at least 1')
    if args.projects * args.accounts > MAX_ACCOUNTS:
        parser.error('%d projects x %d accounts is more than the %d service accounts Atlas allows in one organization'
                     % (args.projects, args.accounts, MAX_ACCOUNTS))
    args.scenarios = [name.strip() for name in args.scenarios.split(',') if name.strip()] if args.rate_limited else []
    unknown = [name for name in args.scenarios if name not in SCENARIO_NAMES]
    if unknown:
        parser.error('unknown scenario(s) %s: choose among %s' % (', '.join(unknown), ', '.join(SCENARIO_NAMES)))
    args.limited_projects = limited_projects(parser, args.limited_projects)
    for name in args.scenarios:
        if args.limited_projects[name] * args.accounts > MAX_ACCOUNTS:
            parser.error('scenario (%s): %d projects x %d accounts is more than %d service accounts'
                         % (name, args.limited_projects[name], args.accounts, MAX_ACCOUNTS))
    return args


def limited_projects(parser, text):
    """{scenario: projects} from '', '30' or 'a=50,b=20'."""
    counts = dict((name, spec['projects']) for name, spec in SCENARIOS)
    text = text.strip()
    try:
        if text and '=' not in text:
            counts = dict((name, int(text)) for name in counts)
        elif text:
            for item in text.split(','):
                name, value = item.split('=')
                if name.strip() not in counts:
                    raise ValueError(name)
                counts[name.strip()] = int(value)
    except ValueError:
        parser.error('--limited-projects / BENCH_LIMITED_PROJECTS: expected a number or a=N,b=N,c=N, not %r' % text)
    if min(counts.values()) < 1:
        parser.error('--limited-projects: at least 1 project')
    return counts


# -- the simulator ------------------------------------------------------------------------------------------


def make_seed(projects):
    """One organization with `projects` projects; the admin is its ORG_OWNER."""
    return {
        'orgs': [{'id': ORG_ID, 'name': 'Benchmark Org',
                  'projects': [{'id': '65f1c1%018x' % (index + 1), 'name': 'Bench project %d' % (index + 1)}
                               for index in range(projects)]}],
        'admin': ADMIN,
    }


class Simulator:
    """One simulator process, started and stopped with tests/utils/simulator.sh."""

    def __init__(self, directory, args):
        self.directory = directory
        self.args = args
        self.info = None

    def start(self):
        env = dict(os.environ, SIM_ARGS=' '.join(self.args), PYTHON=sys.executable)
        subprocess.run([os.path.join(ROOT, 'tests', 'utils', 'simulator.sh'), 'start', self.directory],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.directory, 'info.json')) as handle:
            self.info = json.load(handle)
        return self

    def stop(self):
        subprocess.run([os.path.join(ROOT, 'tests', 'utils', 'simulator.sh'), 'stop', self.directory],
                       check=False, stdout=subprocess.DEVNULL)

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.info['url'] + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def clear_journal(self):
        self.control('DELETE', '/_sim/journal')

    def journal(self):
        return self.control('GET', '/_sim/journal')['entries']

    def advance(self, **amount):
        return self.control('POST', '/_sim/clock', amount)['now']


def count_calls(entries):
    """What a run cost, from the journal. A 429 is counted apart (it was refused); so is a 401, and a GET /rateLimits."""
    figures = dict(reads=0, writes=0, token_mints=0, status_401=0, status_429=0, other_errors=0, inspection_calls=0)
    for entry in entries:
        status = entry['status']
        if status == 429:
            figures['status_429'] += 1
            continue
        if entry['path'].startswith(INSPECTION_PATH):
            # GET /rateLimits (the rate governor learning the buckets), whatever it answered (404 when unavailable).
            figures['inspection_calls'] += 1
            continue
        if entry['path'].startswith('/api/oauth/token') and entry['method'] == 'POST':
            figures['token_mints'] += status == 200
            continue
        if not entry['path'].startswith('/api/atlas/v2'):
            continue
        if status == 401:
            figures['status_401'] += 1
        elif entry['method'] == 'GET':
            figures['reads'] += 1
        elif entry['method'] in ('POST', 'PATCH', 'DELETE'):
            figures['writes'] += 1
        if isinstance(status, int) and status >= 400 and status != 401:
            figures['other_errors'] += 1
    figures['calls'] = figures['reads'] + figures['writes']
    return figures


# -- the playbooks -------------------------------------------------------------------------------------------


def wishes(project_id, accounts):
    """The accounts of one project: odd positions (1st, 3rd, ...) are short-lived and rotate in phase 3."""
    return [dict(name='svc-%d' % (index + 1), description='Benchmark account %d of project %s' % (index + 1, project_id),
                 roles=['GROUP_READ_ONLY'], **(SHORT_SECRET if index % 2 == 0 else LONG_SECRET))
            for index in range(accounts)]


class Tool:
    """One side of the comparison: its playbook, simulator, token cache, credentials and logs."""

    def __init__(self, name, workdir, stage, sim, accounts, extra_vars=None):
        self.name = name
        self.workdir = workdir
        self.stage = stage
        self.sim = sim
        self.home = os.path.join(workdir, name)
        self.credentials = os.path.join(self.home, 'credentials')
        self.cache = os.path.join(self.home, 'xdg-cache')
        for path in (self.credentials, self.cache, os.path.join(self.home, 'logs')):
            os.makedirs(path, mode=0o700, exist_ok=True)
        projects = [dict(project_id=project_id, service_accounts=wishes(project_id, accounts),
                         credentials_dir=os.path.join(self.credentials, project_id))
                    for project_id in sim.info['project_ids']]
        variables = dict(atlas_base_url=sim.info['url'], atlas_client_id=sim.info['admin']['client_id'],
                         atlas_client_secret=sim.info['admin']['client_secret'], bench_projects=projects)
        variables.update(extra_vars or {})
        self.vars_file = os.path.join(self.home, 'vars.json')
        with os.fdopen(os.open(self.vars_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
            json.dump(variables, handle)

    def env(self, timing_file):
        config = os.path.join(self.workdir, 'ansible.cfg')
        if not os.path.exists(config):
            with open(config, 'w') as handle:
                handle.write('# empty: the benchmark configures ansible through environment variables\n')
        return playbook_environment(config, self.stage, self.workdir, self.cache, os.path.join(HERE, 'callback_plugins'),
                                    'bench_timing,bench_rate_limits', BENCH_TIMING_FILE=timing_file,
                                    BENCH_RATE_LIMITS_FILE=timing_file.replace('.timing.json', '.rate-limits.json'))

    def credentials_snapshot(self):
        """{file: (secret_id, mode)} of every credentials file."""
        snapshot = {}
        for directory, _subdirs, files in os.walk(self.credentials):
            for name in files:
                path = os.path.join(directory, name)
                with open(path) as handle:
                    secret_id = json.load(handle).get('secret_id')
                snapshot[path] = (secret_id, os.stat(path).st_mode & 0o777)
        return snapshot

    def run(self, label):
        """Run the playbook once; return its figures."""
        log = os.path.join(self.home, 'logs', label + '.log')
        timing = os.path.join(self.home, 'logs', label + '.timing.json')
        rate_limits = os.path.join(self.home, 'logs', label + '.rate-limits.json')
        before = self.credentials_snapshot()
        self.sim.clear_journal()
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), PLAYBOOKS[self.name], '-e', '@' + self.vars_file]
        with open(log, 'w') as output:
            began = time.monotonic()
            returncode = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=self.env(timing), cwd=self.workdir, check=False).returncode
            wall = time.monotonic() - began
        entries = self.sim.journal()
        with open(os.path.join(self.home, 'logs', label + '.journal.json'), 'w') as handle:
            json.dump(entries, handle, indent=1)
        figures = count_calls(entries)
        figures['entries'] = entries  # dropped by the caller once counted
        after = self.credentials_snapshot()
        with open(log) as handle:
            text = handle.read()
        recap = re.findall(r'failed=(\d+)', text)
        figures.update(
            wall_s=round(wall, 2), rc=returncode,
            failed_tasks=sum(int(count) for count in recap) if recap else None,
            failures=(sum(int(count) for count in recap) if recap else 0) or (1 if returncode else 0),
            files_written=sum(1 for path, (secret_id, _mode) in after.items() if before.get(path, (None,))[0] != secret_id),
            files_not_0600=sum(1 for _secret_id, mode in after.values() if mode != 0o600),
            log=os.path.relpath(log, ROOT),
        )
        if os.path.exists(timing):
            with open(timing) as handle:
                figures['task_seconds'] = json.load(handle)
        if os.path.exists(rate_limits):
            with open(rate_limits) as handle:
                figures['module_rate_limits'] = json.load(handle)
        return figures


# -- the runs ------------------------------------------------------------------------------------------------


def progress(message):
    print('bench: ' + message, file=sys.stderr, flush=True)


def main_phases(args, workdir, seed_file):
    """Phases 1-3, each tool against its own simulator, run alternately so load drift hits both."""
    sims = dict((name, Simulator(os.path.join(workdir, name, 'sim'), ['--seed', seed_file]).start()) for name in TOOLS)
    try:
        tools = dict((name, Tool(name, workdir, args.stage, sims[name], args.accounts)) for name in TOOLS)
        results = {}
        for phase, title in PHASES:
            if phase == 'rotation':
                for name in TOOLS:
                    sims[name].advance(advance_hours=ROTATION_ADVANCE_HOURS)
            results[phase] = {}
            for name in TOOLS:
                figures = tools[name].run(phase)
                figures.pop('entries')
                results[phase][name] = figures
                progress('%-24s %-4s %7.1f s, %d reads, %d writes, %d token mints, %d x 429, %d failed'
                         % (title, name, figures['wall_s'], figures['reads'], figures['writes'], figures['token_mints'],
                            figures['status_429'], figures['failures']))
            results[phase]['ratio'] = ratio(results[phase]['role']['wall_s'], results[phase]['uri']['wall_s'])
        return results
    finally:
        for sim in sims.values():
            sim.stop()


def bucket_limits(sim):
    """{endpoint set id: (capacity, refill rate, refill seconds, refill mode)} of the simulator's configuration."""
    config = sim.control('GET', '/_sim/rate-limits')['config']
    return dict((item['endpointSetId'], (item['capacity'], item['refillRate'], item['refillDurationSeconds'],
                                         item.get('refillMode') or 'interval'))
                for item in config['endpointSets'])


def bucket_floor(calls, limits):
    """The least time a full bucket lets `calls` requests through: the calls beyond its capacity, at its refill
    rate; for an interval bucket in whole refills (they come at once, every refill duration)."""
    capacity, rate, seconds, mode = limits
    beyond = max(0, calls - capacity)
    if mode == 'smooth':
        return beyond * float(seconds) / rate
    return int(math.ceil(beyond / float(rate))) * seconds


def bucket_figures(entries, limits):
    """Per bucket charged in the run (from the journal's rate_limit, GET /rateLimits left out): answered calls,
    429s and floor. Only answered calls cost a token; a 429 costs none."""
    buckets = {}
    for entry in entries:
        charge = entry.get('rate_limit')
        if not charge or entry['path'].startswith(INSPECTION_PATH):
            continue
        key = (charge['endpoint_set'], charge['scope'], charge['entity'])
        figures = buckets.setdefault(key, dict(endpoint_set=key[0], scope=key[1], entity=key[2], calls=0, status_429=0))
        if entry['status'] == 429:
            figures['status_429'] += 1
        else:
            figures['calls'] += 1
    for figures in buckets.values():
        figures['floor_s'] = round(bucket_floor(figures['calls'], limits[figures['endpoint_set']]), 1)
    return sorted(buckets.values(), key=lambda figures: (figures['endpoint_set'], figures['scope'], figures['entity']))


def api_span(entries):
    """Seconds from the first Admin API request of a run to its last (the journal's times, to the second): the part of
    the wall time that pacing decides, without ansible-playbook's own start-up and finish."""
    times = sorted(datetime.datetime.strptime(entry['time'], '%Y-%m-%dT%H:%M:%SZ') for entry in entries
                   if entry['path'].startswith('/api/atlas/v2'))
    return (times[-1] - times[0]).total_seconds() if times else 0.0


def governor_summary(reports):
    """The rate governor's own figures (the set module's rate_limits result), summed over the module runs, and its
    buckets grouped by what they were."""
    summary = dict(module_runs=len(reports), calls=0, status_429=0, waited_seconds=0.0, buckets={}, failure=None)
    for report in reports:
        limits = report['rate_limits']
        summary['calls'] += limits.get('calls', 0)
        summary['status_429'] += limits.get('status_429', 0)
        summary['waited_seconds'] = round(summary['waited_seconds'] + limits.get('waited_seconds', 0), 1)
        for view in limits.get('buckets', []):
            kind = '%s %s %s/%s/%ss from %s' % tuple('?' if value is None else value for value in (
                view['endpoint_set'] or '-', view['scope'], view['capacity'], view['refill_rate'], view['refill_seconds'], view['source']))
            group = summary['buckets'].setdefault(kind, dict(count=0, calls=0, status_429=0, waited_seconds=0.0))
            group['count'] += 1
            group['calls'] += view['calls']
            group['status_429'] += view['status_429']
            group['waited_seconds'] = round(group['waited_seconds'] + view['waited_seconds'], 1)
        if report['failed']:
            summary['failure'] = report['msg']
    return summary


def rate_limited(args, workdir, name, spec):
    """One scenario of issue 20: its three variants, each on its own fresh simulator, two runs each."""
    projects = args.limited_projects[name]
    seed_file = os.path.join(workdir, 'limited', name, 'seed.json')
    os.makedirs(os.path.dirname(seed_file), exist_ok=True)
    with open(seed_file, 'w') as handle:
        json.dump(make_seed(projects), handle)
    extra = {}
    if args.api_rate_limit_max_wait >= 0:
        extra['bench_api_rate_limit_max_wait'] = args.api_rate_limit_max_wait
    results = dict(preset=spec['preset'], title=spec['title'], projects=projects, accounts=args.accounts,
                   role_module_defaults=extra or 'module defaults', runs={})
    for variant, tool_name, sim_extra, _title in LIMITED_VARIANTS:
        home = os.path.join(workdir, 'limited', name, variant)
        sim = Simulator(os.path.join(home, 'sim'), ['--seed', seed_file, '--rate-limit-preset', spec['preset']] + sim_extra).start()
        try:
            limits = bucket_limits(sim)
            # A fresh token and rate-limit cache (XDG_CACHE_HOME) per variant: the first run discovers, the rerun
            # finds the cache warm.
            tool = Tool(tool_name, home, args.stage, sim, args.accounts, extra if tool_name == 'role' else None)
            for run, run_title in LIMITED_RUNS:
                sim.control('POST', '/_sim/rate-limits', {'resetBuckets': True})  # every run starts with full buckets
                figures = tool.run(run)
                entries = figures.pop('entries')
                buckets = bucket_figures(entries, limits)
                figures.update(
                    buckets=buckets,
                    buckets_charged=len(buckets),
                    max_429_per_bucket=max([bucket['status_429'] for bucket in buckets] or [0]),
                    floor_s=max([bucket['floor_s'] for bucket in buckets] or [0]),
                    governor=governor_summary(figures.pop('module_rate_limits', [])) if tool_name == 'role' else None,
                )
                figures['wall_over_floor'] = ratio(figures['wall_s'], figures['floor_s'])
                figures['api_span_s'] = api_span(entries)
                figures['span_over_floor'] = ratio(figures['api_span_s'], figures['floor_s'])
                results['runs'].setdefault(variant, {})[run] = figures
                progress('(%s) %-10s %-15s %7.1f s, %d calls, %d inspection, %d x 429, %d failed, floor %.1f s%s'
                         % (name, variant, run_title, figures['wall_s'], figures['calls'], figures['inspection_calls'],
                            figures['status_429'], figures['failures'], figures['floor_s'],
                            ', governor waited %.1f s' % figures['governor']['waited_seconds'] if figures['governor'] else ''))
        finally:
            sim.stop()
    return results


def store_phase(args, workdir, seed_file):
    """The role with a secret store (OpenBao, counted by the chaos run's store proxy in front of it): a first run that
    fills the store, then the no-change rerun, whose cost is one Atlas read per project and one store read per
    account, with no write anywhere."""
    for folder in ('utils', 'chaos'):
        sys.path.insert(0, os.path.join(ROOT, 'tests', folder))
    import secret_servers  # pylint: disable=import-outside-toplevel
    import store_proxy  # pylint: disable=import-outside-toplevel
    home = os.path.join(workdir, 'store')
    vault_state = os.path.join(home, 'vault')
    os.makedirs(vault_state, mode=0o700)
    vault = secret_servers.start('openbao', vault_state)
    proxy = store_proxy.StoreProxy(vault['url'], token=vault['token']).start()
    sim = Simulator(os.path.join(home, 'sim'), ['--seed', seed_file]).start()
    try:
        store = dict(type='vault_kv2', url=proxy.url, token=vault['token'], path='bench/{project_id}/{name}')
        tool = Tool('role', home, args.stage, sim, args.accounts, dict(bench_secret_store=store))
        results = {}
        for phase, title in PHASES[:2]:
            mark = proxy.mark()
            figures = tool.run(phase)
            figures.pop('entries', None)
            log = proxy.log_since(mark)
            figures.update(store_reads=sum(1 for entry in log if entry['kind'] == 'read'),
                           store_writes=sum(1 for entry in log if entry['kind'] == 'write'),
                           store_other=sum(1 for entry in log if entry['kind'] == 'other'))
            results[phase] = figures
            progress('with a store %-16s %7.1f s, %d reads, %d writes, %d store reads, %d store writes, %d failed'
                     % (title, figures['wall_s'], figures['reads'], figures['writes'], figures['store_reads'], figures['store_writes'],
                        figures['failures']))
        return results
    finally:
        sim.stop()
        proxy.stop()
        secret_servers.stop(vault_state)


def ratio(numerator, denominator):
    return round(numerator / denominator, 2) if denominator else None


# -- the report ----------------------------------------------------------------------------------------------


def targets(args, results):
    """Issue 9's targets, each with the figures that decide it."""
    projects, accounts = args.projects, args.projects * args.accounts
    checks = []
    phases = results.get('phases')
    if not phases:
        return [dict(target=name, met=bool(met), figures=figures) for name, met, figures in checks + later_targets(args, results)]
    first, nochange = phases['first']['role'], phases['nochange']['role']
    checks.append(('no-change rerun: 1 read per project, 0 writes, 0 token mints (warm cache)',
                   nochange['reads'] == projects and nochange['writes'] == 0 and nochange['token_mints'] == 0,
                   '%d reads for %d projects, %d writes, %d token mints'
                   % (nochange['reads'], projects, nochange['writes'], nochange['token_mints'])))
    checks.append(('no-change rerun: wall <= %.1f x uri' % TARGET_NOCHANGE_RATIO,
                   phases['nochange']['ratio'] is not None and phases['nochange']['ratio'] <= TARGET_NOCHANGE_RATIO,
                   '%.1f s vs %.1f s = %.2f' % (nochange['wall_s'], phases['nochange']['uri']['wall_s'], phases['nochange']['ratio'])))
    checks.append(('first run: 1 read per project, 1 write per new account',
                   first['reads'] == projects and first['writes'] == accounts,
                   '%d reads for %d projects, %d writes for %d accounts' % (first['reads'], projects, first['writes'], accounts)))
    checks.append(('first run: wall <= %.1f x uri' % TARGET_FIRST_RATIO,
                   phases['first']['ratio'] is not None and phases['first']['ratio'] <= TARGET_FIRST_RATIO,
                   '%.1f s vs %.1f s = %.2f' % (first['wall_s'], phases['first']['uri']['wall_s'], phases['first']['ratio'])))
    return [dict(target=name, met=bool(met), figures=figures) for name, met, figures in checks + later_targets(args, results)]


def later_targets(args, results):
    """The targets of the store phase (issue 16) and of the rate-limited scenarios (issue 20)."""
    projects, accounts = args.projects, args.projects * args.accounts
    checks = []
    store = results.get('store')
    if store:
        rerun = store['nochange']
        checks.append(('with a store, no-change rerun: 1 read per project, 1 store read per account, 0 writes',
                       rerun['failures'] == 0 and rerun['reads'] == projects and rerun['writes'] == 0
                       and rerun['store_reads'] == accounts and rerun['store_writes'] == 0,
                       '%d reads for %d projects, %d writes; %d store reads for %d accounts, %d store writes (and %d mount check)'
                       % (rerun['reads'], projects, rerun['writes'], rerun['store_reads'], accounts, rerun['store_writes'],
                          rerun['store_other'])))
    for name, scenario in sorted(results.get('rate_limited', {}).items()):
        checks.extend(scenario_targets(name, scenario))
    return checks


def role_runs(scenario):
    for variant, tool_name, _sim_extra, variant_title in LIMITED_VARIANTS:
        if tool_name == 'role':
            for run, run_title in LIMITED_RUNS:
                yield variant, variant_title, run, run_title, scenario['runs'][variant][run]


def scenario_targets(name, scenario):
    """Issue 20's targets for one rate-limited scenario."""
    checks = []
    runs = list(role_runs(scenario))
    failed = ['%s %s' % (variant_title, run_title) for _variant, variant_title, _run, run_title, figures in runs if figures['failures']]
    checks.append(('(%s) role: 0 failed runs' % name, not failed,
                   '%d of %d runs failed%s' % (len(failed), len(runs), ': ' + ', '.join(failed) if failed else '')))
    for variant, variant_title, _run, run_title, figures in runs:
        label = '(%s) role, %s, %s' % (name, variant_title, run_title)
        governor = figures['governor'] or {}
        waited = governor.get('waited_seconds')
        if figures['floor_s'] > 0:
            # The API span (first to last Admin API call) against the floor: what pacing decides. The process wall adds
            # ansible-playbook's start-up and finish (a few seconds here), reported beside it.
            checks.append(('%s: API span <= %.1f x floor' % (label, TARGET_FLOOR_RATIO),
                           figures['failures'] == 0 and figures['span_over_floor'] <= TARGET_FLOOR_RATIO,
                           '%.0f s / %.1f s floor = %.2f (wall %.1f s = %.2f)%s' % (
                               figures['api_span_s'], figures['floor_s'], figures['span_over_floor'], figures['wall_s'],
                               figures['wall_over_floor'], ' (failed)' if figures['failures'] else '')))
        else:
            checks.append(('%s: floor 0 s, so 0 waits (waited_seconds 0) and 0 x 429' % label,
                           figures['failures'] == 0 and waited == 0 and figures['status_429'] == 0,
                           'waited_seconds %s, %d x 429, wall %.1f s' % (waited, figures['status_429'], figures['wall_s'])))
        if variant == 'inspect':
            checks.append(('%s: 0 x 429' % label, figures['status_429'] == 0, '%d x 429' % figures['status_429']))
        else:
            checks.append(('%s: at most one 429 per bucket' % label, figures['max_429_per_bucket'] <= 1,
                           '%d x 429 over %d bucket(s), at most %d in one'
                           % (figures['status_429'], figures['buckets_charged'], figures['max_429_per_bucket'])))
    if name in ('a', 'b'):
        uri = scenario['runs']['uri']['first']
        checks.append(('(%s) uri first run fails on the rate limit (the premise)' % name, uri['failures'] > 0 and uri['status_429'] > 0,
                       '%d failed, %d x 429' % (uri['failures'], uri['status_429'])))
    return checks


def job_checks(args, results):
    """Both tools must have done the same job, or the timings compare nothing."""
    rotating = args.projects * ((args.accounts + 1) // 2)
    expected = dict(first=args.projects * args.accounts, nochange=0, rotation=rotating)
    problems = []
    for phase, _title in PHASES if results.get('phases') else ():
        for name in TOOLS:
            figures = results['phases'][phase][name]
            if figures['files_written'] != expected[phase]:
                problems.append('%s %s wrote %d credentials files, expected %d' % (name, phase, figures['files_written'], expected[phase]))
            if figures['files_not_0600']:
                problems.append('%s %s: %d credentials files are not mode 0600' % (name, phase, figures['files_not_0600']))
            if figures['failures']:
                problems.append('%s %s failed (see %s)' % (name, phase, figures['log']))
    for name, scenario in sorted(results.get('rate_limited', {}).items()):
        expected = dict(first=scenario['projects'] * scenario['accounts'], rerun=0)
        for _variant, variant_title, run, run_title, figures in role_runs(scenario):
            if figures['files_written'] != expected[run]:
                problems.append('(%s) role %s %s wrote %d credentials files, expected %d (see %s)'
                                % (name, variant_title, run_title, figures['files_written'], expected[run], figures['log']))
    return problems


def table(args, results):
    lines = []
    header = '%-26s %-4s %8s %6s %6s %6s %4s %4s %6s %6s %9s' % (
        'phase', 'tool', 'wall s', 'reads', 'writes', 'mints', '401', '429', 'failed', 'files', 'role/uri')
    if results.get('phases'):
        lines.append(header)
        lines.append('-' * len(header))
    for phase, title in PHASES if results.get('phases') else ():
        for name in TOOLS:
            figures = results['phases'][phase][name]
            lines.append('%-26s %-4s %8.1f %6d %6d %6d %4d %4d %6d %6d %9s' % (
                title if name == 'role' else '', name, figures['wall_s'], figures['reads'], figures['writes'],
                figures['token_mints'], figures['status_401'], figures['status_429'], figures['failures'],
                figures['files_written'], '%.2f' % results['phases'][phase]['ratio'] if name == 'role' else ''))
    store = results.get('store')
    if store:
        lines.append('')
        lines.append('With a secret store (OpenBao; every new secret also goes to Vault)')
        header = '%-26s %-4s %8s %6s %6s %6s %11s %12s %6s' % ('phase', 'tool', 'wall s', 'reads', 'writes', 'mints', 'store reads',
                                                               'store writes', 'failed')
        lines.append(header)
        lines.append('-' * len(header))
        for phase, title in PHASES[:2]:
            figures = store[phase]
            lines.append('%-26s %-4s %8.1f %6d %6d %6d %11d %12d %6d' % (
                title, 'role', figures['wall_s'], figures['reads'], figures['writes'], figures['token_mints'], figures['store_reads'],
                figures['store_writes'], figures['failures']))
        lines.append('store reads and writes: of the accounts\' documents, counted at a proxy in front of OpenBao (besides one '
                     'mount check per run)')
    for name, scenario in sorted(results.get('rate_limited', {}).items()):
        lines.extend(scenario_table(name, scenario))
    if results.get('rate_limited'):
        lines.extend([
            '',
            'calls: answered Admin API calls (the 429s apart); insp: GET /rateLimits calls; 429/bkt: most 429s in one bucket;',
            'waited s: the governor\'s waited_seconds; span s: first to last Admin API call (the journal\'s clock, to the second),',
            'the part of the wall that pacing decides (wall adds ansible-playbook\'s start-up and finish); w/flr and s/flr: wall and',
            'span over the floor (the target is on the span). Every run starts with full buckets; each variant has its own fresh token and',
            'rate-limit cache, so the first run discovers and the no-change rerun finds it warm. floor (per bucket, the largest',
            'counts): calls beyond the capacity / refill rate, in whole refills for an interval bucket:',
            'ceil(max(0, calls - capacity) / refill rate) x refill seconds; for a smooth one max(0, calls - capacity) / (rate per s).',
            'With one bucket per project (c) a project needs 3 calls of its 10 tokens: floor 0, so the target there is no wait at all.',
            'The uri playbook does not retry: its first 429 fails it (Ansible still tries the loop\'s other items); its rerun is',
            'a no-change run only when its first run succeeded.',
        ])
    lines.append('')
    lines.append('Targets')
    for check in results['targets']:
        lines.append('  %-6s %s: %s' % ('met' if check['met'] else 'MISSED', check['target'], check['figures']))
    for problem in results['job_problems']:
        lines.append('  PROBLEM: ' + problem)
    return '\n'.join(line.rstrip() for line in lines)


def scenario_table(name, scenario):
    lines = ['', 'Rate limit (%s), preset %s: %s; %d projects x %d accounts; role: %s'
             % (name, scenario['preset'], scenario['title'], scenario['projects'], scenario['accounts'],
                scenario['role_module_defaults'])]
    header = '%-22s %-16s %-4s %7s %6s %5s %4s %4s %7s %6s %5s %7s %6s %6s %8s' % (
        'variant', 'run', 'tool', 'wall s', 'span s', 'calls', 'insp', '429', '429/bkt', 'failed', 'files', 'floor s', 'w/flr', 's/flr',
        'waited s')
    lines.append(header)
    lines.append('-' * len(header))
    notes = []
    for variant, tool_name, _sim_extra, variant_title in LIMITED_VARIANTS:
        for index, (run, run_title) in enumerate(LIMITED_RUNS):
            figures = scenario['runs'][variant][run]
            governor = figures['governor']
            if tool_name == 'uri' and run == 'rerun':
                run_title = 'rerun'  # not a no-change run when its first run failed
            paced = figures['floor_s'] and not figures['failures']
            lines.append('%-22s %-16s %-4s %7.1f %6.0f %5d %4d %4d %7d %6d %5d %7.1f %6s %6s %8s' % (
                variant_title if index == 0 else '', run_title, tool_name, figures['wall_s'], figures['api_span_s'], figures['calls'],
                figures['inspection_calls'], figures['status_429'], figures['max_429_per_bucket'], figures['failures'],
                figures['files_written'], figures['floor_s'],
                '%.2f' % figures['wall_over_floor'] if paced else '-', '%.2f' % figures['span_over_floor'] if paced else '-',
                '%.1f' % governor['waited_seconds'] if governor else '-'))
            if governor:
                notes.append('  %s, %s: governor %d calls, %d x 429; %s%s' % (
                    variant_title, run_title, governor['calls'], governor['status_429'],
                    '; '.join('%d x %s' % (group['count'], kind) for kind, group in sorted(governor['buckets'].items())) or 'no bucket',
                    '; FAILED: %s' % governor['failure'] if governor['failure'] else ''))
    lines.append('buckets the governor used (set, scope, capacity/refill rate/refill seconds, source):')
    lines.extend(notes)
    return lines


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.isdir(os.path.join(args.stage, 'ansible_collections', 'cloudops', 'atlas')):
        print('bench: no staged collection under %s: run make stage first' % args.stage, file=sys.stderr)
        return 2
    workdir = os.path.abspath(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir, mode=0o700)
    seed_file = os.path.join(workdir, 'seed.json')
    with open(seed_file, 'w') as handle:
        json.dump(make_seed(args.projects), handle)

    rotating = args.projects * ((args.accounts + 1) // 2)
    results = dict(
        started_at=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        projects=args.projects, accounts_per_project=args.accounts, rotating_accounts=rotating,
        cpus=os.cpu_count(), load_average_before=[round(value, 2) for value in os.getloadavg()],
        secrets=dict(short=SHORT_SECRET, long=LONG_SECRET, rotation_clock_advance_hours=ROTATION_ADVANCE_HOURS),
    )
    began = time.monotonic()
    progress('%d projects x %d accounts; logs and credentials under %s' % (args.projects, args.accounts, os.path.relpath(workdir, ROOT)))
    if args.unlimited:
        results['phases'] = main_phases(args, workdir, seed_file)
    results['phase_seconds'] = dict(unlimited=round(time.monotonic() - began, 1)) if args.unlimited else {}
    if args.store:
        store_began = time.monotonic()
        results['store'] = store_phase(args, workdir, seed_file)
        results['phase_seconds']['store'] = round(time.monotonic() - store_began, 1)
    results['rate_limited'] = {}
    for name, spec in SCENARIOS:
        if name in args.scenarios:
            scenario_began = time.monotonic()
            progress('rate-limited scenario (%s), preset %s, %d projects' % (name, spec['preset'], args.limited_projects[name]))
            results['rate_limited'][name] = rate_limited(args, workdir, name, spec)
            results['phase_seconds'][name] = round(time.monotonic() - scenario_began, 1)
    results['load_average_after'] = [round(value, 2) for value in os.getloadavg()]
    results['targets'] = targets(args, results)
    results['job_problems'] = job_checks(args, results)

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, 'w') as handle:
        json.dump(results, handle, indent=2)
        handle.write('\n')
    print()
    print('cloudops.atlas benchmark: %d projects x %d service accounts (%d rotate in the rotation run), %d CPUs, '
          'load %s before, %s after' % (args.projects, args.accounts, rotating, os.cpu_count() or 0,
                                        results['load_average_before'][0], results['load_average_after'][0]))
    print()
    print(table(args, results))
    print()
    print('Durations: %s' % ', '.join('%s %.0f s' % (name, seconds) for name, seconds in results['phase_seconds'].items()))
    print('All figures: %s' % os.path.relpath(os.path.abspath(args.output), ROOT))
    return 1 if results['job_problems'] else 0


if __name__ == '__main__':
    sys.exit(main())
