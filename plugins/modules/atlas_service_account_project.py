#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: atlas_service_account_project
short_description: Assign a MongoDB Atlas organization service account to a project
version_added: 1.0.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Gives an existing organization service account access to a project with project roles, changes
    those roles, or removes the account from the project, idempotently, with check mode and diff.
  - The account is named by O(client_id), or by O(org_id) and O(name) (several accounts with that
    name make the task fail and ask for O(client_id)).
extends_documentation_fragment:
  - cloudops.atlas.api
  - cloudops.atlas.attributes
options:
  project_id:
    description:
      - ID of the project (24 hexadecimal characters).
    type: str
    required: true
    aliases: [group_id]
  client_id:
    description:
      - Client ID of the organization service account (C(mdb_sa_id_) followed by 24 hexadecimal characters).
      - One of O(client_id) or O(name) is required.
    type: str
  org_id:
    description:
      - ID of the organization that holds the account, to look it up by O(name).
    type: str
  name:
    description:
      - Name of the organization service account; requires O(org_id).
    type: str
  roles:
    description:
      - Project roles of the account in the project (C(GROUP_*)), compared as a set. Required to
        assign the account. A C(GROUP_*) role that is not one of the 11 documented ones gets a
        warning; anything else fails.
    type: list
    elements: str
  state:
    description:
      - V(present) assigns the account to the project with O(roles) (one call to invite it, or one
        update of its roles).
      - V(absent) removes the account from the project. The account and its credentials stay in the organization.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: cloudops.atlas.atlas_service_account
'''

EXAMPLES = r'''
- name: Give the CI service account access to a project
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cloudops.atlas.atlas:
      api_client_id: "{{ atlas_client_id }}"
      api_client_secret: "{{ atlas_client_secret }}"
  tasks:
    - name: Assign an organization service account to a project
      cloudops.atlas.atlas_service_account_project:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        client_id: mdb_sa_id_0123456789abcdef01234567
        roles: [GROUP_READ_ONLY, GROUP_CLUSTER_MANAGER]

    - name: Assign an account found by name
      cloudops.atlas.atlas_service_account_project:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        org_id: 5f1e2d3c4b5a69788796a5b4
        name: ci-deployer
        roles: [GROUP_READ_ONLY]

    - name: Remove it from the project again
      cloudops.atlas.atlas_service_account_project:
        project_id: 6a0b1c2d3e4f5a6b7c8d9e0f
        client_id: mdb_sa_id_0123456789abcdef01234567
        state: absent
'''

RETURN = r'''
assignment:
  description: The assignment after the task; C({}) after O(state=absent).
  returned: success
  type: dict
  contains:
    project_id:
      description: ID of the project.
      type: str
      sample: 6a0b1c2d3e4f5a6b7c8d9e0f
    client_id:
      description: Client ID of the account.
      type: str
      sample: mdb_sa_id_0123456789abcdef01234567
    roles:
      description: Project roles of the account, sorted.
      type: list
      elements: str
      sample: [GROUP_CLUSTER_MANAGER, GROUP_READ_ONLY]
error:
  description: The Atlas error that made the task fail.
  returned: failure
  type: dict
  sample: {status: 404, error_code: RESOURCE_NOT_FOUND, detail: null, reason: Not Found, parameters: null}
'''

from ansible_collections.cloudops.atlas.plugins.module_utils._errors import Refusal
from ansible_collections.cloudops.atlas.plugins.module_utils._module import AtlasModule
from ansible_collections.cloudops.atlas.plugins.module_utils._fields import PROJECT_ASSIGNMENT_FIELDS
from ansible_collections.cloudops.atlas.plugins.module_utils._resource import AtlasResource
from ansible_collections.cloudops.atlas.plugins.module_utils._scope import Scope
from ansible_collections.cloudops.atlas.plugins.module_utils._service_accounts import ServiceAccountDirectory
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import check_client_id, check_hex_id, check_roles


class ProjectAssignment(AtlasResource):
    noun = 'project assignment'
    return_key = 'assignment'
    fields = PROJECT_ASSIGNMENT_FIELDS
    create_requires = ('roles',)

    def __init__(self, module):
        super(ProjectAssignment, self).__init__(module)
        self.roles = None
        self.client_id = self.params['client_id']
        self.project = Scope.project(self.params['project_id'])

    def describe(self):
        who = self.params['client_id'] or repr(self.params['name'])
        return 'assignment of service account %s to project %s' % (who, self.params['project_id'])

    def validate(self):
        params = self.params
        check_hex_id('project_id', params['project_id'])
        check_hex_id('org_id', params['org_id'])
        check_client_id('client_id', params['client_id'])
        self.roles = check_roles('roles', params['roles'], 'project', self.module.warn)

    def read(self):
        if self.client_id is None:
            org_accounts = ServiceAccountDirectory(self.client, Scope.org(self.params['org_id']))
            account = org_accounts.by_name(self.params['name'])
            if account is None:
                if self.params['state'] == 'absent':
                    return None
                raise Refusal('organization %s has no service account named %r' % (self.params['org_id'], self.params['name']))
            self.client_id = account['clientId']
        return ServiceAccountDirectory(self.client, self.project).get(self.client_id)

    def wanted(self):
        return dict(roles=self.roles)

    def create(self, body):
        return self.write('POST', self.project.account_path(self.client_id) + ':invite', body)

    def recover_lost_create(self, body):
        return ServiceAccountDirectory(self.client, self.project).get(self.client_id)

    def update(self, current, changes):
        return self.write('PATCH', self.project.account_path(self.client_id), changes)

    def remove(self, current):
        self.write('DELETE', self.project.account_path(self.client_id))

    def result_view(self, obj):
        return dict(project_id=self.params['project_id'], client_id=self.client_id, roles=sorted(obj.get('roles') or []))


def main():
    argument_spec = dict(
        project_id=dict(type='str', required=True, aliases=['group_id']),
        client_id=dict(type='str'),
        org_id=dict(type='str'),
        name=dict(type='str'),
        roles=dict(type='list', elements='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    module = AtlasModule(argument_spec, supports_check_mode=True,
                         required_one_of=[('client_id', 'name')],
                         mutually_exclusive=[('client_id', 'name')],
                         required_by={'name': 'org_id'})
    ProjectAssignment(module).run()


if __name__ == '__main__':
    main()
