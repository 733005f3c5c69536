# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The decisions of the api_key_migration role, as pure functions: its input checks, the plan (which keys,
the service account of each with a valid and unique name, what cannot be carried over and why, the accounts a
previous run made), which keys may be retired, and the report (a dict for JSON, and Markdown).

Each filter is documented in the YAML file of its name next to this one. They take the modules' results
(atlas_api_key_info, atlas_service_account_info, atlas_service_account_set, atlas_api_key) and make no call."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
from collections import Counter

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudops.atlas.plugins.module_utils._access_lists import normalize_access_entry
from ansible_collections.cloudops.atlas.plugins.module_utils._api_keys import PUBLIC_KEY
from ansible_collections.cloudops.atlas.plugins.module_utils._errors import InputError
from ansible_collections.cloudops.atlas.plugins.module_utils._time import parse_time
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import (
    DESCRIPTION_MAX, HEX24, NAME_MAX, ORG_ROLES, PROJECT_ROLES, TEXT_PUNCTUATION, check_rotation_window, check_text)

PREFIX = 'api_key_migration_'
# The marker in the description of every account the migration makes. Atlas's pattern for descriptions allows no
# parentheses, so it follows the key's description after a comma: "Terraform CI, migrated from API key zmmrboas".
MARKER = 'migrated from API key %s'
MARKER_PATTERN = re.compile(r'migrated from API key ([A-Za-z0-9]+)', re.IGNORECASE)
# A service account needs one organization role; the least one, when none of the key's can be held.
FALLBACK_ORG_ROLE = 'ORG_MEMBER'
SECRET_OPTIONS = ('expires_after_hours', 'rotate_before_hours')


def _fail(message):
    raise AnsibleFilterError(message)


def _allowed(char):
    """A character Atlas allows in names and descriptions (letters, digits, space, -_.,')."""
    return char.isalpha() or char.isnumeric() or char in TEXT_PUNCTUATION


def clean_text(text, maximum):
    """`text` made valid for Atlas's name and description pattern, at most `maximum` characters: a run of other
    characters between two words becomes '-', elsewhere it is dropped; spaces are collapsed."""
    text = str(text or '')
    out = []
    index = 0
    while index < len(text):
        if _allowed(text[index]):
            out.append(text[index])
            index += 1
            continue
        end = index
        while end < len(text) and not _allowed(text[end]):
            end += 1
        if out and out[-1] != ' ' and end < len(text) and text[end] != ' ':
            out.append('-')
        index = end
    cleaned = re.sub(r' +', ' ', ''.join(out)).strip()
    return cleaned[:maximum].rstrip()


def marker(public_key):
    return MARKER % public_key


def marked_keys(description):
    """The public keys whose marker a description carries."""
    return set(match.group(1) for match in MARKER_PATTERN.finditer(description or ''))


def derived_name(description, public_key):
    """The service account name made from a key's description (or from its public key when nothing is left)."""
    return clean_text(description, NAME_MAX) or 'API key %s' % public_key


def suffixed_name(name, public_key):
    """A name made unique with the key's public key, a suffix that never changes between runs."""
    suffix = ' - %s' % public_key
    return name[:NAME_MAX - len(suffix)].rstrip() + suffix


def account_description(description, public_key):
    """The description of the service account: the key's description (made valid) and the marker."""
    tail = marker(public_key)
    text = clean_text(description, DESCRIPTION_MAX - len(tail) - 2)
    return '%s, %s' % (text, tail) if text else tail[0].upper() + tail[1:]


def _public_keys_problems(option, values):
    problems = []
    if not isinstance(values, (list, tuple)):
        return ['%s must be a list of public keys' % option]
    bad = [value for value in values if not isinstance(value, str) or not PUBLIC_KEY.match(value)]
    if bad:
        problems.append('%s: %s %s not a public key (8 lowercase letters or digits)'
                        % (option, ', '.join(repr(value) for value in bad), 'is' if len(bad) == 1 else 'are'))
    repeated = sorted(set(value for value in values if isinstance(value, str) and values.count(value) > 1))
    if repeated:
        problems.append('%s must be unique, %s given more than once' % (option, ', '.join(repeated)))
    return problems


def _selected_list(select):
    return [] if select in (None, '', 'all') else list(select)


