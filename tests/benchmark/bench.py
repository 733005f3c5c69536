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

Then a rate-limited run: fresh simulators allowing L Admin API calls per minute per caller; the uri
playbook's first run (it does not retry, so its first 429 fails it), and the role's first run and
no-change rerun, against the floor (calls needed / allowed calls per second).

API calls are counted from the simulator's journal (cleared before every run). Prints a table and
writes every figure to .cache/bench/results.json.

  python tests/benchmark/bench.py [--projects N] [--accounts A] [--rate-limit L]
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
TARGET_FLOOR_RATIO = 1.5


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
    parser.add_argument('--rate-limit', type=int, default=env_int('BENCH_RATE_LIMIT', -1),
                        help='Admin API calls per minute for the rate-limited run (env BENCH_RATE_LIMIT; '
                             'default 80%% of the project count, so even the no-change rerun needs two windows; 0 skips it)')
    parser.add_argument('--api-retries', type=int, default=env_int('BENCH_API_RETRIES', -1),
                        help='api_retries for the role in the rate-limited run (env BENCH_API_RETRIES; default: the module default)')
    parser.add_argument('--api-retry-max-wait', type=int, default=env_int('BENCH_API_RETRY_MAX_WAIT', -1),
                        help='api_retry_max_wait for the role in the rate-limited run (env BENCH_API_RETRY_MAX_WAIT; '
                             'default: the module default)')
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
    if args.rate_limit < 0:
        args.rate_limit = max(1, int(math.ceil(0.8 * args.projects)))
    return args


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
    """What a run cost, from the journal. A 429 is counted apart (it was refused); so is a 401."""
    figures = dict(reads=0, writes=0, token_mints=0, status_401=0, status_429=0, other_errors=0)
    for entry in entries:
        status = entry['status']
        if status == 429:
            figures['status_429'] += 1
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
        return playbook_environment(config, self.stage, self.workdir, self.cache, os.path.join(HERE, 'callback_plugins'), 'bench_timing',
                                    BENCH_TIMING_FILE=timing_file)

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
        before = self.credentials_snapshot()
        self.sim.clear_journal()
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), PLAYBOOKS[self.name], '-e', '@' + self.vars_file]
        with open(log, 'w') as output:
            began = time.monotonic()
            returncode = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=self.env(timing), cwd=self.workdir, check=False).returncode
            wall = time.monotonic() - began
        figures = count_calls(self.sim.journal())
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
                results[phase][name] = figures
                progress('%-24s %-4s %7.1f s, %d reads, %d writes, %d token mints, %d x 429, %d failed'
                         % (title, name, figures['wall_s'], figures['reads'], figures['writes'], figures['token_mints'],
                            figures['status_429'], figures['failures']))
            results[phase]['ratio'] = ratio(results[phase]['role']['wall_s'], results[phase]['uri']['wall_s'])
        return results
    finally:
        for sim in sims.values():
            sim.stop()


def rate_limited(args, workdir, seed_file):
    """The uri playbook's and the role's first run, and the role's no-change rerun, under a rate limit."""
    sim_args = ['--seed', seed_file, '--api-rate-limit', str(args.rate_limit)]
    extra = {}
    if args.api_retries >= 0:
        extra['bench_api_retries'] = args.api_retries
    if args.api_retry_max_wait >= 0:
        extra['bench_api_retry_max_wait'] = args.api_retry_max_wait
    results = dict(rate_limit_per_minute=args.rate_limit, role_module_defaults=extra or 'module defaults')
    limited = os.path.join(workdir, 'limited')
    for name in ('uri', 'role'):
        sim = Simulator(os.path.join(limited, name, 'sim'), sim_args).start()
        try:
            tool = Tool(name, limited, args.stage, sim, args.accounts, extra if name == 'role' else None)
            runs = [('first', 'first run')] + ([('nochange', 'no-change rerun')] if name == 'role' else [])
            for phase, title in runs:
                if phase == 'nochange':
                    # Start with an empty rate window, as a rerun a minute later would (the window
                    # slides on the simulator's clock).
                    sim.advance(advance_seconds=61)
                figures = tool.run(phase)
                figures['floor_s'] = round(figures['calls'] * 60.0 / args.rate_limit, 1)
                # The window slides: its first L calls go through at once, so the least time the
                # calls can take is one minute per window after the first.
                figures['burst_minimum_s'] = max(0, int(math.ceil(figures['calls'] / float(args.rate_limit))) - 1) * 60
                figures['wall_over_floor'] = ratio(figures['wall_s'], figures['floor_s'])
                results.setdefault(phase, {})[name] = figures
                progress('rate-limited %-16s %-4s %7.1f s, %d calls, %d x 429, %d failed, floor %.1f s'
                         % (title, name, figures['wall_s'], figures['calls'], figures['status_429'], figures['failures'],
                            figures['floor_s']))
        finally:
            sim.stop()
    return results


def ratio(numerator, denominator):
    return round(numerator / denominator, 2) if denominator else None


