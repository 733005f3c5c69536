# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The programmatic API keys of an organization: their paths and API version, the reads (the listing
and one access list), and how the modules return a key. The private key that Atlas lists (masked
after creation) is dropped where the listing is read, so nothing later can return or log it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ._access_lists import access_entry_key
from ._client import AtlasApiError, api_path

API_KEYS_PATH = '/api/atlas/v2/orgs/{org_id}/apiKeys'
# Every organization API key operation is published under this one resource version.
API_KEYS_API_VERSION = '2023-01-01'
# The spec's publicKey: 8 characters (Atlas makes them of lowercase letters and digits).
PUBLIC_KEY = re.compile(r'^[a-z0-9]{8}$')
# Fields of an API key document that are never kept: the private key (masked after creation, plaintext in the
# response that created it).
DROPPED_FIELDS = ('privateKey',)


def without_private_key(key):
    """The API key document without its private key (masked or not)."""
    return dict((field, value) for field, value in key.items() if field not in DROPPED_FIELDS)


class ApiKeyDirectory:
    """The API keys of one organization."""

    def __init__(self, client, org_id):
        self.client = client
        self.org_id = org_id

    @property
    def collection_path(self):
        return api_path(API_KEYS_PATH, org_id=self.org_id)

    def key_path(self, key_id):
        return self.collection_path + api_path('/{key_id}', key_id=key_id)

    def list(self):
        """Every API key of the organization (paginated), without private keys."""
        return [without_private_key(key) for key in self.client.paginate(self.collection_path, version=API_KEYS_API_VERSION)]

    def access_list(self, key_id):
        """Every entry of a key's access list (paginated), or None when the key is gone (404)."""
        try:
            return self.client.paginate(self.key_path(key_id) + '/accessList', version=API_KEYS_API_VERSION)
        except AtlasApiError as exc:
            if exc.status == 404:
                return None
            raise


def key_roles(key):
    """(organization roles sorted, [{project_id, roles sorted}] sorted by project) from a key's roles[]."""
    org_roles, projects = set(), {}
    for role in key.get('roles') or []:
        name = role.get('roleName')
        if not name:
            continue
        if role.get('groupId'):
            projects.setdefault(role['groupId'], set()).add(name)
        elif role.get('orgId'):
            org_roles.add(name)
    return sorted(org_roles), [dict(project_id=project_id, roles=sorted(roles)) for project_id, roles in sorted(projects.items())]


def present_api_key(key, entries):
    """An API key as the modules return it: no private key; access-list entries as sorted normalized strings
    (None when the access list was not read)."""
    org_roles, project_roles = key_roles(key)
    view = dict(
        id=key.get('id'),
        public_key=key.get('publicKey'),
        description=key.get('desc'),
        org_roles=org_roles,
        project_roles=project_roles,
    )
    if entries is not None:
        view['access_list'] = sorted(set(access_entry_key(entry) for entry in entries))
    return view
