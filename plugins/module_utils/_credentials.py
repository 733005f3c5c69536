# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Delivery of new secrets to credentials files: checked before Atlas is touched, written atomically
with mode 0600, in directories created with mode 0700."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

from ._validation import InputError


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


def write_credentials(dest, client_id, secret, api_base_url):
    """Write a new secret's credentials as JSON, atomically, with mode 0600 (mkstemp creates 0600)."""
    document = dict(client_id=client_id, client_secret=secret['secret'], secret_id=secret['id'],
                    expires_at=secret['expiresAt'], api_base_url=api_base_url)
    fd, tmp_path = tempfile.mkstemp(prefix='.atlas-credentials-', dir=os.path.dirname(os.path.abspath(dest)))
    try:
        with os.fdopen(fd, 'w') as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write('\n')
        os.replace(tmp_path, dest)
    except (IOError, OSError) as exc:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise InputError('secret %s of %s was created but could not be written to %s: %s' % (secret['id'], client_id, dest, exc.strerror))


def held_secret_id(path):
    """The secret id a credentials file holds: None when there is no file, '' when it holds no usable secret."""
    if not os.path.exists(path):
        return None
    try:
        with open(path) as handle:
            document = json.load(handle)
        return str(document.get('secret_id') or '') if document.get('client_secret') else ''
    except (IOError, OSError, ValueError, AttributeError):
        return ''


def write_pending_credentials(dest, client_id, api_base_url):
    """A credentials file that says it holds no secret yet (no client_secret): the next run gives it one."""
    document = dict(client_id=client_id, client_secret=None, secret_id=None, expires_at=None, api_base_url=api_base_url)
    fd, tmp_path = tempfile.mkstemp(prefix='.atlas-credentials-', dir=os.path.dirname(os.path.abspath(dest)))
    with os.fdopen(fd, 'w') as handle:
        json.dump(document, handle, indent=2, sort_keys=True)
        handle.write('\n')
    os.replace(tmp_path, dest)
