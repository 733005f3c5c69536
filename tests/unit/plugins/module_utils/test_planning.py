# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The planners as plain functions: API objects, wishes and a clock in, plans out. No HTTP."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from datetime import datetime, timezone

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._planning import (
    PROJECT_ASSIGNMENT_FIELDS, SERVICE_ACCOUNT_FIELDS, AccountWish, access_wire_value, api_body, diff_view, field_changes,
    lockout_risk, normalize_access_entries, normalize_access_entry, plan_access_list, plan_account, plan_account_access,
    plan_account_set, plan_secrets, predict_secret, secret_rules, secrets_after)
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import InputError

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
OWN = 'mdb_sa_id_65f1a00000000000000000aa'


def secret(secret_id, created, expires):
    return dict(id=secret_id, createdAt=created, expiresAt=expires, lastUsedAt=None, maskedSecretValue='mdb_sa_sk_****')


EXPIRED = secret('000000000000000000000001', '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z')
OLD_VALID = secret('000000000000000000000002', '2026-10-20T00:00:00Z', '2026-12-20T00:00:00Z')
SOON = secret('000000000000000000000003', '2026-11-01T00:00:00Z', '2026-11-25T12:00:00Z')  # 48 h left
LONG = secret('000000000000000000000004', '2026-11-10T00:00:00Z', '2027-02-10T00:00:00Z')  # ~79 days left


def account(client_id='mdb_sa_id_0123456789abcdef01234567', name='app', description='App', roles=('GROUP_READ_ONLY',), secrets=()):
    return dict(clientId=client_id, name=name, description=description, roles=list(roles), createdAt='2026-11-01T00:00:00Z',
                secrets=list(secrets))


def wish(name='app', description='App', roles=('GROUP_READ_ONLY',), state='present', secret=None, first=720):
    return AccountWish(name, description, sorted(roles) if roles is not None else None, state, secret, first)


WEEKLY = secret_rules(720, 168)


class TestFieldTable:
    def test_api_body_maps_options_to_api_names_and_keeps_create_only_fields_for_creates(self):
        values = dict(name='app', description=None, roles=['B', 'A', 'A'], secret_expires_after_hours=720)
        assert api_body(SERVICE_ACCOUNT_FIELDS, values) == dict(name='app', roles=['A', 'B'])
        assert api_body(SERVICE_ACCOUNT_FIELDS, values, create=True) == dict(name='app', roles=['A', 'B'], secretExpiresAfterHours=720)

    def test_roles_compare_as_sets_so_order_is_no_change_but_a_removal_is(self):
        current = account(roles=['GROUP_OWNER', 'GROUP_READ_ONLY'])
        assert field_changes(SERVICE_ACCOUNT_FIELDS, current, dict(roles=['GROUP_READ_ONLY', 'GROUP_OWNER'])) == {}
        assert field_changes(SERVICE_ACCOUNT_FIELDS, current, dict(roles=['GROUP_OWNER'])) == dict(roles=['GROUP_OWNER'])

    def test_only_fields_given_are_compared_and_create_only_fields_never_are(self):
        current = account(description='Old')
        wanted = dict(description='New', secretExpiresAfterHours=24)
        assert field_changes(SERVICE_ACCOUNT_FIELDS, current, wanted) == dict(description='New')

    def test_diff_view_is_snake_case_managed_fields_with_sorted_sets(self):
        assert diff_view(SERVICE_ACCOUNT_FIELDS, account(roles=['Z', 'A'])) == dict(name='app', description='App', roles=['A', 'Z'])
        assert diff_view(PROJECT_ASSIGNMENT_FIELDS, account(roles=['Z', 'A'])) == dict(roles=['A', 'Z'])
        assert diff_view(SERVICE_ACCOUNT_FIELDS, None) == {}


