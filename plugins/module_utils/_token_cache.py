# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""On-disk cache of OAuth access tokens minted from service-account credentials.

Every Ansible task is a new process, and Atlas allows 100 active tokens per service account and
rate-limits its token endpoint. So tokens are shared between tasks and forks on the host where the
modules run: one file per (base URL, client id, hash of the secret) in a private directory, written
atomically, with an exclusive lock held while a token is minted so that parallel forks mint one.
The client secret itself is never written.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import fcntl
import hashlib
import json
import os
import stat
import tempfile
import time

CACHE_SUBDIR = os.path.join('cloudops.atlas', 'tokens')
# A cached token is reused until this many seconds before it expires.
REFRESH_MARGIN_SECONDS = 300


def default_cache_dir():
    """The user's cache directory (XDG_CACHE_HOME, else ~/.cache) plus our private subdirectory."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, CACHE_SUBDIR)


def _digest(*parts):
    return hashlib.sha256('\0'.join(parts).encode('utf-8')).hexdigest()


def ensure_private_directory(directory, what, error):
    """Create `directory` with mode 0700 (or check it): a directory of the current user, mode 0700; else raise error."""
    try:
        os.makedirs(directory, mode=0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise error('cannot create %s %s: %s' % (what, directory, exc.strerror))
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise error('%s %s is not a directory owned by the current user' % (what, directory))
    if stat.S_IMODE(info.st_mode) != 0o700:
        try:
            os.chmod(directory, 0o700)
        except OSError as exc:
            raise error('cannot restrict %s %s to mode 0700: %s' % (what, directory, exc.strerror))


class TokenCacheError(Exception):
    """The cache directory cannot be used safely; callers fall back to not caching."""


class TokenCache:
    """Token files for one set of credentials, guarded by an exclusive lock file."""

    def __init__(self, base_url, client_id, client_secret, directory=None, clock=time.time):
        self.directory = directory or default_cache_dir()
        # The secret only enters the file name through a hash, so a rotated secret gets a new
        # file and the secret itself can never be recovered from the cache.
        key = _digest(base_url.rstrip('/'), client_id, _digest(client_secret))
        self.path = os.path.join(self.directory, key + '.json')
        self.lock_path = os.path.join(self.directory, key + '.lock')
        self.clock = clock
        self._lock_fd = None

    def _ensure_directory(self):
        ensure_private_directory(self.directory, 'token cache directory', TokenCacheError)

    def __enter__(self):
        """Hold the exclusive lock: other processes wait here while this one reads or mints."""
        self._ensure_directory()
        flags = os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0)
        try:
            self._lock_fd = os.open(self.lock_path, flags, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        except OSError as exc:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
            raise TokenCacheError('cannot lock %s: %s' % (self.lock_path, exc.strerror))
        return self

    def __exit__(self, *exc_info):
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def load(self):
        """Return a cached token that stays valid beyond the refresh margin, else None."""
        try:
            with open(self.path) as handle:
                data = json.load(handle)
            token, expires_at = data['access_token'], float(data['expires_at'])
        except (OSError, IOError, ValueError, KeyError, TypeError):
            return None
        if expires_at - REFRESH_MARGIN_SECONDS <= self.clock():
            return None
        return token

    def store(self, access_token, expires_in):
        """Atomically replace the cache file (mode 0600) with a freshly minted token."""
        document = {'access_token': access_token, 'expires_at': self.clock() + float(expires_in)}
        try:
            fd, tmp_path = tempfile.mkstemp(prefix='.token-', dir=self.directory)  # mkstemp creates 0600
        except OSError as exc:
            raise TokenCacheError('cannot write to %s: %s' % (self.directory, exc.strerror))
        try:
            with os.fdopen(fd, 'w') as handle:
                json.dump(document, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_path, self.path)
        except BaseException as exc:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            if isinstance(exc, OSError):
                raise TokenCacheError('cannot write %s: %s' % (self.path, exc.strerror))
            raise

    def discard(self, access_token=None):
        """Drop the cached token (only if it is still `access_token`, when given)."""
        if access_token is not None and self.load_raw() != access_token:
            return
        try:
            os.unlink(self.path)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise TokenCacheError('cannot remove %s: %s' % (self.path, exc.strerror))

    def load_raw(self):
        """The cached token whatever its expiry (used to avoid discarding a newer one)."""
        try:
            with open(self.path) as handle:
                return json.load(handle).get('access_token')
        except (OSError, IOError, ValueError, AttributeError):
            return None
