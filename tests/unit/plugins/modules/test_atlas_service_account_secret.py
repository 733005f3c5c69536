# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import json
import os
import stat
from datetime import datetime, timezone

import pytest
import requests

from ansible_collections.cloudops.atlas.plugins.module_utils import _client, _credentials, _time
from ansible_collections.cloudops.atlas.plugins.modules import atlas_service_account_secret as module
from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import (
    ACCESS_TOKEN, BASE, CLIENT_ID, NOW, OTHER_CLIENT_ID, ORG, PROJECT, account, page, secret, warnings_of)

ORG_SAS = '/orgs/%s/serviceAccounts' % ORG
PROJECT_SAS = '/groups/%s/serviceAccounts' % PROJECT
ACCOUNT = ORG_SAS + '/' + CLIENT_ID
SECRETS = ACCOUNT + '/secrets'
LIST = '?itemsPerPage=500&pageNum=1'
GET_ACCOUNT = 'GET ' + ACCOUNT
POST_SECRET = 'POST ' + SECRETS

# The server's clock is NOW (2026-11-23T12:00:00Z); hours left are relative to it.
EXPIRED = secret('6a0b1c2d3e4f5a6b7c8d9e01', created='2026-09-20T08:00:00Z', expires='2026-11-20T08:00:00Z')      # -76 h
OLDER = secret('6a0b1c2d3e4f5a6b7c8d9e02', created='2026-10-24T12:00:00Z', expires='2026-11-24T12:00:00Z')        # 24 h
SOON = secret('6a0b1c2d3e4f5a6b7c8d9e03', created='2026-11-01T12:00:00Z', expires='2026-11-26T12:00:00Z')         # 72 h
LONG = secret('6a0b1c2d3e4f5a6b7c8d9e04', created='2026-11-10T12:00:00Z', expires='2026-12-31T12:00:00Z')         # 912 h
UNKNOWN_ID = '6a0b1c2d3e4f5a6b7c8d9eff'
NEW_ID = '6a0b1c2d3e4f5a6b7c8d9e10'
NEW_EXPIRES = '2026-12-23T12:00:00Z'  # NOW + 720 h
PLAINTEXT = 'mdb_sa_sk_planted-new-plaintext-c0ffee'
# What the POST returns (the only response that ever carries the plaintext) and what a later GET shows.
NEW = secret(NEW_ID, created=NOW, expires=NEW_EXPIRES, plaintext=PLAINTEXT)
NEW_LISTED = secret(NEW_ID, created=NOW, expires=NEW_EXPIRES)

ORG_ARGS = dict(org_id=ORG, client_id=CLIENT_ID)
ROTATE = dict(ORG_ARGS, expires_after_hours=720, rotate_before_hours=168)


def ids(result):
    return [item['id'] for item in result['secrets']]


def diff_list(*docs):
    return [dict(id=doc['id'] or '(new)', expires_at=doc['expiresAt']) for doc in docs]


def delete(secret_id, base=SECRETS):
    return 'DELETE %s/%s' % (base, secret_id)


def reply_get(atlas, *docs):
    atlas.reply('GET', ACCOUNT, json_body=account(secrets=docs))


def reply_post(atlas, hours=720, path=SECRETS):
    atlas.reply('POST', path, status=201, json_body=NEW, match_body=dict(secretExpiresAfterHours=hours))


def reply_delete(atlas, secret_id, base=SECRETS):
    atlas.reply('DELETE', base + '/' + secret_id, status=204)


