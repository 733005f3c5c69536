# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""A set of service accounts in one or many scopes (organization, project, or many projects), the
machinery of atlas_service_account_set: the wishes from the options, one listing per scope read
concurrently, every plan made and every guard checked before the first write, then each scope's plans
carried out by the executor, and one result entry per account.

The module declares the options; this file does the rest."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ._access_lists import access_entries_after, access_entry_key, normalize_access_entries
from ._client import AtlasError
from ._credentials import CredentialsFile, check_credentials_dir, check_dest, ensure_credentials_dir
from ._errors import DeliveryError, InputError, Refusal, TaskFailure
from ._executor import PlanExecutor
from ._fields import SERVICE_ACCOUNT_FIELDS, diff_view
from ._planning import AccountPlan, AccountWish, plan_account_access, plan_account_set, plan_project_roles
from ._presentation import present_access_entry, present_account, secrets_diff_view
from ._scope import Scope
from ._secret_delivery import Delivery, SecretStores
from ._secret_stores import StoreError
from ._secrets import secret_rules
from ._service_accounts import ServiceAccountDirectory, secret_lifetime_hint
from ._task import AtlasTask
from ._time import oldest_first
from ._validation import (
    DESCRIPTION_MAX, NAME_MAX, SECRET_HOURS_MAX, SECRET_HOURS_MIN, check_concurrency, check_hex_id, check_range, check_roles, check_rotation_window,
    check_text, check_unique)


# Waits for rate-limit refills this long (or any 429) make the result warn, so that a person sees them.
LONG_WAIT_SECONDS = 60


class ScopeWork:
    """One scope of the run: its wishes and deliveries, then its listing, plans and executors."""

    def __init__(self, scope, option, purge, credentials_dir):
        self.scope = scope
        self.option = option  # how messages name its accounts option, e.g. projects[2].accounts
        self.purge = purge
        self.credentials_dir = credentials_dir
        self.wishes = []
        self.deliveries = {}  # account name -> Delivery
        self.directory = None
        self.plans = []
        self.executors = {}  # plan -> its PlanExecutor (real runs)
        self.error = None  # what stopped the scope: its listing, a refusal of its plan, or an Atlas error while writing
        self.account_errors = {}  # plan -> why that account alone failed: its store could not be read, or its secret not delivered


