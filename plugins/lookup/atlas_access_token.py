# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: atlas_access_token
short_description: An OAuth access token of a MongoDB Atlas service account
version_added: 1.1.0
author:
  - cloudops.atlas maintainers (@cloudops)
description:
  - Returns a C(Bearer) access token for the service account given by O(api_client_id) and
    O(api_client_secret), to call Atlas Administration API endpoints that no module of this
    collection covers, for example with M(ansible.builtin.uri).
  - Uses the same connection options, environment variables and on-disk token cache as the modules
    of this collection, so it mints no token while a cached one is still valid (minted by an earlier
    lookup or by a module running on the controller as the same user).
  - Takes no terms.
options:
  api_base_url:
    description:
      - Base URL of the Atlas Administration API, without the C(/api/atlas/v2) path.
      - The token endpoint is C(<api_base_url>/api/oauth/token).
    type: str
    default: https://cloud.mongodb.com
    env:
      - name: MONGODB_ATLAS_BASE_URL
  api_client_id:
    description:
      - Client ID of the service account (C(mdb_sa_id_...)). Requires O(api_client_secret).
    type: str
    env:
      - name: MONGODB_ATLAS_CLIENT_ID
  api_client_secret:
    description:
      - Secret of the service account named by O(api_client_id) (C(mdb_sa_sk_...)).
    type: str
    env:
      - name: MONGODB_ATLAS_CLIENT_SECRET
  api_access_token:
    description:
      - A ready access token. It is returned unchanged, without any call to Atlas; it is not checked and not
        renewed, so it must still be valid when it is used.
      - Takes precedence over O(api_client_id) and O(api_client_secret), as in the modules (a warning
        is shown when both are set).
    type: str
    env:
      - name: MONGODB_ATLAS_ACCESS_TOKEN
  api_public_key:
    description:
      - Public key of a programmatic API key. API keys authenticate with HTTP Digest and cannot give a
        C(Bearer) token, so the lookup fails when they are the only credentials configured. The option
        exists so that this case gets a clear message.
      - When both environment variables are set, E(MONGODB_ATLAS_PUBLIC_KEY) is used, as in the modules.
    type: str
    env:
      - name: MONGODB_ATLAS_PUBLIC_API_KEY
      - name: MONGODB_ATLAS_PUBLIC_KEY
  api_private_key:
    description:
      - Private key of the programmatic API key named by O(api_public_key); see there.
      - When both environment variables are set, E(MONGODB_ATLAS_PRIVATE_KEY) is used, as in the modules.
    type: str
    env:
      - name: MONGODB_ATLAS_PRIVATE_API_KEY
      - name: MONGODB_ATLAS_PRIVATE_KEY
  api_timeout:
    description:
      - Seconds to wait for a connection and for the token endpoint's response.
    type: int
    default: 30
  api_retries:
    description:
      - How many times the token request is retried after a rate limit (HTTP 429, honouring
        C(Retry-After)), a gateway or availability error (HTTP 502, 503, 504) or a connection error,
        with exponential backoff and jitter.
    type: int
    default: 5
  api_retry_max_wait:
    description:
      - Upper bound, in seconds, on all the waits between retries of the token request.
    type: int
    default: 120
  api_token_cache:
    description:
      - Share tokens through the on-disk cache of the modules. A cached token that stays valid for more
        than five minutes is returned as is, and a newly minted token is stored for later lookups and
        modules.
      - The cache is C(cloudops.atlas/tokens) under E(XDG_CACHE_HOME) (default C(~/.cache)) of the
        user running C(ansible-playbook), a directory of mode C(0700) with files of mode C(0600). The
        client secret is never written.
      - With V(false), every lookup mints a new token (Atlas allows 100 active tokens per service
        account and rate-limits its token endpoint).
    type: bool
    default: true
  validate_certs:
    description:
      - Verify the TLS certificate of O(api_base_url). Only turn this off for a test endpoint.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM bundle of CA certificates to verify O(api_base_url) with.
      - Without it, the CA bundle of the Python C(certifi) package is used (not the system store),
        unless the environment variable E(REQUESTS_CA_BUNDLE) names another bundle.
    type: path
requirements:
  - requests >= 2.28.0 (Python library on the controller; not needed to pass O(api_access_token) through)
notes:
  - The token is a credential. Set C(no_log) to V(true) on every task whose arguments or result
    contain it, such as the M(ansible.builtin.uri) task that sends it; without C(no_log), C(-vvv)
    shows the module arguments, headers included. Do not C(register) it unprotected, print it with
    M(ansible.builtin.debug) or store it with M(ansible.builtin.set_fact) in a cacheable fact.
  - The lookup itself never displays the token or the client secret, at any verbosity, and its error
    messages never contain them.
  - Lookups run on the controller, so the token cache is that of the user running C(ansible-playbook),
    shared with the modules when they run on C(localhost) as the same user.
  - A freshly minted token is valid for one hour; a token from the cache for at least five more minutes.
    Each template that calls the lookup calls it again, which costs nothing while the cached token is valid.
  - The lookup does not check a token against Atlas. A cached token that Atlas rejects (for example
    one that was revoked) is replaced after a module of this collection using the same credentials
    gets a 401 with it.
  - Credentials are chosen in this order O(api_access_token), then O(api_client_id) with
    O(api_client_secret). Programmatic API keys (O(api_public_key), O(api_private_key)) are refused.