def api_key_migration_check(inputs, prefix=PREFIX):
    """Every problem of the role's inputs that shows without reading Atlas, as messages naming the variable;
    empty when there is none."""
    if not isinstance(inputs, dict):
        _fail('api_key_migration_check expects a dict of the role inputs, got %s' % type(inputs).__name__)
    problems = []
    org_id = inputs.get('org_id')
    if not org_id:
        problems.append('%sorg_id is required' % prefix)
    elif not isinstance(org_id, str) or not HEX24.match(org_id):
        problems.append('%sorg_id must be 24 lowercase hexadecimal characters, got %r' % (prefix, org_id))

    select = inputs.get('select')
    if select not in (None, 'all'):
        if isinstance(select, str) or not select:
            problems.append("%sselect must be 'all' or a non-empty list of public keys, got %r" % (prefix, select))
        else:
            problems.extend(_public_keys_problems(prefix + 'select', select))

    pattern = inputs.get('pattern')
    if pattern not in (None, ''):
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            problems.append('%spattern: %r is not a valid regular expression (%s)' % (prefix, pattern, exc))

    names = inputs.get('names') or {}
    if not isinstance(names, dict):
        problems.append('%snames must be a dict of public key to service account name' % prefix)
    else:
        problems.extend(_public_keys_problems(prefix + 'names', list(names)))
        for public_key, name in sorted(names.items(), key=lambda item: str(item[0])):
            option = '%snames[%s]' % (prefix, public_key)
            if not isinstance(name, str):
                problems.append('%s must be a string, got %r' % (option, name))
                continue
            try:
                check_text(option, name, NAME_MAX)
            except InputError as exc:
                problems.append(str(exc))
        counted = Counter(name for name in names.values() if isinstance(name, str))
        repeated = sorted(name for name, count in counted.items() if count > 1)
        if repeated:
            problems.append('%snames: each service account name must be unique, %s given for several API keys'
                            % (prefix, ', '.join(repr(name) for name in repeated)))

    if not inputs.get('credentials_dir') and not inputs.get('secret_store'):
        problems.append('%scredentials_dir or %ssecret_store is required: the first secret of every new service account goes there'
                        % (prefix, prefix))
    if not inputs.get('report_dir'):
        problems.append('%sreport_dir is required (migration-report.json and migration-report.md go there)' % prefix)
    problems.extend(_public_keys_problems(prefix + 'retire_confirmed', inputs.get('retire_confirmed') or []))

    secret = inputs.get('secret') or {}
    if not isinstance(secret, dict) or set(secret) - set(SECRET_OPTIONS):
        problems.append('%ssecret may only have the keys %s' % (prefix, ', '.join(SECRET_OPTIONS)))
    else:
        try:
            check_rotation_window(prefix + 'secret.', secret.get('expires_after_hours'), secret.get('rotate_before_hours'))
        except InputError as exc:
            problems.append(str(exc))
    return problems


def _not_carried(what, reason):
    return dict(what=what, reason=reason)


def _carried_roles(key):
    """(org roles, project roles, notes) a service account can hold of the key's roles."""
    notes = []
    org_roles = []
    for role in key.get('org_roles') or []:
        if role in ORG_ROLES:
            org_roles.append(role)
        else:
            notes.append(_not_carried('organization role %s' % role, 'a service account cannot hold it (its organization roles are %s)'
                                      % ', '.join(ORG_ROLES)))
    if not org_roles:
        org_roles = [FALLBACK_ORG_ROLE]
        notes.append(_not_carried('organization roles', 'the key has none that a service account can hold; the service account gets %s, '
                                  'which every organization member has' % FALLBACK_ORG_ROLE))
    project_roles = []
    for assignment in key.get('project_roles') or []:
        kept = []
        for role in assignment.get('roles') or []:
            if role in PROJECT_ROLES:
                kept.append(role)
            else:
                notes.append(_not_carried('project role %s in project %s' % (role, assignment['project_id']),
                                          'a service account cannot hold it (not among the documented project roles of service accounts)'))
        if kept:
            project_roles.append(dict(project_id=assignment['project_id'], roles=sorted(set(kept))))
    return sorted(set(org_roles)), sorted(project_roles, key=lambda item: item['project_id']), notes


