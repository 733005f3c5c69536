# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The audit flags as plain functions: an API account, its access list and the server's clock in, flags out. No HTTP."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._audit import (
    AUDIT_FLAGS, AuditSettings, audit_account, audit_findings, audit_settings, audit_summary, findings_text)
from ansible_collections.cloudops.atlas.plugins.module_utils._time import format_time
from ansible_collections.cloudops.atlas.plugins.module_utils._errors import InputError

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)
ENTRY = dict(ipAddress='203.0.113.7', createdAt='2026-11-01T00:00:00Z')


def at(delta):
    """NOW + delta, as Atlas writes it."""
    return format_time(NOW + delta)


def secret(number, created=-timedelta(days=10), expires=timedelta(days=20), used=None):
    return dict(id='%024x' % number, createdAt=at(created), expiresAt=at(expires), lastUsedAt=None if used is None else at(used),
                maskedSecretValue='mdb_sa_sk_****')


def account(*secrets, **kwargs):
    return dict(clientId='mdb_sa_id_0123456789abcdef01234567', name=kwargs.get('name', 'app'), roles=['ORG_MEMBER'],
                createdAt=kwargs.get('created', at(-timedelta(days=365))), secrets=list(secrets))


def flags(acct, access_list=(), **kwargs):
    return audit_account(acct, None if access_list is None else list(access_list), NOW, **kwargs)


def params(**kwargs):
    values = dict(audit=True, audit_expiring_hours=168, audit_unused_days=90, audit_fail_on=[], include_system_managed=False)
    values.update(kwargs)
    return values


class TestExpired:
    def test_an_account_without_secrets_is_expired(self):
        assert flags(account())['expired'] is True

    def test_only_expired_secrets(self):
        assert flags(account(secret(1, expires=-timedelta(hours=1)), secret(2, expires=-SECOND)))['expired'] is True

    def test_a_secret_expiring_exactly_now_is_expired(self):
        assert flags(account(secret(1, expires=timedelta(0))))['expired'] is True

    def test_one_valid_secret_is_enough(self):
        assert flags(account(secret(1, expires=-timedelta(days=1)), secret(2, expires=SECOND)))['expired'] is False

    def test_the_server_clock_decides(self):
        acct = account(secret(1, expires=timedelta(hours=2)))
        assert audit_account(acct, [], NOW)['expired'] is False
        assert audit_account(acct, [], NOW + timedelta(hours=2))['expired'] is True


class TestExpiring:
    def test_expiring_at_the_threshold_counts(self):
        assert flags(account(secret(1, expires=timedelta(hours=168))))['expiring'] is True

    def test_just_past_the_threshold_does_not(self):
        assert flags(account(secret(1, expires=timedelta(hours=168) + SECOND)))['expiring'] is False

    def test_the_threshold_is_an_option(self):
        acct = account(secret(1, expires=timedelta(hours=30)))
        assert flags(acct, expiring_hours=24)['expiring'] is False
        assert flags(acct, expiring_hours=30)['expiring'] is True

    def test_zero_hours_never_flags(self):
        assert flags(account(secret(1, expires=SECOND)), expiring_hours=0)['expiring'] is False

    def test_an_expired_account_is_not_expiring(self):
        result = flags(account(secret(1, expires=-SECOND)))
        assert (result['expired'], result['expiring']) == (True, False)

    def test_the_newest_valid_secret_by_creation_time_decides(self):
        old_long = secret(1, created=-timedelta(days=20), expires=timedelta(days=300))
        new_short = secret(2, created=-timedelta(days=1), expires=timedelta(days=2))
        old_short = secret(3, created=-timedelta(days=20), expires=timedelta(days=2))
        new_long = secret(4, created=-timedelta(days=1), expires=timedelta(days=300))
        # Atlas may list secrets in any order: by createdAt, the newer one is what rotation keeps.
        assert flags(account(new_short, old_long))['expiring'] is True
        assert flags(account(new_long, old_short))['expiring'] is False

    def test_an_expired_newer_secret_is_skipped(self):
        valid_soon = secret(1, created=-timedelta(days=20), expires=timedelta(days=2))
        expired_newer = secret(2, created=-timedelta(days=1), expires=-SECOND)
        assert flags(account(valid_soon, expired_newer))['expiring'] is True


class TestUse:
    def test_never_used_when_every_last_used_at_is_null(self):
        result = flags(account(secret(1), secret(2)))
        assert result['never_used'] is True

    def test_an_account_without_secrets_was_never_used(self):
        assert flags(account())['never_used'] is True

    def test_one_used_secret_is_enough(self):
        assert flags(account(secret(1), secret(2, used=-timedelta(days=400))))['never_used'] is False

    def test_used_exactly_at_the_window_edge_is_not_unused(self):
        result = flags(account(secret(1, used=-timedelta(days=90))))
        assert (result['never_used'], result['unused']) == (False, False)

    def test_used_just_before_the_window_is_unused(self):
        assert flags(account(secret(1, used=-timedelta(days=90) - SECOND)))['unused'] is True

    def test_the_latest_use_of_any_secret_counts(self):
        acct = account(secret(1, used=-timedelta(days=200)), secret(2, used=-timedelta(days=3)))
        assert flags(acct)['unused'] is False
        assert flags(acct, unused_days=2)['unused'] is True

    def test_a_new_never_used_account_is_not_unused_yet(self):
        result = flags(account(secret(1), created=at(-timedelta(days=90))))
        assert (result['never_used'], result['unused']) == (True, False)

    def test_a_never_used_account_older_than_the_window_is_unused(self):
        result = flags(account(secret(1), created=at(-timedelta(days=90) - SECOND)))
        assert (result['never_used'], result['unused']) == (True, True)

    def test_a_never_used_account_without_creation_time_is_unused(self):
        acct = account(secret(1))
        del acct['createdAt']
        assert flags(acct)['unused'] is True

    def test_fractional_seconds_from_atlas_are_read(self):
        used = secret(1)
        used['lastUsedAt'] = '2026-11-23T11:59:59.123Z'
        assert flags(account(used), unused_days=1)['unused'] is False


