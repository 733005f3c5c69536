# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Per-host locks on account names: one run creates, a parallel one waits and then finds it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._locks import LockTimeout, NameLocks, lock_directory
from ansible_collections.cloudops.atlas.plugins.module_utils._planning import duplicate_names_message
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import Scope

BASE = 'https://cloud.mongodb.com'
PROJECT = Scope.project('6a0b1c2d3e4f5a6b7c8d9e0f')


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_locks_live_in_a_private_directory_next_to_the_token_cache(cache_home):
    locks = NameLocks(BASE)
    locks.acquire(PROJECT, ['app'])
    try:
        assert locks.directory == lock_directory() == str(cache_home / 'cloudops.atlas' / 'locks')
        assert stat.S_IMODE(os.stat(locks.directory).st_mode) == 0o700
        assert os.listdir(locks.directory) == [os.path.basename(locks.path(PROJECT, 'app'))]
    finally:
        locks.release()


def test_a_second_holder_waits_and_gives_up_with_a_clear_message(cache_home):
    first = NameLocks(BASE)
    first.acquire(PROJECT, ['app'])
    clock = FakeClock()
    second = NameLocks(BASE, timeout=2, clock=clock, sleep=clock.sleep)
    try:
        with pytest.raises(LockTimeout) as failure:
            second.acquire(PROJECT, ['app'])
        assert "another run on this host has been creating or checking service account 'app' in project 6a0b1c2d3e4f5a6b7c8d9e0f" in str(failure.value)
        assert clock.now >= 2
    finally:
        first.release()
    second.acquire(PROJECT, ['app'])  # free once the first run is done
    second.release()


def test_names_scopes_and_base_urls_are_separate_locks(cache_home):
    first = NameLocks(BASE)
    first.acquire(PROJECT, ['app'])
    clock = FakeClock()
    others = [(NameLocks(BASE, timeout=0, clock=clock, sleep=clock.sleep), PROJECT, 'other'),
              (NameLocks(BASE, timeout=0, clock=clock, sleep=clock.sleep), Scope.project('6a0b1c2d3e4f5a6b7c8d9e1f'), 'app'),
              (NameLocks('https://other.example.test', timeout=0, clock=clock, sleep=clock.sleep), PROJECT, 'app')]
    try:
        for locks, scope, name in others:
            locks.acquire(scope, [name])
            locks.release()
    finally:
        first.release()


def test_another_process_is_kept_out_until_release(cache_home, tmp_path):
    locks = NameLocks(BASE)
    locks.acquire(PROJECT, ['app', 'batch'])
    probe = textwrap.dedent('''
        import fcntl, os, sys
        fd = os.open(sys.argv[1], os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print('free')
        except OSError:
            print('held')
    ''')
    path = locks.path(PROJECT, 'batch')
    held = subprocess.run([sys.executable, '-c', probe, path], capture_output=True, text=True, check=True).stdout.strip()
    locks.release()
    free = subprocess.run([sys.executable, '-c', probe, path], capture_output=True, text=True, check=True).stdout.strip()
    assert (held, free) == ('held', 'free')


def test_duplicates_made_minutes_apart_are_named_as_a_race_with_the_fix():
    matches = [dict(clientId='mdb_sa_id_%024d' % 1, createdAt='2026-11-23T12:00:00Z'),
               dict(clientId='mdb_sa_id_%024d' % 2, createdAt='2026-11-23T12:00:03Z')]
    message = duplicate_names_message(matches, 'app', 'project 6a0b1c2d3e4f5a6b7c8d9e0f')
    assert message.startswith("2 service accounts are named 'app' in project 6a0b1c2d3e4f5a6b7c8d9e0f (mdb_sa_id_%024d, mdb_sa_id_%024d)" % (1, 2))
    assert 'created 3 seconds apart: probably two runs at once on different hosts' in message
    assert 'client_id=mdb_sa_id_%024d, state=absent' % 2 in message


def test_old_duplicates_are_plain_duplicates():
    matches = [dict(clientId='mdb_sa_id_%024d' % 1, createdAt='2026-01-01T00:00:00Z'),
               dict(clientId='mdb_sa_id_%024d' % 2, createdAt='2026-11-23T12:00:00Z')]
    message = duplicate_names_message(matches, 'app', 'organization 5f1e2d3c4b5a69788796a5b4')
    assert message.endswith('Atlas names are not unique; delete the extra ones, or pass client_id to choose one')