class TestPresentDecisions:
    def test_no_secret_creates_one(self, atlas, run_module):
        reply_get(atlas)
        reply_post(atlas)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET]
        assert result['client_id'] == CLIENT_ID
        assert result['secret'] == dict(id=NEW_ID, created_at=NOW, expires_at=NEW_EXPIRES, masked_secret_value='mdb_sa_sk_****9e10', secret=PLAINTEXT)
        assert result['secrets'] == [dict(id=NEW_ID, created_at=NOW, expires_at=NEW_EXPIRES, last_used_at=None,
                                          masked_secret_value='mdb_sa_sk_****9e10', expires_in_hours=720.0, expired=False)]
        assert result['deleted_secret_ids'] == []
        assert result['diff'] == dict(before=[], after=diff_list(NEW))
        # The plaintext is in the result exactly once: in secret.secret, never in secrets or the diff.
        assert result['_stdout'].count(PLAINTEXT) == 1
        assert PLAINTEXT not in json.dumps(result['diff']) + json.dumps(result['secrets'])
        assert not warnings_of(result)

    def test_only_expired_secrets_create_one_and_keep_the_expired(self, atlas, run_module):
        reply_get(atlas, EXPIRED)
        reply_post(atlas)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET]
        assert ids(result) == [EXPIRED['id'], NEW_ID]
        assert [item['expired'] for item in result['secrets']] == [True, False]
        assert result['secrets'][0]['expires_in_hours'] == -76.0
        assert result['deleted_secret_ids'] == []

    def test_valid_secret_is_a_noop_of_one_get(self, atlas, run_module):
        reply_get(atlas, LONG)

        result = run_module(module, ROTATE)

        assert result['changed'] is False
        assert atlas.calls == [GET_ACCOUNT]
        assert result['client_id'] == CLIENT_ID
        assert result['secret'] == {}
        assert result['secrets'] == [dict(id=LONG['id'], created_at=LONG['createdAt'], expires_at=LONG['expiresAt'], last_used_at=None,
                                          masked_secret_value='mdb_sa_sk_****9e04', expires_in_hours=912.0, expired=False)]
        assert result['deleted_secret_ids'] == []
        assert result['diff'] == dict(before=diff_list(LONG), after=diff_list(LONG))
        assert not warnings_of(result)

    def test_noop_does_not_need_expires_after_hours(self, atlas, run_module):
        reply_get(atlas, LONG)

        result = run_module(module, ORG_ARGS)

        assert result['changed'] is False
        assert atlas.calls == [GET_ACCOUNT]

    def test_rotate_before_zero_keeps_a_secret_that_expires_soon(self, atlas, run_module):
        reply_get(atlas, SOON)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720))

        assert result['changed'] is False
        assert atlas.calls == [GET_ACCOUNT]

    def test_just_outside_the_window_is_a_noop(self, atlas, run_module):
        reply_get(atlas, SOON)

        result = run_module(module, dict(ROTATE, rotate_before_hours=71))

        assert result['changed'] is False
        assert atlas.calls == [GET_ACCOUNT]

    def test_inside_the_window_rotates_and_keeps_the_previous_secret(self, atlas, run_module):
        reply_get(atlas, SOON)
        reply_post(atlas)

        result = run_module(module, ROTATE)

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET]
        assert ids(result) == [SOON['id'], NEW_ID]
        assert result['secret']['id'] == NEW_ID
        assert result['deleted_secret_ids'] == []
        assert result['diff'] == dict(before=diff_list(SOON), after=diff_list(SOON, NEW))
        assert not warnings_of(result)

    def test_cap_with_an_expired_secret_prunes_it_then_creates(self, atlas, run_module):
        reply_get(atlas, EXPIRED, SOON)
        reply_delete(atlas, EXPIRED['id'])
        reply_post(atlas)

        result = run_module(module, ROTATE)

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, delete(EXPIRED['id']), POST_SECRET]
        assert result['deleted_secret_ids'] == [EXPIRED['id']]
        assert ids(result) == [SOON['id'], NEW_ID]
        assert result['diff'] == dict(before=diff_list(EXPIRED, SOON), after=diff_list(SOON, NEW))

    def test_cap_with_two_expired_secrets_deletes_both_before_creating(self, atlas, run_module):
        also_expired = secret('6a0b1c2d3e4f5a6b7c8d9e05', created='2026-10-01T08:00:00Z', expires='2026-11-21T08:00:00Z')
        reply_get(atlas, EXPIRED, also_expired)
        reply_delete(atlas, EXPIRED['id'])
        reply_delete(atlas, also_expired['id'])
        reply_post(atlas)

        result = run_module(module, ROTATE)

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, delete(EXPIRED['id']), delete(also_expired['id']), POST_SECRET]
        assert result['deleted_secret_ids'] == [EXPIRED['id'], also_expired['id']]
        assert ids(result) == [NEW_ID]

    def test_cap_with_two_valid_deletes_the_older_then_creates(self, atlas, run_module):
        reply_get(atlas, OLDER, SOON)
        reply_delete(atlas, OLDER['id'])
        reply_post(atlas)

        result = run_module(module, ROTATE)

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, delete(OLDER['id']), POST_SECRET]
        assert result['deleted_secret_ids'] == [OLDER['id']]
        assert ids(result) == [SOON['id'], NEW_ID]
        assert result['diff'] == dict(before=diff_list(OLDER, SOON), after=diff_list(SOON, NEW))

    def test_older_and_newest_follow_created_at_not_the_listing_order(self, atlas, run_module):
        reply_get(atlas, SOON, OLDER)
        reply_delete(atlas, OLDER['id'])
        reply_post(atlas)

        result = run_module(module, ROTATE)

        assert atlas.calls == [GET_ACCOUNT, delete(OLDER['id']), POST_SECRET]
        assert result['diff']['before'] == diff_list(OLDER, SOON)
        assert ids(result) == [SOON['id'], NEW_ID]

    def test_revoke_previous_deletes_the_older_secrets_after_creating(self, atlas, run_module):
        reply_get(atlas, SOON)
        reply_post(atlas)
        reply_delete(atlas, SOON['id'])

        result = run_module(module, dict(ROTATE, revoke_previous=True))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET, delete(SOON['id'])]
        assert result['deleted_secret_ids'] == [SOON['id']]
        assert ids(result) == [NEW_ID]
        assert result['diff'] == dict(before=diff_list(SOON), after=diff_list(NEW))

    def test_revoke_previous_at_the_cap_makes_room_first_and_revokes_after(self, atlas, run_module):
        reply_get(atlas, EXPIRED, SOON)
        reply_delete(atlas, EXPIRED['id'])
        reply_post(atlas)
        reply_delete(atlas, SOON['id'])

        result = run_module(module, dict(ROTATE, revoke_previous=True))

        assert atlas.calls == [GET_ACCOUNT, delete(EXPIRED['id']), POST_SECRET, delete(SOON['id'])]
        assert result['deleted_secret_ids'] == [EXPIRED['id'], SOON['id']]
        assert ids(result) == [NEW_ID]

    def test_revoke_previous_without_a_rotation_deletes_nothing(self, atlas, run_module):
        reply_get(atlas, OLDER, LONG)

        result = run_module(module, dict(ROTATE, revoke_previous=True))

        assert result['changed'] is False
        assert atlas.calls == [GET_ACCOUNT]
        assert result['deleted_secret_ids'] == []

    def test_force_creates_even_when_a_secret_is_valid(self, atlas, run_module):
        reply_get(atlas, LONG)
        reply_post(atlas)

        result = run_module(module, dict(ROTATE, force=True))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET]
        assert ids(result) == [LONG['id'], NEW_ID]
        assert result['deleted_secret_ids'] == []

    def test_force_at_the_cap_never_deletes_the_newest_valid_secret(self, atlas, run_module):
        reply_get(atlas, SOON, LONG)
        reply_delete(atlas, SOON['id'])
        reply_post(atlas)

        result = run_module(module, dict(ROTATE, force=True))

        assert atlas.calls == [GET_ACCOUNT, delete(SOON['id']), POST_SECRET]
        assert result['deleted_secret_ids'] == [SOON['id']]
        assert ids(result) == [LONG['id'], NEW_ID]

    def test_prune_expired_alone_deletes_and_creates_nothing(self, atlas, run_module):
        reply_get(atlas, EXPIRED, LONG)
        reply_delete(atlas, EXPIRED['id'])

        result = run_module(module, dict(ORG_ARGS, prune_expired=True))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, delete(EXPIRED['id'])]
        assert result['deleted_secret_ids'] == [EXPIRED['id']]
        assert result['secret'] == {}
        assert ids(result) == [LONG['id']]
        assert result['diff'] == dict(before=diff_list(EXPIRED, LONG), after=diff_list(LONG))

    def test_prune_expired_before_creating(self, atlas, run_module):
        reply_get(atlas, EXPIRED)
        reply_delete(atlas, EXPIRED['id'])
        reply_post(atlas)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720, prune_expired=True))

        assert atlas.calls == [GET_ACCOUNT, delete(EXPIRED['id']), POST_SECRET]
        assert result['deleted_secret_ids'] == [EXPIRED['id']]
        assert ids(result) == [NEW_ID]

    def test_missing_expires_after_hours_fails_after_the_get_and_before_any_write(self, atlas, run_module):
        reply_get(atlas, EXPIRED, SOON)

        result = run_module(module, dict(ORG_ARGS, rotate_before_hours=168, prune_expired=True))

        assert result['failed'] is True
        assert result['changed'] is False
        assert 'expires_after_hours' in result['msg'] and CLIENT_ID in result['msg']
        assert atlas.calls == [GET_ACCOUNT]

    def test_missing_expires_after_hours_with_force_says_why(self, atlas, run_module):
        reply_get(atlas, LONG)

        result = run_module(module, dict(ORG_ARGS, force=True))

        assert result['failed'] is True
        assert 'force=true' in result['msg'] and 'set expires_after_hours' in result['msg']
        assert atlas.calls == [GET_ACCOUNT]