class TestSecretRules:
    def test_a_secret_valid_beyond_the_window_needs_nothing(self):
        assert plan_secrets([LONG], NOW, WEEKLY) == (False, [], [])

    def test_inside_the_window_a_new_secret_is_due_and_nothing_is_deleted_below_the_cap(self):
        assert plan_secrets([SOON], NOW, WEEKLY) == (True, [], [])

    def test_no_valid_secret_means_a_new_one_even_without_a_window(self):
        assert plan_secrets([EXPIRED], NOW, secret_rules(720)) == (True, [], [])
        assert plan_secrets([], NOW, secret_rules(720)) == (True, [], [])

    def test_without_a_window_a_soon_expiring_secret_is_kept(self):
        assert plan_secrets([SOON], NOW, secret_rules(720, 0)) == (False, [], [])

    def test_at_the_cap_the_expired_secret_goes_first(self):
        assert plan_secrets([EXPIRED, SOON], NOW, WEEKLY) == (True, [EXPIRED['id']], [])

    def test_at_the_cap_with_two_valid_secrets_the_older_goes_and_never_the_newest_valid(self):
        assert plan_secrets([OLD_VALID, SOON], NOW, WEEKLY) == (True, [OLD_VALID['id']], [])
        assert plan_secrets([OLD_VALID, SOON], NOW, secret_rules(720, 168, force=True)) == (True, [OLD_VALID['id']], [])

    def test_force_revoke_previous_cuts_over_after_the_create(self):
        assert plan_secrets([LONG], NOW, secret_rules(720, 0, force=True, revoke_previous=True)) == (True, [], [LONG['id']])

    def test_prune_expired_deletes_expired_secrets_even_when_nothing_is_due(self):
        assert plan_secrets([EXPIRED, LONG], NOW, secret_rules(720, 0, prune_expired=True)) == (False, [EXPIRED['id']], [])

    def test_the_prediction_expires_after_the_lifetime_and_carries_no_id_or_value(self):
        predicted = predict_secret(NOW, 720)
        assert predicted['id'] is None and 'secret' not in predicted
        assert predicted['expiresAt'] == '2026-12-23T12:00:00Z'

    def test_secrets_after_drops_deleted_and_appends_the_new_one(self):
        plan = plan_secrets([EXPIRED, SOON], NOW, WEEKLY)
        new = predict_secret(NOW, 720)
        assert secrets_after([EXPIRED, SOON], plan, new) == [SOON, new]


class TestPlanAccount:
    def test_a_missing_account_is_one_create_carrying_its_first_secret(self):
        plan = plan_account(None, wish(secret=WEEKLY), NOW)
        assert [action.kind for action in plan.actions] == ['create_account']
        assert plan.actions[0].body == dict(name='app', description='App', roles=['GROUP_READ_ONLY'], secretExpiresAfterHours=720)
        assert plan.action == ['created']
        assert plan.after['clientId'] is None
        assert plan.after['secrets'][0]['expiresAt'] == '2026-12-23T12:00:00Z'

    def test_creating_without_description_or_roles_names_what_is_missing(self):
        with pytest.raises(InputError, match="creating service account 'app' needs description, roles"):
            plan_account(None, wish(description=None, roles=None), NOW)

    def test_an_account_as_wished_is_unchanged(self):
        plan = plan_account(account(secrets=[LONG]), wish(secret=WEEKLY), NOW)
        assert plan.actions == [] and plan.action == ['unchanged'] and not plan.changed

    def test_unmanaged_fields_are_left_alone(self):
        plan = plan_account(account(description='Other'), wish(description=None, roles=None), NOW)
        assert plan.action == ['unchanged']

    def test_a_role_and_description_change_is_one_patch_with_both_fields(self):
        plan = plan_account(account(secrets=[LONG]), wish(description='New', roles=('GROUP_OWNER',), secret=WEEKLY), NOW)
        assert [(action.kind, action.body) for action in plan.actions] == [
            ('update_account', dict(description='New', roles=['GROUP_OWNER']))]
        assert plan.action == ['updated']
        assert plan.after['roles'] == ['GROUP_OWNER']

    def test_a_rotation_at_the_cap_is_one_delete_then_one_post(self):
        plan = plan_account(account(secrets=[EXPIRED, SOON]), wish(secret=WEEKLY), NOW)
        assert [(action.kind, action.target) for action in plan.actions] == [
            ('delete_secret', (account()['clientId'], EXPIRED['id'])), ('create_secret', account()['clientId'])]
        assert plan.actions[1].body == dict(secretExpiresAfterHours=720)
        assert plan.action == ['rotated']
        assert [item['id'] for item in plan.after['secrets']] == [SOON['id'], None]

    def test_update_and_rotation_together_are_both_reported(self):
        plan = plan_account(account(secrets=[SOON]), wish(description='New', secret=WEEKLY), NOW)
        assert plan.action == ['updated', 'rotated']

    def test_without_a_secret_entry_secrets_are_not_managed(self):
        assert plan_account(account(secrets=[EXPIRED]), wish(), NOW).action == ['unchanged']

    def test_absent_removes_an_existing_account_and_ignores_a_missing_one(self):
        plan = plan_account(account(), wish(state='absent'), NOW)
        assert [action.kind for action in plan.actions] == ['remove_account'] and plan.action == ['removed']
        assert plan.after is None
        assert plan_account(None, wish(state='absent'), NOW).action == ['unchanged']