def _carried_access_list(key):
    """(entries, notes): the key's access list normalized as the access-list module does."""
    entries, notes = [], []
    for text in key.get('access_list') or []:
        try:
            entries.append(normalize_access_entry('access_list', text)[1])
        except InputError as exc:
            notes.append(_not_carried('access-list entry %s' % text, str(exc)))
    if not key.get('access_list'):
        notes.append(_not_carried('access list', 'the API key has no access-list entry, so it works from any address; the service account '
                                  'has none either and works from any address too: give it an access list'))
    return sorted(set(entries)), notes


def _account_text(account):
    return '%r (%s)' % (account.get('name'), account.get('client_id'))


def _unknown_keys(option, values, listed, owned, org_id):
    unknown = [value for value in values if value not in listed and value not in owned]
    if not unknown:
        return []
    return ['%s: %s %s of organization %s' % (option, ', '.join(unknown), 'is not an API key' if len(unknown) == 1 else 'are not API keys', org_id)]


def api_key_migration_plan(api_keys, service_accounts, inputs, prefix=PREFIX):
    """The migration plan from atlas_api_key_info's api_keys, atlas_service_account_info's service_accounts (of the
    organization) and the role inputs (checked by api_key_migration_check)."""
    if not isinstance(api_keys, list) or not isinstance(service_accounts, list) or not isinstance(inputs, dict):
        _fail('api_key_migration_plan expects the api_keys list, the service_accounts list and the dict of role inputs')
    org_id = inputs.get('org_id')
    select = inputs.get('select') or 'all'
    pattern = inputs.get('pattern') or None
    names = inputs.get('names') or {}
    confirmed = list(inputs.get('retire_confirmed') or [])
    credentials_dir = inputs.get('credentials_dir') or None
    secret = dict((option, value) for option, value in (inputs.get('secret') or {}).items() if value is not None)

    listed = dict((key['public_key'], key) for key in api_keys)
    owned = {}  # public key -> the accounts that carry its marker
    by_name = {}  # account name -> the accounts of that name
    for account in service_accounts:
        by_name.setdefault(account.get('name'), []).append(account)
        for public_key in marked_keys(account.get('description')):
            owned.setdefault(public_key, []).append(account)

    errors = []
    errors += _unknown_keys(prefix + 'select', _selected_list(select), listed, owned, org_id)
    errors += _unknown_keys(prefix + 'names', sorted(names), listed, owned, org_id)
    errors += _unknown_keys(prefix + 'retire_confirmed', confirmed, listed, owned, org_id)

    def chosen(key):
        if select != 'all' and key['public_key'] not in select:
            return False
        return not pattern or re.search(pattern, key.get('description') or '') is not None

    selected = [key for key in api_keys if chosen(key)]
    selected_keys = set(key['public_key'] for key in selected)
    outside = [public_key for public_key in confirmed if public_key in listed and public_key not in selected_keys]
    if outside:
        errors.append('%sretire_confirmed: %s %s not among the selected API keys' % (prefix, ', '.join(outside), 'is' if len(outside) == 1 else 'are'))

    # Names derived from descriptions are counted over every key of the organization, selected or not, so that a
    # key's name does not depend on which keys a run selects.
    derived = dict((public_key, derived_name(key.get('description'), public_key)) for public_key, key in listed.items() if public_key not in names)
    derived_count = Counter(derived.values())
    mapped = dict((name, public_key) for public_key, name in names.items() if public_key in listed)

    entries, planned_names = [], {}
    for key in selected:
        public_key = key['public_key']
        org_roles, project_roles, notes = _carried_roles(key)
        access_list, access_notes = _carried_access_list(key)
        notes += access_notes
        mine = owned.get(public_key, [])
        skipped = None
        if len(mine) > 1:
            skipped = ('several service accounts carry the marker of API key %s: %s; delete or rename all but one'
                       % (public_key, ', '.join(_account_text(account) for account in mine)))
            name = None
        elif public_key in names:
            name = names[public_key]
            option = '%snames[%s]' % (prefix, public_key)
            if mine and mine[0].get('name') != name:
                errors.append('%s: API key %s was migrated before to service account %s; map it to that name or rename that account first'
                              % (option, public_key, _account_text(mine[0])))
            others = [account for account in by_name.get(name, []) if account not in mine]
            if others:
                errors.append('%s: service account %s already exists and was not made for API key %s'
                              % (option, ', '.join(_account_text(account) for account in others), public_key))
        else:
            # The name made from the description, with the suffix on a clash: also on a rerun, which keeps the name of the
            # account made before (and so the same note in the report).
            name = derived[public_key]
            reasons = []
            if derived_count[name] > 1:
                sharing = sorted(other for other, other_name in derived.items() if other_name == name)
                reasons.append('the name made from the description of %d API keys (%s)' % (len(sharing), ', '.join(sharing)))
            if name in mapped:
                reasons.append('the name %snames gives API key %s' % (prefix, mapped[name]))
            others = [account for account in by_name.get(name, []) if account not in mine]
            if others:
                reasons.append('the name of the existing service account %s' % ', '.join(_account_text(account) for account in others))
            wished = name
            if reasons:
                name = suffixed_name(name, public_key)
                if not mine and (by_name.get(name) or name in planned_names or name in mapped):
                    skipped = 'no free name: %r is %s, and %r is taken as well' % (wished, ' and '.join(reasons), name)
            if mine:
                name = mine[0].get('name')
            if reasons and not skipped:
                notes.append(_not_carried('name %r' % wished, 'it is %s; the service account is named %r' % (' and '.join(reasons), name)))
        if name is not None and not skipped:
            if name in planned_names:
                errors.append('%snames: API keys %s and %s would both get the service account %r' % (prefix, planned_names[name], public_key, name))
            planned_names[name] = public_key
        entries.append(dict(
            public_key=public_key,
            api_key_id=key.get('id'),
            description=key.get('description'),
            name=None if skipped else name,
            account_description=account_description(key.get('description'), public_key),
            client_id=mine[0].get('client_id') if len(mine) == 1 else None,
            org_roles=org_roles,
            project_roles=project_roles,
            access_list=access_list,
            credentials_file=os.path.join(credentials_dir, name + '.json') if credentials_dir and name and not skipped else None,
            not_carried_over=notes,
            skipped=skipped,
        ))

    retired = []
    for public_key in sorted(owned):
        if public_key in listed or (select != 'all' and public_key not in select):
            continue
        for account in owned[public_key]:
            retired.append(dict(public_key=public_key, name=account.get('name'), client_id=account.get('client_id')))

    accounts = []
    for entry in entries:
        if entry['skipped']:
            continue
        accounts.append(dict(name=entry['name'], description=entry['account_description'], roles=entry['org_roles'],
                             project_roles=entry['project_roles'], access_list=entry['access_list'], secret=dict(secret)))
    return dict(org_id=org_id, errors=errors, keys=entries, accounts=accounts, retired_before=retired)