# Each decision as (args, secrets the account has, deleted before creating, creates?, deleted after creating).
DECISIONS = {
    'none_creates': (dict(ORG_ARGS, expires_after_hours=720), [], [], True, []),
    'valid_noop': (ROTATE, [LONG], [], False, []),
    'window_rotates': (ROTATE, [SOON], [], True, []),
    'cap_prunes_expired': (ROTATE, [EXPIRED, SOON], [EXPIRED['id']], True, []),
    'cap_deletes_older': (ROTATE, [OLDER, SOON], [OLDER['id']], True, []),
    'revoke_previous': (dict(ROTATE, revoke_previous=True), [EXPIRED, SOON], [EXPIRED['id']], True, [SOON['id']]),
    'force': (dict(ROTATE, force=True), [SOON, LONG], [SOON['id']], True, []),
    'prune_only': (dict(ORG_ARGS, prune_expired=True), [EXPIRED, LONG], [EXPIRED['id']], False, []),
    'absent': (dict(ORG_ARGS, state='absent', secret_id=[OLDER['id']]), [OLDER, LONG], [OLDER['id']], False, []),
}


class TestCheckMode:
    @pytest.mark.parametrize('case', sorted(DECISIONS))
    def test_check_mode_predicts_the_real_run_with_only_the_get(self, atlas, run_module, case):
        args, existing, before, creates, after = DECISIONS[case]
        reply_get(atlas, *existing)
        for secret_id in before:
            reply_delete(atlas, secret_id)
        if creates:
            reply_post(atlas)
        for secret_id in after:
            reply_delete(atlas, secret_id)
        real = run_module(module, args)
        expected = [GET_ACCOUNT] + [delete(item) for item in before] + ([POST_SECRET] if creates else []) + [delete(item) for item in after]
        assert atlas.calls == expected
        reply_get(atlas, *existing)

        check = run_module(module, args, check_mode=True)

        assert atlas.calls == expected + [GET_ACCOUNT]
        assert check['changed'] == real['changed'] == bool(creates or before or after)
        assert check['deleted_secret_ids'] == real['deleted_secret_ids'] == before + after

        def shape(item, new_id):
            return (new_id if item['id'] == NEW_ID else item['id'], item['expires_at'], item['expired'], item['expires_in_hours'])
        assert [shape(item, None) for item in real['secrets']] == [shape(item, None) for item in check['secrets']]
        assert check['diff']['before'] == real['diff']['before']
        assert check['diff']['after'] == [dict(item, id='(new)') if item['id'] == NEW_ID else item for item in real['diff']['after']]
        if creates:
            assert check['secret'] == dict(id=None, created_at=NOW, expires_at=NEW_EXPIRES, masked_secret_value=None)
            assert dict(id='(new)', expires_at=NEW_EXPIRES) in check['diff']['after']
        else:
            assert check['secret'] == real['secret'] == {}
        assert PLAINTEXT not in check['_stdout']

    def test_check_mode_refuses_what_the_real_run_refuses(self, atlas, run_module):
        reply_get(atlas, EXPIRED, LONG)

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=[LONG['id']]), check_mode=True)

        assert result['failed'] is True
        assert atlas.calls == [GET_ACCOUNT]


