# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The api_key_migration filters as tables: inputs -> problems; API keys, existing accounts and inputs -> names,
notes, errors and the set module's accounts; the set module's result -> retirement decisions; and the report."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudops.atlas.plugins.filter import api_key_migration as f

ORG = '65f1c0000000000000000003'
ALPHA = '65f1c0000000000000000031'
BETA = '65f1c0000000000000000032'
CREATED = '2026-11-01T08:00:00Z'


def key(public_key, desc, org_roles=('ORG_MEMBER',), project_roles=(), access_list=('192.0.2.10',), key_id=None):
    """An entry of atlas_api_key_info's api_keys."""
    return dict(id=key_id or '65f1c0000000000000%06x' % sum(ord(char) for char in public_key), public_key=public_key, description=desc,
                org_roles=list(org_roles), project_roles=[dict(project_id=project, roles=list(roles)) for project, roles in project_roles],
                access_list=list(access_list))


def existing(name, description='Made by hand', client_id='mdb_sa_id_65f1c00000000000000000b1'):
    """An entry of atlas_service_account_info's service_accounts."""
    return dict(client_id=client_id, name=name, description=description, roles=['ORG_MEMBER'], created_at=CREATED, secrets=[])


def inputs(**overrides):
    values = dict(org_id=ORG, select='all', pattern='', names={}, credentials_dir='/creds', secret_store={}, secret={},
                  report_dir='/report', retire_confirmed=[])
    values.update(overrides)
    return values


# The seed of the simulator's organization 3: two keys share a description, one description is an existing name.
SEED_KEYS = [
    key('migkeyaa', 'Terraform CI', org_roles=['ORG_OWNER'], access_list=['192.0.2.10', '2001:db8::10']),
    key('migkeybb', 'Billing export', org_roles=['ORG_BILLING_READ_ONLY'], access_list=['198.51.100.0/24']),
    key('migkeycc', 'Deploy bot', project_roles=[(ALPHA, ['GROUP_OWNER']), (BETA, ['GROUP_READ_ONLY'])],
        access_list=['203.0.113.7', '2001:db8:abcd::/48']),
    key('migkeydd', 'Deploy bot', project_roles=[(BETA, ['GROUP_CLUSTER_MANAGER', 'GROUP_DATA_ACCESS_READ_ONLY'])], access_list=[]),
    key('migkeyee', 'Project factory', org_roles=['ORG_GROUP_CREATOR', 'ORG_READ_ONLY'], access_list=['192.0.2.55']),
    key('migkeyff', 'Backup automation', project_roles=[(ALPHA, ['GROUP_BACKUP_MANAGER'])], access_list=['203.0.113.0/24']),
]
SEED_ACCOUNTS = [existing('Backup automation', 'Existing account')]


# -- input checks -----------------------------------------------------------------------------------------------------

