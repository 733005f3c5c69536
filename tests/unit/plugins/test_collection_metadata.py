# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's metadata agrees with its code: the action group names every module and nothing
else, requires_ansible is the supported minimum, and the client's User-Agent carries the galaxy.yml version."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import yaml

from ansible_collections.cloudops.atlas.plugins.module_utils import _client

# tests/unit/plugins/ -> tests/unit/ -> tests/ -> the collection root
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODULES_DIR = os.path.join(COLLECTION_ROOT, 'plugins', 'modules')


def load_yaml(*parts):
    with open(os.path.join(COLLECTION_ROOT, *parts), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def module_names():
    return sorted(name[:-len('.py')] for name in os.listdir(MODULES_DIR) if name.endswith('.py') and name != '__init__.py')


def test_the_collection_root_is_found():
    assert os.path.isfile(os.path.join(COLLECTION_ROOT, 'galaxy.yml'))
    assert os.path.isfile(os.path.join(COLLECTION_ROOT, 'meta', 'runtime.yml'))
    assert 'atlas_service_account' in module_names()


def test_every_module_is_in_the_atlas_action_group():
    group = load_yaml('meta', 'runtime.yml')['action_groups']['atlas']
    missing = sorted(set(module_names()) - set(group))
    assert missing == [], 'modules missing from action_groups.atlas in meta/runtime.yml: %s' % ', '.join(missing)


def test_every_action_group_entry_is_a_module():
    group = load_yaml('meta', 'runtime.yml')['action_groups']['atlas']
    assert all(isinstance(entry, str) for entry in group), 'action_groups.atlas must list module names only'
    unknown = sorted(set(group) - set(module_names()))
    assert unknown == [], 'action_groups.atlas names modules that do not exist: %s' % ', '.join(unknown)
    assert len(group) == len(set(group)), 'action_groups.atlas lists a module twice'


def test_requires_ansible():
    assert load_yaml('meta', 'runtime.yml')['requires_ansible'] == '>=2.16.0'


def test_user_agent_version_is_the_galaxy_version():
    galaxy_version = str(load_yaml('galaxy.yml')['version'])
    assert _client.COLLECTION_VERSION == galaxy_version
    assert _client.USER_AGENT == 'cloudops.atlas/' + galaxy_version


def test_the_client_module_is_the_one_of_this_checkout():
    assert os.path.realpath(_client.__file__) == os.path.realpath(os.path.join(COLLECTION_ROOT, 'plugins', 'module_utils', '_client.py'))
