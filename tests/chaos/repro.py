# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Minimal reproductions of the bugs the chaos run found (KNOWN_FAILURES in chaos.py while they are not fixed), one
fresh simulator each.

Each scenario is one project with one account (chaos-1: 240-hour secrets rotated 72 hours before expiry),
the chaos playbook (tests/chaos/onboard.yml, api_timeout 2, api_retries 3, api_retry_max_wait 10) and a
few faults. The store scenarios (B7 on) also give the role a secret store: an OpenBao dev server behind the
chaos run's fault-injecting proxy (tests/chaos/store_proxy.py), with store faults. It prints every run's calls
(from the journal and the proxy's log) and outcome, then what should have happened, and "present" or "fixed".
Exits 1 when a bug is present.

  python tests/chaos/repro.py [B1 B2 ...]      (default: all)
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import chaos  # noqa: E402  pylint: disable=wrong-import-position


class Scenario:
    """One simulator, one project, one account; `run` runs the role with faults and shows what happened."""

    def __init__(self, workdir, with_store=False):
        self.workdir = workdir
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir, mode=0o700)
        seed = os.path.join(workdir, 'seed.json')
        with open(seed, 'w') as handle:
            json.dump(chaos.bench.make_seed(1), handle)
        self.store = None
        self.sim = chaos.Simulator(os.path.join(workdir, 'sim'), ['--seed', seed]).start()
        try:
            if with_store:
                self.store = chaos.Store(os.path.join(workdir, 'store'))
                self.store.start()
        except BaseException:
            self.stop()
            raise
        self.args = chaos.parse_args(['--projects', '1', '--accounts', '1', '--iterations', '1', '--api-timeout', '2',
                                      '--api-retries', '3', '--api-retry-max-wait', '10', '--verbosity', '0'])
        self.wishes = chaos.Wishes(random.Random(0), self.sim.info['project_ids'], 1, 1, os.path.join(workdir, 'credentials'))
        self.runner = chaos.Runner(self.args, workdir, self.sim, self.wishes, self.store)
        self.checker = chaos.Checker(self.sim, self.wishes, self.args, self.store)

    def stop(self):
        if self.store is not None:
            self.store.stop()
        self.sim.stop()

    def advance(self, hours):
        print('  clock +%d h: %s' % (hours, self.sim.advance(advance_hours=hours)))

    def run(self, label, faults=(), revoke_after=None, store_faults=()):
        for fault in faults:
            self.sim.add_fault(fault)
        for fault in store_faults:
            self.store.proxy.add_fault(**fault)
        print('  %s%s%s' % (label, ''.join('\n    fault %s' % json.dumps(fault, sort_keys=True) for fault in faults),
                            ''.join('\n    store fault %s' % json.dumps(fault, sort_keys=True) for fault in store_faults)))
        run = self.runner.run(label, 1, revoke_after=revoke_after)
        self.sim.clear_faults()
        if self.store is not None:
            self.store.proxy.clear_faults()
        state = self.sim.state()
        reasons, run['violations'] = chaos.classify_run(run['rc'], run['stats'], run['failures'], run['entries'], self.args,
                                                        run['store_log'], state, self.store)
        run['violations'] += (self.checker.check_state(state) + self.checker.check_files(state, fresh=run['rc'] == 0)
                              + self.checker.check_store(state, 1, fresh=run['rc'] == 0)
                              + (self.checker.check_converged(state, 1) if run['rc'] == 0 else []))
        run['reasons'] = reasons
        calls = ['%s %s %s%s' % (entry['method'], shorten(entry['path']), entry['status'], ' (%s)' % entry['fault'] if entry['fault'] else '')
                 for entry in run['entries']]
        print('    calls: %s' % '; '.join(calls))
        if self.store is not None:
            store_calls = ['%s %s %s%s' % (entry['method'], entry['location'] and 'data/.../%s' % entry['location'].rsplit('/', 1)[-1] or 'mount check',
                                           entry['status'] if entry.get('answered', True) else '(applied, %s unanswered)' % entry['status'],
                                           ' (%s)' % entry['fault'] if entry.get('fault') else '')
                           for entry in run['store_log']]
            print('    store calls: %s' % '; '.join(store_calls))
        if run['revocation']:
            print('    token revoked after %s Admin API requests' % run['revocation'].get('after_requests'))
        print('    rc %d, changed=%s' % (run['rc'], chaos.changed_of(run['stats'])))
        for failure in run['failures']:
            print('    failed: %s' % failure['msg'])
        for warning in run['warnings']:
            print('    warning: %s' % warning)
        for item in run['violations']:
            print('    violation %s: %s' % (item['invariant'], item['detail']))
        accounts = chaos.project_accounts(state, self.wishes.project_ids[0])
        held = chaos.read_file(self.wishes.file(self.wishes.accounts[0])) or {}
        atlas = '; '.join('%s %s: %s' % (account['name'], account['clientId'], chaos.describe_secrets(account['secrets'])) for account in accounts)
        stored = self.store.held_id(self.wishes.project_ids[0], self.wishes.accounts[0]['name']) if self.store is not None else None
        where = '; store: %s' % (stored or 'none') if self.store is not None else ''
        print('    Atlas: %s; file: %s%s' % (atlas or 'no account', held.get('secret_id', 'none'), where))
        return run


