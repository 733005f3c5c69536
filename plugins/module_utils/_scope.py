# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Where service accounts live: an organization or a project. The scope knows its API paths, how
messages name it, and what removing an account from it means."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import quote

from ._client import api_path
from ._validation import check_hex_id

ORG_SA_PATH = '/api/atlas/v2/orgs/{org_id}/serviceAccounts'
PROJECT_SA_PATH = '/api/atlas/v2/groups/{project_id}/serviceAccounts'
# The organization's settings (its cap on secret lifetimes among them) have their own API version.
ORG_SETTINGS_PATH = '/api/atlas/v2/orgs/{org_id}/settings'
ORG_SETTINGS_API_VERSION = '2023-01-01'


class Scope:
    """An organization (kind 'org') or a project (kind 'project') and its service-account paths."""

    def __init__(self, kind, scope_id):
        self.kind = kind
        self.id = scope_id

    @classmethod
    def org(cls, org_id):
        return cls('org', org_id)

    @classmethod
    def project(cls, project_id):
        return cls('project', project_id)

    @classmethod
    def from_params(cls, params):
        """From the mutually exclusive org_id / project_id options."""
        if params.get('project_id'):
            return cls.project(params['project_id'])
        return cls.org(params['org_id'])

    @property
    def is_project(self):
        return self.kind == 'project'

    @property
    def option(self):
        """The option that names this scope."""
        return 'project_id' if self.is_project else 'org_id'

    @property
    def text(self):
        return '%s %s' % ('project' if self.is_project else 'organization', self.id)

    @property
    def accounts_path(self):
        if self.is_project:
            return api_path(PROJECT_SA_PATH, project_id=self.id)
        return api_path(ORG_SA_PATH, org_id=self.id)

    def account_path(self, client_id):
        return self.accounts_path + api_path('/{client_id}', client_id=client_id)

    def secrets_path(self, client_id):
        return self.account_path(client_id) + '/secrets'

    def secret_path(self, client_id, secret_id):
        return self.secrets_path(client_id) + api_path('/{secret_id}', secret_id=secret_id)

    def access_list_path(self, client_id):
        return self.account_path(client_id) + '/accessList'

    def access_entry_path(self, client_id, entry):
        """The DELETE path of one entry: an IPv6 address keeps its ':'; the '/' of a CIDR block is sent as %2F."""
        return self.access_list_path(client_id) + '/' + quote(entry, safe=':')

    @property
    def removal(self):
        """What state=absent does to an account in this scope, for messages."""
        return 'removed from ' + self.text if self.is_project else 'deleted'

    def check(self):
        check_hex_id(self.option, self.id)

    def __repr__(self):
        return 'Scope(%r, %r)' % (self.kind, self.id)


def scope_argument_spec():
    """org_id or project_id (alias group_id): exactly one, see SCOPE_RULES (doc fragment: scope)."""
    return dict(
        org_id=dict(type='str'),
        project_id=dict(type='str', aliases=['group_id']),
    )


SCOPE_RULES = dict(mutually_exclusive=[('org_id', 'project_id')], required_one_of=[('org_id', 'project_id')])