class LocalClock(datetime):
    """A datetime whose now() is the controller's (wrong) clock."""

    local = datetime(2030, 6, 1, tzinfo=timezone.utc)

    @classmethod
    def now(cls, tz=None):
        return cls.local if tz else cls.local.replace(tzinfo=None)


class TestServerClock:
    @pytest.fixture
    def local_clock(self, monkeypatch):
        def set_clock(when):
            monkeypatch.setattr(LocalClock, 'local', when)
            monkeypatch.setattr(_client, 'datetime', LocalClock)
            monkeypatch.setattr(_time, 'datetime', LocalClock)
        return set_clock

    def test_a_local_clock_years_ahead_does_not_expire_valid_secrets(self, atlas, run_module, local_clock):
        local_clock(datetime(2030, 6, 1, tzinfo=timezone.utc))
        reply_get(atlas, LONG)

        result = run_module(module, ROTATE)

        assert result['changed'] is False
        assert atlas.calls == [GET_ACCOUNT]
        assert result['secrets'][0]['expired'] is False
        assert result['secrets'][0]['expires_in_hours'] == 912.0

    def test_a_local_clock_years_behind_does_not_delay_a_rotation(self, atlas, run_module, local_clock):
        local_clock(datetime(2020, 1, 1, tzinfo=timezone.utc))
        reply_get(atlas, SOON)
        reply_post(atlas)

        result = run_module(module, ROTATE)

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET]
        assert result['secret']['expires_at'] == NEW_EXPIRES

    def test_the_local_clock_is_used_only_without_a_date_header(self, atlas, run_module, local_clock):
        # Proves the clock patch above is live: without a Date header the local 2030 clock expires LONG.
        local_clock(datetime(2030, 6, 1, tzinfo=timezone.utc))
        atlas.reply('GET', ACCOUNT, json_body=account(secrets=[LONG]), headers={'Date': ''})

        result = run_module(module, ROTATE, check_mode=True)

        assert result['changed'] is True
        assert result['secrets'][0]['expired'] is True


class TestExpiryWarning:
    def test_warns_when_the_newest_valid_secret_expires_within_7_days(self, atlas, run_module):
        reply_get(atlas, EXPIRED, SOON)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720))

        assert result['changed'] is False
        warnings = warnings_of(result)
        assert len(warnings) == 1
        assert SOON['id'] in warnings[0] and SOON['expiresAt'] in warnings[0] and '7 days' in warnings[0]
        assert 'rotate_before_hours' in warnings[0]

    def test_no_warning_when_the_newest_valid_secret_lasts_longer(self, atlas, run_module):
        # OLDER expires in 24 h, but the newest valid secret (by createdAt) lasts 912 h.
        reply_get(atlas, OLDER, LONG)

        result = run_module(module, ORG_ARGS)

        assert not warnings_of(result)

    def test_no_warning_when_this_task_rotated(self, atlas, run_module):
        reply_get(atlas, OLDER)
        reply_post(atlas)

        result = run_module(module, ROTATE)

        assert result['changed'] is True
        assert not warnings_of(result)