def shorten(path):
    return path.replace('/api/atlas/v2/groups/', '.../').replace('/serviceAccounts', '/SA')


def b1(scenario):
    run = scenario.run('first run; its listing answers 500 once', [dict(kind='status', status=500, method='GET', path='/serviceAccounts$')])
    return run['rc'] != 0, 'the GET is retried (api_retries 3) and the run succeeds'


def b2(scenario):
    scenario.run('first run')
    scenario.advance(200)
    scenario.run('rotation: the account has two secrets now')
    scenario.advance(200)
    run = scenario.run('rotation at the cap; the DELETE of the older secret is applied, its response lost',
                       [dict(kind='apply_then_drop', method='DELETE', path='/secrets/[^/]+$')])
    return run['rc'] != 0, 'the retried DELETE gets 404, which means the secret is gone as wished: the rotation goes on'


def b3(scenario):
    run = scenario.run('first run (its token is minted by this run); the token is revoked once the listing arrived',
                       [dict(kind='delay', method='GET', path='/serviceAccounts$', seconds=1)], revoke_after=1)
    return run['rc'] != 0, 'the 401 makes the module mint a new token once, and the run succeeds'


def b4(scenario):
    scenario.run('first run')
    scenario.advance(200)
    scenario.run('rotation; both secret creates are applied and their responses lost (fails: "lost twice", rightly)',
                 [dict(kind='apply_then_drop', method='POST', path='/secrets$', count=2)])
    run = scenario.run('run again, as the message says')
    scenario.advance(41)
    later = scenario.run('41 hours later')
    stale = [item for item in run['violations'] + later['violations'] if item['invariant'] in ('fresh-after-success', 'credentials-file')]
    return bool(stale), ('the rerun sees that the file does not hold the newest secret (whose value is unknown) and rotates: the '
                         'file gets a fresh secret; instead it succeeds with changed=0 and the file expires')


def b5(scenario):
    run = scenario.run('first run; its create is delayed 3 s, past api_timeout 2 s (Atlas applies it after the delay)',
                       [dict(kind='delay', method='POST', path='/serviceAccounts$', seconds=3)])
    again = scenario.run('run again')
    duplicates = [item for item in run['violations'] + again['violations'] if item['invariant'] == 'no-duplicates']
    return bool(duplicates), ('one account: after a create timed out the module does not send another one in this run '
                              '(or re-reads only when the first can no longer land); the run fails saying the outcome is unknown')


