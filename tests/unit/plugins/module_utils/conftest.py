# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared fixtures: a mocked Atlas (responses), a client with injected sleep/jitter, a private cache home."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import responses

from ansible_collections.cloudops.atlas.plugins.module_utils._auth import AccessTokenAuth
from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasClient
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.atlas_wire import BASE, FakeClock


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    """Every test gets its own XDG_CACHE_HOME, so nothing touches the real ~/.cache."""
    home = tmp_path / 'xdg-cache'
    monkeypatch.setenv('XDG_CACHE_HOME', str(home))
    return home


@pytest.fixture
def atlas():
    """The mocked Atlas: every registered reply must be consumed, unexpected calls fail."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sleeps(clock):
    """Records the waits the client asks for instead of waiting."""
    return clock.sleeps


@pytest.fixture
def warnings():
    return []


@pytest.fixture
def make_client(clock, warnings):
    def factory(auth=None, base_url=BASE, **kwargs):
        kwargs.setdefault('jitter', lambda: 0.5)
        return AtlasClient(base_url, auth or AccessTokenAuth('access-token-1'), sleep=clock.sleep, clock=clock.monotonic,
                           warn=warnings.append, **kwargs)
    return factory