class TestCapAccessAndSystem:
    def test_two_secrets_are_at_the_cap(self):
        assert flags(account(secret(1), secret(2)))['at_secret_cap'] is True
        assert flags(account(secret(1)))['at_secret_cap'] is False
        assert flags(account())['at_secret_cap'] is False

    def test_an_empty_access_list_is_open(self):
        assert flags(account(secret(1)), [])['open_access'] is True

    def test_an_entry_closes_it(self):
        assert flags(account(secret(1)), [ENTRY])['open_access'] is False

    def test_an_access_list_not_read_is_not_judged(self):
        assert flags(account(secret(1)), None)['open_access'] is False

    def test_system_managed_is_what_the_caller_knows(self):
        assert flags(account(secret(1)))['system_managed'] is False
        assert flags(account(secret(1)), system_managed=True)['system_managed'] is True

    def test_a_healthy_account_has_no_flag(self):
        healthy = account(secret(1, expires=timedelta(days=60), used=-timedelta(hours=1)))
        assert flags(healthy, [ENTRY]) == dict((flag, False) for flag in AUDIT_FLAGS)

    def test_every_flag_is_returned(self):
        assert sorted(flags(account())) == sorted(AUDIT_FLAGS)


class TestSummaryAndFindings:
    def test_summary_counts_each_flag_and_the_accounts(self):
        summary = audit_summary([dict(expired=True, never_used=True), dict(expired=True, open_access=True), dict(expired=False)])
        assert summary == dict(accounts=3, expired=2, expiring=0, never_used=1, unused=0, at_secret_cap=0, open_access=1,
                               system_managed=0)

    def test_summary_of_nothing(self):
        assert audit_summary([]) == dict([('accounts', 0)] + [(flag, 0) for flag in AUDIT_FLAGS])

    def test_findings_name_the_accounts_and_only_the_flags_asked_for(self):
        views = [dict(name='a', client_id='id-a', audit=dict(expired=True, never_used=True, open_access=True)),
                 dict(name='b', client_id='id-b', audit=dict(expired=False, never_used=False, open_access=True)),
                 dict(name='c', client_id='id-c', audit=dict(expired=False, never_used=True))]
        findings = audit_findings(views, ['expired', 'never_used'])
        assert findings == [dict(name='a', client_id='id-a', flags=['expired', 'never_used']),
                            dict(name='c', client_id='id-c', flags=['never_used'])]
        assert audit_findings(views, []) == []
        assert findings_text(findings, 3, ['expired', 'never_used'], 'organization x') == (
            "Audit of organization x: 2 of 3 service accounts have a flag of audit_fail_on (expired, never_used): "
            "'a' (id-a): expired, never_used; 'c' (id-c): never_used")


class TestSettings:
    def test_off_by_default(self):
        assert audit_settings(params(audit=False)) is None

    def test_on(self):
        assert audit_settings(params()) == AuditSettings(168, 90, [])

    def test_fail_on_turns_the_audit_on_in_flag_order_without_repeats(self):
        settings = audit_settings(params(audit=False, audit_fail_on=['never_used', 'expired', 'never_used']))
        assert settings == AuditSettings(168, 90, ['expired', 'never_used'])

    @pytest.mark.parametrize('option, value', [('audit_expiring_hours', 0), ('audit_expiring_hours', 8760),
                                               ('audit_unused_days', 1), ('audit_unused_days', 3650)])
    def test_bounds_are_accepted(self, option, value):
        assert audit_settings(params(**{option: value})) is not None

    @pytest.mark.parametrize('option, value, text', [
        ('audit_expiring_hours', -1, 'audit_expiring_hours must be between 0 and 8760, got -1'),
        ('audit_expiring_hours', 8761, 'audit_expiring_hours must be between 0 and 8760, got 8761'),
        ('audit_unused_days', 0, 'audit_unused_days must be between 1 and 3650, got 0'),
        ('audit_unused_days', 3651, 'audit_unused_days must be between 1 and 3650, got 3651'),
    ])
    def test_out_of_range_fails_even_without_audit(self, option, value, text):
        with pytest.raises(InputError, match=text):
            audit_settings(params(audit=False, **{option: value}))

    def test_unknown_flags_fail_naming_the_flags(self):
        with pytest.raises(InputError) as raised:
            audit_settings(params(audit_fail_on=['expired', 'stale']))
        assert str(raised.value) == ('audit_fail_on: stale; the flags are expired, expiring, never_used, unused, at_secret_cap, '
                                     'open_access, system_managed')

    def test_system_managed_needs_the_system_managed_listing(self):
        with pytest.raises(InputError, match='system_managed needs include_system_managed=true'):
            audit_settings(params(audit_fail_on=['system_managed']))
        assert audit_settings(params(audit_fail_on=['system_managed'], include_system_managed=True)).fail_on == ['system_managed']