class TestDest:
    def test_new_secret_is_written_atomically_with_mode_0600(self, atlas, run_module, tmp_path):
        directory = tmp_path / 'creds'
        directory.mkdir()
        dest = directory / 'atlas.json'
        reply_get(atlas)
        reply_post(atlas)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720, dest=str(dest)))

        assert result['changed'] is True
        assert json.loads(dest.read_text()) == dict(client_id=CLIENT_ID, client_secret=PLAINTEXT, secret_id=NEW_ID,
                                                    expires_at=NEW_EXPIRES, api_base_url=BASE)
        assert stat.S_IMODE(dest.stat().st_mode) == 0o600
        assert os.listdir(str(directory)) == ['atlas.json']

    def test_an_existing_dest_is_replaced_with_mode_0600(self, atlas, run_module, tmp_path):
        directory = tmp_path / 'creds'
        directory.mkdir()
        dest = directory / 'atlas.json'
        dest.write_text('old content\n')
        dest.chmod(0o644)
        reply_get(atlas, SOON)
        reply_post(atlas)

        result = run_module(module, dict(ROTATE, dest=str(dest)))

        assert result['changed'] is True
        assert json.loads(dest.read_text())['client_secret'] == PLAINTEXT
        assert stat.S_IMODE(dest.stat().st_mode) == 0o600
        assert os.listdir(str(directory)) == ['atlas.json']

    def test_return_secret_false_keeps_the_plaintext_only_in_the_file(self, atlas, run_module, tmp_path):
        dest = tmp_path / 'atlas.json'
        reply_get(atlas)
        reply_post(atlas)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720, dest=str(dest), return_secret=False))

        assert result['changed'] is True
        assert PLAINTEXT not in result['_stdout']
        assert result['secret'] == dict(id=NEW_ID, created_at=NOW, expires_at=NEW_EXPIRES, masked_secret_value='mdb_sa_sk_****9e10')
        assert json.loads(dest.read_text())['client_secret'] == PLAINTEXT

    def test_check_mode_never_writes(self, atlas, run_module, tmp_path):
        directory = tmp_path / 'creds'
        directory.mkdir()
        reply_get(atlas)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720, dest=str(directory / 'atlas.json')), check_mode=True)

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT]
        assert os.listdir(str(directory)) == []

    @pytest.mark.parametrize('existing, args', [
        ([LONG], ROTATE),
        ([EXPIRED, LONG], dict(ROTATE, prune_expired=True)),
    ], ids=['noop', 'prune_only'])
    def test_dest_is_untouched_when_nothing_is_created(self, atlas, run_module, tmp_path, existing, args):
        directory = tmp_path / 'creds'
        directory.mkdir()
        dest = directory / 'atlas.json'
        dest.write_text('{"client_secret": "previous"}\n')
        os.utime(str(dest), ns=(1000000000000000000, 1000000000000000000))
        before = dest.stat()
        reply_get(atlas, *existing)
        if args.get('prune_expired'):
            reply_delete(atlas, EXPIRED['id'])

        result = run_module(module, dict(args, dest=str(dest)))

        assert 'failed' not in result
        after = dest.stat()
        assert dest.read_text() == '{"client_secret": "previous"}\n'
        assert (after.st_mtime_ns, after.st_ino, after.st_mode) == (before.st_mtime_ns, before.st_ino, before.st_mode)
        assert os.listdir(str(directory)) == ['atlas.json']

    @pytest.mark.parametrize('check_mode', [False, True])
    def test_missing_parent_directory_fails_before_any_call(self, atlas, run_module, tmp_path, check_mode):
        dest = tmp_path / 'missing' / 'atlas.json'

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720, dest=str(dest)), check_mode=check_mode)

        assert result['failed'] is True
        assert 'does not exist' in result['msg'] and str(tmp_path / 'missing') in result['msg']
        assert atlas.calls == []

    def test_dest_that_is_a_directory_fails_before_any_call(self, atlas, run_module, tmp_path):
        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720, dest=str(tmp_path)))

        assert result['failed'] is True
        assert 'is a directory' in result['msg']
        assert atlas.calls == []

    def test_a_write_failure_after_the_create_names_the_secret_and_leaves_no_temp_file(self, atlas, run_module, tmp_path, monkeypatch):
        directory = tmp_path / 'creds'
        directory.mkdir()
        reply_get(atlas)
        reply_post(atlas)

        def broken_replace(src, dst):
            raise OSError(errno.EIO, 'Input/output error')
        monkeypatch.setattr(_credentials.os, 'replace', broken_replace)

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720, dest=str(directory / 'atlas.json')))

        assert result['failed'] is True
        assert result['changed'] is True
        assert NEW_ID in result['msg'] and 'created but could not be written' in result['msg']
        assert PLAINTEXT not in result['_stdout']
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET]
        assert os.listdir(str(directory)) == []


