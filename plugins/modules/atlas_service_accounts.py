#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_service_accounts
short_description: Manage the service accounts of MongoDB Atlas organizations or projects as a set
version_added: 1.1.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Keeps the service accounts of one organization (O(org_id)), one project (O(project_id)) or many
    projects (O(projects)) as listed in one module run, with check mode and diff.
  - Each scope is read with exactly one (paginated) listing, which carries every account's secrets;
    then only the writes the plan needs are made. A new account is one POST (its first secret comes
    with it), a description or role change one PATCH, a rotation one POST (plus one DELETE at the
    two-secret cap), a removal one DELETE. A run with nothing to change costs one read per scope.
  - Accounts are matched by name within their scope. A listed name that matches several Atlas
    accounts fails, naming their client ids (Atlas names are not unique).
  - With O(projects), the projects are read, and then written, concurrently over one connection
    pool (O(concurrency)); every plan is made, and every guard checked, before the first write.
  - The C(cloudops.atlas.project_onboarding) role onboards projects with this module.
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.attributes
attributes:
  idempotent:
    support: full
    details: O(accounts[].secret_expires_after_hours) only applies when an account is created.
options:
  org_id:
    description:
      - ID of the organization (24 lowercase hexadecimal characters) whose service accounts are managed.
      - Exactly one of O(org_id), O(project_id) and O(projects) is required.
    type: str
  project_id:
    description:
      - ID of the project (24 lowercase hexadecimal characters) whose service accounts are managed.
        Accounts created in a project become C(ORG_MEMBER)s of its organization.
    type: str
    aliases: [group_id]
  accounts:
    description:
      - The service accounts of the scope to keep (V(present)) or to remove (V(absent)). Names must be unique in the list.
      - Required with O(org_id) or O(project_id) (an empty list is allowed, with O(purge)).
    type: list
    elements: dict
    suboptions: &account_options
      name:
        description: Name of the account, 1 to 64 letters, digits, spaces and C(-_.,'); accounts are matched by name.
        type: str
        required: true
      description:
        description: Description of the account, 1 to 250 letters, digits, spaces and C(-_.,'). Required to create it; left out, it is not managed.
        type: str
      roles:
        description:
          - Roles of the account, compared as a set. C(ORG_*) roles in an organization, C(GROUP_*) roles in a project.
          - Required to create it; left out, they are not managed.
        type: list
        elements: str
      state:
        description: V(present) keeps the account; V(absent) deletes it (organization) or removes it from the project.
        type: str
        choices: [present, absent]
        default: present
      secret_expires_after_hours:
        description:
          - Lifetime in hours (8 to 8760) of the first secret of an account created without O(accounts[].secret).
          - Never changes an existing account.
        type: int
      initial_secret:
        description:
          - V(false) creates the account without a secret (C(withoutInitialSecret)); with
            O(accounts[].secret) its first secret is then created by the secret rules and delivered like
            any other. V(true) lets Atlas create the first secret with the account.
          - V(false) cannot be combined with O(accounts[].secret_expires_after_hours).
          - Only applies when the account is created.
        type: bool
        default: true
      access_list:
        description:
          - The account's IP access list, authoritative when given (entries not listed are removed); not
            managed when left out. IPv4 or IPv6 addresses or CIDR blocks, normalized as in
            M(cloudops.atlas.atlas_service_account_access_list), at most 200.
          - Costs one more read per existing account that declares it; additions are one POST, each removal one DELETE.
          - V([]) removes every entry, so the credentials work from any address.
        type: list
        elements: str
      secret:
        description:
          - Keep the account supplied with a secret valid beyond the rotation window, with the rules of
            M(cloudops.atlas.atlas_service_account_secret) (at the two-secret cap the expired secrets are
            deleted first, then the older valid one; the newest valid secret is never deleted).
          - Every new secret's credentials go to O(accounts[].secret.dest), or else to O(credentials_dir)C(/<name>.json).
          - Use V({}) for the defaults.
        type: dict
        suboptions:
          expires_after_hours:
            description: Lifetime in hours (8 to 8760) of every new secret, the first one included.
            type: int
            default: 720
          rotate_before_hours:
            description: Create a new secret when the newest valid one expires within this many hours (less than O(accounts[].secret.expires_after_hours)).
            type: int
            default: 168
          dest:
            description:
              - File to write new credentials to (JSON, mode C(0600)), instead of O(credentials_dir)C(/<name>.json).
              - Its directory must exist and be writable; this is checked before anything changes in Atlas.
            type: path
  projects:
    description:
      - Many projects in one run, each with its own accounts. Used instead of O(project_id) and O(accounts).
    type: list
    elements: dict
    suboptions:
      project_id:
        description: ID of the project (24 lowercase hexadecimal characters); unique within O(projects).
        type: str
        required: true
      accounts:
        description: The accounts of this project, as in O(accounts).
        type: list
        elements: dict
        required: true
        suboptions: *account_options
      purge:
        description: As O(purge), for this project; defaults to O(purge).
        type: bool
      credentials_dir:
        description: As O(credentials_dir), for this project; defaults to O(credentials_dir).
        type: path
  purge:
    description:
      - Remove the accounts of the scope that O(accounts) does not list (delete them in an
        organization, remove them from a project).
      - System-managed accounts are never listed, so never removed. Removing the account whose client
        id runs the task fails before any write.
    type: bool
    default: false
  credentials_dir:
    description:
      - Directory on the host running the module where the credentials of every new secret (the first
        one of a created account, and rotations) are written as C(<name>.json), mode C(0600), with the
        keys C(client_id), C(client_secret), C(secret_id), C(expires_at) and C(api_base_url).
      - Created with mode C(0700) when missing (its parent must exist). An account's C(secret.dest) wins.
      - Every path is checked before anything changes in Atlas.
    type: path
  return_secrets:
    description:
      - Return the plaintext of new secrets in RV(service_accounts[].secrets[].secret). Prefer
        O(credentials_dir) or C(secret.dest), and C(no_log) on the task.
    type: bool
    default: false
  allow_own_account:
    description:
      - Allow access-list changes that could lock out the account whose credentials run the task
        (adding its first entry, or removing entries); without it they fail before any write.
    type: bool
    default: false
  concurrency:
    description:
      - How many scopes (projects) are read, and written, at the same time. Requests of all workers
        share one connection pool and pause together when Atlas answers 429 with C(Retry-After).
    type: int
    default: 8
notes:
  - The plaintext of a new secret exists only in the run that created it. It is written to the
    credentials file when there is one, and returned only with O(return_secrets=true).
  - A create whose response is lost is recovered with one more listing, never a blind second POST.
    When the value of such a secret is unknown and a credentials file must hold it, the module replaces
    that secret with one whose value it receives, so no file is left with a stale secret.
  - Removing an account from a project leaves it in the organization with working credentials; delete
    it there with M(cloudops.atlas.atlas_service_account).
seealso:
  - module: cloudops.atlas.atlas_service_account
  - module: cloudops.atlas.atlas_service_account_secret
  - module: cloudops.atlas.atlas_service_account_info
'''

EXAMPLES = r'''
- name: Manage Atlas service accounts as sets
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Keep the accounts of a project, with secrets rotated a week before expiry
      cloudops.atlas.atlas_service_accounts:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        credentials_dir: /etc/atlas/shop
        accounts:
          - name: shop-backend
            description: Backend of the shop
            roles: [GROUP_READ_ONLY, GROUP_DATA_ACCESS_READ_WRITE]
            secret:
              expires_after_hours: 720
              rotate_before_hours: 168
          - name: old-batch
            state: absent

    - name: Only these organization accounts may exist (others are deleted)
      cloudops.atlas.atlas_service_accounts:
        org_id: 5f1e2d3c4b5a69788796a5b4
        purge: true
        accounts:
          - name: ci-deployer
            description: Deploys from the CI pipeline
            roles: [ORG_READ_ONLY, ORG_GROUP_CREATOR]
            secret:
              dest: /etc/ci/atlas-credentials.json

    - name: Many projects in one run (one listing each, read concurrently)
      cloudops.atlas.atlas_service_accounts:
        projects:
          - project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
            credentials_dir: /etc/atlas/shop
            accounts:
              - name: shop-backend
                description: Backend of the shop
                roles: [GROUP_READ_ONLY]
                secret: {}
          - project_id: 6a0b1c2d3e4f5a6b7c8d9e1f
            credentials_dir: /etc/atlas/analytics
            accounts:
              - name: etl-loader
                description: Loads the warehouse
                roles: [GROUP_DATA_ACCESS_READ_WRITE]
                secret: {}
      register: onboarded

    - name: Show what happened to each account (no secret values)
      ansible.builtin.debug:
        msg: "{{ onboarded.service_accounts | map(attribute='action') | list }}"
'''

RETURN = r'''
service_accounts:
  description:
    - One entry per element of O(accounts) (of every element of O(projects)), in input order, then one
      per account removed by O(purge).
    - In check mode, what a real run would return; an account that would be created has
      RV(service_accounts[].client_id=null) and a secret with RV(service_accounts[].secrets[].id=null).
  returned: always
  type: list
  elements: dict
  contains:
    org_id:
      description: The organization, for accounts managed with O(org_id).
      type: str
      returned: with O(org_id)
      sample: 5f1e2d3c4b5a69788796a5b4
    project_id:
      description: The project, for accounts managed with O(project_id) or O(projects).
      type: str
      returned: with O(project_id) or O(projects)
      sample: 6a0b1c2d3e4f5a6b7c8d9e0f
    name:
      description: Name of the account.
      type: str
      sample: shop-backend
    client_id:
      description: Client ID of the account (null for one that check mode would create).
      type: str
      sample: mdb_sa_id_0123456789abcdef01234567
    description:
      description: Description of the account.
      type: str
      sample: Backend of the shop
    roles:
      description: Roles of the account in the scope, sorted.
      type: list
      elements: str
      sample: [GROUP_DATA_ACCESS_READ_WRITE, GROUP_READ_ONLY]
    created_at:
      description: When the account was created.
      type: str
      sample: '2026-11-23T09:00:00Z'
    action:
      description:
        - What happened to the account, a list of V(created), V(updated), V(rotated), V(removed), or
          V(unchanged) alone.
      type: list
      elements: str
      sample: [updated, rotated]
    secrets:
      description: The secrets of the account after the run (predicted in check mode), oldest first; empty once removed.
      type: list
      elements: dict
      contains:
        id:
          description: ID of the secret (null for one check mode predicts).
          type: str
          sample: 6a0b1c2d3e4f5a6b7c8d9e10
        created_at:
          description: When it was created.
          type: str
          sample: '2026-11-23T09:00:00Z'
        expires_at:
          description: When it expires.
          type: str
          sample: '2026-12-23T09:00:00Z'
        last_used_at:
          description: When it was last used, or null.
          type: str
          sample: null
        masked_secret_value:
          description: The masked secret.
          type: str
          sample: mdb_sa_sk_...a1b2
        expires_in_hours:
          description: Hours until it expires, by the Atlas server's clock.
          type: float
          sample: 719.98
        secret:
          description: The plaintext of a secret created by this run; only with O(return_secrets=true).
          type: str
          returned: for new secrets, with O(return_secrets=true)
          sample: mdb_sa_sk_...
    access_list:
      description: The account's access list after the run, sorted, when O(accounts[].access_list) manages it.
      type: list
      elements: dict
      returned: when O(accounts[].access_list) is given
      sample: [{ip_address: null, cidr_block: 203.0.113.0/24, created_at: '2026-11-23T09:00:00Z', last_used_at: null,
                last_used_address: null, request_count: 0}]
    credentials_file:
      description: The file this run wrote the account's new credentials to, else null.
      type: str
      sample: /etc/atlas/shop/shop-backend.json
error:
  description: The Atlas error that made the task fail (the first one, when several scopes failed).
  returned: failure
  type: dict
  sample: {status: 404, error_code: RESOURCE_NOT_FOUND, detail: null, reason: Not Found, parameters: null}
'''

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasError
from ansible_collections.cloudops.atlas.plugins.module_utils._credentials import (
    check_credentials_dir, check_dest, ensure_credentials_dir, held_secret_id, write_credentials, write_pending_credentials)
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._planning import (
    SERVICE_ACCOUNT_FIELDS, AccountWish, access_entry_key, diff_view, normalize_access_entries, plan_account_access,
    plan_account_set, secret_rules)
from ansible_collections.cloudops.atlas.plugins.module_utils._presentation import (
    oldest_first, present_access_entry, present_account, secrets_diff_view)
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import Scope
from ansible_collections.cloudops.atlas.plugins.module_utils._service_accounts import (
    ServiceAccountDirectory, access_entries_after, apply_access_plan, read_access_list, secret_lifetime_hint)
from ansible_collections.cloudops.atlas.plugins.module_utils._task import AtlasTask
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import (
    DESCRIPTION_MAX, NAME_MAX, SECRET_HOURS_MAX, SECRET_HOURS_MIN, InputError, check_hex_id, check_range,
    check_roles, check_rotation_window, check_text, check_unique)

DEFAULT_EXPIRES_AFTER_HOURS = 720
DEFAULT_ROTATE_BEFORE_HOURS = 168


class ScopeWork:
    """One scope of the run: its wishes and files, then its listing, plan and outcome."""

    def __init__(self, scope, option, wishes, files, purge, credentials_dir):
        self.scope = scope
        self.option = option  # how messages name its accounts option, e.g. projects[2].accounts
        self.wishes = wishes
        self.files = files  # account name -> credentials file (None: no file)
        self.purge = purge
        self.credentials_dir = credentials_dir
        self.directory = None
        self.plans = []
        self.results = {}  # plan -> its AccountExecution (real runs)
        self.error = None


class ServiceAccountSet(AtlasTask):
    """Plan every scope from one listing each, check every guard, then execute the plans."""

    def __init__(self, module):
        super(ServiceAccountSet, self).__init__(module)
        self.work = []
        self.lock = threading.Lock()
        self.result.update(service_accounts=[])

    def action_text(self):
        texts = [work.scope.text for work in self.work] or ['the given scope']
        return 'Managing the service accounts of %s' % (texts[0] if len(texts) == 1 else '%d projects' % len(texts))

    # -- input checks -------------------------------------------------------------------------------------

    def validate(self):
        params = self.params
        if params['projects'] is not None:
            if params['accounts'] is not None:
                raise InputError('accounts cannot be combined with projects: give each project its own accounts')
            check_unique('projects[].project_id', [entry['project_id'] for entry in params['projects']])
            for index, entry in enumerate(params['projects']):
                option = 'projects[%d]' % index
                check_hex_id(option + '.project_id', entry['project_id'])
                purge = params['purge'] if entry['purge'] is None else entry['purge']
                credentials_dir = entry['credentials_dir'] if entry['credentials_dir'] is not None else params['credentials_dir']
                self.add_scope(Scope.project(entry['project_id']), option + '.accounts', entry['accounts'], purge, credentials_dir)
        else:
            if params['accounts'] is None:
                raise InputError('accounts is required with %s (an empty list is allowed, with purge)'
                                 % ('project_id' if params['project_id'] else 'org_id'))
            scope = Scope.from_params(params)
            scope.check()
            self.add_scope(scope, 'accounts', params['accounts'], params['purge'], params['credentials_dir'])
        files = [path for work in self.work for path in work.files.values() if path]
        check_unique('credentials files (secret.dest, credentials_dir/<name>.json)', files)

    def add_scope(self, scope, option, entries, purge, credentials_dir):
        check_credentials_dir(option.replace('accounts', 'credentials_dir') if '[' in option else 'credentials_dir', credentials_dir)
        check_unique(option + '[].name', [entry['name'] for entry in entries])
        wishes, files = [], {}
        for index, entry in enumerate(entries):
            wish, dest = self.wish(scope, '%s[%d]' % (option, index), entry)
            wishes.append(wish)
            files[wish.name] = dest or (os.path.join(credentials_dir, wish.name + '.json') if credentials_dir else None)
        self.work.append(ScopeWork(scope, option, wishes, files, purge, credentials_dir))

    def wish(self, scope, option, entry):
        """An element of accounts (types and keys checked by the argument spec) as an AccountWish and its secret.dest."""
        name = entry['name']
        check_text(option + '.name', name, NAME_MAX)
        check_text(option + '.description', entry['description'], DESCRIPTION_MAX)
        roles = check_roles(option + '.roles', entry['roles'], scope.kind, self.module.warn)
        first_hours = entry['secret_expires_after_hours']
        check_range(option + '.secret_expires_after_hours', first_hours, SECRET_HOURS_MIN, SECRET_HOURS_MAX)
        if not entry['initial_secret'] and first_hours is not None:
            raise InputError('%s: initial_secret=false creates the account without a secret, so secret_expires_after_hours '
                             'cannot be given with it' % option)
        secret, dest = entry['secret'], None
        if secret is not None:
            if entry['state'] == 'absent':
                raise InputError('%s.secret applies only to state=present' % option)
            check_rotation_window(option + '.secret.', secret['expires_after_hours'], secret['rotate_before_hours'])
            dest = secret['dest']
            check_dest(option + '.secret.dest', dest)
            first_hours = first_hours or (secret['expires_after_hours'] if entry['initial_secret'] else None)
            secret = secret_rules(secret['expires_after_hours'], secret['rotate_before_hours'])
        access_list = entry['access_list']
        if access_list is not None:
            if entry['state'] == 'absent':
                raise InputError('%s.access_list applies only to state=present' % option)
            access_list = normalize_access_entries(option + '.access_list', access_list)
        return AccountWish(name, entry['description'], roles, entry['state'], secret, first_hours, access_list, entry['initial_secret']), dest

    # -- read, plan, act ------------------------------------------------------------------------------------

    def execute(self):
        self.each_scope(self.read_and_plan)
        failed = [work for work in self.work if work.error]
        if failed:
            self.fail_scopes(failed)
        if not self.check_mode:
            self.each_scope(self.carry_out)
        self.report()
        failed = [work for work in self.work if work.error]
        if failed:
            self.fail_scopes(failed)

    def each_scope(self, step):
        """Run step(work) for every scope, concurrently for many; errors are kept on the scope."""
        def guarded(work):
            try:
                step(work)
            except (AtlasError, InputError) as exc:
                work.error = exc
        workers = min(self.params['concurrency'], len(self.work))
        if workers <= 1:
            for work in self.work:
                guarded(work)
            return
        self.client.prepare()  # authenticate once, before the workers share the session
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(guarded, self.work))

    def own_client_id(self):
        return getattr(self.client.auth, 'client_id', None)

    def read_and_plan(self, work):
        # Held from this listing until the task ends, so that parallel runs on this host never both create a name.
        self.lock_names(work.scope, [wish.name for wish in work.wishes if wish.state == 'present'])
        work.directory = ServiceAccountDirectory(self.client, work.scope)
        listing = work.directory.list()
        held = dict((wish.name, held_secret_id(work.files[wish.name])) for wish in work.wishes
                    if wish.secret is not None and work.files.get(wish.name))
        work.plans = plan_account_set(listing, work.wishes, self.client.server_now(), purge=work.purge,
                                      own_client_id=self.own_client_id(), scope_text=work.scope.text, held_secret_ids=held)
        for plan in work.plans:
            for note in plan.notes:
                self.module.warn('Service account %r in %s: %s.' % (plan.name, work.scope.text, note))
        for plan in work.plans:
            if plan.wish is not None and plan.wish.access_list is not None:
                # One more read per account that declares its access list (none for an account still to be created).
                current = read_access_list(self.client, work.scope, plan.current['clientId']) if plan.current else []
                plan_account_access(plan, current or [], plan.wish.access_list, self.own_client_id(), self.params['allow_own_account'])

    def carry_out(self, work):
        if work.credentials_dir and ensure_credentials_dir(work.credentials_dir):
            self.result['changed'] = True
        for plan in work.plans:
            work.results[plan] = execution = AccountExecution(self, work, plan)
            execution.run()

    # -- the result ---------------------------------------------------------------------------------------------

    def report(self):
        now = self.client.server_now()
        entries, diffs = [], []
        for work in self.work:
            if work.credentials_dir and not os.path.isdir(work.credentials_dir):
                self.result['changed'] = True  # check mode: the directory would be created
            for plan in work.plans:
                after, labels, written = self.outcome(work, plan)
                entries.append(self.entry(work, plan, after, labels, written, now))
                if labels != ['unchanged']:
                    self.result['changed'] = True
                    diffs.append(self.diff(work, plan, after))
        self.result['service_accounts'] = entries
        self.result['diff'] = diffs

    def outcome(self, work, plan):
        """(object after, action labels, credentials file): predicted in check mode, as carried out otherwise."""
        if self.check_mode:
            new_secret = 'created' in plan.labels or 'rotated' in plan.labels
            return plan.after, plan.action, work.files.get(plan.name) if new_secret else None
        execution = work.results.get(plan)
        if execution is None:  # its scope failed before this account's turn
            return plan.current, ['unchanged'], None
        return execution.after, execution.outcome(), execution.written

    def entry(self, work, plan, after, labels, written, now):
        # An account that does not exist (a create that failed, an absent one) shows its name and nothing else.
        shown = after or plan.current or dict(name=plan.name)
        view = present_account(shown, now, with_secret=self.params['return_secrets'])
        if after is None:
            view['secrets'] = []
        view.update(action=list(labels), credentials_file=written)
        if plan.access_plan is not None:
            view['access_list'] = [present_access_entry(entry) for entry in self.access_after(work, plan)]
        view[work.scope.option] = work.scope.id
        view['name'] = plan.name
        return view

    def access_after(self, work, plan):
        """The account's access list after the run: predicted in check mode, with what Atlas returned otherwise."""
        if self.check_mode:
            return access_entries_after(plan.access_current, plan.access_plan)
        execution = work.results.get(plan)
        if execution is None or not execution.access_done:
            return plan.access_current
        return access_entries_after(plan.access_current, plan.access_plan, execution.access_added)

    def diff(self, work, plan, after):
        header = '%s: service account %s' % (work.scope.text, plan.name)

        def side(obj, access):
            if not obj:
                return {}
            view = diff_view(SERVICE_ACCOUNT_FIELDS, obj)
            view['secrets'] = secrets_diff_view(oldest_first(obj.get('secrets')))
            if access is not None:
                view['access_list'] = sorted(access_entry_key(entry) for entry in access)
            return view
        managed = plan.access_plan is not None
        before = side(plan.current, plan.access_current if managed else None)
        return dict(before_header=header, after_header=header, before=before,
                    after=side(after, self.access_after(work, plan) if managed else None))

    def fail_scopes(self, failed):
        first = failed[0].error
        messages = []
        for work in failed:
            hint = secret_lifetime_hint(self.client, work.scope, work.error)
            messages.append('%s: %s%s' % (work.scope.text, work.error, '; ' + hint if hint else ''))
        msg = '%s: %s' % (self.action_text(), '; '.join(messages))
        result = dict(changed=self.result['changed'], service_accounts=self.result['service_accounts'])
        if isinstance(first, AtlasError):
            self.module.fail_json(msg=msg, error=first.to_dict(), **result)
        self.module.fail_json(msg=msg if len(failed) > 1 or len(self.work) > 1 else str(first), **result)


class AccountExecution:
    """Carries out one account's plan, in order, and records what it became."""

    def __init__(self, task, work, plan):
        self.task = task
        self.work = work
        self.plan = plan
        self.scope = work.scope
        self.after = dict(plan.current) if plan.current else None
        self.extra_labels = []  # what happened beyond the plan (a lost secret replaced)
        self.file = work.files.get(plan.name)
        self.written = None
        self.done = 0  # actions carried out so far
        self.access_added = []  # the entries Atlas returned for the access-list POST
        self.access_done = False

    def run(self):
        for action in self.plan.actions:
            getattr(self, action.kind)(action)
            self.done += 1

    def outcome(self):
        """The action labels: the plan's once anything was done (a failure part-way keeps them), plus replacements."""
        labels = list(self.plan.labels) if self.done else []
        labels += [label for label in self.extra_labels if label not in labels]
        return labels or ['unchanged']

    # Each method below is one kind of Action of _planning.

    def create_account(self, action):
        directory = self.work.directory
        created = self.task.create_once(lambda: self.task.write('POST', self.scope.accounts_path, action.body),
                                        lambda: directory.account_made_since(self.plan.name),
                                        'service account %r in %s' % (self.plan.name, self.scope.text))
        self.after = created
        secrets = created.get('secrets') or []
        if secrets and secrets[0].get('secret'):
            self.deliver(created['clientId'], secrets[0])
        elif secrets and self.file:
            # Adopted after a lost response: nobody holds the first secret's value; replace it with one we receive.
            self.replace_unknown_secret(created['clientId'], secrets[0], action.body['secretExpiresAfterHours'])

    def set_access_list(self, action):
        client_id = action.target or self.after['clientId']  # a new account's client id is known once it exists
        self.access_added = apply_access_plan(self.task, self.scope, client_id, action.body)
        self.access_done = True

    def update_account(self, action):
        updated = self.task.write('PATCH', self.scope.account_path(action.target), action.body) or {}
        self.after.update(dict((key, updated[key]) for key in action.body if key in updated))

    def remove_account(self, action):
        self.task.write('DELETE', self.scope.account_path(action.target))
        self.after = None
        if self.scope.is_project:
            self.task.module.warn('Service account %s (%s) was removed from %s only: it still exists in the organization, and its '
                                  'credentials keep working until it is deleted there.' % (self.plan.name, action.target, self.scope.text))

    def delete_secret(self, action):
        client_id, secret_id = action.target
        self.task.write('DELETE', self.scope.secret_path(client_id, secret_id))
        self.after['secrets'] = [secret for secret in self.after.get('secrets') or [] if secret['id'] != secret_id]

    def create_secret(self, action):
        client_id = action.target or self.after['clientId']  # an account created without a secret gets its first one here
        created = self.post_secret(client_id, action.body)
        if not created.get('secret') and self.file:
            created = self.replace_unknown_secret(client_id, created, action.body['secretExpiresAfterHours'])
        else:
            self.deliver(client_id, created)

    def post_secret(self, client_id, body):
        known = [secret['id'] for secret in self.after.get('secrets') or []]
        created = self.work.directory.create_secret(self.task, client_id, body, known, 'a secret of service account %s' % client_id)
        self.after['secrets'] = (self.after.get('secrets') or []) + [created]
        return created

    def replace_unknown_secret(self, client_id, unknown, hours):
        """A secret whose value was lost cannot be delivered: replace it with one whose value we receive."""
        known = [secret['id'] for secret in self.after.get('secrets') or []]
        created = self.work.directory.replace_secret(self.task, client_id, unknown, dict(secretExpiresAfterHours=hours), known,
                                                     'a secret of service account %s' % client_id)
        self.after['secrets'] = [secret for secret in self.after.get('secrets') or [] if secret['id'] != unknown['id']] + [created]
        if not created.get('secret'):
            if not os.path.exists(self.file):
                # A new account: mark its file as waiting for a secret, so that the next run delivers one.
                write_pending_credentials(self.file, client_id, self.task.client.base_url)
            raise InputError('the value of the new secret of service account %s was lost twice; %s holds an older secret or '
                             'none: run the task again, it gives the file a new secret' % (client_id, self.file))
        self.task.module.warn('The value of secret %s of service account %s was lost with its response; it was replaced by '
                              'secret %s, delivered to %s.' % (unknown['id'], client_id, created['id'], self.file))
        self.extra_labels.append('rotated')
        self.deliver(client_id, created)
        return created

    def deliver(self, client_id, secret):
        if self.file:
            write_credentials(self.file, client_id, secret, self.task.client.base_url)
            self.written = self.file


def account_spec():
    """The options of one element of accounts (also of projects[].accounts)."""
    return dict(
        name=dict(type='str', required=True),
        description=dict(type='str'),
        roles=dict(type='list', elements='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        secret_expires_after_hours=dict(type='int', no_log=False),
        initial_secret=dict(type='bool', default=True, no_log=False),
        access_list=dict(type='list', elements='str'),
        secret=dict(type='dict', no_log=False, options=dict(
            expires_after_hours=dict(type='int', default=DEFAULT_EXPIRES_AFTER_HOURS, no_log=False),
            rotate_before_hours=dict(type='int', default=DEFAULT_ROTATE_BEFORE_HOURS, no_log=False),
            dest=dict(type='path'),
        )),
    )


def main():
    argument_spec = dict(
        org_id=dict(type='str'),
        project_id=dict(type='str', aliases=['group_id']),
        projects=dict(type='list', elements='dict', options=dict(
            project_id=dict(type='str', required=True),
            accounts=dict(type='list', elements='dict', required=True, options=account_spec()),
            purge=dict(type='bool'),
            credentials_dir=dict(type='path'),
        )),
        accounts=dict(type='list', elements='dict', options=account_spec()),
        purge=dict(type='bool', default=False),
        credentials_dir=dict(type='path'),
        return_secrets=dict(type='bool', default=False, no_log=False),
        concurrency=dict(type='int', default=8),
        allow_own_account=dict(type='bool', default=False),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True,
                         mutually_exclusive=[('org_id', 'project_id', 'projects')],
                         required_one_of=[('org_id', 'project_id', 'projects')])
    if not 1 <= module.params['concurrency'] <= 32:
        module.fail_json(msg='concurrency must be between 1 and 32, got %d' % module.params['concurrency'])
    ServiceAccountSet(module).run()


if __name__ == '__main__':
    main()
