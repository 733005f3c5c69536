# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""The one place that talks to the Atlas Administration API.

It owns the wire: one requests.Session per module run, the versioned media types, authentication,
bounded retries with backoff and jitter, pagination, the server's clock, and the mapping of Atlas
`ApiError` bodies to one exception type. It never calls fail_json and never puts a credential in an
exception, warning or log line: callers decide how to report.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import random
import re
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

try:
    import requests
    from requests import exceptions as req_exc
    from urllib3 import exceptions as urllib3_exc
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as import_error:  # reported by the modules with missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = import_error

from ._auth import TOKEN_PATH, select_auth
from ._rate_governor import RATE_LIMITS_API_VERSION, RATE_LIMITS_PATH, RateGovernor, RateLimitWaitExceeded

COLLECTION_VERSION = '1.2.0'
USER_AGENT = 'cloudops.atlas/' + COLLECTION_VERSION
# Every Service Accounts operation is published under this one resource version.
SERVICE_ACCOUNTS_API_VERSION = '2024-08-05'
PAGE_SIZE = 500
RETRY_AFTER_CAP = 60.0
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
# Statuses that say "try again later". For a POST, 500 (Atlas failed part-way), 502 and 504 (a gateway
# that may have forwarded the request) are reported as an unknown outcome instead (see AtlasOutcomeUnknown):
# the caller re-reads before it creates again. GET, PATCH and DELETE are safe to send again.
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
POST_AMBIGUOUS_STATUSES = frozenset((500, 502, 504))


def media_type(version):
    return 'application/vnd.atlas.%s+json' % version


def api_path(template, **ids):
    """Fill a path template with URL-quoted identifiers, so user input never shapes the URL."""
    return template.format(**dict((key, quote(str(value), safe='')) for key, value in ids.items()))


class AtlasError(Exception):
    """Base of the errors raised by the client."""


class AtlasApiError(AtlasError):
    """Atlas answered with an error (an ApiError body when it sent one)."""

    def __init__(self, status, error_code, detail=None, reason=None, parameters=None, attempts=1, gave_up=None):
        self.gave_up = gave_up  # why the retries stopped, when this answer was retried or retryable
        self.status = status
        self.error_code = error_code
        self.detail = detail
        self.reason = reason
        self.parameters = parameters
        self.attempts = attempts
        super(AtlasApiError, self).__init__(str(self))

    def __str__(self):
        text = '[%s] %s' % (self.error_code, self.detail or self.reason or 'HTTP %s' % self.status)
        if self.gave_up:
            text += ' (gave up after %d attempt%s: %s)' % (self.attempts, 's' if self.attempts > 1 else '', self.gave_up)
        elif self.attempts > 1:
            text += ' (gave up after %d attempts)' % self.attempts
        return text

    def to_dict(self):
        return dict(status=self.status, error_code=self.error_code, detail=self.detail, reason=self.reason,
                    parameters=self.parameters)

    @classmethod
    def from_response(cls, response, attempts=1):
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        return cls(response.status_code, body.get('errorCode') or 'HTTP_%d' % response.status_code,
                   detail=body.get('detail') or body.get('error_description'),
                   reason=body.get('reason') or response.reason, parameters=body.get('parameters'),
                   attempts=attempts, gave_up=getattr(response, 'atlas_gave_up', None))


class AtlasConnectionError(AtlasError):
    """The API could not be reached, or the connection failed (DNS, refused, TLS, timeout)."""

    status = None
    error_code = 'CONNECTION_ERROR'

    def to_dict(self):
        return dict(status=None, error_code=self.error_code, detail=str(self), reason=None, parameters=None)


class AtlasRateLimitWait(AtlasError):
    """The run's wait budget for Atlas's rate limits (api_rate_limit_max_wait) would be passed."""

    status = 429
    error_code = 'RATE_LIMIT_WAIT_BUDGET'

    def to_dict(self):
        return dict(status=self.status, error_code=self.error_code, detail=str(self), reason='Too Many Requests', parameters=None)