class TestLostCreate:
    def test_a_secret_that_appeared_without_its_value_is_replaced_and_delivered(self, atlas, run_module, tmp_path):
        # Issue 12: a secret whose value nobody holds would leave the file stale; it is replaced by one we receive.
        dest = tmp_path / 'atlas.json'
        reply_get(atlas, SOON)
        atlas.reply('POST', SECRETS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        reply_get(atlas, SOON, secret(UNKNOWN_ID, created=NOW, expires=NEW_EXPIRES))
        atlas.reply('DELETE', SECRETS + '/' + UNKNOWN_ID, status=204)
        reply_post(atlas)

        result = run_module(module, dict(ROTATE, dest=str(dest)))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET, GET_ACCOUNT, 'DELETE %s/%s' % (SECRETS, UNKNOWN_ID), POST_SECRET]
        assert result['secret']['id'] == NEW_ID
        assert ids(result) == [SOON['id'], NEW_ID]
        assert result['deleted_secret_ids'] == [UNKNOWN_ID]
        assert json.loads(dest.read_text())['secret_id'] == NEW_ID
        assert any('lost' in warning and UNKNOWN_ID in warning and NEW_ID in warning for warning in warnings_of(result))

    def test_without_a_file_or_a_returned_value_the_secret_that_appeared_is_adopted(self, atlas, run_module):
        reply_get(atlas, SOON)
        atlas.reply('POST', SECRETS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        reply_get(atlas, SOON, NEW_LISTED)

        result = run_module(module, dict(ROTATE, return_secret=False))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET, GET_ACCOUNT]
        assert result['secret'] == dict(id=NEW_ID, created_at=NOW, expires_at=NEW_EXPIRES, masked_secret_value='mdb_sa_sk_****9e10')
        assert ids(result) == [SOON['id'], NEW_ID]
        assert any('lost' in warning and NEW_ID in warning for warning in warnings_of(result))

    def test_a_value_lost_twice_fails_naming_the_stale_file(self, atlas, run_module, tmp_path):
        dest = tmp_path / 'atlas.json'
        reply_get(atlas, SOON)
        atlas.reply('POST', SECRETS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        reply_get(atlas, SOON, secret(UNKNOWN_ID, created=NOW, expires=NEW_EXPIRES))
        atlas.reply('DELETE', SECRETS + '/' + UNKNOWN_ID, status=204)
        atlas.reply('POST', SECRETS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        reply_get(atlas, SOON, NEW_LISTED)

        result = run_module(module, dict(ROTATE, dest=str(dest)))

        assert result['failed'] is True and result['changed'] is True
        assert 'lost twice' in result['msg'] and '%s still holds the previous secret' % dest in result['msg']
        assert not dest.exists()

    def test_nothing_appeared_so_exactly_one_more_post(self, atlas, run_module):
        reply_get(atlas, SOON)
        atlas.reply('POST', SECRETS, body=requests.exceptions.ConnectionError('Connection aborted.'))
        reply_get(atlas, SOON)
        reply_post(atlas)

        result = run_module(module, ROTATE)

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET, GET_ACCOUNT, POST_SECRET]
        assert result['secret']['secret'] == PLAINTEXT
        assert ids(result) == [SOON['id'], NEW_ID]


class TestIdentity:
    def test_lookup_by_name_uses_the_listing(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(client_id=OTHER_CLIENT_ID, name='other', secrets=[SOON]), account(secrets=[LONG])))

        result = run_module(module, dict(org_id=ORG, name='ci-deployer', expires_after_hours=720, rotate_before_hours=168))

        assert result['changed'] is False
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]
        assert result['client_id'] == CLIENT_ID
        assert ids(result) == [LONG['id']]

    def test_rotation_by_name_posts_to_the_account_found(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(secrets=[SOON])))
        reply_post(atlas)

        result = run_module(module, dict(org_id=ORG, name='ci-deployer', expires_after_hours=720, rotate_before_hours=168))

        assert result['changed'] is True
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST), POST_SECRET]

    def test_an_ambiguous_name_fails_and_lists_the_client_ids(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(), account(client_id=OTHER_CLIENT_ID)))

        result = run_module(module, dict(org_id=ORG, name='ci-deployer', expires_after_hours=720))

        assert result['failed'] is True
        assert CLIENT_ID in result['msg'] and OTHER_CLIENT_ID in result['msg'] and 'client_id' in result['msg']
        assert atlas.calls == ['GET %s%s' % (ORG_SAS, LIST)]

    def test_an_unknown_name_fails(self, atlas, run_module):
        atlas.reply('GET', ORG_SAS + LIST, json_body=page(account(client_id=OTHER_CLIENT_ID, name='other')))

        result = run_module(module, dict(org_id=ORG, name='ci-deployer', expires_after_hours=720))

        assert result['failed'] is True
        assert "'ci-deployer' not found in organization %s" % ORG in result['msg']

    def test_an_unknown_client_id_fails_without_writing(self, atlas, run_module):
        atlas.error('GET', ACCOUNT, 404, 'RESOURCE_NOT_FOUND', 'Cannot find resource')

        result = run_module(module, dict(ORG_ARGS, expires_after_hours=720))

        assert result['failed'] is True
        assert '%s not found' % CLIENT_ID in result['msg']
        assert atlas.calls == [GET_ACCOUNT]


