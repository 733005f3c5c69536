# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Authentication strategies for the Atlas Administration API.

One small class per method, chosen by `select_auth()` in this order: a ready access token, service
account client credentials (OAuth client-credentials flow, tokens cached on disk), programmatic API
keys (HTTP Digest). Each strategy prepares a request; `renew()` says whether a 401 is worth one retry.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import threading

try:
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth
except ImportError:  # reported by the client with missing_required_lib
    HTTPBasicAuth = HTTPDigestAuth = None

from urllib.parse import quote

from ._token_cache import TokenCache, TokenCacheError

TOKEN_PATH = '/api/oauth/token'
CLIENT_ID_PATTERN = re.compile(r'^mdb_sa_id_[a-fA-F0-9]{24}$')


class AuthConfigError(Exception):
    """The connection options do not describe one usable way to authenticate."""


class AccessTokenAuth:
    """A ready OAuth access token (for example minted by a pipeline), sent as Bearer."""

    kind = 'access token'

    def __init__(self, access_token):
        self.access_token = access_token

    def token(self, client=None):
        """The Bearer token itself (for callers that send it elsewhere, such as the lookup plugin)."""
        return self.access_token

    def apply(self, client, request_kwargs):
        request_kwargs['headers']['Authorization'] = 'Bearer ' + self.token(client)

    def renew(self, client, failed_request=None):
        return False  # nothing to renew: the caller owns the token


class ClientCredentialsAuth:
    """Service-account client id + secret, exchanged for a Bearer token that is cached on disk."""

    kind = 'service account'

    def __init__(self, client_id, client_secret, use_cache=True):
        self.client_id = client_id
        self.client_secret = client_secret
        self.use_cache = use_cache
        self._token = None
        self._from_cache = False
        self._renewed = False
        self._lock = threading.Lock()  # worker threads share one token (the set module reads scopes concurrently)

    def _cache(self, client):
        return TokenCache(client.base_url, self.client_id, self.client_secret)

    def _mint(self, client):
        # RFC 6749 2.3.1: the id and secret are form-urlencoded before the Basic encoding.
        basic = HTTPBasicAuth(quote(self.client_id, safe=''), quote(self.client_secret, safe=''))
        body = client.mint_token(basic)
        return body['access_token'], body.get('expires_in', 3600)

    def _fetch(self, client):
        if not self.use_cache:
            return self._mint(client)[0], False
        cache = self._cache(client)
        try:
            with cache:
                token = cache.load()
                if token:
                    return token, True
                token, expires_in = self._mint(client)
                try:
                    cache.store(token, expires_in)
                except TokenCacheError as exc:  # keep the token just minted: do not mint a second one
                    client.warn('Not caching Atlas access tokens: %s.' % exc)
                    self.use_cache = False
                return token, False
        except TokenCacheError as exc:
            client.warn('Not caching Atlas access tokens: %s.' % exc)
            self.use_cache = False
            return self._mint(client)[0], False

    def token(self, client):
        """The Bearer token: the one already in use, else a cached one, else a freshly minted one."""
        with self._lock:
            if self._token is None:
                self._token, self._from_cache = self._fetch(client)
            return self._token

    @property
    def from_cache(self):
        """True when the token in use was read from the on-disk cache rather than minted by this process."""
        return self._from_cache

    def apply(self, client, request_kwargs):
        request_kwargs['headers']['Authorization'] = 'Bearer ' + self.token(client)

    def renew(self, client, failed_request=None):
        """After a 401: the token may have been revoked or expired early; mint once more.

        A request that failed with a token another thread has already replaced is simply retried."""
        with self._lock:
            used = ((failed_request or {}).get('headers') or {}).get('Authorization')
            if used and (self._token is None or used != 'Bearer ' + self._token):
                return True  # already discarded or replaced by another thread
            return self._renew(client)

    def _renew(self, client):
        # Once per run, whether the token came from the cache or was minted by this run: a token can be
        # revoked mid-run (by an operator, or when Atlas caps active tokens), and one new token recovers.
        if self._renewed:
            return False
        self._renewed = True
        if self.use_cache:
            cache = self._cache(client)
            try:
                with cache:
                    cache.discard(self._token)
            except TokenCacheError:
                pass
        self._token, self._from_cache = None, False
        return True


class DigestKeyAuth:
    """Programmatic API key pair (legacy), HTTP Digest handled by requests."""

    kind = 'API key'

    def __init__(self, public_key, private_key):
        self.digest = HTTPDigestAuth(public_key, private_key)

    def apply(self, client, request_kwargs):
        request_kwargs['auth'] = self.digest

    def renew(self, client, failed_request=None):
        return False


def select_auth(params, warn):
    """Pick the strategy from the connection options; fail on incomplete or misplaced credentials."""
    access_token = params.get('api_access_token')
    client_id, client_secret = params.get('api_client_id'), params.get('api_client_secret')
    public_key, private_key = params.get('api_public_key'), params.get('api_private_key')

    if public_key and public_key.startswith('mdb_sa_id_'):
        raise AuthConfigError(
            'api_public_key holds a service account client id (mdb_sa_id_...): pass it as api_client_id '
            'and its secret as api_client_secret; api_public_key is for programmatic API keys')
    if bool(client_id) != bool(client_secret):
        raise AuthConfigError('api_client_id and api_client_secret must be given together (service account credentials)')
    if client_id and not CLIENT_ID_PATTERN.match(client_id):
        raise AuthConfigError('api_client_id must look like mdb_sa_id_ followed by 24 hexadecimal characters')
    if bool(public_key) != bool(private_key):
        raise AuthConfigError('api_public_key and api_private_key must be given together (programmatic API key)')

    configured = [name for name, present in (
        ('api_access_token', access_token),
        ('api_client_id/api_client_secret', client_id),
        ('api_public_key/api_private_key', public_key)) if present]
    if not configured:
        raise AuthConfigError(
            'no Atlas credentials configured: set api_client_id and api_client_secret (service account), '
            'api_access_token, or api_public_key and api_private_key (API key), or the matching '
            'MONGODB_ATLAS_* environment variables')
    if len(configured) > 1:
        warn('Several Atlas credentials are configured (%s); using %s.' % (', '.join(configured), configured[0]))

    if access_token:
        return AccessTokenAuth(access_token)
    if client_id:
        return ClientCredentialsAuth(client_id, client_secret, use_cache=params.get('api_token_cache', True))
    return DigestKeyAuth(public_key, private_key)