class AtlasOutcomeUnknown(AtlasConnectionError):
    """A POST was sent but its response was lost: Atlas may or may not have applied it.

    Never retried blindly: the task layer re-reads and only creates again when nothing appeared.
    `may_still_land` is true when Atlas may still be working on it (the read timed out, or a gateway
    timed out): then an empty re-read proves nothing yet, and the task layer waits and looks again.
    """

    error_code = 'OUTCOME_UNKNOWN'

    def __init__(self, message, may_still_land=False):
        super(AtlasOutcomeUnknown, self).__init__(message)
        self.may_still_land = may_still_land


def _concurrent_write(response):
    """409 DATA_CONCURRENCY_ERROR: Atlas refused a write that raced another on the same object (for example
    two secret creates on one account) and applied nothing, so it is safe to send again, POST included."""
    if response.status_code != 409:
        return False
    try:
        return (response.json() or {}).get('errorCode') == 'DATA_CONCURRENCY_ERROR'
    except (ValueError, AttributeError):
        return False


def _short_reason(exc):
    """A readable cause for a requests exception, without object reprs or request details."""
    text = str(exc)
    match = re.search(r'\[Errno -?\d+\][^)\'"]*', text)
    if match:
        return match.group(0).strip().rstrip(',')
    for candidate in ('certificate verify failed[^()\'"]*', 'Connection reset by peer', 'Connection aborted',
                      'Remote end closed connection without response', 'Name or service not known'):
        match = re.search(candidate, text)
        if match:
            return match.group(0).strip()
    return type(exc).__name__


def _never_reached_server(exc):
    """True when the request provably never left this host (so even a POST can be retried)."""
    if isinstance(exc, req_exc.ConnectTimeout):
        return True
    if isinstance(exc, req_exc.ConnectionError) and exc.args:
        reason = getattr(exc.args[0], 'reason', exc.args[0])
        # NewConnectionError also covers DNS failures (NameResolutionError derives from it).
        return isinstance(reason, (urllib3_exc.NewConnectionError, urllib3_exc.ConnectTimeoutError))
    return False


def _no_netrc(request):
    """Leaves the request as the strategy prepared it; passed as `auth` so ~/.netrc cannot replace it."""
    return request