# -- the report ----------------------------------------------------------------------------------------------


def targets(args, results):
    """Issue 9's targets, each with the figures that decide it."""
    projects, accounts = args.projects, args.projects * args.accounts
    checks = []
    phases = results['phases']
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
    limited = results.get('rate_limited')
    if limited:
        uri = limited['first']['uri']
        checks.append(('rate limit: the uri playbook fails on it (the premise)', uri['failures'] > 0 and uri['status_429'] > 0,
                       '%d failures, %d x 429' % (uri['failures'], uri['status_429'])))
        for phase, title in (('first', 'first run'), ('nochange', 'no-change rerun')):
            role = limited[phase]['role']
            checks.append(('rate limit, role %s: 0 failures within %.1f x floor' % (title, TARGET_FLOOR_RATIO),
                           role['failures'] == 0 and role['wall_over_floor'] is not None and role['wall_over_floor'] <= TARGET_FLOOR_RATIO,
                           '%d failures, %.1f s / %.1f s floor = %.2f' % (role['failures'], role['wall_s'], role['floor_s'],
                                                                          role['wall_over_floor'] or 0)))
    return [dict(target=name, met=bool(met), figures=figures) for name, met, figures in checks]


def job_checks(args, results):
    """Both tools must have done the same job, or the timings compare nothing."""
    rotating = args.projects * ((args.accounts + 1) // 2)
    expected = dict(first=args.projects * args.accounts, nochange=0, rotation=rotating)
    problems = []
    for phase, _title in PHASES:
        for name in TOOLS:
            figures = results['phases'][phase][name]
            if figures['files_written'] != expected[phase]:
                problems.append('%s %s wrote %d credentials files, expected %d' % (name, phase, figures['files_written'], expected[phase]))
            if figures['files_not_0600']:
                problems.append('%s %s: %d credentials files are not mode 0600' % (name, phase, figures['files_not_0600']))
            if figures['failures']:
                problems.append('%s %s failed (see %s)' % (name, phase, figures['log']))
    return problems


def table(args, results):
    lines = []
    header = '%-26s %-4s %8s %6s %6s %6s %4s %4s %6s %6s %9s' % (
        'phase', 'tool', 'wall s', 'reads', 'writes', 'mints', '401', '429', 'failed', 'files', 'role/uri')
    lines.append(header)
    lines.append('-' * len(header))
    for phase, title in PHASES:
        for name in TOOLS:
            figures = results['phases'][phase][name]
            lines.append('%-26s %-4s %8.1f %6d %6d %6d %4d %4d %6d %6d %9s' % (
                title if name == 'role' else '', name, figures['wall_s'], figures['reads'], figures['writes'],
                figures['token_mints'], figures['status_401'], figures['status_429'], figures['failures'],
                figures['files_written'], '%.2f' % results['phases'][phase]['ratio'] if name == 'role' else ''))
    limited = results.get('rate_limited')
    if limited:
        lines.append('')
        lines.append('Rate limit: %d Admin API calls per minute per caller; role: %s' % (
            limited['rate_limit_per_minute'], limited['role_module_defaults']))
        header = '%-26s %-4s %8s %6s %4s %6s %8s %10s %6s' % (
            'run', 'tool', 'wall s', 'calls', '429', 'failed', 'floor s', 'wall/floor', 'min s')
        lines.append(header)
        lines.append('-' * len(header))
        for phase, name, title in (('first', 'uri', 'first run'), ('first', 'role', 'first run'), ('nochange', 'role', 'no-change rerun')):
            figures = limited[phase][name]
            lines.append('%-26s %-4s %8.1f %6d %4d %6d %8.1f %10s %6d' % (
                title, name, figures['wall_s'], figures['calls'], figures['status_429'], figures['failures'], figures['floor_s'],
                '%.2f' % figures['wall_over_floor'] if figures['failures'] == 0 else '(failed)', figures['burst_minimum_s']))
        lines.append('floor: calls / (limit / 60 s); min: (ceil(calls / limit) - 1) x 60 s, as the sliding window lets a '
                     'full minute of calls through at once')
    lines.append('')
    lines.append('Targets')
    for check in results['targets']:
        lines.append('  %-6s %s: %s' % ('met' if check['met'] else 'MISSED', check['target'], check['figures']))
    for problem in results['job_problems']:
        lines.append('  PROBLEM: ' + problem)
    return '\n'.join(line.rstrip() for line in lines)


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
    progress('%d projects x %d accounts; logs and credentials under %s' % (args.projects, args.accounts, os.path.relpath(workdir, ROOT)))
    results['phases'] = main_phases(args, workdir, seed_file)
    if args.rate_limit:
        results['rate_limited'] = rate_limited(args, workdir, seed_file)
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
    print('All figures: %s' % os.path.relpath(os.path.abspath(args.output), ROOT))
    return 1 if results['job_problems'] else 0


if __name__ == '__main__':
    sys.exit(main())