# Each row: why; overrides of the inputs -> the problems (exact messages).
CHECK_TABLE = [
    ('the defaults are fine', {}, []),
    ('a list of public keys', dict(select=['migkeyaa', 'migkeybb']), []),
    ('a secret store instead of files', dict(credentials_dir='', secret_store={'type': 'vault_kv2'}), []),
    ('no organization', dict(org_id=None), ['api_key_migration_org_id is required']),
    ('a bad organization id', dict(org_id='XYZ'), ["api_key_migration_org_id must be 24 lowercase hexadecimal characters, got 'XYZ'"]),
    ('select is neither all nor a list', dict(select='some'), ["api_key_migration_select must be 'all' or a non-empty list of public keys, got 'some'"]),
    ('an empty select list', dict(select=[]), ["api_key_migration_select must be 'all' or a non-empty list of public keys, got []"]),
    ('a malformed public key', dict(select=['migkeyaa', 'MIG-KEY']),
     ["api_key_migration_select: 'MIG-KEY' is not a public key (8 lowercase letters or digits)"]),
    ('a public key twice', dict(select=['migkeyaa', 'migkeyaa']), ['api_key_migration_select must be unique, migkeyaa given more than once']),
    ('a bad pattern', dict(pattern='('),
     ["api_key_migration_pattern: '(' is not a valid regular expression (missing ), unterminated subpattern at position 0)"]),
    ('a mapping to an invalid name', dict(names={'migkeyaa': 'ci/cd'}),
     ["api_key_migration_names[migkeyaa] may contain only letters, digits, spaces and the characters - _ . , ' ('/' not allowed)"]),
    ('a mapping to a name too long', dict(names={'migkeyaa': 'x' * 65}),
     ['api_key_migration_names[migkeyaa] must be 1 to 64 characters long, got 65']),
    ('a mapping that is not a string', dict(names={'migkeyaa': 12}), ['api_key_migration_names[migkeyaa] must be a string, got 12']),
    ('a mapping from a malformed key', dict(names={'Terraform': 'ci'}),
     ["api_key_migration_names: 'Terraform' is not a public key (8 lowercase letters or digits)"]),
    ('two keys mapped to one name', dict(names={'migkeyaa': 'ci', 'migkeybb': 'ci'}),
     ["api_key_migration_names: each service account name must be unique, 'ci' given for several API keys"]),
    ('names is not a dict', dict(names=['ci']), ['api_key_migration_names must be a dict of public key to service account name']),
    ('nowhere for the secrets', dict(credentials_dir=''),
     ['api_key_migration_credentials_dir or api_key_migration_secret_store is required: the first secret of every new service account goes there']),
    ('no report directory', dict(report_dir=None),
     ['api_key_migration_report_dir is required (migration-report.json and migration-report.md go there)']),
    ('a malformed confirmation', dict(retire_confirmed=['x']), ["api_key_migration_retire_confirmed: 'x' is not a public key (8 lowercase letters or digits)"]),
    ('confirmations are not a list', dict(retire_confirmed='migkeyaa'), ['api_key_migration_retire_confirmed must be a list of public keys']),
    ('an unknown secret option', dict(secret={'dest': '/x'}), ['api_key_migration_secret may only have the keys expires_after_hours, rotate_before_hours']),
    ('a secret lifetime out of range', dict(secret={'expires_after_hours': 4}),
     ['api_key_migration_secret.expires_after_hours must be between 8 and 8760, got 4']),
    ('a rotation window as long as the lifetime', dict(secret={'expires_after_hours': 48, 'rotate_before_hours': 48}),
     ['api_key_migration_secret.rotate_before_hours (48) must be less than api_key_migration_secret.expires_after_hours (48), '
      'or every run would create a new secret']),
    ('several problems at once', dict(org_id='', pattern='[', credentials_dir=''),
     ['api_key_migration_org_id is required',
      "api_key_migration_pattern: '[' is not a valid regular expression (unterminated character set at position 0)",
      'api_key_migration_credentials_dir or api_key_migration_secret_store is required: the first secret of every new service account goes there']),
]


@pytest.mark.parametrize('why, overrides, problems', CHECK_TABLE, ids=[row[0] for row in CHECK_TABLE])
def test_check(why, overrides, problems):
    assert f.api_key_migration_check(inputs(**overrides)) == problems


def test_check_names_the_variables_with_another_prefix():
    assert f.api_key_migration_check(inputs(org_id=None), prefix='') == ['org_id is required']


def test_check_wants_a_dict():
    with pytest.raises(AnsibleFilterError, match='expects a dict of the role inputs'):
        f.api_key_migration_check(['org_id'])


# -- names and descriptions -------------------------------------------------------------------------------------------

CLEAN_TABLE = [
    ('valid text is kept', 'Terraform CI', 'Terraform CI'),
    ('a slash between words becomes a dash', 'ci/cd pipeline', 'ci-cd pipeline'),
    ('brackets next to spaces go', 'Deploy bot (prod)', 'Deploy bot prod'),
    ('letters of any script stay', 'Équipe données', 'Équipe données'),
    ('runs of spaces collapse', '  a   b  ', 'a b'),
    ('nothing valid is left', '(*)', ''),
    ('None is empty', None, ''),
]


@pytest.mark.parametrize('why, text, cleaned', CLEAN_TABLE, ids=[row[0] for row in CLEAN_TABLE])
def test_clean_text(why, text, cleaned):
    assert f.clean_text(text, 64) == cleaned


