# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Module tests are HTTP conversations: each test registers, in order, the exact calls a module must
make and Atlas's replies, runs the module as Ansible would (arguments in, JSON result out), then
asserts `changed`, `diff`, the result and the calls that were made."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import json

import pytest
import responses
from responses.registries import OrderedRegistry

from ansible_collections.cloudops.atlas.tests.unit.plugins.modules.conversation import CONNECTION, Atlas

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


@pytest.fixture(autouse=True)
def clear_module_warnings():
    """AnsibleModule keeps warnings in a process-global store; each test starts with none."""
    from ansible.module_utils.common import warnings
    for name in ('_global_warnings', '_global_deprecations'):
        store = getattr(warnings, name, None)
        if store is not None:
            store.clear()


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg-cache'))
    for name in ('MONGODB_ATLAS_BASE_URL', 'MONGODB_ATLAS_CLIENT_ID', 'MONGODB_ATLAS_CLIENT_SECRET', 'MONGODB_ATLAS_ACCESS_TOKEN',
                 'MONGODB_ATLAS_PUBLIC_KEY', 'MONGODB_ATLAS_PRIVATE_KEY', 'MONGODB_ATLAS_PUBLIC_API_KEY', 'MONGODB_ATLAS_PRIVATE_API_KEY'):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def atlas():
    with responses.RequestsMock(assert_all_requests_are_fired=True, registry=OrderedRegistry) as mock:
        yield Atlas(mock)


@pytest.fixture
def run_module(capsys):
    """Run a module's main() with args (plus the connection options); return its JSON result.

    The result carries `failed` on fail_json; `_stdout` keeps the raw output for leak checks."""
    def run(module, args, check_mode=False, diff=True, connection=True):
        module_args = dict(CONNECTION) if connection else {}
        module_args.update(args)
        module_args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(module_args):
            with pytest.raises(SystemExit):
                module.main()
        out = capsys.readouterr().out
        result = json.loads(out)
        result['_stdout'] = out
        return result
    return run