# -- retirement ----------------------------------------------------------------------------------------------------


def _access_strings(entries):
    values = []
    for entry in entries or []:
        text = entry if isinstance(entry, str) else (entry.get('ip_address') or entry.get('cidr_block'))
        try:
            values.append(normalize_access_entry('access_list', text)[1])
        except InputError:
            values.append(text)
    return sorted(set(values))


def _project_map(assignments):
    return dict((item['project_id'], sorted(set(item.get('roles') or []))) for item in assignments or [])


def plan_differences(entry, account):
    """How a service account (an entry of atlas_service_account_set's result) differs from its key's plan."""
    differences = []
    if sorted(set(account.get('roles') or [])) != entry['org_roles']:
        differences.append('organization roles %s, planned %s' % (', '.join(sorted(account.get('roles') or [])) or 'none', ', '.join(entry['org_roles'])))
    if _project_map(account.get('project_roles')) != _project_map(entry['project_roles']):
        differences.append('project roles differ from the plan')
    if 'access_list' not in account or _access_strings(account.get('access_list')) != entry['access_list']:
        current = ', '.join(_access_strings(account.get('access_list'))) or 'empty'
        differences.append('access list %s, planned %s' % (current, ', '.join(entry['access_list']) or 'empty'))
    return differences


def last_use_since(account):
    """The newest last use of the account's secrets at or after its creation (the migration), else None."""
    created = parse_time(account.get('created_at'))
    uses = [parse_time(secret.get('last_used_at')) for secret in account.get('secrets') or [] if secret.get('last_used_at')]
    uses = [used for used in uses if created is None or used >= created]
    if not uses:
        return None
    newest = max(uses)
    return [secret.get('last_used_at') for secret in account.get('secrets') if parse_time(secret.get('last_used_at')) == newest][0]