def test_clean_text_cuts_at_the_maximum_without_a_trailing_space():
    assert f.clean_text('abc def', 4) == 'abc'


def test_names_and_descriptions():
    assert f.derived_name('(*)', 'migkeyaa') == 'API key migkeyaa'
    assert f.suffixed_name('x' * 64, 'migkeyaa') == 'x' * 53 + ' - migkeyaa'
    assert f.account_description('Terraform CI', 'migkeyaa') == 'Terraform CI, migrated from API key migkeyaa'
    assert f.account_description('', 'migkeyaa') == 'Migrated from API key migkeyaa'
    assert len(f.account_description('y' * 300, 'migkeyaa')) == 250
    assert f.marked_keys('Terraform CI, migrated from API key migkeyaa') == {'migkeyaa'}
    assert f.marked_keys('Migrated from API key migkeyaa and MIGRATED FROM API KEY migkeybb') == {'migkeyaa', 'migkeybb'}
    assert f.marked_keys(None) == set()


# -- the plan -----------------------------------------------------------------------------------------------------------


def plan(api_keys=None, accounts=None, **overrides):
    return f.api_key_migration_plan(SEED_KEYS if api_keys is None else api_keys, SEED_ACCOUNTS if accounts is None else accounts,
                                    inputs(**overrides))


def names_of(result):
    return [(entry['public_key'], entry['name']) for entry in result['keys']]


def test_the_seed_is_planned_with_unique_names_and_notes():
    result = plan()

    assert result['errors'] == []
    assert names_of(result) == [('migkeyaa', 'Terraform CI'), ('migkeybb', 'Billing export'), ('migkeycc', 'Deploy bot - migkeycc'),
                                ('migkeydd', 'Deploy bot - migkeydd'), ('migkeyee', 'Project factory'),
                                ('migkeyff', 'Backup automation - migkeyff')]
    notes = dict((entry['public_key'], entry['not_carried_over']) for entry in result['keys'])
    assert notes['migkeyaa'] == []
    assert notes['migkeycc'] == [dict(what="name 'Deploy bot'", reason="it is the name made from the description of 2 API keys "
                                      "(migkeycc, migkeydd); the service account is named 'Deploy bot - migkeycc'")]
    assert [note['what'] for note in notes['migkeydd']] == ['access list', "name 'Deploy bot'"]
    assert notes['migkeyff'] == [dict(what="name 'Backup automation'", reason="it is the name of the existing service account "
                                      "'Backup automation' (mdb_sa_id_65f1c00000000000000000b1); the service account is named "
                                      "'Backup automation - migkeyff'")]
    assert result['accounts'][2] == dict(
        name='Deploy bot - migkeycc', description='Deploy bot, migrated from API key migkeycc', roles=['ORG_MEMBER'],
        project_roles=[dict(project_id=ALPHA, roles=['GROUP_OWNER']), dict(project_id=BETA, roles=['GROUP_READ_ONLY'])],
        access_list=['2001:db8:abcd::/48', '203.0.113.7'], secret={})
    assert result['keys'][0]['credentials_file'] == '/creds/Terraform CI.json'
    assert result['keys'][0]['client_id'] is None
    assert result['retired_before'] == []


def test_a_rerun_finds_the_accounts_it_made_and_plans_the_same():
    first = plan()
    made = SEED_ACCOUNTS + [existing(account['name'], account['description'], client_id='mdb_sa_id_%024d' % index)
                            for index, account in enumerate(first['accounts'])]

    again = plan(accounts=made)

    assert again['accounts'] == first['accounts']
    assert [entry['not_carried_over'] for entry in again['keys']] == [entry['not_carried_over'] for entry in first['keys']]
    assert [entry['client_id'] for entry in again['keys']] == ['mdb_sa_id_%024d' % index for index in range(6)]