class AccountSetTask(AtlasTask):
    """Plan every scope from one listing each, check every guard, then carry out the plans."""

    def __init__(self, module):
        super(AccountSetTask, self).__init__(module)
        self.work = []
        self.result.update(service_accounts=[])

    def action_text(self):
        texts = [work.scope.text for work in self.work] or ['the given scope']
        return 'Managing the service accounts of %s' % (texts[0] if len(texts) == 1 else '%d projects' % len(texts))

    # -- input checks -------------------------------------------------------------------------------------

    def validate(self):
        params = self.params
        check_concurrency(params['concurrency'])
        self.stores = SecretStores(params['api_base_url'].rstrip('/'))
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
        files = [delivery.file.path for work in self.work for delivery in work.deliveries.values() if delivery.file]
        check_unique('credentials files (secret.dest, credentials_dir/<name>.json)', files)

    def add_scope(self, scope, option, entries, purge, credentials_dir):
        check_credentials_dir(option.replace('accounts', 'credentials_dir') if '[' in option else 'credentials_dir', credentials_dir)
        check_unique(option + '[].name', [entry['name'] for entry in entries])
        work = ScopeWork(scope, option, purge, credentials_dir)
        for index, entry in enumerate(entries):
            account_option = '%s[%d]' % (option, index)
            wish, dest = self.wish(scope, account_option, entry)
            path = dest or (os.path.join(credentials_dir, wish.name + '.json') if credentials_dir else None)
            store = None
            if wish.secret is not None:
                # The account's own store, else the module's default for every account that keeps a secret.
                store = self.stores.slot(account_option + '.secret.store', entry['secret']['store'], 'secret_store', self.params['secret_store'],
                                         scope, wish.name)
            work.wishes.append(wish)
            work.deliveries[wish.name] = Delivery(self.stores.api_base_url, CredentialsFile(path) if path else None,
                                                  returned=self.params['return_secrets'], store=store,
                                                  org_id=None if scope.is_project else scope.id, project_id=scope.id if scope.is_project else None)
        self.work.append(work)

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
        return AccountWish(name, entry['description'], roles, entry['state'], secret, first_hours, access_list, entry['initial_secret'],
                           self.project_roles(scope, option, entry)), dest

    def project_roles(self, scope, option, entry):
        """accounts[].project_roles as {project id: sorted roles}; None when the assignments are not managed."""
        assignments = entry['project_roles']
        if assignments is None:
            return None
        if scope.is_project or entry['state'] == 'absent':
            raise InputError('%s.project_roles applies only to organization accounts (org_id) with state=present' % option)
        check_unique(option + '.project_roles[].project_id', [item['project_id'] for item in assignments])
        wanted = {}
        for index, item in enumerate(assignments):
            where = '%s.project_roles[%d]' % (option, index)
            check_hex_id(where + '.project_id', item['project_id'])
            wanted[item['project_id']] = check_roles(where + '.roles', item['roles'], 'project', self.module.warn)
        return wanted

    # -- read, plan, act ------------------------------------------------------------------------------------

    def execute(self):
        """Read and plan every scope; stop before any write only for the guards that protect the automation itself;
        carry out the plans of every scope that could be planned; then report every account, and fail naming each
        scope that failed (a rerun finishes the rest)."""
        self.each_scope(self.read_and_plan)
        guards = [work.error for work in self.work if isinstance(work.error, Refusal) and work.error.stops_run]
        if guards:
            raise guards[0]
        if not self.check_mode:
            self.each_scope(self.carry_out)
        self.report()
        failed = [work for work in self.work if work.error or work.account_errors]
        if failed:
            self.fail_scopes(failed)

    def each_scope(self, step):
        """Run step(work) for every scope not failed yet, concurrently for many; errors are kept on the scope."""
        def guarded(work):
            if work.error is not None:
                return
            try:
                step(work)
            except (AtlasError, InputError, Refusal, DeliveryError) as exc:
                work.error = exc
        self.concurrently(guarded, self.work, self.params['concurrency'])

    def own_client_id(self):
        return getattr(self.client.auth, 'client_id', None)

    def read_and_plan(self, work):
        # Held from this listing until the task ends, so that parallel runs on this host never both create a name.
        self.lock_names(work.scope, [wish.name for wish in work.wishes if wish.state == 'present'])
        work.directory = ServiceAccountDirectory(self.client, work.scope)
        listing = work.directory.list()
        # One read per account from its secret store (no Atlas call): which secret the store holds. An account whose
        # store cannot be read fails alone, before any secret is created for it.
        store_errors = {}
        for wish in work.wishes:
            slot = work.deliveries[wish.name].store
            if slot is not None:
                try:
                    slot.read()
                except StoreError as exc:
                    store_errors[wish.name] = exc
        held = dict((wish.name, work.deliveries[wish.name].held()) for wish in work.wishes
                    if wish.secret is not None and wish.name not in store_errors)
        work.plans = plan_account_set(listing, work.wishes, self.client.server_now(), purge=work.purge,
                                      own_client_id=self.own_client_id(), scope_text=work.scope.text, held=held)
        for plan in work.plans:
            if plan.name in store_errors and plan.wish is not None:
                work.account_errors[plan] = store_errors[plan.name]
            for note in plan.notes:
                self.module.warn('Service account %r in %s: %s.' % (plan.name, work.scope.text, note))
        for plan in work.plans:
            if plan.wish is None or plan in work.account_errors:
                continue
            # One more read per account that declares its access list or its projects (none for an account still to be created).
            if plan.wish.access_list is not None:
                current = work.directory.access_list(plan.current['clientId']) if plan.current else []
                plan_account_access(plan, current or [], plan.wish.access_list, self.own_client_id(), self.params['allow_own_account'])
            if plan.wish.project_roles is not None and plan.wish.state == 'present':
                current = work.directory.project_roles(plan.current['clientId']) if plan.current else {}
                plan_project_roles(plan, current, plan.wish.project_roles)

    def carry_out(self, work):
        """The scope's plans in order. An account whose secret could not be delivered fails alone; an Atlas error
        stops the scope (the next calls would meet it too), and the accounts after it are reported as not done."""
        if work.credentials_dir and ensure_credentials_dir(work.credentials_dir):
            self.result['changed'] = True
        for plan in work.plans:
            if plan in work.account_errors:
                continue  # its secret store could not be read: nothing is done to it
            delivery = work.deliveries.get(plan.name) or Delivery(self.client.base_url)  # a purged account delivers nothing
            work.executors[plan] = executor = PlanExecutor(self, work.directory, plan, delivery)
            try:
                executor.run()
            except DeliveryError as exc:
                work.account_errors[plan] = exc

    # -- the result ---------------------------------------------------------------------------------------------

    def report(self):
        now = self.client.server_now()
        entries, diffs = [], []
        for work in self.work:
            if work.credentials_dir and not os.path.isdir(work.credentials_dir) and not work.error:
                self.result['changed'] = True  # check mode: the directory would be created
            for plan in work.plans or self.unplanned(work):
                after, labels, written = self.outcome(work, plan)
                entries.append(self.entry(work, plan, after, labels, written, now))
                if labels != ['unchanged']:
                    self.result['changed'] = True
                    diffs.append(self.diff(work, plan, after))
        self.result['service_accounts'] = entries
        self.result['diff'] = diffs
        self.result['rate_limits'] = self.client.rate_limit_report()
        self.warn_about_rate_limits()

    @staticmethod
    def unplanned(work):
        """A scope that failed before its plans were made: its wished accounts, as nothing done to them."""
        return [AccountPlan(wish.name, None, wish) for wish in work.wishes]

    def warn_about_rate_limits(self):
        report = self.result['rate_limits']
        if report['waited_seconds'] >= LONG_WAIT_SECONDS or report['status_429']:
            waits = ', '.join('%s: %d s' % (view['description'], view['waited_seconds'])
                              for view in report['buckets'] if view['waited_seconds'] >= 1)
            self.module.warn('Atlas rate limits: %d API calls, %d answered 429, %d s spent waiting for refills%s.'
                             % (report['calls'], report['status_429'], report['waited_seconds'], ' (%s)' % waits if waits else ''))

    def outcome(self, work, plan):
        """(object after, action labels, credentials file): predicted in check mode, as carried out otherwise."""
        if self.check_mode:
            if work.error or plan in work.account_errors:
                return plan.current, ['unchanged'], None
            delivery = work.deliveries.get(plan.name)
            new_secret = 'created' in plan.labels or 'rotated' in plan.labels
            return plan.after, plan.result_action, delivery.file.path if new_secret and delivery and delivery.file else None
        executor = work.executors.get(plan)
        if executor is None:  # its scope failed before this account's turn
            return plan.current, ['unchanged'], None
        return executor.after, executor.result_action, executor.delivery.written

    def store_view(self, work, plan, slot, labels):
        """Where the account's newest secret is held in its store after the run (check mode: where it would be)."""
        if self.check_mode and ('created' in labels or 'rotated' in labels):
            return slot.view(predicted=True)
        return slot.view()

    def entry_error(self, work, plan):
        """Why this account was not (fully) done, as the `error` of its entry; None when it was."""
        error = work.account_errors.get(plan)
        if error is None and work.error is not None:
            executor = work.executors.get(plan)
            if executor is None or executor.done < len(plan.steps):
                error = work.error
        if error is None:
            return None
        if isinstance(error, (AtlasError, StoreError)):
            view = error.to_dict()
            return dict(status=view['status'], error_code=view['error_code'], detail=view['detail'])
        return dict(status=None, error_code='DELIVERY_FAILED' if isinstance(error, DeliveryError) else 'REFUSED', detail=str(error))

    def entry(self, work, plan, after, labels, written, now):
        # An account that does not exist (a create that failed, an absent one) shows its name and nothing else.
        shown = after or plan.current or dict(name=plan.name)
        view = present_account(shown, now, with_secret=self.params['return_secrets'])
        if after is None:
            view['secrets'] = []
        view.update(action=list(labels), credentials_file=written)
        slot = (work.deliveries.get(plan.name) or Delivery(None)).store
        if slot is not None and slot.held_now is not None:
            view['secret_store'] = self.store_view(work, plan, slot, labels)
        if plan.access_plan is not None:
            view['access_list'] = [present_access_entry(entry) for entry in self.access_after(work, plan)]
        if plan.projects_plan is not None:
            view['project_roles'] = [dict(project_id=project_id, roles=roles) for project_id, roles in sorted(self.projects_after(work, plan).items())]
        view[work.scope.option] = work.scope.id
        view['name'] = plan.name
        error = self.entry_error(work, plan)
        if error is not None:
            view['error'] = error
        return view

    def access_after(self, work, plan):
        """The account's access list after the run: predicted in check mode, with what Atlas returned otherwise."""
        if self.check_mode:
            return access_entries_after(plan.access_current, plan.access_plan)
        executor = work.executors.get(plan)
        if executor is None or not executor.access_done:
            return plan.access_current
        return access_entries_after(plan.access_current, plan.access_plan, executor.access_added)

    def projects_after(self, work, plan):
        """The account's project assignments after the run: predicted in check mode, as carried out otherwise."""
        executor = work.executors.get(plan)
        if self.check_mode or (executor is not None and executor.projects_done):
            return plan.projects_plan.after
        return plan.projects_current

    def diff(self, work, plan, after):
        header = '%s: service account %s' % (work.scope.text, plan.name)
        slot = (work.deliveries.get(plan.name) or Delivery(None)).store

        def side(obj, access, stored, projects):
            if not obj:
                return {}
            view = diff_view(SERVICE_ACCOUNT_FIELDS, obj)
            view['secrets'] = secrets_diff_view(oldest_first(obj.get('secrets')))
            if access is not None:
                view['access_list'] = sorted(access_entry_key(entry) for entry in access)
            if stored is not None:
                view['secret_store'] = stored
            if projects is not None:
                view['project_roles'] = dict(projects)
            return view
        projects_before = projects_after = None
        if plan.projects_plan is not None:
            projects_before, projects_after = plan.projects_current, self.projects_after(work, plan)
        managed = plan.access_plan is not None
        stored_before = stored_after = None
        if slot is not None and slot.held_now is not None:
            # The store's path and the secret id it holds, never a value.
            stored_before = dict(path_or_name=slot.view()['path_or_name'], secret_id=slot.before_id)
            new_secret = oldest_first((after or {}).get('secrets'))[-1:] if {'created', 'rotated'} & set(self.outcome(work, plan)[1]) else []
            stored_after = dict(stored_before, secret_id=(new_secret[0].get('id') or '(new)') if new_secret else slot.held_now.secret_id)
        before = side(plan.current, plan.access_current if managed else None, stored_before, projects_before)
        return dict(before_header=header, after_header=header, before=before,
                    after=side(after, self.access_after(work, plan) if managed else None, stored_after, projects_after))

    def fail_scopes(self, failed):
        """Fail naming each scope (and account) that failed, with Atlas's errorCode and detail; the result still
        holds every account of every scope (service_accounts) and the rate limits met."""
        messages = []
        for work in failed:
            problems = ['%s: %s' % (plan.name, error) for plan, error in work.account_errors.items()]
            if work.error is not None:
                hint = secret_lifetime_hint(self.client, work.scope, work.error)
                problems.insert(0, '%s%s' % (work.error, '; ' + hint if hint else ''))
            messages.append('%s: %s' % (work.scope.text, '; '.join(problems)))
        summary = ''
        if len(self.work) > 1:
            summary = '%d of %d projects failed%s: ' % (len(failed), len(self.work), ', the others were done' if len(failed) < len(self.work) else '')
        first = next((work.error for work in failed if isinstance(work.error, AtlasError)), None)
        if first is not None:
            self.result['error'] = first.to_dict()
        if len(self.work) == 1 and not failed[0].account_errors and not isinstance(failed[0].error, AtlasError):
            raise TaskFailure(str(failed[0].error))
        raise TaskFailure('%s: %s%s' % (self.action_text(), summary, '; '.join(messages)))
