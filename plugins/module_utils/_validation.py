# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Input rules shared by the modules. Each check names the option and the rule and raises InputError
before any API call."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ._errors import InputError

HEX24 = re.compile(r'^[a-f0-9]{24}$')
CLIENT_ID = re.compile(r'^mdb_sa_id_[a-fA-F0-9]{24}$')
# Atlas's pattern for names and descriptions is ^[\p{L}\p{N}\-_.,' ]*$ (any letter or number, space, -_.,').
TEXT_PUNCTUATION = frozenset("-_.,' ")
NAME_MAX = 64
DESCRIPTION_MAX = 250
SECRET_HOURS_MIN = 8
SECRET_HOURS_MAX = 8760
# The most requests a module run has out at once (its worker threads), for every `concurrency` option.
CONCURRENCY_MAX = 32

ORG_ROLES = ('ORG_MEMBER', 'ORG_READ_ONLY', 'ORG_BILLING_ADMIN', 'ORG_BILLING_READ_ONLY',
             'ORG_STREAM_PROCESSING_ADMIN', 'ORG_GROUP_CREATOR', 'ORG_OWNER')
# The project roles the API documented for service accounts (the spec dropped the enum in 2026).
PROJECT_ROLES = ('GROUP_OWNER', 'GROUP_READ_ONLY', 'GROUP_DATA_ACCESS_ADMIN', 'GROUP_DATA_ACCESS_READ_ONLY',
                 'GROUP_DATA_ACCESS_READ_WRITE', 'GROUP_CLUSTER_MANAGER', 'GROUP_SEARCH_INDEX_EDITOR',
                 'GROUP_STREAM_PROCESSING_OWNER', 'GROUP_BACKUP_MANAGER', 'GROUP_OBSERVABILITY_VIEWER',
                 'GROUP_DATABASE_ACCESS_ADMIN')


def check_hex_id(option, value):
    if value is not None and not HEX24.match(value):
        raise InputError('%s must be 24 lowercase hexadecimal characters, got %r' % (option, value))


def check_client_id(option, value):
    if value is not None and not CLIENT_ID.match(value):
        raise InputError('%s must match ^mdb_sa_id_[a-fA-F0-9]{24}$, got %r' % (option, value))


def check_text(option, value, maximum):
    if value is None:
        return
    if not 1 <= len(value) <= maximum:
        raise InputError('%s must be 1 to %d characters long, got %d' % (option, maximum, len(value)))
    bad = sorted(set(char for char in value if not (char.isalpha() or char.isnumeric() or char in TEXT_PUNCTUATION)))
    if bad:
        raise InputError("%s may contain only letters, digits, spaces and the characters - _ . , ' (%s not allowed)"
                         % (option, ' '.join(repr(char) for char in bad)))


def check_range(option, value, minimum, maximum):
    if value is not None and not minimum <= value <= maximum:
        raise InputError('%s must be between %d and %d, got %d' % (option, minimum, maximum, value))


def check_concurrency(value):
    check_range('concurrency', value, 1, CONCURRENCY_MAX)


def check_rotation_window(prefix, expires_after_hours, rotate_before_hours):
    """The lifetime of new secrets and the rotation window: in range, and the window shorter than the lifetime."""
    check_range(prefix + 'expires_after_hours', expires_after_hours, SECRET_HOURS_MIN, SECRET_HOURS_MAX)
    check_range(prefix + 'rotate_before_hours', rotate_before_hours, 0, SECRET_HOURS_MAX)
    if expires_after_hours is not None and rotate_before_hours is not None and rotate_before_hours >= expires_after_hours:
        raise InputError('%srotate_before_hours (%d) must be less than %sexpires_after_hours (%d), or every run would create a new secret'
                         % (prefix, rotate_before_hours, prefix, expires_after_hours))


def check_unique(option, values):
    seen = set()
    duplicates = sorted(set(value for value in values if value in seen or seen.add(value)))
    if duplicates:
        raise InputError('%s must be unique, %s given more than once' % (option, ', '.join(repr(value) for value in duplicates)))


def _listing(values, singular, plural):
    """'X is not a <singular>' / 'X, Y are not <plural>'."""
    if len(values) == 1:
        return '%s is not %s' % (values[0], singular)
    return '%s are not %s' % (', '.join(values), plural)


def check_roles(option, roles, scope_kind, warn):
    """Org roles must be ORG_* of the API; project roles GROUP_* (unknown GROUP_* only warn). Returns them sorted."""
    if roles is None:
        return None
    if not roles:
        raise InputError('%s must name at least one role' % option)
    if scope_kind == 'org':
        unknown = sorted(set(roles) - set(ORG_ROLES))
        if unknown:
            raise InputError('%s: %s; use %s' % (option, _listing(unknown, 'an organization role', 'organization roles'), ', '.join(ORG_ROLES)))
    else:
        wrong = sorted(set(role for role in roles if not role.startswith('GROUP_')))
        if wrong:
            raise InputError('%s: %s; project roles start with GROUP_, for example %s'
                             % (option, _listing(wrong, 'a project role', 'project roles'), ', '.join(PROJECT_ROLES[:3])))
        unknown = sorted(set(roles) - set(PROJECT_ROLES))
        if unknown:
            documented = 'among the documented project roles for service accounts'
            warn('%s: %s; Atlas decides whether to accept it.' % (option, _listing(unknown, documented, documented)))
    return sorted(set(roles))
