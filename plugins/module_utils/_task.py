# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The task layer every module runs on: input checks before the client exists, the result, writes
that report `changed` the moment they succeed, lost-create recovery, and structured failures (the
errors of _errors, each by when it stops the task).

A module's task implements `validate` (pure input checks) and `execute` (read, plan with the pure
functions of _planning, then act unless in check mode); `run` does the rest."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ._client import AtlasApiError, AtlasError, AtlasOutcomeUnknown
from ._errors import DeliveryError, InputError, Refusal, TaskFailure
from ._locks import LockError, LockTimeout, NameLocks
from ._secret_stores import StoreError


class AtlasTask:
    """One module run: options in, one namespaced result out (or a structured failure)."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.result = dict(changed=False)
        self.name_locks = None

    @property
    def client(self):
        """The Atlas client, built on first use (so validate() runs before any connection setting is used)."""
        return self.module.client

    # -- what a task implements -------------------------------------------------------------------------

    def validate(self):
        """Check every option; raise InputError. Runs before the client is built and before any API call."""

    def execute(self):
        """Read, plan, and act (writes only outside check mode); fill self.result."""
        raise NotImplementedError

    def action_text(self):
        """What a failure says failed, e.g. "Ensuring service account 'ci' in organization 5f..."."""
        return 'Running'

    def explain(self, error):
        """A hint on what to check after an Atlas error, or None."""
        return None

    # -- mechanics ----------------------------------------------------------------------------------------

    def write(self, method, path, body=None, **kwargs):
        """Send one write; `changed` is reported from the moment it succeeded, even if a later step fails.

        A DELETE answered 404 is done: the object is gone as wished (for example a retried DELETE whose first
        response was lost after Atlas applied it)."""
        try:
            response = self.client.request(method, path, body=body, **kwargs)
        except AtlasApiError as exc:
            if method != 'DELETE' or exc.status != 404:
                raise
            response = None
        self.result['changed'] = True
        return response

    def concurrently(self, function, items, workers=8):
        """function(item) for every item, in up to `workers` threads over the one client (its session, its token,
        its rate governor); results in the order of `items`, an exception raised as the first one met."""
        items = list(items)
        workers = min(workers, len(items))
        if workers <= 1:
            return [function(item) for item in items]
        self.client.prepare()  # authenticate once, before the workers share the session
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(function, items))

    def lock_names(self, scope, names):
        """Hold the per-host locks of these account names (see _locks) until the task ends; not in check mode."""
        if self.check_mode or not names:
            return
        if self.name_locks is None:
            self.name_locks = NameLocks(self.client.base_url)
        try:
            self.name_locks.acquire(scope, names)
        except LockTimeout as exc:
            raise Refusal(str(exc))
        except LockError as exc:
            self.module.warn('Not locking account names against parallel runs on this host: %s.' % exc)

    def create_once(self, create, recover, what):
        """Create; if the response is lost, look (recover) before trying again, so one task never makes two.

        `create()` sends the POST and returns the created object; `recover()` returns what the lost
        request made, or None when nothing appeared (then, and only then, it is sent again: once, or up to
        api_retries times)."""
        sent = 0
        while True:
            sent += 1
            try:
                made = create()
                break
            except AtlasOutcomeUnknown as unknown:
                made = recover()
                # A request that timed out may still be applied: give it as long again, twice, before concluding
                # that nothing was made (a rare path: a few seconds and reads, against a duplicate account).
                for dummy in range(2 if unknown.may_still_land else 0):
                    if made is not None:
                        break
                    self.client.sleep(self.client.timeout)
                    made = recover()
                if made is not None:
                    self.module.warn('The response to the create of %s was lost, but Atlas had created it (%s); '
                                     'values only shown in that response are unknown.' % (what, made.get('clientId') or made.get('id') or '?'))
                    break
                if sent > max(1, self.client.retries):  # one more create once nothing appeared, more within api_retries
                    raise AtlasOutcomeUnknown('%s (gave up after %d creates, each looked for before the next)' % (unknown, sent))
        self.result['changed'] = True
        return made

    def run(self):
        """Validate, execute, then exit with the result or a structured failure."""
        try:
            self.validate()
            self.execute()
        except (InputError, Refusal, DeliveryError) as exc:
            self.fail(msg=str(exc))
        except TaskFailure as exc:
            self.module.fail_json(msg=str(exc), **self.result)
        except AtlasError as exc:
            self.module.fail_atlas(self.action_text(), exc, hint=self.explain(exc), **self.failure_result())
        except StoreError as exc:
            self.module.fail_json(msg='%s: %s' % (self.action_text(), exc), error=exc.to_dict(), **self.failure_result())
        finally:
            if self.name_locks is not None:
                self.name_locks.release()
        self.module.exit_json(**self.result)

    def failure_result(self):
        """What a failed task still returns: `changed`, true once any write succeeded (never a half-built result)."""
        return dict(changed=self.result['changed'])

    def fail(self, msg):
        self.module.fail_json(msg=msg, **self.failure_result())