def b6(scenario):
    run = scenario.run('first run; the create answers 503 four times (api_retries 3)',
                       [dict(kind='status', status=503, method='POST', path='/serviceAccounts$', count=4)])
    crashed = any("'NoneType' object has no attribute 'get'" in str(failure['msg']) for failure in run['failures'])
    return crashed, 'the run fails with "[SERVICE_UNAVAILABLE] ... (gave up after 4 attempts)", not a crash while reporting'


def b7(scenario):
    scenario.run('first run (the store gets the first secret)')
    scenario.advance(200)
    scenario.run('rotation; the store write is answered 503 unapplied (fails, rightly: the file has the new secret, the store the previous one)',
                 store_faults=[dict(kind='write-refused', count=1, location='.+')])
    run = scenario.run('run again, as the message says ("the next run gives it a new secret")')
    again = scenario.run('and again')
    stuck = [item for item in run['violations'] + again['violations'] if item['invariant'] in ('failure-reason', 'converged', 'store-fresh')]
    return bool(stuck) or again['rc'] != 0, (
        'the run after the failed delivery gives the store the newest secret (a new one, room made by deleting a secret '
        'nobody needs, or the value the file holds) and succeeds; the store then holds the newest valid secret')


SCENARIOS = dict(B1=b1, B2=b2, B3=b3, B4=b4, B5=b5, B6=b6, B7=b7)
# The scenarios that give the role a secret store (OpenBao behind the fault-injecting proxy).
STORE_SCENARIOS = ('B7',)
# What each bug is (the known failures of chaos.py say it too, as long as a bug is not fixed).
BUGS = dict(
    B1='HTTP 500 is never retried, not even on a GET: one 500 fails the run (api_retries covers 429, 502-504 only)',
    B2='a secret DELETE whose response was lost is retried, gets 404 and fails the run, although the secret is gone as wished',
    B3='a token revoked mid-run is renewed only when it came from the cache: one minted by this run fails it with 401',
    B4='a secret whose value never reached its file (lost twice, or the run failed in between) is never replaced: reruns '
       'succeed with changed=0 while the file ages past its rotation window and expires',
    B5='a create that timed out before Atlas applied it is re-read too early, finds nothing and is sent again: a duplicate account',
    B6='atlas_service_account_set crashed while reporting an account whose create had failed, hiding the real error (fixed in 6dceef1)',
    B7='a store write that failed at a rotation leaves the file holding the new secret and the store the previous one, both valid: '
       'the next run must rotate again for the stale store, but protects both held secrets under the two-secret cap, deletes '
       'none and its secret POST is refused (SERVICE_ACCOUNT_MAX_SECRETS_REACHED); every later run fails the same way',
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('bugs', nargs='*', metavar='BUG', help='%s (default: all)' % ', '.join(sorted(SCENARIOS)))
    parser.add_argument('--workdir', default=os.path.join(chaos.ROOT, '.cache', 'chaos', 'repro'), help='scratch directory')
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    unknown = sorted(set(bug.upper() for bug in args.bugs) - set(SCENARIOS))
    if unknown:
        parser.error('unknown bug %s; choose from %s' % (', '.join(unknown), ', '.join(sorted(SCENARIOS))))
    present = []
    for bug in [bug.upper() for bug in args.bugs] or sorted(SCENARIOS):
        print('%s: %s' % (bug, BUGS[bug]))
        scenario = Scenario(os.path.join(os.path.abspath(args.workdir), bug), with_store=bug in STORE_SCENARIOS)
        try:
            bad, expected = SCENARIOS[bug](scenario)
        finally:
            scenario.stop()
        print('  expected: %s' % expected)
        print('  %s: %s' % (bug, 'present' if bad else 'fixed'))
        print()
        if bad:
            present.append(bug)
    print('bugs present: %s' % (', '.join(present) or 'none'))
    return 1 if present else 0


if __name__ == '__main__':
    sys.exit(main())
