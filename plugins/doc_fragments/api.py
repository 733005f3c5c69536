# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options; mirrors atlas_argument_spec() in plugins/module_utils/_module.py.
    DOCUMENTATION = r'''
options:
  api_base_url:
    description:
      - Base URL of the Atlas Administration API, without the C(/api/atlas/v2) path.
      - Point it at the bundled simulator to test playbooks without an Atlas organization.
      - If not set, the environment variable E(MONGODB_ATLAS_BASE_URL) is used.
    type: str
    default: https://cloud.mongodb.com
  api_client_id:
    description:
      - Client ID of the service account to authenticate with (C(mdb_sa_id_...)). Requires O(api_client_secret).
      - The client ID and secret are exchanged for an access token (OAuth 2.0 client credentials) that
        is cached on the host and reused by later tasks; see O(api_token_cache).
      - If not set, the environment variable E(MONGODB_ATLAS_CLIENT_ID) is used.
    type: str
  api_client_secret:
    description:
      - Secret of the service account named by O(api_client_id) (C(mdb_sa_sk_...)).
      - If not set, the environment variable E(MONGODB_ATLAS_CLIENT_SECRET) is used.
    type: str
  api_access_token:
    description:
      - A ready OAuth access token, sent in a C(Bearer) authorization header. Takes precedence over the other credentials.
      - The token is not renewed, so it must stay valid for the whole run (Atlas tokens last one hour).
      - If not set, the environment variable E(MONGODB_ATLAS_ACCESS_TOKEN) is used.
    type: str
  api_public_key:
    description:
      - Public key of a programmatic API key (legacy), used with O(api_private_key) and HTTP Digest.
      - Used only when neither O(api_access_token) nor O(api_client_id) is set.
      - If not set, the environment variables E(MONGODB_ATLAS_PUBLIC_KEY) and then
        E(MONGODB_ATLAS_PUBLIC_API_KEY) are used.
    type: str
  api_private_key:
    description:
      - Private key of the programmatic API key named by O(api_public_key).
      - If not set, the environment variables E(MONGODB_ATLAS_PRIVATE_KEY) and then
        E(MONGODB_ATLAS_PRIVATE_API_KEY) are used.
    type: str
  api_timeout:
    description:
      - Seconds to wait for a connection and for each response.
    type: int
    default: 30
  api_retries:
    description:
      - How many times a call is retried after an error that may pass (HTTP 500 on reads, 502, 503, 504,
        a connection error), with exponential backoff and jitter.
      - A rate limit (HTTP 429) is not counted here, since it is flow control, waited out within
        O(api_rate_limit_max_wait).
      - A create whose response was lost is never retried blindly; the module reads the resource
        again before it creates anything.
    type: int
    default: 5
  api_retry_max_wait:
    description:
      - Upper bound, in seconds, on all the waits between the retries of one call (those of O(api_retries)).
    type: int
    default: 120
  api_rate_limit_max_wait:
    description:
      - How long, in seconds, one module run may spend waiting for Atlas's rate limits to refill, counted
        once however many requests wait at the same time.
      - Every Admin API call of a run goes through one rate governor that learns each token bucket
        (from C(GET /rateLimits), read once and cached on the host for an hour next to the token cache,
        from the C(RateLimit-Limit) and C(RateLimit-Remaining) headers and from a 429's parameters) and
        waits for the next refill instead of sending into a bucket it knows to be empty.
      - The default, 30 minutes, lets a run finish about 150 calls beyond the capacity of a bucket that
        refills 5 tokens a minute (the example of Atlas's documentation) without failing; a run that needs
        longer is better split (for example with AWX job slicing), or run when the buckets are not shared
        with other jobs. When the budget would be passed, the call fails naming the bucket, the wait so
        far and this option.
    type: int
    default: 1800
  api_token_cache:
    description:
      - Cache access tokens minted from O(api_client_id) and O(api_client_secret) on the host where
        the module runs, so that tasks and forks share one token instead of minting one each
        (Atlas allows 100 active tokens per service account and rate-limits the token endpoint).
      - Tokens are kept in C(cloudops.atlas/tokens) under E(XDG_CACHE_HOME) (default C(~/.cache)), in a
        directory of mode C(0700) and files of mode C(0600). The client secret is never written.
    type: bool
    default: true
  validate_certs:
    description:
      - Verify the TLS certificate of O(api_base_url). Only turn this off for a test endpoint.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM bundle of CA certificates to verify O(api_base_url) with, for example a
        corporate TLS-inspecting proxy's CA.
      - Without it, the CA bundle of the Python C(certifi) package is used (not the system store),
        unless the environment variable E(REQUESTS_CA_BUNDLE) names another bundle.
    type: path
requirements:
  - requests >= 2.28.0 (Python library on the host where the module runs)
notes:
  - Modules of this collection belong to the action group C(cloudops.atlas.atlas), so the connection
    options can be set once with C(module_defaults) (C(group/cloudops.atlas.atlas)).
  - Credentials are chosen in this order, and a warning is shown when several are set
    O(api_access_token), then O(api_client_id) with O(api_client_secret), then O(api_public_key)
    with O(api_private_key).
'''
