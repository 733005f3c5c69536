# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Per-host locks around find-or-create.

Atlas does not keep service-account names unique, so two runs that list a scope at the same time and
both find no account named X would both create one. On one host (forks, parallel AWX jobs on one
execution node) that cannot happen: a run holds an exclusive lock per (base URL, scope, account name)
from the listing that decides a create until the create is done. Lock files live next to the token
cache, in a private directory, and hold nothing but the lock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import fcntl
import hashlib
import os
import time

from ._token_cache import default_cache_dir, ensure_private_directory

LOCK_TIMEOUT_SECONDS = 600
POLL_SECONDS = 0.05


class LockError(Exception):
    """The lock directory or a lock file is unusable (callers go on without the lock, with a warning)."""


class LockTimeout(LockError):
    """Another run held the lock for longer than the timeout."""


def lock_directory():
    return os.path.join(os.path.dirname(default_cache_dir()), 'locks')


class NameLocks:
    """Exclusive locks on account names in scopes, taken in a fixed order so that runs never deadlock."""

    def __init__(self, base_url, directory=None, timeout=LOCK_TIMEOUT_SECONDS, clock=time.monotonic, sleep=time.sleep):
        self.base_url = base_url.rstrip('/')
        self.directory = directory or lock_directory()
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.held = []  # open file descriptors

    def path(self, scope, name):
        key = hashlib.sha256('\0'.join((self.base_url, scope.kind, scope.id, name)).encode('utf-8')).hexdigest()
        return os.path.join(self.directory, key + '.lock')

    def _ensure_directory(self):
        ensure_private_directory(self.directory, 'lock directory', LockError)

    def acquire(self, scope, names):
        """Lock every name of one scope (sorted); wait up to `timeout` seconds for another run to finish."""
        self._ensure_directory()
        for name in sorted(set(names)):
            path = self.path(scope, name)
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o600)
            except OSError as exc:
                raise LockError('cannot open lock file %s: %s' % (path, exc.strerror))
            deadline = self.clock() + self.timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except (IOError, OSError) as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        os.close(fd)
                        raise LockError('cannot lock %s: %s' % (path, exc.strerror))
                if self.clock() >= deadline:
                    os.close(fd)
                    raise LockTimeout('another run on this host has been creating or checking service account %r in %s for more '
                                      'than %d seconds (lock %s); try again when it is done' % (name, scope.text, self.timeout, path))
                self.sleep(POLL_SECONDS)
            self.held.append(fd)

    def release(self):
        while self.held:
            fd = self.held.pop()
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
