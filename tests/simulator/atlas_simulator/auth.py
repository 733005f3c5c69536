# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Authentication: the OAuth client-credentials token flow, Bearer tokens, HTTP Digest API keys, and the
service-account IP access list.

Callers must hold ``State.lock`` around :func:`authenticate`, :func:`enforce_access_list`,
:func:`mint_token` and :func:`revoke_token`.
"""

import base64
import binascii
import datetime
import hmac
import secrets
import threading
import urllib.parse

from werkzeug.datastructures import Authorization

from .errors import ApiError, unauthorized
from .state import DIGEST_REALM, MAX_TOKENS_PER_ACCOUNT, Token, md5, sha256

NONCE_LIFETIME_SECONDS = 120


class Principal:
    """An authenticated caller: a service account (Bearer) or an API key (Digest)."""

    def __init__(self, ident, org_id, org_roles, account=None, api_key=None):
        self.ident = ident
        self.org_id = org_id
        self.org_roles = list(org_roles)
        self.account = account
        self.api_key = api_key

    def project_roles(self, project_id):
        """The caller's roles in a project (a service account's assignment, or an API key's project roles)."""
        holder = self.account.projects if self.account else self.api_key.project_roles if self.api_key else {}
        return list(holder.get(project_id, []))


class DigestNonces:
    """Server nonces for the Digest challenge; each is valid for a short simulated time."""

    def __init__(self, lifetime=NONCE_LIFETIME_SECONDS):
        self.lifetime = lifetime
        self._issued = {}
        self._lock = threading.Lock()

    def issue(self, now):
        """A new nonce (expired ones are forgotten on the way)."""
        with self._lock:
            self._issued = {nonce: at for nonce, at in self._issued.items() if now - at < self.lifetime}
            nonce = secrets.token_hex(16)
            self._issued[nonce] = now
            return nonce

    def fresh(self, nonce, now):
        """Whether ``nonce`` was issued here and is still valid."""
        with self._lock:
            issued = self._issued.get(nonce)
            return issued is not None and now - issued < self.lifetime

    def clear(self):
        """Forget all nonces (simulator reset)."""
        with self._lock:
            self._issued = {}


def digest_challenge(nonces, now, stale=False):
    """The ``WWW-Authenticate`` header Atlas sends with a 401."""
    return (f'Digest realm="{DIGEST_REALM}", domain="", nonce="{nonces.issue(now)}", algorithm=MD5, qop="auth", '
            f'stale={"true" if stale else "false"}')


def auth_scheme(header):
    """``bearer``/``digest``/``basic``/``none`` for the journal."""
    scheme = (header or '').split(' ', 1)[0].lower()
    return scheme if scheme in ('bearer', 'digest', 'basic') else 'none'


def parse_basic(header):
    """(client_id, secret) from a Basic header, form-url-decoded per RFC 6749 2.3.1; None if malformed."""
    scheme, _sep, encoded = (header or '').partition(' ')
    if scheme.lower() != 'basic':
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(':')
    if not sep:
        return None
    return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)


def authenticate(sim, request, entry):
    """Identify the caller of an /api/atlas/v2 request or raise 401 (always with a Digest challenge).

    ``entry`` (the journal record) gets the scheme and the caller's client id or public key.
    """
    header = request.headers.get('Authorization')
    now = sim.clock.now()
    entry['auth'] = auth_scheme(header)
    if entry['auth'] == 'bearer':
        return _bearer(sim, header.split(' ', 1)[1].strip() if ' ' in header else '', now, entry)
    if entry['auth'] == 'digest':
        return _digest(sim, request, header, now, entry)
    raise unauthorized(headers={'WWW-Authenticate': digest_challenge(sim.nonces, now.timestamp())})


def _bearer(sim, value, now, entry):
    token = sim.state.tokens.get(sha256(value))
    problem = None
    if token is None:
        problem = 'Invalid access token.'
    else:
        entry['client_id'] = token.client_id
        if token.revoked:
            problem = 'The access token has been revoked.'
        elif now >= token.expires_at:
            problem = 'The access token has expired.'
        elif token.client_id not in sim.state.accounts:
            problem = 'The service account of this access token no longer exists.'
    if problem:
        raise unauthorized(problem, headers={'WWW-Authenticate': digest_challenge(sim.nonces, now.timestamp())})
    account = sim.state.accounts[token.client_id]
    return Principal(account.client_id, account.org_id, account.roles, account)