seealso:
  - module: ansible.builtin.uri
  - name: Calling Atlas endpoints that no module covers
    description: The access token lookup with M(ansible.builtin.uri), step by step.
    link: https://github.com/cloudops/atlas/blob/main/docs/access_token_lookup.md
  - name: Atlas service account access tokens
    description: How Atlas mints OAuth access tokens for service accounts.
    link: https://www.mongodb.com/docs/atlas/api/service-accounts/generate-oauth2-token/
'''

EXAMPLES = r'''
- name: Call an Atlas endpoint that no module covers
  hosts: localhost
  gather_facts: false
  tasks:
    # Credentials from MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET.
    - name: List the projects of the organization
      ansible.builtin.uri:
        url: https://cloud.mongodb.com/api/atlas/v2/orgs/5f1e2d3c4b5a69788796a5b4/groups
        headers:
          Accept: application/vnd.atlas.2023-01-01+json
          Authorization: "Bearer {{ lookup('cloudops.atlas.atlas_access_token') }}"
      no_log: true  # the module arguments hold the token
      register: projects

    - name: Show the project names (the registered result is safe to read)
      ansible.builtin.debug:
        msg: "{{ projects.json.results | map(attribute='name') | list }}"

    - name: Use explicit credentials, for example from a vault
      ansible.builtin.uri:
        url: https://cloud.mongodb.com/api/atlas/v2/orgs/5f1e2d3c4b5a69788796a5b4/serviceAccounts
        headers:
          Accept: application/vnd.atlas.2024-08-05+json
          Authorization: >-
            Bearer {{ lookup('cloudops.atlas.atlas_access_token',
                             api_client_id=vault_atlas_client_id,
                             api_client_secret=vault_atlas_client_secret) }}
      no_log: true
'''

RETURN = r'''
_raw:
  description:
    - A list with one element, the access token (without the C(Bearer) prefix).
  type: list
  elements: str
'''

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.cloudops.atlas.plugins.module_utils._auth import AuthConfigError, ClientCredentialsAuth, select_auth
from ansible_collections.cloudops.atlas.plugins.module_utils._client import HAS_REQUESTS, AtlasClient, AtlasError

display = Display()

OPTIONS = ('api_base_url', 'api_client_id', 'api_client_secret', 'api_access_token', 'api_public_key',
           'api_private_key', 'api_timeout', 'api_retries', 'api_retry_max_wait', 'api_token_cache',
           'validate_certs', 'ca_path')
MINIMUMS = (('api_timeout', 1), ('api_retries', 0), ('api_retry_max_wait', 0))

NO_CREDENTIALS = (
    'no Atlas service account credentials configured: set api_client_id and api_client_secret (or the '
    'environment variables MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET), or pass a ready '
    'token with api_access_token (MONGODB_ATLAS_ACCESS_TOKEN)')
API_KEYS_REFUSED = (
    'programmatic API keys (api_public_key and api_private_key, or MONGODB_ATLAS_PUBLIC_KEY and '
    'MONGODB_ATLAS_PRIVATE_KEY) authenticate with HTTP Digest and cannot give a Bearer token: configure a '
    'service account with api_client_id and api_client_secret (MONGODB_ATLAS_CLIENT_ID and '
    'MONGODB_ATLAS_CLIENT_SECRET) instead')
REQUESTS_MISSING = (
    'the Python library requests is required to mint Atlas access tokens: install it in the Python that '
    'runs ansible-playbook (pip install requests)')


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError('cloudops.atlas.atlas_access_token takes no terms; pass the connection '
                                     'options as keyword arguments (api_client_id=..., api_client_secret=...)')
        self.set_options(var_options=variables, direct=kwargs)
        params = dict((name, self.get_option(name)) for name in OPTIONS)
        for name, minimum in MINIMUMS:
            if params[name] < minimum:
                raise AnsibleLookupError('%s must be at least %d, got %d' % (name, minimum, params[name]))
        return [self._token(params)]

    @staticmethod
    def _token(params):
        bearer_configured = params['api_access_token'] or params['api_client_id'] or params['api_client_secret']
        if not bearer_configured:
            public_key, private_key = params['api_public_key'], params['api_private_key']
            if not (public_key or private_key):
                raise AnsibleLookupError('Atlas credentials: ' + NO_CREDENTIALS)
            # A client id in api_public_key gets select_auth's more precise message below.
            if not (public_key or '').startswith('mdb_sa_id_'):
                raise AnsibleLookupError('Atlas credentials: ' + API_KEYS_REFUSED)
        if not params['api_access_token'] and not HAS_REQUESTS:
            raise AnsibleLookupError(REQUESTS_MISSING)
        try:
            auth = select_auth(params, display.warning)
        except AuthConfigError as exc:
            raise AnsibleLookupError('Atlas credentials: %s' % exc) from None
        if not isinstance(auth, ClientCredentialsAuth):  # AccessTokenAuth: bearer_configured rules out API keys
            display.vvv('cloudops.atlas.atlas_access_token: returning the configured api_access_token')
            return auth.token()

        client = AtlasClient.from_params(params, warn=display.warning, auth=auth)
        try:
            token = auth.token(client)
        except AtlasError as exc:
            # The client's errors never hold a credential; `from None` keeps the requests exception
            # (and anything it carries) out of tracebacks shown at high verbosity.
            raise AnsibleLookupError('Atlas access token for service account %s: %s'
                                     % (params['api_client_id'], exc)) from None
        finally:
            client.close()
        display.vvv('cloudops.atlas.atlas_access_token: %s access token of service account %s'
                    % ('reused the cached' if auth.from_cache else 'minted an', params['api_client_id']))
        return token