class TestProjectScope:
    def test_rotation_in_a_project_uses_group_paths(self, atlas, run_module):
        account_path = PROJECT_SAS + '/' + CLIENT_ID
        secrets_path = account_path + '/secrets'
        atlas.reply('GET', account_path, json_body=account(roles=['GROUP_READ_ONLY'], secrets=[OLDER, SOON]))
        reply_delete(atlas, OLDER['id'], base=secrets_path)
        reply_post(atlas, path=secrets_path)

        result = run_module(module, dict(project_id=PROJECT, client_id=CLIENT_ID, expires_after_hours=720, rotate_before_hours=168))

        assert result['changed'] is True
        assert atlas.calls == ['GET ' + account_path, delete(OLDER['id'], base=secrets_path), 'POST ' + secrets_path]

    def test_absent_in_a_project_uses_group_paths(self, atlas, run_module):
        account_path = PROJECT_SAS + '/' + CLIENT_ID
        atlas.reply('GET', account_path, json_body=account(roles=['GROUP_READ_ONLY'], secrets=[OLDER, LONG]))
        reply_delete(atlas, OLDER['id'], base=account_path + '/secrets')

        result = run_module(module, dict(group_id=PROJECT, client_id=CLIENT_ID, state='absent', secret_id=OLDER['id']))

        assert result['changed'] is True
        assert atlas.calls == ['GET ' + account_path, delete(OLDER['id'], base=account_path + '/secrets')]


class TestAbsent:
    def test_deletes_the_named_secret(self, atlas, run_module):
        reply_get(atlas, OLDER, LONG)
        reply_delete(atlas, OLDER['id'])

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=[OLDER['id']]))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, delete(OLDER['id'])]
        assert result['deleted_secret_ids'] == [OLDER['id']]
        assert result['secret'] == {}
        assert ids(result) == [LONG['id']]
        assert result['diff'] == dict(before=diff_list(OLDER, LONG), after=diff_list(LONG))

    def test_secret_id_may_be_a_string(self, atlas, run_module):
        reply_get(atlas, EXPIRED, LONG)
        reply_delete(atlas, EXPIRED['id'])

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=EXPIRED['id']))

        assert result['changed'] is True
        assert result['deleted_secret_ids'] == [EXPIRED['id']]

    def test_unknown_ids_among_the_named_are_skipped(self, atlas, run_module):
        reply_get(atlas, EXPIRED, LONG)
        reply_delete(atlas, EXPIRED['id'])

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=[UNKNOWN_ID, EXPIRED['id']]))

        assert atlas.calls == [GET_ACCOUNT, delete(EXPIRED['id'])]
        assert result['deleted_secret_ids'] == [EXPIRED['id']]

    @pytest.mark.parametrize('check_mode', [False, True])
    def test_ids_that_do_not_exist_are_no_change(self, atlas, run_module, check_mode):
        reply_get(atlas, OLDER, LONG)

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=[UNKNOWN_ID]), check_mode=check_mode)

        assert result['changed'] is False
        assert atlas.calls == [GET_ACCOUNT]
        assert result['deleted_secret_ids'] == []
        assert ids(result) == [OLDER['id'], LONG['id']]
        assert result['diff']['before'] == result['diff']['after']

    @pytest.mark.parametrize('existing, doomed', [
        ([LONG], [LONG['id']]),
        ([EXPIRED, LONG], [LONG['id']]),
        ([OLDER, LONG], [OLDER['id'], LONG['id']]),
    ], ids=['only', 'last_valid', 'all_valid'])
    def test_deleting_the_last_valid_secret_is_refused(self, atlas, run_module, existing, doomed):
        reply_get(atlas, *existing)

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=doomed))

        assert result['failed'] is True
        assert result['changed'] is False
        assert LONG['id'] in result['msg'] and 'without an unexpired secret' in result['msg'] and 'force=true' in result['msg']
        assert atlas.calls == [GET_ACCOUNT]

    def test_force_deletes_the_last_valid_secret(self, atlas, run_module):
        reply_get(atlas, EXPIRED, LONG)
        reply_delete(atlas, LONG['id'])

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=[LONG['id']], force=True))

        assert result['changed'] is True
        assert atlas.calls == [GET_ACCOUNT, delete(LONG['id'])]
        assert ids(result) == [EXPIRED['id']]

    def test_deleting_an_expired_secret_of_an_account_without_valid_ones_is_allowed(self, atlas, run_module):
        reply_get(atlas, EXPIRED)
        reply_delete(atlas, EXPIRED['id'])

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=[EXPIRED['id']]))

        assert result['changed'] is True
        assert ids(result) == []