def _decision(entry, account, confirmed, prefix):
    """(retire, reason) for one planned key."""
    public_key = entry['public_key']
    if entry['skipped']:
        return False, 'it was not migrated: %s' % entry['skipped']
    if not account or not account.get('client_id'):
        return False, 'its service account %r does not exist yet' % entry['name']
    if account.get('error'):
        error = account['error']
        return False, 'its service account %r was not fully made: [%s] %s' % (entry['name'], error.get('error_code'), error.get('detail'))
    differences = plan_differences(entry, account)
    if differences:
        return False, 'its service account %s does not match the plan: %s' % (_account_text(account), '; '.join(differences))
    used = last_use_since(account)
    if used:
        return True, 'service account %s exists as planned and its secret was used at %s, after the migration (%s)' % (
            _account_text(account), used, account.get('created_at'))
    if public_key in confirmed:
        return True, 'service account %s exists as planned; no use of its secret is recorded, the key is confirmed in %sretire_confirmed' % (
            _account_text(account), prefix)
    return False, ('no secret of service account %s has been used since the migration (%s): move the consumers of API key %s to it, '
                   'or confirm the key in %sretire_confirmed' % (_account_text(account), account.get('created_at'), public_key, prefix))


def api_key_migration_retirement(plan, service_accounts, confirmed=None, prefix=PREFIX):
    """Which planned keys may be deleted, from the service_accounts of atlas_service_account_set's result, and why
    each one may or may not."""
    if not isinstance(plan, dict) or not isinstance(service_accounts, list):
        _fail('api_key_migration_retirement expects the plan and the service_accounts list of atlas_service_account_set')
    confirmed = list(confirmed or [])
    by_name = dict((account.get('name'), account) for account in service_accounts)
    decisions, delete = [], []
    for entry in plan['keys']:
        retire, reason = _decision(entry, by_name.get(entry['name']), confirmed, prefix)
        decisions.append(dict(public_key=entry['public_key'], retire=retire, reason=reason))
        if retire:
            delete.append(entry['public_key'])
    return dict(delete=delete, decisions=decisions)


# -- report ----------------------------------------------------------------------------------------------------------


def _retirement_row(public_key, retirement, deletion, check_mode, prefix):
    if retirement is None:
        return dict(status='kept', reason='retirement not requested (%sretire)' % prefix)
    decision = [item for item in retirement['decisions'] if item['public_key'] == public_key][0]
    if not decision['retire']:
        return dict(status='refused', reason=decision['reason'])
    if not deletion or deletion.get('skipped'):
        return dict(status='not deleted', reason='the deletion task did not run')
    if deletion.get('failed'):
        refused = deletion.get('msg') or 'the deletion task failed'
        state = 'not deleted' if not deletion.get('changed') else 'unknown'
        return dict(status=state, reason='%s; %s' % (refused, decision['reason']))
    if public_key in (deletion.get('deleted') or []):
        return dict(status='would be deleted' if check_mode else 'deleted', reason=decision['reason'])
    return dict(status='already gone', reason='the API key no longer existed when it was to be deleted')


def _status(entry, account):
    if entry['skipped']:
        return 'skipped'
    if account and account.get('error'):
        return 'failed'
    if account and account.get('client_id'):
        return 'migrated'
    return 'planned'


