# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Credentials files, the first kind of place a new secret is delivered to: checked before Atlas is
touched, written atomically with mode 0600, in directories created with mode 0700, and read back to
tell which secret a file holds."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

from ._errors import DeliveryError, InputError
from ._secrets import HeldSecret


def check_dest(option, dest):
    """Checked before anything changes in Atlas: a secret that cannot be delivered wastes a slot."""
    if dest is None:
        return
    if os.path.isdir(dest):
        raise InputError('%s %s is a directory; give the path of the file to write' % (option, dest))
    parent = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(parent):
        raise InputError('%s: directory %s does not exist (it is not created)' % (option, parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError('%s: directory %s is not writable' % (option, parent))


def check_credentials_dir(option, path):
    """A directory the module may create (mode 0700): it exists, or its parent does and is writable."""
    if path is None:
        return
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise InputError('%s: %s exists and is not a directory' % (option, path))
        if not os.access(path, os.W_OK | os.X_OK):
            raise InputError('%s: directory %s is not writable' % (option, path))
        return
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError('%s: %s does not exist (the directory is created, its parent is not)' % (option, parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError('%s: directory %s is not writable, so %s cannot be created' % (option, parent, path))


def ensure_credentials_dir(path):
    """Create the directory with mode 0700 if missing; return whether it was created."""
    if os.path.isdir(path):
        return False
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:  # another fork created it meanwhile
        return False
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask
    return True


def _write_document(path, document):
    """Write JSON atomically next to `path`, with mode 0600 (mkstemp creates 0600)."""
    fd, tmp_path = tempfile.mkstemp(prefix='.atlas-credentials-', dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, 'w') as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write('\n')
        os.replace(tmp_path, path)
    except (IOError, OSError):
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise


class CredentialsFile:
    """One account's credentials file: what it holds, and the delivery of a new secret to it."""

    holder = 'its credentials file'

    def __init__(self, path):
        self.path = path

    def held(self):
        """The secret the file holds: secret_id None when there is no file, '' when it holds no usable secret."""
        if not os.path.exists(self.path):
            return HeldSecret(None, self.holder)
        try:
            with open(self.path) as handle:
                document = json.load(handle)
            secret_id = str(document.get('secret_id') or '') if document.get('client_secret') else ''
        except (IOError, OSError, ValueError, AttributeError):
            document, secret_id = None, ''
        # The document goes with it: a store that holds an older secret can be given this one (see _planning).
        return HeldSecret(secret_id, self.holder, document if secret_id else None)

    def deliver(self, credentials):
        """Write the credentials (client_id, client_secret, secret_id, expires_at, api_base_url)."""
        try:
            _write_document(self.path, dict((key, credentials[key]) for key in CREDENTIALS_KEYS))
        except (IOError, OSError) as exc:
            raise DeliveryError('secret %s of %s was created but could not be written to %s: %s'
                                % (credentials['secret_id'], credentials['client_id'], self.path, exc.strerror))
        return self.path

    def mark_pending(self, client_id, api_base_url):
        """A new account's file says it holds no secret yet (no client_secret), so that the next run delivers one."""
        if not os.path.exists(self.path):
            _write_document(self.path, dict(client_id=client_id, client_secret=None, secret_id=None, expires_at=None,
                                            api_base_url=api_base_url))

    def __str__(self):
        return self.path


# The keys of a credentials file (and of a secret store's document), as the CONTRACT and the modules' docs name them.
CREDENTIALS_KEYS = ('client_id', 'client_secret', 'secret_id', 'expires_at', 'api_base_url')
