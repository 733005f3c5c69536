# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The AWX credential type in extensions/awx/ injects only variables the modules really read."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.cloudops.atlas.plugins.module_utils._module import ENV_VARS, atlas_argument_spec

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
FIELD_TYPES = ('string', 'boolean')
SECRET_FIELDS = ('client_secret', 'private_key')


@pytest.fixture(scope='module')
def credential_type():
    with open(os.path.join(ROOT, 'extensions', 'awx', 'credential_type.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def fallback_variables():
    """Every environment variable an option of atlas_argument_spec() falls back to."""
    names = set()
    for option in atlas_argument_spec().values():
        if 'fallback' in option:
            names.update(option['fallback'][1])
    return names


def test_structure(credential_type):
    assert credential_type['kind'] == 'cloud'
    assert credential_type['name']
    fields = credential_type['inputs']['fields']
    ids = [field['id'] for field in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert set(field) <= {'id', 'label', 'type', 'secret', 'help_text', 'default', 'choices', 'multiline'}
        assert field['label'] and field['type'] in FIELD_TYPES
    assert set(credential_type['inputs']['required']) <= set(ids)
    assert set(credential_type) <= {'name', 'description', 'kind', 'inputs', 'injectors'}


def test_secrets_are_marked_secret(credential_type):
    secret = dict((field['id'], field.get('secret', False)) for field in credential_type['inputs']['fields'])
    for field_id in SECRET_FIELDS:
        assert secret[field_id] is True
    assert secret['client_id'] is False and secret['base_url'] is False


def test_every_injected_variable_is_read_by_the_modules(credential_type):
    injected = credential_type['injectors']['env']
    assert set(injected) <= fallback_variables()
    assert not [name for name in injected if name.startswith('ANSIBLE_')]
    assert set(credential_type['injectors']) == {'env'}


def test_every_injector_uses_a_declared_field(credential_type):
    ids = set(field['id'] for field in credential_type['inputs']['fields'])
    for value in credential_type['injectors']['env'].values():
        referenced = re.findall(r'{{\s*(\w+)\s*}}', value)
        assert referenced and set(referenced) <= ids


def test_service_account_and_api_key_are_both_injected(credential_type):
    injected = set(credential_type['injectors']['env'])
    assert {'MONGODB_ATLAS_BASE_URL', 'MONGODB_ATLAS_CLIENT_ID', 'MONGODB_ATLAS_CLIENT_SECRET'} <= injected
    assert {ENV_VARS['api_public_key'][0], ENV_VARS['api_private_key'][0]} <= injected