def api_key_migration_report(plan, service_accounts=None, retirement=None, deletion=None, check_mode=False, prefix=PREFIX):
    """The migration report: per key its service account (client ID, roles, projects, access list, where its secret
    went), what was not carried over and why, and its retirement; the same content on every run with nothing to do."""
    if not isinstance(plan, dict):
        _fail('api_key_migration_report expects the plan of api_key_migration_plan')
    by_name = dict((account.get('name'), account) for account in service_accounts or [])
    rows = []
    for entry in plan['keys']:
        account = by_name.get(entry['name']) if entry['name'] else None
        store = (account or {}).get('secret_store') or {}
        row = dict(
            public_key=entry['public_key'],
            api_key_id=entry['api_key_id'],
            description=entry['description'],
            status=_status(entry, account),
            service_account=None if entry['skipped'] else dict(
                name=entry['name'],
                client_id=(account or {}).get('client_id') or entry['client_id'],
                description=entry['account_description']),
            org_roles=entry['org_roles'],
            project_roles=entry['project_roles'],
            access_list=entry['access_list'],
            credentials=dict(file=entry['credentials_file'], secret_store=store.get('path_or_name')),
            not_carried_over=entry['not_carried_over'] + ([_not_carried('the whole key', entry['skipped'])] if entry['skipped'] else []),
            retirement=_retirement_row(entry['public_key'], retirement, deletion, check_mode, prefix),
        )
        if account and account.get('error'):
            row['error'] = account['error']
        rows.append(row)
    statuses = Counter(row['status'] for row in rows)
    retired = Counter(row['retirement']['status'] for row in rows)
    summary = dict(api_keys=len(rows), migrated=statuses['migrated'], planned=statuses['planned'], skipped=statuses['skipped'],
                   failed=statuses['failed'], deleted=retired['deleted'] + retired['would be deleted'], refused=retired['refused'],
                   not_carried_over=sum(len(row['not_carried_over']) for row in rows))
    return dict(org_id=plan.get('org_id'), check_mode=bool(check_mode), summary=summary, api_keys=rows,
                retired_before=plan.get('retired_before') or [])


def _cell(value):
    if value is None or value == []:
        return ''
    if isinstance(value, (list, tuple)):
        value = ', '.join(str(item) for item in value)
    return str(value).replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ')


def _table(headers, rows):
    lines = ['| %s |' % ' | '.join(headers), '|%s|' % '|'.join(' --- ' for dummy in headers)]
    lines += ['| %s |' % ' | '.join(_cell(value) for value in row) for row in rows]
    return lines


def api_key_migration_markdown(report):
    """The report as a readable Markdown document."""
    if not isinstance(report, dict) or 'api_keys' not in report:
        _fail('api_key_migration_markdown expects the report of api_key_migration_report')
    summary = report['summary']
    lines = ['# API key migration report: organization %s' % report.get('org_id'), '']
    if report.get('check_mode'):
        lines += ['Check mode: what a real run would do; nothing was changed.', '']
    lines += ['%(api_keys)d API keys: %(migrated)d migrated, %(planned)d planned, %(skipped)d skipped, %(failed)d failed; '
              '%(deleted)d deleted, %(refused)d refused for retirement; %(not_carried_over)d items not carried over.' % summary, '']
    lines += ['## API keys and their service accounts', '']
    rows = []
    for row in report['api_keys']:
        account = row['service_account'] or {}
        projects = ['%s: %s' % (item['project_id'], ', '.join(item['roles'])) for item in row['project_roles']]
        where = [value for value in (row['credentials']['file'], row['credentials']['secret_store']) if value]
        rows.append([row['public_key'], row['description'], row['status'], account.get('name'), account.get('client_id') or '(new)',
                     row['org_roles'], '; '.join(projects), row['access_list'] or '(empty)', where, row['retirement']['status']])
    lines += _table(['API key', 'Description', 'Status', 'Service account', 'Client ID', 'Organization roles', 'Project roles',
                     'Access list', 'Secret', 'Retirement'], rows)
    missing = [[row['public_key'], item['what'], item['reason']] for row in report['api_keys'] for item in row['not_carried_over']]
    lines += ['', '## Not carried over', '']
    lines += _table(['API key', 'What', 'Why'], missing) if missing else ['Everything was carried over.']
    lines += ['', '## Retirement', '']
    decisions = [[row['public_key'], row['retirement']['status'], row['retirement']['reason']] for row in report['api_keys']]
    lines += _table(['API key', 'Retirement', 'Why'], decisions)
    if report.get('retired_before'):
        lines += ['', '## API keys retired before', '']
        retired = [[item['public_key'], item['name'], item['client_id']] for item in report['retired_before']]
        lines += _table(['API key', 'Service account', 'Client ID'], retired)
    return '\n'.join(lines) + '\n'


class FilterModule(object):
    """Filters of the api_key_migration role."""

    def filters(self):
        return dict(
            api_key_migration_check=api_key_migration_check,
            api_key_migration_plan=api_key_migration_plan,
            api_key_migration_retirement=api_key_migration_retirement,
            api_key_migration_report=api_key_migration_report,
            api_key_migration_markdown=api_key_migration_markdown,
        )