def _digest(sim, request, header, now, entry):
    stamp = now.timestamp()
    auth = Authorization.from_header(header)
    params = auth.parameters if auth is not None else {}
    username = params.get('username')
    entry['public_key'] = username
    key = sim.state.api_keys.get(username)
    if key is None or params.get('realm') != DIGEST_REALM or params.get('qop') != 'auth' \
            or params.get('algorithm', 'MD5').upper() != 'MD5' or params.get('uri') != request.target:
        raise unauthorized(headers={'WWW-Authenticate': digest_challenge(sim.nonces, stamp)})
    ha2 = md5(f"{request.method}:{params['uri']}")
    expected = md5(f"{key.ha1}:{params.get('nonce')}:{params.get('nc')}:{params.get('cnonce')}:auth:{ha2}")
    if not hmac.compare_digest(expected, params.get('response') or ''):
        raise unauthorized(headers={'WWW-Authenticate': digest_challenge(sim.nonces, stamp)})
    if not sim.nonces.fresh(params.get('nonce'), stamp):
        raise unauthorized('The digest nonce is stale.', headers={'WWW-Authenticate': digest_challenge(sim.nonces, stamp, True)})
    return Principal(key.public_key, key.org_id, key.roles, api_key=key)


def enforce_access_list(principal, client_ip, now):
    """A service account or API key with a non-empty access list may only call from a listed address.

    Token minting is not subject to it (spec info); matching entries record the use.
    """
    holder = principal.account or principal.api_key
    if holder is None or not holder.access_list:
        return
    for entry in holder.access_list:
        if entry.admits(client_ip):
            entry.record_use(client_ip, now)
            return
    raise ApiError(403, 'IP_ADDRESS_NOT_ON_ACCESS_LIST',
                   f'IP address {client_ip} is not allowed to access this resource.')


def _form(request):
    if (request.content_type or '') != 'application/x-www-form-urlencoded':
        raise ApiError(400, 'INVALID_REQUEST', 'The body must be application/x-www-form-urlencoded.')
    return dict(urllib.parse.parse_qsl(request.body.decode('utf-8', 'replace'), keep_blank_values=True))


def _client(sim, request, now, entry):
    """Authenticate the OAuth client (HTTP Basic) after the per-client rate limit."""
    credentials = parse_basic(request.headers.get('Authorization'))
    entry['auth'] = auth_scheme(request.headers.get('Authorization'))
    if credentials is None:
        raise ApiError(401, 'INVALID_CLIENT', 'Client authentication with HTTP Basic is required.',
                       headers={'WWW-Authenticate': 'Basic realm="MongoDB Atlas"'})
    client_id, secret = credentials
    entry['client_id'] = client_id
    allowed, _remaining, retry_after = sim.token_limiter.hit(client_id, now.timestamp())
    if not allowed:
        limit = sim.token_limiter.limit
        raise ApiError(429, 'RATE_LIMITED', f'Resource {request.path} is limited to {limit} requests every 1 minutes.',
                       parameters=[request.path, limit, 1], headers={'Retry-After': str(retry_after)})
    account = sim.state.accounts.get(client_id)
    matched = None
    if account is not None:
        digest = sha256(secret)
        matched = next((s for s in account.secrets if hmac.compare_digest(s.secret_hash, digest)), None)
    if matched is None or now >= matched.expires_at:
        raise ApiError(401, 'INVALID_CLIENT', 'Invalid client credentials (unknown client, or a deleted or expired secret).',
                       headers={'WWW-Authenticate': 'Basic realm="MongoDB Atlas"'})
    return account, matched


def mint_token(sim, request, entry):
    """POST /api/oauth/token: client credentials grant; returns (status, body)."""
    now = sim.clock.now()
    account, secret = _client(sim, request, now, entry)
    if _form(request).get('grant_type') != 'client_credentials':
        raise ApiError(400, 'UNSUPPORTED_GRANT_TYPE', 'grant_type must be client_credentials.')
    sim.state.prune_tokens(now)
    if sim.state.active_tokens(account.client_id, now) >= MAX_TOKENS_PER_ACCOUNT:
        raise ApiError(403, 'ACCESS_TOKEN_LIMIT_REACHED',
                       f'Service account {account.client_id} already has {MAX_TOKENS_PER_ACCOUNT} active access tokens; '
                       'revoke some or wait for them to expire.')
    value = secrets.token_urlsafe(48)
    sim.state.tokens[sha256(value)] = Token(account.client_id, now, now + datetime.timedelta(seconds=sim.token_ttl))
    secret.last_used_at = now
    return 200, {'access_token': value, 'token_type': 'Bearer', 'expires_in': sim.token_ttl}


def revoke_token(sim, request, entry):
    """POST /api/oauth/revoke (RFC 7009): 200 for the client's own or an unknown token."""
    now = sim.clock.now()
    account, _secret = _client(sim, request, now, entry)
    form = _form(request)
    value = form.get('token')
    if not value:
        raise ApiError(400, 'INVALID_REQUEST', 'The token parameter is required.')
    token = sim.state.tokens.get(sha256(value))
    if token is not None:
        if token.client_id != account.client_id:
            raise ApiError(400, 'UNAUTHORIZED_CLIENT', 'The token was not issued to this client.')
        token.revoked = True
    return 200, {}