class TestPlanAccountSet:
    LISTING = [account(client_id='mdb_sa_id_%024d' % 1, name='app', secrets=[LONG]),
               account(client_id='mdb_sa_id_%024d' % 2, name='stale', secrets=[LONG])]

    def test_plans_follow_the_input_order_and_purge_comes_last(self):
        plans = plan_account_set(self.LISTING, [wish(name='new'), wish(name='app')], NOW, purge=True)
        assert [(plan.name, plan.action) for plan in plans] == [('new', ['created']), ('app', ['unchanged']), ('stale', ['removed'])]

    def test_without_purge_unlisted_accounts_are_left_alone(self):
        plans = plan_account_set(self.LISTING, [wish(name='app')], NOW)
        assert [plan.name for plan in plans] == ['app']

    def test_a_name_matching_several_accounts_fails_naming_their_client_ids(self):
        listing = self.LISTING + [account(client_id='mdb_sa_id_%024d' % 3, name='app')]
        with pytest.raises(InputError) as failure:
            plan_account_set(listing, [wish(name='app')], NOW, scope_text='project 6a0b1c2d3e4f5a6b7c8d9e0f')
        assert "2 service accounts are named 'app' in project 6a0b1c2d3e4f5a6b7c8d9e0f" in str(failure.value)
        assert 'mdb_sa_id_%024d, mdb_sa_id_%024d' % (1, 3) in str(failure.value)

    def test_purge_never_removes_the_account_running_the_task(self):
        listing = self.LISTING + [account(client_id=OWN, name='automation')]
        with pytest.raises(InputError) as failure:
            plan_account_set(listing, [wish(name='app'), wish(name='stale')], NOW, purge=True, own_client_id=OWN)
        assert "refusing to remove service account 'automation' (%s)" % OWN in str(failure.value)
        assert 'lock itself out' in str(failure.value)

    def test_absent_of_the_account_running_the_task_is_refused_too(self):
        listing = [account(client_id=OWN, name='automation')]
        with pytest.raises(InputError, match='refusing to remove'):
            plan_account_set(listing, [wish(name='automation', state='absent')], NOW, own_client_id=OWN)

    def test_purge_with_the_running_account_listed_is_fine(self):
        listing = [account(client_id=OWN, name='automation')]
        plans = plan_account_set(listing, [wish(name='automation', description=None, roles=None)], NOW, purge=True, own_client_id=OWN)
        assert [plan.action for plan in plans] == [['unchanged']]


