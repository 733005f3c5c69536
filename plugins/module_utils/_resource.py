# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Single-object resources on the task layer: find one Atlas object, plan its fields with the field
table (_planning), and create, update or delete it, with check mode and diff.

A module declares its resource: `fields` (the field table), `return_key`, and the hooks `read`,
`wanted`, `create`, `update`, `remove` and `result_view`; optional hooks `predict_created`,
`recover_lost_create`, `settle_created`, `after_absent` and `describe`. Variance goes through these
hooks, never through branches here."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ._errors import Refusal
from ._fields import api_body, diff_view, field_changes
from ._task import AtlasTask


class AtlasResource(AtlasTask):
    """Find / create / update / delete one Atlas object with check mode and diff."""

    noun = 'resource'
    return_key = 'resource'
    fields = ()
    create_requires = ()  # options that must be set when the object has to be created

    # -- hooks ------------------------------------------------------------------------------------

    def read(self):
        """Return the current API object, or None when it does not exist."""
        raise NotImplementedError

    def wanted(self):
        """The option values the user asked for (None: not managed), keyed by the field table's options."""
        return dict((item.option, self.params.get(item.option)) for item in self.fields)

    def create(self, body):
        raise NotImplementedError

    def update(self, current, changes):
        raise NotImplementedError

    def remove(self, current):
        raise NotImplementedError

    def result_view(self, obj):
        """The snake_case return value for an API object."""
        raise NotImplementedError

    def predict_created(self, body):
        """What a create would return, for check mode."""
        return dict(body)

    def recover_lost_create(self, body):
        """After a create whose response was lost: return what it made, or None if nothing appeared."""
        return None

    def settle_created(self, created, body):
        """After a create (or the recovery of a lost one): finish what the object needs, return it as it now is."""
        return created

    def after_absent(self, current):
        """Hook after an object was (or would be) removed, e.g. to add a warning."""

    def describe(self):
        """How messages name the object, e.g. "service account 'ci' in organization 5f..."."""
        return self.noun

    def action_text(self):
        return '%s %s' % ('Removing' if self.params.get('state') == 'absent' else 'Ensuring', self.describe())

    # -- mechanics --------------------------------------------------------------------------------

    def ensure_present(self):
        current = self.read()
        if current is None:
            missing = [option for option in self.create_requires if self.params.get(option) is None]
            if missing:
                raise Refusal('creating %s needs %s' % (self.describe(), ', '.join(missing)))
            body = api_body(self.fields, self.wanted(), create=True)
            if self.check_mode:
                after = self.predict_created(body)
                self.result['changed'] = True
            else:
                created = self.create_once(lambda: self.create(body), lambda: self.recover_lost_create(body), self.describe())
                after = self.settle_created(created, body)
            self.result['diff'] = dict(before={}, after=diff_view(self.fields, after))
            return after
        changes = field_changes(self.fields, current, api_body(self.fields, self.wanted()))
        after = current
        if changes:
            after = dict(current, **changes) if self.check_mode else self.update(current, changes)
            self.result['changed'] = True
        self.result['diff'] = dict(before=diff_view(self.fields, current), after=diff_view(self.fields, after))
        return after

    def ensure_absent(self):
        current = self.read()
        if current is not None:
            if not self.check_mode:
                self.remove(current)
            self.result['changed'] = True
            self.after_absent(current)
        self.result['diff'] = dict(before=diff_view(self.fields, current), after={})
        return None

    def execute(self):
        """Plan and act according to `state`, and put the result under `return_key`."""
        obj = self.ensure_absent() if self.params.get('state') == 'absent' else self.ensure_present()
        self.result[self.return_key] = self.result_view(obj) if obj is not None else {}
