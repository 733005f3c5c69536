# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""IP access lists of service accounts: parsing and normalizing entries, their encoding on the wire,
planning a list as a set, predicting it after a plan, and the guard that keeps the account running
the task from locking itself out. Pure functions (the reads are the directory's, the writes the
executor's)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
from collections import namedtuple

from ._errors import InputError, Refusal

MAX_ACCESS_LIST_ENTRIES = 200


def normalize_access_entry(option, text):
    """An address or CIDR block as Atlas stores it: ('ipAddress', '10.1.2.3') or ('cidrBlock', '10.0.0.0/24').

    /32 (/128) is the bare address; a CIDR block with host bits set or anything else malformed fails."""
    value = str(text).strip()
    try:
        if '/' in value:
            network = ipaddress.ip_network(value, strict=True)
            if network.prefixlen == network.max_prefixlen:
                return 'ipAddress', str(network.network_address)
            return 'cidrBlock', str(network)
        return 'ipAddress', str(ipaddress.ip_address(value))
    except ValueError as exc:
        if '/' in value and 'has host bits set' in str(exc):
            network = ipaddress.ip_network(value, strict=False)
            raise InputError('%s: %s has host bits set; the network is %s' % (option, value, network))
        raise InputError('%s: %r is not an IPv4 or IPv6 address or CIDR block' % (option, text))


def normalize_access_entries(option, entries):
    """The entries as (kind, value) pairs, in order; duplicates (after normalizing) and more than 200 fail."""
    normalized, seen = [], {}
    for index, text in enumerate(entries or []):
        entry = normalize_access_entry('%s[%d]' % (option, index), text)
        if entry[1] in seen:
            raise InputError('%s[%d]: %s repeats %s[%d] (%s)' % (option, index, text, option, seen[entry[1]], entry[1]))
        seen[entry[1]] = index
        normalized.append(entry)
    if len(normalized) > MAX_ACCESS_LIST_ENTRIES:
        raise InputError('%s has %d entries; a service account can have at most %d' % (option, len(normalized), MAX_ACCESS_LIST_ENTRIES))
    return normalized


def access_wire_value(value):
    """An entry as the API's patterns accept it: IPv6 written out in eight groups (the spec's ipAddress
    pattern has no '::'), IPv4 unchanged."""
    address, slash, prefix = value.partition('/')
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        address = ':'.join('%x' % int(group, 16) for group in parsed.exploded.split(':'))
    return address + slash + prefix


def access_entry_key(entry):
    """The normalized string of an access-list entry of the API (its ipAddress or cidrBlock)."""
    if entry.get('ipAddress'):
        return normalize_access_entry('ipAddress', entry['ipAddress'])[1]
    return normalize_access_entry('cidrBlock', entry['cidrBlock'].replace('%2F', '/').replace('%2f', '/'))[1]


def sorted_access_entries(entries):
    """API access-list entries sorted by their string form (as results list them)."""
    return sorted(entries, key=access_entry_key)


# `add`: one POST body; `remove`: the entries as Atlas stores them, one DELETE each; `after_keys`: the
# normalized entries once the plan ran, sorted.
AccessListPlan = namedtuple('AccessListPlan', 'add remove after_keys')


def plan_access_list(current, wanted, state='present', purge=False):
    """Plan an access list from its current API entries and the wanted (kind, value) pairs.

    present adds what is missing (and with purge removes what is not wanted); absent removes what is
    listed."""
    current_keys = dict((access_entry_key(entry), entry.get('ipAddress') or entry.get('cidrBlock')) for entry in current)
    wanted_keys = [value for dummy, value in wanted]
    if state == 'absent':
        add = []
        remove = [current_keys[key] for key in wanted_keys if key in current_keys]
        after = [key for key in current_keys if key not in wanted_keys]
    else:
        add = [{kind: access_wire_value(value)} for kind, value in wanted if value not in current_keys]
        remove = [stored for key, stored in current_keys.items() if purge and key not in wanted_keys]
        after = [key for key in current_keys if not purge or key in wanted_keys] + [value for dummy, value in wanted if value not in current_keys]
    if len(after) > MAX_ACCESS_LIST_ENTRIES:
        raise Refusal('the access list would have %d entries (%d now, %d added); a service account can have at most %d'
                      % (len(after), len(current_keys), len(add), MAX_ACCESS_LIST_ENTRIES))
    return AccessListPlan(add, remove, sorted(after))


def access_entries_after(current, plan, added=()):
    """The API entries once the plan ran, sorted by their string form; entries not seen yet are predicted."""
    known = dict((access_entry_key(entry), entry) for entry in list(current) + list(added))
    return [known.get(key) or {('cidrBlock' if '/' in key else 'ipAddress'): key} for key in plan.after_keys]


def lockout_risk(plan, current):
    """Why a change to the access list of the account running the task could lock it out, or None."""
    if plan.remove:
        return 'it removes %s from the access list of the account whose credentials run this task' % ', '.join(plan.remove)
    if plan.add and not current:
        return ('it adds the first entry to the access list of the account whose credentials run this task, which then works '
                'only from the listed addresses')
    return None


def guard_own_access_list(plan, current, account_text, client_id, own_client_id, allow_own_account):
    """Refuse (stopping the run) a change that could lock out the account whose credentials run the task, unless allowed."""
    if not client_id or client_id != own_client_id or allow_own_account:
        return
    risk = lockout_risk(plan, current)
    if risk:
        raise Refusal('refusing to change the access list of %s: %s, so a mistake locks the automation out; '
                      'set allow_own_account=true to make the change anyway' % (account_text, risk), stops_run=True)