class TestAccessEntries:
    @pytest.mark.parametrize('text, expected', [
        ('203.0.113.7', ('ipAddress', '203.0.113.7')),
        ('203.0.113.7/32', ('ipAddress', '203.0.113.7')),
        ('203.0.113.0/24', ('cidrBlock', '203.0.113.0/24')),
        ('2001:DB8::1', ('ipAddress', '2001:db8::1')),
        ('2001:db8::1/128', ('ipAddress', '2001:db8::1')),
        ('2001:db8::/48', ('cidrBlock', '2001:db8::/48')),
        (' 10.0.0.0/8 ', ('cidrBlock', '10.0.0.0/8')),
    ])
    def test_entries_are_normalized(self, text, expected):
        assert normalize_access_entry('entries[0]', text) == expected

    @pytest.mark.parametrize('text, message', [
        ('203.0.113.7/24', 'entries[0]: 203.0.113.7/24 has host bits set; the network is 203.0.113.0/24'),
        ('2001:db8::1/48', 'entries[0]: 2001:db8::1/48 has host bits set; the network is 2001:db8::/48'),
        ('300.1.2.3', "entries[0]: '300.1.2.3' is not an IPv4 or IPv6 address or CIDR block"),
        ('10.0.0.0/33', "entries[0]: '10.0.0.0/33' is not an IPv4 or IPv6 address or CIDR block"),
        ('example.com', "entries[0]: 'example.com' is not an IPv4 or IPv6 address or CIDR block"),
        ('', "entries[0]: '' is not an IPv4 or IPv6 address or CIDR block"),
    ])
    def test_bad_entries_name_the_entry_and_the_rule(self, text, message):
        with pytest.raises(InputError) as failure:
            normalize_access_entry('entries[0]', text)
        assert str(failure.value) == message

    def test_duplicates_after_normalizing_and_more_than_200_fail(self):
        with pytest.raises(InputError, match=r'entries\[1\]: 10.0.0.1/32 repeats entries\[0\] \(10.0.0.1\)'):
            normalize_access_entries('entries', ['10.0.0.1', '10.0.0.1/32'])
        with pytest.raises(InputError, match='entries has 201 entries; a service account can have at most 200'):
            normalize_access_entries('entries', ['10.0.%d.%d' % (index // 250, index % 250) for index in range(201)])

    def test_ipv6_goes_on_the_wire_in_eight_groups(self):
        assert access_wire_value('2001:db8::1') == '2001:db8:0:0:0:0:0:1'
        assert access_wire_value('2001:db8::/48') == '2001:db8:0:0:0:0:0:0/48'
        assert access_wire_value('10.0.0.0/8') == '10.0.0.0/8'


class TestAccessListPlans:
    CURRENT = [dict(cidrBlock='10.0.0.0/24'), dict(ipAddress='2001:db8:0:0:0:0:0:1'), dict(ipAddress='192.0.2.1')]

    def test_present_adds_only_what_is_missing_in_one_body(self):
        wanted = normalize_access_entries('entries', ['10.0.0.0/24', '198.51.100.0/24', '2001:db8::/48'])
        plan = plan_access_list(self.CURRENT, wanted)
        assert plan.add == [dict(cidrBlock='198.51.100.0/24'), dict(cidrBlock='2001:db8:0:0:0:0:0:0/48')]
        assert plan.remove == []
        assert plan.after_keys == ['10.0.0.0/24', '192.0.2.1', '198.51.100.0/24', '2001:db8::/48', '2001:db8::1']

    def test_the_same_entries_in_another_spelling_are_no_change(self):
        wanted = normalize_access_entries('entries', ['2001:DB8::1/128', '192.0.2.1/32', '10.0.0.0/24'])
        assert plan_access_list(self.CURRENT, wanted, purge=True)[:2] == ([], [])

    def test_purge_removes_unlisted_entries_as_atlas_stores_them(self):
        plan = plan_access_list(self.CURRENT, normalize_access_entries('entries', ['192.0.2.1']), purge=True)
        assert plan.add == [] and plan.remove == ['10.0.0.0/24', '2001:db8:0:0:0:0:0:1']
        assert plan.after_keys == ['192.0.2.1']

    def test_absent_removes_only_listed_entries_that_exist(self):
        plan = plan_access_list(self.CURRENT, normalize_access_entries('entries', ['2001:db8::1', '203.0.113.9']), state='absent')
        assert plan.remove == ['2001:db8:0:0:0:0:0:1'] and plan.add == []

    def test_more_than_200_in_total_fails_before_any_write(self):
        current = [dict(ipAddress='10.1.%d.%d' % (index // 250, index % 250)) for index in range(199)]
        with pytest.raises(InputError, match=r'the access list would have 201 entries \(199 now, 2 added\)'):
            plan_access_list(current, normalize_access_entries('entries', ['192.0.2.1', '192.0.2.2']))

    def test_lockout_risks_are_the_first_entry_and_any_removal(self):
        first = plan_access_list([], normalize_access_entries('entries', ['192.0.2.1']))
        assert 'adds the first entry' in lockout_risk(first, [])
        more = plan_access_list(self.CURRENT, normalize_access_entries('entries', ['192.0.2.9']))
        assert lockout_risk(more, self.CURRENT) is None
        fewer = plan_access_list(self.CURRENT, normalize_access_entries('entries', ['192.0.2.1']), purge=True)
        assert 'removes 10.0.0.0/24, 2001:db8:0:0:0:0:0:1' in lockout_risk(fewer, self.CURRENT)

    def test_the_set_planner_adds_access_actions_and_guards_the_running_account(self):
        own = account(client_id=OWN)
        plan = plan_account(own, wish(roles=None, description=None), NOW)
        with pytest.raises(InputError, match="refusing to change the access list of service account 'app'"):
            plan_account_access(plan, [], normalize_access_entries('access_list', ['192.0.2.1']), own_client_id=OWN)
        allowed = plan_account_access(plan_account(own, wish(roles=None, description=None), NOW), [],
                                      normalize_access_entries('access_list', ['192.0.2.1']), own_client_id=OWN, allow_own_account=True)
        assert [action.kind for action in allowed.actions] == ['set_access_list'] and allowed.action == ['updated']

    def test_a_new_account_gets_its_access_list_after_the_create(self):
        plan = plan_account_access(plan_account(None, wish(), NOW), [], normalize_access_entries('access_list', ['192.0.2.1']))
        assert [action.kind for action in plan.actions] == ['create_account', 'set_access_list']
        assert plan.actions[1].target is None and plan.action == ['created']

    def test_labels_keep_their_order(self):
        plan = plan_account(account(secrets=[SOON]), wish(secret=WEEKLY), NOW)
        plan_account_access(plan, [], normalize_access_entries('access_list', ['192.0.2.1']))
        assert plan.action == ['updated', 'rotated']


class TestCredentialsFiles:
    def test_a_file_holding_the_newest_valid_secret_or_no_file_changes_nothing(self):
        assert plan_account(account(secrets=[LONG]), wish(secret=WEEKLY), NOW, held_secret_id=LONG['id']).action == ['unchanged']
        assert plan_account(account(secrets=[LONG]), wish(secret=WEEKLY), NOW, held_secret_id=None).action == ['unchanged']

    def test_a_file_holding_an_older_secret_gets_a_new_one(self):
        # The newest secret's value was lost (or is held elsewhere): the file's consumers would be locked out later.
        plan = plan_account(account(secrets=[OLD_VALID, LONG]), wish(secret=WEEKLY), NOW, held_secret_id=OLD_VALID['id'])
        assert plan.action == ['rotated']
        assert [(action.kind, action.target) for action in plan.actions] == [
            ('delete_secret', (account()['clientId'], OLD_VALID['id'])), ('create_secret', account()['clientId'])]
        assert 'its credentials file holds secret %s, not its newest valid secret %s' % (OLD_VALID['id'], LONG['id']) in plan.notes[0]

    def test_a_file_that_holds_no_secret_gets_one(self):
        plan = plan_account(account(secrets=[LONG]), wish(secret=WEEKLY), NOW, held_secret_id='')
        assert plan.action == ['rotated'] and 'holds no secret' in plan.notes[0]

    def test_the_set_planner_passes_each_file_on(self):
        listing = [account(secrets=[LONG])]
        plans = plan_account_set(listing, [wish(secret=WEEKLY)], NOW, held_secret_ids={'app': OLD_VALID['id']})
        assert plans[0].action == ['rotated']