class AtlasClient:
    """A session with the Atlas Administration API for one module run."""

    page_size = PAGE_SIZE

    def __init__(self, base_url, auth, timeout=30, retries=5, retry_max_wait=120, verify=True, warn=None, sleep=time.sleep,
                 jitter=random.random, session=None, rate_limit_max_wait=1800, rate_limit_cache=True, clock=time.monotonic):
        self.base_url = base_url.rstrip('/')
        self.auth = auth
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.retry_max_wait = float(retry_max_wait)
        self.warn = warn or (lambda message: None)
        self.sleep = sleep
        self.jitter = jitter
        self.session = session or requests.Session()
        self.session.verify = self.verify = verify
        self.session.headers['User-Agent'] = USER_AGENT
        self._server_time = None  # (server datetime, local monotonic time) from the last Date header
        # Every Admin API request of this client (worker threads included) goes through one governor, which paces
        # them to Atlas's token buckets; time.sleep means real threads wait on its condition.
        self.governor = RateGovernor(self.base_url, rate_limit_max_wait, fetch_sets=self._read_endpoint_sets,
                                     use_cache=rate_limit_cache, backoff=self._backoff, clock=clock,
                                     sleep=None if sleep is time.sleep else sleep)

    @classmethod
    def from_params(cls, params, warn=None, auth=None, **kwargs):
        """Build a client from the connection options of atlas_argument_spec() (a plain dict will do).

        `auth`: a strategy the caller already chose (by default select_auth() chooses from `params`)."""
        verify = params.get('ca_path') or params.get('validate_certs', True)
        if auth is None:
            auth = select_auth(params, warn or (lambda message: None))
        return cls(params['api_base_url'], auth,
                   timeout=params.get('api_timeout', 30), retries=params.get('api_retries', 5),
                   retry_max_wait=params.get('api_retry_max_wait', 120), verify=verify, warn=warn,
                   rate_limit_max_wait=params.get('api_rate_limit_max_wait', 1800),
                   rate_limit_cache=params.get('api_token_cache', True), **kwargs)

    # -- public API -------------------------------------------------------------------------------

    def request(self, method, path, params=None, body=None, version=SERVICE_ACCOUNTS_API_VERSION, governed=True):
        """Send one API call; return the decoded JSON body (None when empty) or raise AtlasError.

        `governed`: paced by the rate governor (every Admin API call but the governor's own /rateLimits read)."""
        headers = {'Accept': media_type(version)}
        data = None
        if body is not None:
            headers['Content-Type'] = media_type(version)
            data = json.dumps(body)
        while True:
            kwargs = {'headers': dict(headers), 'params': params, 'data': data}
            self.auth.apply(self, kwargs)
            response, attempts = self._send(method, self.base_url + path, governed=governed, **kwargs)
            if response.status_code == 401 and self.auth.renew(self, kwargs):
                continue
            break
        if response.status_code >= 400:
            raise AtlasApiError.from_response(response, attempts)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise AtlasApiError(response.status_code, 'INVALID_RESPONSE',
                                detail='%s %s returned a body that is not JSON' % (method, path))

    def rate_limit_report(self):
        """Calls, 429s, waits and the buckets met by this client (the `rate_limits` of a result)."""
        return self.governor.report()

    def _read_endpoint_sets(self):
        """Every endpoint set of GET /rateLimits with its default limits, or None when Atlas does not answer it."""
        try:
            return self.paginate(RATE_LIMITS_PATH, version=RATE_LIMITS_API_VERSION, governed=False)
        except AtlasError:
            return None

    def get(self, path, params=None, **kwargs):
        return self.request('GET', path, params=params, **kwargs)

    def post(self, path, body, **kwargs):
        return self.request('POST', path, body=body, **kwargs)

    def patch(self, path, body, **kwargs):
        return self.request('PATCH', path, body=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)

    def paginate(self, path, params=None, **kwargs):
        """Read every page of a list endpoint and return all `results`."""
        items = []
        page = 1
        while True:
            query = dict(params or {}, itemsPerPage=self.page_size, pageNum=page)
            data = self.request('GET', path, params=query, **kwargs) or {}
            results = data.get('results') or []
            items.extend(results)
            total = data.get('totalCount')
            if len(results) < self.page_size or (total is not None and len(items) >= total):
                return items
            page += 1

    def mint_token(self, basic_auth):
        """OAuth client-credentials exchange at {base_url}/api/oauth/token; returns the token document."""
        headers = {'Accept': 'application/json', 'Content-Type': 'application/x-www-form-urlencoded'}
        # Minting twice is harmless (the token endpoint is not a create), so this POST may be retried.
        response, attempts = self._send('POST', self.base_url + TOKEN_PATH, headers=headers, auth=basic_auth,
                                        data={'grant_type': 'client_credentials'}, retry_lost_post=True)
        if response.status_code != 200:
            raise AtlasApiError.from_response(response, attempts)
        try:
            document = response.json()
            document['access_token']  # pylint: disable=pointless-statement
        except (ValueError, KeyError, TypeError):
            raise AtlasApiError(response.status_code, 'INVALID_TOKEN_RESPONSE',
                                detail='the token endpoint answered without an access_token')
        return document

    def prepare(self):
        """Authenticate now (mint or load a token), before worker threads share this client."""
        self.auth.apply(self, {'headers': {}})

    def server_now(self):
        """The server's clock (from the last Date header), else the local UTC clock."""
        if self._server_time is None:
            return datetime.now(timezone.utc)
        server_time, seen_at = self._server_time
        return server_time + timedelta(seconds=time.monotonic() - seen_at)

    def close(self):
        self.session.close()

    # -- mechanics --------------------------------------------------------------------------------

    def _backoff(self, attempt):
        """Exponential backoff with full jitter: a random wait up to base * 2**attempt (capped)."""
        return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt)) * self.jitter()

    @staticmethod
    def _retry_after(response):
        value = response.headers.get('Retry-After')
        try:
            return min(RETRY_AFTER_CAP, max(0.0, float(value)))
        except (TypeError, ValueError):
            return None

    def _note_server_time(self, response):
        value = response.headers.get('Date')
        if not value:
            return
        try:
            server_time = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return
        if server_time.tzinfo is None:
            server_time = server_time.replace(tzinfo=timezone.utc)
        self._server_time = (server_time, time.monotonic())

    def _describe(self, exc):
        host = urlsplit(self.base_url).netloc
        if isinstance(exc, req_exc.SSLError):
            return ('TLS error talking to %s (%s): set ca_path to the CA bundle that signed its certificate '
                    '(requests uses certifi, not the system store), or validate_certs=false for a test endpoint'
                    % (host, _short_reason(exc)))
        if isinstance(exc, req_exc.ConnectTimeout):
            return 'timed out connecting to %s after %s seconds' % (host, self.timeout)
        if isinstance(exc, req_exc.ReadTimeout):
            return 'no response from %s within %s seconds' % (host, self.timeout)
        return 'cannot connect to %s: %s' % (host, _short_reason(exc))

    def _admit(self, governor, method, path):
        """The governor's ticket for one attempt (None for calls it does not pace)."""
        if governor is None:
            return None
        try:
            return governor.acquire(method, path)
        except RateLimitWaitExceeded as exc:
            raise AtlasRateLimitWait('[%s] %s %s: %s' % (AtlasRateLimitWait.error_code, method, path, exc))

    def _send(self, method, url, retry_lost_post=False, governed=True, **kwargs):
        """Send with bounded retries; return (response, attempts) or raise a connection error.

        A 429 of the Admin API is flow control: the governor waits for the refill (within the run's wait budget,
        api_rate_limit_max_wait) and the request goes again without using up api_retries, which bound the
        retries of 5xx answers and connection errors (and of the token endpoint's own 429s)."""
        path = urlsplit(url).path
        governor = self.governor if governed and self.governor.governs(path) else None
        # Without an explicit auth, requests would put ~/.netrc credentials over the Bearer header.
        kwargs['auth'] = kwargs.get('auth') or _no_netrc
        attempt = 0
        waited = 0.0
        while True:
            response = failure = None
            ticket = self._admit(governor, method, path)
            try:
                # verify per request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override session.verify.
                response = self.session.request(method, url, timeout=self.timeout, verify=self.verify, **kwargs)
            except req_exc.RequestException as exc:
                if ticket is not None:
                    governor.release(ticket, None, {})
                if isinstance(exc, req_exc.SSLError):
                    raise AtlasConnectionError(self._describe(exc))
                if isinstance(exc, (req_exc.MissingSchema, req_exc.InvalidSchema, req_exc.InvalidURL)):
                    # A malformed api_base_url never gets better: no retry.
                    raise AtlasConnectionError('api_base_url %r is not a usable URL (%s)' % (self.base_url, _short_reason(exc)))
                if method == 'POST' and not retry_lost_post and not _never_reached_server(exc):
                    raise AtlasOutcomeUnknown('%s %s: %s; Atlas may have applied it' % (method, path, self._describe(exc)),
                                              may_still_land=isinstance(exc, req_exc.ReadTimeout))
                failure = self._describe(exc)
                wait = self._backoff(attempt)
            else:
                self._note_server_time(response)
                if ticket is not None and governor.release(ticket, response.status_code, response.headers, _error_body(response)):
                    continue  # a 429: the governor waits for the bucket's refill before this request goes again
                if response.status_code not in RETRY_STATUSES and not _concurrent_write(response):
                    return response, attempt + 1
                if method == 'POST' and not retry_lost_post and response.status_code in POST_AMBIGUOUS_STATUSES:
                    source = ' from a gateway' if response.status_code in (502, 504) else ''
                    raise AtlasOutcomeUnknown('%s %s: HTTP %d%s; Atlas may have applied it' % (method, path, response.status_code, source),
                                              may_still_land=response.status_code == 504)
                retry_after = self._retry_after(response)
                wait = retry_after if retry_after is not None else self._backoff(attempt)
            if attempt >= self.retries or waited + wait > self.retry_max_wait:
                # Stopped by the wait budget rather than the count: say so, or a long Retry-After looks like no retry at all.
                why = None if attempt >= self.retries else 'waiting %d s more would pass api_retry_max_wait (%d s)' % (wait, self.retry_max_wait)
                if response is not None:
                    response.atlas_gave_up = why  # read by AtlasApiError.from_response
                    return response, attempt + 1
                raise AtlasConnectionError('%s (gave up after %d attempts%s)' % (failure, attempt + 1, ': ' + why if why else ''))
            self.sleep(wait)
            waited += wait
            attempt += 1


def _error_body(response):
    """The JSON body of a 429 (the governor reads its parameters), else None."""
    if response.status_code != 429:
        return None
    try:
        return response.json()
    except ValueError:
        return None
