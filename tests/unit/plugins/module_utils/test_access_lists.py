# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Access lists: entries as Atlas stores them, their wire form, plans as sets, and the lockout guard."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._access_lists import (
    access_wire_value, guard_own_access_list, lockout_risk, normalize_access_entries, normalize_access_entry, plan_access_list)
from ansible_collections.cloudops.atlas.plugins.module_utils._errors import InputError, Refusal
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.planner_data import OWN

NORMALIZED = [
    ('203.0.113.7', ('ipAddress', '203.0.113.7')),
    ('203.0.113.7/32', ('ipAddress', '203.0.113.7')),
    ('203.0.113.0/24', ('cidrBlock', '203.0.113.0/24')),
    ('2001:DB8::1', ('ipAddress', '2001:db8::1')),
    ('2001:db8::1/128', ('ipAddress', '2001:db8::1')),
    ('2001:db8::/48', ('cidrBlock', '2001:db8::/48')),
    (' 10.0.0.0/8 ', ('cidrBlock', '10.0.0.0/8')),
]


@pytest.mark.parametrize('text, expected', NORMALIZED)
def test_entries_are_normalized(text, expected):
    assert normalize_access_entry('entries[0]', text) == expected


REFUSED = [
    ('203.0.113.7/24', 'entries[0]: 203.0.113.7/24 has host bits set; the network is 203.0.113.0/24'),
    ('2001:db8::1/48', 'entries[0]: 2001:db8::1/48 has host bits set; the network is 2001:db8::/48'),
    ('300.1.2.3', "entries[0]: '300.1.2.3' is not an IPv4 or IPv6 address or CIDR block"),
    ('10.0.0.0/33', "entries[0]: '10.0.0.0/33' is not an IPv4 or IPv6 address or CIDR block"),
    ('example.com', "entries[0]: 'example.com' is not an IPv4 or IPv6 address or CIDR block"),
    ('', "entries[0]: '' is not an IPv4 or IPv6 address or CIDR block"),
]


@pytest.mark.parametrize('text, message', REFUSED)
def test_bad_entries_name_the_entry_and_the_rule(text, message):
    with pytest.raises(InputError) as failure:
        normalize_access_entry('entries[0]', text)
    assert str(failure.value) == message


def test_duplicates_after_normalizing_and_more_than_200_fail():
    with pytest.raises(InputError, match=r'entries\[1\]: 10.0.0.1/32 repeats entries\[0\] \(10.0.0.1\)'):
        normalize_access_entries('entries', ['10.0.0.1', '10.0.0.1/32'])
    with pytest.raises(InputError, match='entries has 201 entries; a service account can have at most 200'):
        normalize_access_entries('entries', ['10.0.%d.%d' % (index // 250, index % 250) for index in range(201)])


@pytest.mark.parametrize('value, wire', [
    ('2001:db8::1', '2001:db8:0:0:0:0:0:1'),
    ('2001:db8::/48', '2001:db8:0:0:0:0:0:0/48'),
    ('10.0.0.0/8', '10.0.0.0/8'),
])
def test_ipv6_goes_on_the_wire_in_eight_groups(value, wire):
    assert access_wire_value(value) == wire


CURRENT = [dict(cidrBlock='10.0.0.0/24'), dict(ipAddress='2001:db8:0:0:0:0:0:1'), dict(ipAddress='192.0.2.1')]
# Each row: why; wanted entries, state, purge; the POST body, the entries to DELETE, the entries after.
PLAN_TABLE = [
    ('present adds only what is missing', ['10.0.0.0/24', '198.51.100.0/24', '2001:db8::/48'], 'present', False,
     [dict(cidrBlock='198.51.100.0/24'), dict(cidrBlock='2001:db8:0:0:0:0:0:0/48')], [],
     ['10.0.0.0/24', '192.0.2.1', '198.51.100.0/24', '2001:db8::/48', '2001:db8::1']),
    ('another spelling of the same is no change', ['2001:DB8::1/128', '192.0.2.1/32', '10.0.0.0/24'], 'present', True, [], [],
     ['10.0.0.0/24', '192.0.2.1', '2001:db8::1']),
    ('purge removes unlisted entries as stored', ['192.0.2.1'], 'present', True, [], ['10.0.0.0/24', '2001:db8:0:0:0:0:0:1'],
     ['192.0.2.1']),
    ('absent removes only listed entries there', ['2001:db8::1', '203.0.113.9'], 'absent', False, [], ['2001:db8:0:0:0:0:0:1'],
     ['10.0.0.0/24', '192.0.2.1']),
]


@pytest.mark.parametrize('why, wanted, state, purge, add, remove, after', PLAN_TABLE, ids=[row[0] for row in PLAN_TABLE])
def test_plan_access_list(why, wanted, state, purge, add, remove, after):
    plan = plan_access_list(CURRENT, normalize_access_entries('entries', wanted), state=state, purge=purge)
    assert (plan.add, plan.remove, plan.after_keys) == (add, remove, after)


def test_more_than_200_in_total_is_refused_before_any_write():
    current = [dict(ipAddress='10.1.%d.%d' % (index // 250, index % 250)) for index in range(199)]
    with pytest.raises(Refusal, match=r'the access list would have 201 entries \(199 now, 2 added\)'):
        plan_access_list(current, normalize_access_entries('entries', ['192.0.2.1', '192.0.2.2']))


def test_lockout_risks_are_the_first_entry_and_any_removal():
    first = plan_access_list([], normalize_access_entries('entries', ['192.0.2.1']))
    assert 'adds the first entry' in lockout_risk(first, [])
    more = plan_access_list(CURRENT, normalize_access_entries('entries', ['192.0.2.9']))
    assert lockout_risk(more, CURRENT) is None
    fewer = plan_access_list(CURRENT, normalize_access_entries('entries', ['192.0.2.1']), purge=True)
    assert 'removes 10.0.0.0/24, 2001:db8:0:0:0:0:0:1' in lockout_risk(fewer, CURRENT)


def test_the_guard_stops_the_run_only_for_the_running_account_and_only_unless_allowed():
    risky = plan_access_list(CURRENT, normalize_access_entries('entries', ['192.0.2.1']), purge=True)
    with pytest.raises(Refusal) as refusal:
        guard_own_access_list(risky, CURRENT, "service account 'app' (%s)" % OWN, OWN, OWN, False)
    assert refusal.value.stops_run is True
    assert str(refusal.value).startswith("refusing to change the access list of service account 'app' (%s): it removes" % OWN)
    assert guard_own_access_list(risky, CURRENT, 'x', OWN, OWN, True) is None
    assert guard_own_access_list(risky, CURRENT, 'x', 'mdb_sa_id_%024d' % 1, OWN, False) is None