class TestInputAndErrors:
    @pytest.mark.parametrize('args, fragment', [
        (dict(ORG_ARGS, expires_after_hours=7), 'expires_after_hours must be between 8 and 8760, got 7'),
        (dict(ORG_ARGS, expires_after_hours=8761), 'expires_after_hours must be between 8 and 8760, got 8761'),
        (dict(ORG_ARGS, rotate_before_hours=-1), 'rotate_before_hours must be between 0 and 8760'),
        (dict(ORG_ARGS, expires_after_hours=720, rotate_before_hours=720), 'rotate_before_hours (720) must be less than expires_after_hours (720)'),
        (dict(ORG_ARGS, expires_after_hours=24, rotate_before_hours=168), 'rotate_before_hours (168) must be less than expires_after_hours (24)'),
        (dict(ORG_ARGS, state='absent'), 'state=absent needs secret_id'),
        (dict(ORG_ARGS, client_id='mdb_sa_id_short'), 'client_id must match'),
        (dict(ORG_ARGS, org_id='XYZ'), 'org_id must be 24 lowercase hexadecimal'),
    ])
    def test_bad_input_fails_before_any_call(self, atlas, run_module, args, fragment):
        result = run_module(module, args)

        assert result['failed'] is True
        assert fragment in result['msg']
        assert atlas.calls == []

    def test_api_error_on_create_surfaces_code_and_detail(self, atlas, run_module):
        reply_get(atlas, SOON)
        atlas.error('POST', SECRETS, 400, 'INVALID_SECRET_EXPIRES_AFTER_HOURS', 'Secret lifetime exceeds the organization maximum.')

        result = run_module(module, ROTATE)

        assert result['failed'] is True
        assert result['changed'] is False
        assert result['msg'] == ('Ensuring secrets of service account %s in organization %s: '
                                 '[INVALID_SECRET_EXPIRES_AFTER_HOURS] Secret lifetime exceeds the organization maximum.' % (CLIENT_ID, ORG))
        assert result['error'] == dict(status=400, error_code='INVALID_SECRET_EXPIRES_AFTER_HOURS',
                                       detail='Secret lifetime exceeds the organization maximum.', reason='Error', parameters=[])
        assert atlas.calls == [GET_ACCOUNT, POST_SECRET]
        assert ACCESS_TOKEN not in result['_stdout']

    def test_a_failure_after_a_deletion_reports_changed(self, atlas, run_module):
        reply_get(atlas, EXPIRED, SOON)
        reply_delete(atlas, EXPIRED['id'])
        atlas.error('POST', SECRETS, 409, 'TOO_MANY_SECRETS', 'A service account has at most 2 secrets.')

        result = run_module(module, ROTATE)

        assert result['failed'] is True
        assert result['changed'] is True
        assert result['error']['error_code'] == 'TOO_MANY_SECRETS'
        assert atlas.calls == [GET_ACCOUNT, delete(EXPIRED['id']), POST_SECRET]

    def test_api_error_on_delete_names_the_removal(self, atlas, run_module):
        reply_get(atlas, OLDER, LONG)
        atlas.error('DELETE', SECRETS + '/' + OLDER['id'], 403, 'USER_UNAUTHORIZED', 'Not allowed.')

        result = run_module(module, dict(ORG_ARGS, state='absent', secret_id=[OLDER['id']]))

        assert result['failed'] is True
        assert result['msg'] == 'Removing secrets of service account %s in organization %s: [USER_UNAUTHORIZED] Not allowed.' % (CLIENT_ID, ORG)
        assert result['error']['status'] == 403
        assert atlas.calls == [GET_ACCOUNT, delete(OLDER['id'])]

    def test_api_error_on_read_fails_without_writing(self, atlas, run_module):
        atlas.error('GET', ACCOUNT, 500, 'UNEXPECTED_ERROR', 'Unexpected error.')

        result = run_module(module, ROTATE)

        assert result['failed'] is True
        assert result['msg'].endswith(': [UNEXPECTED_ERROR] Unexpected error.')
        assert atlas.calls == [GET_ACCOUNT]
