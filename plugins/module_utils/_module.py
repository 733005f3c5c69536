# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Connection options shared by every module (mirrored by doc_fragments/api.py) and the module wrapper."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ._auth import AuthConfigError
from ._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, AtlasClient, AtlasError

DEFAULT_BASE_URL = 'https://cloud.mongodb.com'

# The environment variables of the Terraform provider and the Atlas CLI, so one set of settings
# serves all three tools (and an AWX credential can inject them).
ENV_VARS = {
    'api_base_url': ['MONGODB_ATLAS_BASE_URL'],
    'api_client_id': ['MONGODB_ATLAS_CLIENT_ID'],
    'api_client_secret': ['MONGODB_ATLAS_CLIENT_SECRET'],
    'api_access_token': ['MONGODB_ATLAS_ACCESS_TOKEN'],
    'api_public_key': ['MONGODB_ATLAS_PUBLIC_KEY', 'MONGODB_ATLAS_PUBLIC_API_KEY'],
    'api_private_key': ['MONGODB_ATLAS_PRIVATE_KEY', 'MONGODB_ATLAS_PRIVATE_API_KEY'],
}


def nonempty_env_fallback(*names):
    """The first of these environment variables that is set to something: AWX injects the inputs a credential
    leaves unset as empty strings, and an empty MONGODB_ATLAS_PUBLIC_KEY must not hide MONGODB_ATLAS_PUBLIC_API_KEY
    (nor an empty MONGODB_ATLAS_BASE_URL replace the default)."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def atlas_argument_spec():
    """The connection options; every module merges them into its own argument spec."""
    def env(option):
        return (nonempty_env_fallback, ENV_VARS[option])

    return dict(
        api_base_url=dict(type='str', default=DEFAULT_BASE_URL, fallback=env('api_base_url')),
        api_client_id=dict(type='str', fallback=env('api_client_id')),
        api_client_secret=dict(type='str', no_log=True, fallback=env('api_client_secret')),
        api_access_token=dict(type='str', no_log=True, fallback=env('api_access_token')),
        api_public_key=dict(type='str', no_log=False, fallback=env('api_public_key')),
        api_private_key=dict(type='str', no_log=True, fallback=env('api_private_key')),
        api_timeout=dict(type='int', default=30),
        api_retries=dict(type='int', default=5),
        api_retry_max_wait=dict(type='int', default=120),
        api_rate_limit_max_wait=dict(type='int', default=1800),
        api_token_cache=dict(type='bool', default=True, no_log=False),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
    )


class AtlasModule(AnsibleModule):
    """AnsibleModule with the connection options, the Atlas client and Atlas-shaped failures."""

    def __init__(self, argument_spec, **kwargs):
        spec = atlas_argument_spec()
        spec.update(argument_spec)
        super(AtlasModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=str(REQUESTS_IMPORT_ERROR))
        if not re.match(r'^https?://[^/\s]+', self.params['api_base_url'] or ''):
            self.fail_json(msg='api_base_url must be an http:// or https:// URL, got %r' % self.params['api_base_url'])
        for option, minimum in (('api_timeout', 1), ('api_retries', 0), ('api_retry_max_wait', 0), ('api_rate_limit_max_wait', 0)):
            if self.params[option] < minimum:
                self.fail_json(msg='%s must be at least %d, got %d' % (option, minimum, self.params[option]))
        self._client = None

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = AtlasClient.from_params(self.params, warn=self.warn)
            except AuthConfigError as exc:
                self.fail_json(msg='Atlas credentials: %s' % exc)
        return self._client

    def fail_atlas(self, action, error, hint=None, **result):
        """Fail with `msg: "<action>: [<errorCode>] <detail>"` (plus a hint on what to check) and the `error` dict."""
        if not isinstance(error, AtlasError):
            raise error
        self.fail_json(msg='%s: %s%s' % (action, error, '; ' + hint if hint else ''), error=error.to_dict(), **result)