def test_a_rerun_keeps_the_name_of_an_account_made_before_even_when_it_differs():
    made = [existing('Renamed by hand', 'Terraform CI, migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 1)]

    result = plan(accounts=made, select=['migkeyaa'])

    assert names_of(result) == [('migkeyaa', 'Renamed by hand')]
    assert result['keys'][0]['client_id'] == 'mdb_sa_id_%024d' % 1


def test_the_suffix_does_not_depend_on_the_selection():
    assert names_of(plan(select=['migkeydd'])) == [('migkeydd', 'Deploy bot - migkeydd')]


# Each row: why; overrides -> (public key, name) of the selected keys.
SELECTION_TABLE = [
    ('a list of public keys', dict(select=['migkeybb', 'migkeyaa']), [('migkeyaa', 'Terraform CI'), ('migkeybb', 'Billing export')]),
    ('a pattern on the descriptions', dict(pattern='^Deploy'), [('migkeycc', 'Deploy bot - migkeycc'), ('migkeydd', 'Deploy bot - migkeydd')]),
    ('a list and a pattern', dict(select=['migkeyaa', 'migkeycc'], pattern='bot'), [('migkeycc', 'Deploy bot - migkeycc')]),
    ('a mapping wins', dict(select=['migkeyaa'], names={'migkeyaa': 'terraform-ci'}), [('migkeyaa', 'terraform-ci')]),
    ('a name a mapping takes gets the suffix', dict(select=['migkeyaa', 'migkeybb'], names={'migkeybb': 'Terraform CI'}),
     [('migkeyaa', 'Terraform CI - migkeyaa'), ('migkeybb', 'Terraform CI')]),
    ('a mapping frees a shared description', dict(select=['migkeydd'], names={'migkeycc': 'deployer'}), [('migkeydd', 'Deploy bot')]),
]


@pytest.mark.parametrize('why, overrides, expected', SELECTION_TABLE, ids=[row[0] for row in SELECTION_TABLE])
def test_selection_and_names(why, overrides, expected):
    result = plan(**overrides)
    assert result['errors'] == []
    assert names_of(result) == expected


# Each row: why; overrides, accounts (None: the seed's) -> the errors (exact).
ERROR_TABLE = [
    ('an unknown public key', dict(select=['migkeyaa', 'nokey123']), None,
     ['api_key_migration_select: nokey123 is not an API key of organization %s' % ORG]),
    ('unknown keys in every list', dict(select=['nokey123'], names={'nokey456': 'x'}, retire_confirmed=['nokey789', 'nokey000']), None,
     ['api_key_migration_select: nokey123 is not an API key of organization %s' % ORG,
      'api_key_migration_names: nokey456 is not an API key of organization %s' % ORG,
      'api_key_migration_retire_confirmed: nokey789, nokey000 are not API keys of organization %s' % ORG]),
    ('a confirmation outside the selection', dict(select=['migkeyaa'], retire_confirmed=['migkeybb']), None,
     ['api_key_migration_retire_confirmed: migkeybb is not among the selected API keys']),
    ('a mapping to the name of another account', dict(select=['migkeyaa'], names={'migkeyaa': 'Backup automation'}), None,
     ["api_key_migration_names[migkeyaa]: service account 'Backup automation' (mdb_sa_id_65f1c00000000000000000b1) already exists "
      "and was not made for API key migkeyaa"]),
    ('a mapping that renames an account made before', dict(select=['migkeyaa'], names={'migkeyaa': 'ci'}),
     [existing('Terraform CI', 'Terraform CI, migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 7)],
     ["api_key_migration_names[migkeyaa]: API key migkeyaa was migrated before to service account 'Terraform CI' (mdb_sa_id_%024d); "
      "map it to that name or rename that account first" % 7]),
    ('two keys whose accounts made before share a name', dict(select=['migkeyaa', 'migkeybb']),
     [existing('ci', 'migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 1),
      existing('ci', 'migrated from API key migkeybb', client_id='mdb_sa_id_%024d' % 2)],
     ["api_key_migration_names: API keys migkeyaa and migkeybb would both get the service account 'ci'"]),
]


@pytest.mark.parametrize('why, overrides, accounts, errors', ERROR_TABLE, ids=[row[0] for row in ERROR_TABLE])
def test_errors_stop_before_any_write(why, overrides, accounts, errors):
    assert plan(accounts=accounts, **overrides)['errors'] == errors


def test_a_selected_key_that_is_gone_but_was_migrated_is_retired_before():
    made = [existing('Old CI', 'Old CI, migrated from API key oldkey12', client_id='mdb_sa_id_%024d' % 3)]

    result = plan(accounts=made, select=['oldkey12', 'migkeyaa'], retire_confirmed=['oldkey12'])

    assert result['errors'] == []
    assert names_of(result) == [('migkeyaa', 'Terraform CI')]
    assert result['retired_before'] == [dict(public_key='oldkey12', name='Old CI', client_id='mdb_sa_id_%024d' % 3)]
    assert plan(accounts=made)['retired_before'] == result['retired_before']
    assert plan(accounts=made, select=['migkeyaa'])['retired_before'] == []


def test_several_accounts_with_one_marker_skip_the_key():
    made = [existing('a', 'migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 1),
            existing('b', 'migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 2)]

    result = plan(accounts=made, select=['migkeyaa'])

    assert result['accounts'] == []
    assert result['keys'][0]['name'] is None
    assert result['keys'][0]['skipped'].startswith("several service accounts carry the marker of API key migkeyaa: 'a' (mdb_sa_id_")


def test_no_free_name_skips_the_key():
    accounts = SEED_ACCOUNTS + [existing('Backup automation - migkeyff', 'Made by hand too', client_id='mdb_sa_id_%024d' % 9)]

    result = plan(accounts=accounts, select=['migkeyff'])

    assert result['accounts'] == []
    assert result['keys'][0]['skipped'] == ("no free name: 'Backup automation' is the name of the existing service account 'Backup automation' "
                                            "(mdb_sa_id_65f1c00000000000000000b1), and 'Backup automation - migkeyff' is taken as well")


# Each row: why; the key -> roles, project roles, access list of its account, and the `what` of its notes.
ROLES_TABLE = [
    ('every role carries over', key('abcdefgh', 'k', org_roles=['ORG_READ_ONLY'], project_roles=[(ALPHA, ['GROUP_OWNER'])]),
     ['ORG_READ_ONLY'], [dict(project_id=ALPHA, roles=['GROUP_OWNER'])], ['192.0.2.10'], []),
    ('an organization role a service account cannot hold', key('abcdefgh', 'k', org_roles=['ORG_TEAM_MEMBERS_ADMIN', 'ORG_READ_ONLY']),
     ['ORG_READ_ONLY'], [], ['192.0.2.10'], ['organization role ORG_TEAM_MEMBERS_ADMIN']),
    ('no organization role left: ORG_MEMBER', key('abcdefgh', 'k', org_roles=['ORG_TEAM_MEMBERS_ADMIN']),
     ['ORG_MEMBER'], [], ['192.0.2.10'], ['organization role ORG_TEAM_MEMBERS_ADMIN', 'organization roles']),
    ('a project role outside the documented ones',
     key('abcdefgh', 'k', project_roles=[(ALPHA, ['GROUP_CHARTS_ADMIN', 'GROUP_READ_ONLY']), (BETA, ['GROUP_CHARTS_ADMIN'])]),
     ['ORG_MEMBER'], [dict(project_id=ALPHA, roles=['GROUP_READ_ONLY'])], ['192.0.2.10'],
     ['project role GROUP_CHARTS_ADMIN in project %s' % ALPHA, 'project role GROUP_CHARTS_ADMIN in project %s' % BETA]),
    ('entries are normalized', key('abcdefgh', 'k', access_list=['2001:db8:0:0:0:0:0:10', '10.0.0.1/32', '10.1.0.0/16']),
     ['ORG_MEMBER'], [], ['10.0.0.1', '10.1.0.0/16', '2001:db8::10'], []),
    ('an entry that does not parse', key('abcdefgh', 'k', access_list=['10.0.0.300', '10.1.0.0/16']),
     ['ORG_MEMBER'], [], ['10.1.0.0/16'], ['access-list entry 10.0.0.300']),
    ('an empty access list', key('abcdefgh', 'k', access_list=[]), ['ORG_MEMBER'], [], [], ['access list']),
]


@pytest.mark.parametrize('why, api_key, roles, projects, access, notes', ROLES_TABLE, ids=[row[0] for row in ROLES_TABLE])
def test_what_carries_over(why, api_key, roles, projects, access, notes):
    result = plan(api_keys=[api_key], accounts=[])
    account = result['accounts'][0]
    assert (account['roles'], account['project_roles'], account['access_list']) == (roles, projects, access)
    assert [note['what'] for note in result['keys'][0]['not_carried_over']] == notes


def test_secret_options_and_no_files():
    result = plan(select=['migkeyaa'], credentials_dir='', secret_store={'type': 'vault_kv2'}, secret={'expires_after_hours': 48})
    assert result['accounts'][0]['secret'] == {'expires_after_hours': 48}
    assert result['keys'][0]['credentials_file'] is None


def test_plan_wants_lists():
    with pytest.raises(AnsibleFilterError, match='expects the api_keys list'):
        f.api_key_migration_plan({}, [], inputs())


# -- retirement ---------------------------------------------------------------------------------------------------------


def made_account(entry, **changes):
    """What atlas_service_account_set returns for the account of a plan entry, made at CREATED."""
    account = dict(name=entry['name'], client_id='mdb_sa_id_%024d' % 5, description=entry['account_description'], roles=entry['org_roles'],
                   created_at=CREATED, action=['unchanged'], project_roles=entry['project_roles'],
                   access_list=[dict(ip_address=None if '/' in value else value, cidr_block=value if '/' in value else None)
                                for value in entry['access_list']],
                   secrets=[dict(id='65f1c000000000000000e001', created_at=CREATED, expires_at='2027-01-01T00:00:00Z', last_used_at=None)])
    account.update(changes)
    return account


def used_secret(at):
    return [dict(id='65f1c000000000000000e001', created_at=CREATED, expires_at='2027-01-01T00:00:00Z', last_used_at=at)]


CC = plan(select=['migkeycc'])
CC_ENTRY = CC['keys'][0]
ACCOUNT_TEXT = "'Deploy bot - migkeycc' (mdb_sa_id_%024d)" % 5

# Each row: why; the account's changes (None: no account), confirmed -> retire, reason.
RETIREMENT_TABLE = [
    ('used since the migration', dict(secrets=used_secret('2026-11-02T09:00:00Z')), [], True,
     'service account %s exists as planned and its secret was used at 2026-11-02T09:00:00Z, after the migration (%s)' % (ACCOUNT_TEXT, CREATED)),
    ('used only before the migration (an older secret)', dict(secrets=used_secret('2026-10-01T00:00:00Z')), [], False,
     'no secret of service account %s has been used since the migration (%s): move the consumers of API key migkeycc to it, '
     'or confirm the key in api_key_migration_retire_confirmed' % (ACCOUNT_TEXT, CREATED)),
    ('never used but confirmed', {}, ['migkeycc'], True,
     'service account %s exists as planned; no use of its secret is recorded, the key is confirmed in api_key_migration_retire_confirmed'
     % ACCOUNT_TEXT),
    ('never used, not confirmed', {}, [], False,
     'no secret of service account %s has been used since the migration (%s): move the consumers of API key migkeycc to it, '
     'or confirm the key in api_key_migration_retire_confirmed' % (ACCOUNT_TEXT, CREATED)),
    ('no account (check mode)', None, ['migkeycc'], False, "its service account 'Deploy bot - migkeycc' does not exist yet"),
    ('a predicted account without client id', dict(client_id=None), ['migkeycc'], False, "its service account 'Deploy bot - migkeycc' does not exist yet"),
    ('an account that failed', dict(error=dict(error_code='UNEXPECTED_ERROR', detail='boom')), ['migkeycc'], False,
     "its service account 'Deploy bot - migkeycc' was not fully made: [UNEXPECTED_ERROR] boom"),
    ('other organization roles', dict(roles=['ORG_OWNER']), ['migkeycc'], False,
     'its service account %s does not match the plan: organization roles ORG_OWNER, planned ORG_MEMBER' % ACCOUNT_TEXT),
    ('other project roles', dict(project_roles=[]), ['migkeycc'], False,
     'its service account %s does not match the plan: project roles differ from the plan' % ACCOUNT_TEXT),
    ('another access list', dict(access_list=[]), ['migkeycc'], False,
     'its service account %s does not match the plan: access list empty, planned 2001:db8:abcd::/48, 203.0.113.7' % ACCOUNT_TEXT),
]


@pytest.mark.parametrize('why, changes, confirmed, retire, reason', RETIREMENT_TABLE, ids=[row[0] for row in RETIREMENT_TABLE])
def test_retirement(why, changes, confirmed, retire, reason):
    accounts = [] if changes is None else [made_account(CC_ENTRY, **changes)]
    result = f.api_key_migration_retirement(CC, accounts, confirmed)
    assert result['decisions'] == [dict(public_key='migkeycc', retire=retire, reason=reason)]
    assert result['delete'] == (['migkeycc'] if retire else [])


def test_a_skipped_key_is_never_retired():
    made = [existing('a', 'migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 1),
            existing('b', 'migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 2)]
    skipped = plan(accounts=made, select=['migkeyaa'], retire_confirmed=['migkeyaa'])
    decision = f.api_key_migration_retirement(skipped, made, ['migkeyaa'])['decisions'][0]
    assert decision['retire'] is False and decision['reason'].startswith('it was not migrated: several service accounts')


def test_retirement_wants_the_plan():
    with pytest.raises(AnsibleFilterError, match='expects the plan'):
        f.api_key_migration_retirement(CC, None)


# -- report ---------------------------------------------------------------------------------------------------------------


def seed_made():
    """The seed's plan and the set module's result of its first real run."""
    result = plan()
    return result, [made_account(entry, client_id='mdb_sa_id_%024d' % index) for index, entry in enumerate(result['keys'])]


def test_the_report_of_a_run_without_retirement():
    result, made = seed_made()

    report = f.api_key_migration_report(result, made)

    assert report['summary'] == dict(api_keys=6, migrated=6, planned=0, skipped=0, failed=0, deleted=0, refused=0, not_carried_over=4)
    row = report['api_keys'][2]
    assert row == dict(
        public_key='migkeycc', api_key_id=CC_ENTRY['api_key_id'], description='Deploy bot', status='migrated',
        service_account=dict(name='Deploy bot - migkeycc', client_id='mdb_sa_id_%024d' % 2, description='Deploy bot, migrated from API key migkeycc'),
        org_roles=['ORG_MEMBER'], project_roles=CC_ENTRY['project_roles'], access_list=['2001:db8:abcd::/48', '203.0.113.7'],
        credentials=dict(file='/creds/Deploy bot - migkeycc.json', secret_store=None), not_carried_over=CC_ENTRY['not_carried_over'],
        retirement=dict(status='kept', reason='retirement not requested (api_key_migration_retire)'))
    assert report['check_mode'] is False and report['org_id'] == ORG
    json.dumps(report)


def test_the_report_of_check_mode_on_a_fresh_organization():
    predicted = [dict(made_account(entry), client_id=None) for entry in plan()['keys']]

    report = f.api_key_migration_report(plan(), predicted, check_mode=True)

    assert [row['status'] for row in report['api_keys']] == ['planned'] * 6
    assert [row['service_account']['client_id'] for row in report['api_keys']] == [None] * 6
    assert report['check_mode'] is True


def test_the_report_names_each_deletion_and_refusal():
    result, made = seed_made()
    made[0]['secrets'] = used_secret('2026-11-05T00:00:00Z')
    retirement = f.api_key_migration_retirement(result, made, ['migkeybb'])

    report = f.api_key_migration_report(result, made, retirement, dict(changed=True, deleted=['migkeyaa'], api_keys=[]))

    assert [(row['public_key'], row['retirement']['status']) for row in report['api_keys']] == [
        ('migkeyaa', 'deleted'), ('migkeybb', 'already gone'), ('migkeycc', 'refused'), ('migkeydd', 'refused'), ('migkeyee', 'refused'),
        ('migkeyff', 'refused')]
    assert report['summary']['deleted'] == 1 and report['summary']['refused'] == 4
    assert report['api_keys'][0]['retirement']['reason'].startswith("service account 'Terraform CI' (mdb_sa_id_")


@pytest.mark.parametrize('deletion, check_mode, status', [
    (dict(changed=True, deleted=['migkeyaa']), True, 'would be deleted'),
    (dict(failed=True, changed=False, msg='refusing to delete API key migkeyaa: it is the API key of this run'), False, 'not deleted'),
    (dict(failed=True, changed=True, msg='Deleting API keys: [UNEXPECTED_ERROR] boom'), False, 'unknown'),
    (dict(skipped=True, changed=False), False, 'not deleted'),
    (None, False, 'not deleted'),
])
def test_the_report_of_a_deletion_that_failed_or_was_predicted(deletion, check_mode, status):
    result, made = seed_made()
    retirement = f.api_key_migration_retirement(result, made, ['migkeyaa'])

    row = f.api_key_migration_report(result, made, retirement, deletion, check_mode)['api_keys'][0]

    assert row['retirement']['status'] == status
    if deletion and deletion.get('msg'):
        assert row['retirement']['reason'].startswith(deletion['msg'] + '; ')


def test_the_report_of_a_failed_and_a_skipped_key():
    made_before = [existing('a', 'migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 1),
                   existing('b', 'migrated from API key migkeyaa', client_id='mdb_sa_id_%024d' % 2)]
    result = plan(accounts=made_before, select=['migkeyaa', 'migkeybb'])
    failed = dict(made_account(result['keys'][1]), client_id=None, error=dict(status=500, error_code='UNEXPECTED_ERROR', detail='boom'))

    report = f.api_key_migration_report(result, [failed])

    assert [row['status'] for row in report['api_keys']] == ['skipped', 'failed']
    assert report['api_keys'][0]['service_account'] is None
    assert report['api_keys'][0]['not_carried_over'][-1]['what'] == 'the whole key'
    assert report['api_keys'][1]['error']['error_code'] == 'UNEXPECTED_ERROR'


def test_the_report_is_the_same_on_a_rerun():
    result, made = seed_made()
    rerun = [dict(account, action=['unchanged'], access_list=[dict(entry, created_at=CREATED) for entry in account['access_list']])
             for account in made]
    assert f.api_key_migration_report(result, made) == f.api_key_migration_report(result, rerun)


def test_report_wants_the_plan():
    with pytest.raises(AnsibleFilterError, match='expects the plan'):
        f.api_key_migration_report([])


# -- Markdown ---------------------------------------------------------------------------------------------------------------


def test_markdown():
    result, made = seed_made()
    made[0]['description'] = 'x'
    report = f.api_key_migration_report(dict(result, retired_before=[dict(public_key='oldkey12', name='Old | CI', client_id='mdb_sa_id_x')]), made)

    text = f.api_key_migration_markdown(report)

    lines = text.splitlines()
    assert lines[0] == '# API key migration report: organization %s' % ORG
    assert '6 API keys: 6 migrated, 0 planned, 0 skipped, 0 failed; 0 deleted, 0 refused for retirement; 4 items not carried over.' in lines
    assert ('| migkeycc | Deploy bot | migrated | Deploy bot - migkeycc | mdb_sa_id_%024d | ORG_MEMBER | %s: GROUP_OWNER; %s: GROUP_READ_ONLY | '
            '2001:db8:abcd::/48, 203.0.113.7 | /creds/Deploy bot - migkeycc.json | kept |' % (2, ALPHA, BETA)) in lines
    assert '| migkeydd | access list | the API key has no access-list entry, so it works from any address; the service account has none ' \
           'either and works from any address too: give it an access list |' in lines
    assert '| oldkey12 | Old \\| CI | mdb_sa_id_x |' in lines
    assert text.endswith('\n')


def test_markdown_of_check_mode_and_nothing_missing():
    result = plan(select=['migkeyaa'])
    text = f.api_key_migration_markdown(f.api_key_migration_report(result, [], check_mode=True))
    assert 'Check mode: what a real run would do; nothing was changed.' in text
    assert 'Everything was carried over.' in text
    assert '| migkeyaa | Terraform CI | planned | Terraform CI | (new) |' in text


def test_markdown_wants_a_report():
    with pytest.raises(AnsibleFilterError, match='expects the report'):
        f.api_key_migration_markdown({})


def test_the_filters_are_registered():
    assert sorted(f.FilterModule().filters()) == ['api_key_migration_check', 'api_key_migration_markdown', 'api_key_migration_plan',
                                                  'api_key_migration_report', 'api_key_migration_retirement']
