# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The resource base class: the mechanics every stateful module shares.

A module declares its resource (how to read it, the managed fields, the create-only fields, how to
present it) and this class decides first, then acts: it computes the plan (create, update some
fields, delete or nothing), returns the same `changed` and predicted result in check mode, writes
only outside check mode, builds the diff from managed fields only, and turns client errors into
structured failures. Variance goes through the named hooks below, never through branches here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ._client import AtlasError, AtlasOutcomeUnknown


class InputError(Exception):
    """An option breaks a rule; raised before any API call."""


class AtlasResource:
    """Find / create / update / delete one Atlas object with check mode and diff.

    Subclasses set `noun` and `return_key`, list `managed` (API fields compared and updated, with
    `unordered` ones compared as sets) and implement the hooks `validate`, `read`, `desired`,
    `create`, `update`, `remove` and `present`. Optional hooks: `create_body`, `predict_created`,
    `recover_lost_create`, `after_absent`, `describe`.
    """

    noun = 'resource'
    return_key = 'resource'
    managed = ()
    unordered = ()
    create_requires = ()  # options that must be set when the object has to be created

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.result = dict(changed=False)

    @property
    def client(self):
        return self.module.client

    # -- hooks ------------------------------------------------------------------------------------

    def validate(self):
        """Check every option; raise InputError. Runs before the first API call."""

    def read(self):
        """Return the current API object, or None when it does not exist."""
        raise NotImplementedError

    def desired(self):
        """The managed API fields the user asked for (fields left out are not managed)."""
        raise NotImplementedError

    def create_body(self):
        return self.desired()

    def create(self, body):
        raise NotImplementedError

    def update(self, current, changes):
        raise NotImplementedError

    def remove(self, current):
        raise NotImplementedError

    def present(self, obj):
        """The snake_case return value for an API object."""
        raise NotImplementedError

    def predict_created(self, body):
        """What a create would return, for check mode."""
        return dict(body)

    def recover_lost_create(self, body):
        """After a create whose response was lost: return what it made, or None if nothing appeared."""
        return None

    def after_absent(self, current):
        """Hook after an object was (or would be) removed, e.g. to add a warning."""

    def describe(self):
        """How messages name the object, e.g. "service account 'ci' in organization 5f..."."""
        return self.noun

    # -- mechanics --------------------------------------------------------------------------------

    def changes(self, current):
        """The managed fields whose wanted value differs from the current one."""
        found = {}
        for field, wanted in self.desired().items():
            if wanted is None:
                continue
            have = current.get(field)
            if field in self.unordered:
                if set(have or ()) != set(wanted):
                    found[field] = sorted(wanted)
            elif have != wanted:
                found[field] = wanted
        return found

    def diff_view(self, obj):
        if not obj:
            return {}
        view = {}
        for field in self.managed:
            value = obj.get(field)
            view[_snake(field)] = sorted(value) if field in self.unordered and value is not None else value
        return view

    def create_once(self, body):
        """Create; if the response is lost, re-read before trying again, so one task never makes two."""
        try:
            return self.create(body)
        except AtlasOutcomeUnknown:
            made = self.recover_lost_create(body)
            if made is not None:
                self.module.warn('The response to the create of %s was lost, but Atlas had created it (%s); '
                                 'values only shown in that response are unknown.' % (self.describe(), self.identity_of(made)))
                return made
            return self.create(body)

    def identity_of(self, obj):
        return obj.get('clientId') or obj.get('id') or '?'

    def ensure_present(self):
        current = self.read()
        if current is None:
            missing = [option for option in self.create_requires if self.params.get(option) is None]
            if missing:
                raise InputError('creating %s needs %s' % (self.describe(), ', '.join(missing)))
            body = self.create_body()
            after = self.predict_created(body) if self.check_mode else self.create_once(body)
            self.result['changed'] = True
            self.result['diff'] = dict(before={}, after=self.diff_view(after))
            return after
        changes = self.changes(current)
        after = current
        if changes:
            after = dict(current, **changes) if self.check_mode else self.update(current, changes)
            self.result['changed'] = True
        self.result['diff'] = dict(before=self.diff_view(current), after=self.diff_view(after))
        return after

    def ensure_absent(self):
        current = self.read()
        if current is not None:
            if not self.check_mode:
                self.remove(current)
            self.result['changed'] = True
            self.after_absent(current)
        self.result['diff'] = dict(before=self.diff_view(current), after={})
        return None

    def apply(self):
        """Plan and act according to `state`, and put the result under `return_key`."""
        obj = self.ensure_absent() if self.params.get('state') == 'absent' else self.ensure_present()
        self.result[self.return_key] = self.present(obj) if obj is not None else {}

    def run(self):
        """Validate, apply, then exit the module with the result or a structured failure."""
        action = '%s %s' % ('Removing' if self.params.get('state') == 'absent' else 'Ensuring', self.describe())
        try:
            self.validate()
            self.apply()
        except InputError as exc:
            self.module.fail_json(msg=str(exc), changed=self.result['changed'])
        except AtlasError as exc:
            self.module.fail_atlas(action, exc, changed=self.result['changed'])
        self.module.exit_json(**self.result)


def _snake(name):
    return re.sub(r'([A-Z])', lambda match: '_' + match.group(1).lower(), name)
