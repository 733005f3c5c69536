# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Secret stores: where a new Atlas secret is delivered besides (or instead of) a credentials file.

Two kinds, both behind `SecretStore`: a KV version 2 engine of HashiCorp Vault or OpenBao (plain REST
over requests) and AWS Secrets Manager (botocore, imported when such a store opens). Each store can say which secret id
it holds (one request per account), and writes with a check against the version it read, so that two
runs never silently overwrite each other. Errors are StoreError (or InputError for options); no message
ever carries a token, an AppRole secret or a secret value.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import string
import threading
import time
import uuid
from collections import namedtuple
from urllib.parse import quote, urljoin, urlsplit

from ansible.module_utils.basic import missing_required_lib

from ._client import HAS_REQUESTS, USER_AGENT, _short_reason
from ._validation import InputError

try:
    import requests
    from requests import exceptions as req_exc
except ImportError:  # HAS_REQUESTS (from _client) says so; reported with missing_required_lib
    pass

# Only the aws_secretsmanager store needs botocore, and importing it costs about 0.2 s, paid by every module run that
# imports this file: so here we only look whether it is installed, and the store imports it when it opens.
try:
    from importlib.util import find_spec
    HAS_BOTOCORE = find_spec('botocore') is not None
except (ImportError, ValueError):
    HAS_BOTOCORE = False


def _import_botocore():
    """(botocore.session, botocore.exceptions, botocore.config.Config), imported on the first aws_secretsmanager store."""
    import botocore.session
    from botocore import exceptions
    from botocore.config import Config
    return botocore.session, exceptions, Config


STORE_TYPES = ('vault_kv2', 'aws_secretsmanager')
PLACEHOLDERS = ('org_id', 'project_id', 'name')
# The keys written to Vault, as in a credentials file (so AWX's Vault lookup can read `client_secret`).
VAULT_KEYS = ('client_id', 'client_secret', 'secret_id', 'expires_at', 'api_base_url')
# Options that belong to one store type only; setting one for the other type is a mistake worth naming.
VAULT_ONLY = ('url', 'path', 'namespace', 'token', 'role_id', 'secret_id')
AWS_ONLY = ('region', 'name', 'endpoint_url', 'profile')
READ_RETRIES = 2
RETRY_WAIT = 0.5
MAX_REDIRECTS = 3
# AWS's rule for secret names.
AWS_NAME = re.compile(r'^[A-Za-z0-9/_+=.@-]{1,512}$')
# Fixed namespace for the ClientRequestTokens derived from secret ids (uuid5 is deterministic).
REQUEST_TOKEN_NAMESPACE = uuid.UUID('2f0c3b8e-5d0a-4d7c-9a51-6c1f7e0a4b21')
AWS_REFUSED_CODES = frozenset(('UnrecognizedClientException', 'InvalidClientTokenId', 'AccessDeniedException', 'AccessDenied',
                               'InvalidSignatureException', 'SignatureDoesNotMatch', 'ExpiredTokenException',
                               'IncompleteSignature', 'MissingAuthenticationToken', 'KMSAccessDeniedException'))
AWS_UNAVAILABLE_CODES = frozenset(('InternalServiceError', 'InternalFailure', 'ServiceUnavailable', 'ThrottlingException',
                                   'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException'))

# What a store holds for one account. secret_id: None when nothing is stored, '' when a document exists
# without a usable secret, else the Atlas secret id. version: Vault's KV v2 version (0 when the path never
# held anything) or the AWSCURRENT VersionId of AWS (None when there is no secret). location: the rendered
# path or secret name.
Held = namedtuple('Held', ['secret_id', 'version', 'location'])


class StoreError(Exception):
    """A store could not be read or written. `kind`: unreachable, refused, conflict or invalid."""

    def __init__(self, message, kind='invalid', status=None, code=None):
        super(StoreError, self).__init__(message)
        self.kind = kind
        self.status = status
        self.code = code

    def to_dict(self):
        """The shape of the `error` dict of a failed task."""
        return dict(status=self.status, error_code=self.code or 'STORE_' + self.kind.upper(), detail=str(self))


class StoreConflict(StoreError):
    """A check-and-set write lost against another writer: nothing of ours was stored."""

    def __init__(self, message, status=None, code=None):
        super(StoreConflict, self).__init__(message, kind='conflict', status=status, code=code)


def secret_store_spec():
    """The suboptions of one store dict (mirrored by doc_fragments/secret_store.py).

    No env fallbacks here: VAULT_ADDR, VAULT_TOKEN and VAULT_NAMESPACE are read by this helper, so that an
    explicit AppRole login is not overridden by a VAULT_TOKEN an AWX credential happens to inject."""
    return dict(
        type=dict(type='str', required=True, choices=list(STORE_TYPES)),
        url=dict(type='str'),
        mount=dict(type='str', default='secret'),
        path=dict(type='str'),
        namespace=dict(type='str'),
        token=dict(type='str', no_log=True),
        role_id=dict(type='str', no_log=True),
        secret_id=dict(type='str', no_log=True),
        approle_mount=dict(type='str', default='approle'),
        region=dict(type='str'),
        name=dict(type='str'),
        endpoint_url=dict(type='str'),
        profile=dict(type='str'),
        ca_path=dict(type='path'),
        validate_certs=dict(type='bool', default=True),
        timeout=dict(type='int', default=30),
    )


def secret_store_argument():
    """The whole option (module-level secret_store, or a nested store): a dict with secret_store_spec() as suboptions.

    no_log=False: the name contains "secret", which validate-modules flags; the credentials inside are no_log."""
    return dict(type='dict', no_log=False, options=secret_store_spec())


def _env(*names):
    """The first of these environment variables that is set to something (AWX injects unset inputs as '')."""
    for env_name in names:
        if os.environ.get(env_name):
            return os.environ[env_name]
    return None


def _settings(store):
    """The store dict with the spec's defaults for missing keys (a caller may pass a plain dict)."""
    settings = dict((key, spec.get('default')) for key, spec in secret_store_spec().items())
    settings.update((key, value) for key, value in (store or {}).items() if value is not None)
    return settings


def _template_fields(option, template):
    """The placeholders of a path/name template; only {org_id}, {project_id} and {name}, plain."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InputError('%s %r is not a valid template (%s); use the placeholders {org_id}, {project_id} and {name}'
                         % (option, template, exc))
    fields = set()
    for dummy, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = '{%s%s%s}' % (field, '!' + conversion if conversion else '', ':' + spec if spec else '')
            raise InputError('%s %r uses %s; only the placeholders {org_id}, {project_id} and {name} are allowed'
                             % (option, template, shown))
        fields.add(field)
    return fields


def _check_segments(option, value, what):
    """A Vault mount or path: relative, no empty, '.' or '..' segment (it must not climb out of its place)."""
    if value.startswith('/'):
        raise InputError('%s %r must not start with /: it is relative to %s' % (option, value, what))
    for segment in value.split('/'):
        if segment in ('', '.', '..'):
            raise InputError('%s %r has an empty, . or .. segment; each part between slashes must be a name' % (option, value))


def _render(option, template, org_id, project_id, name):
    """Fill a template; a placeholder whose value is unknown here (no project in an organization scope) fails."""
    values = dict(org_id=org_id, project_id=project_id, name=name)
    for field in sorted(_template_fields(option, template)):
        if values[field] in (None, ''):
            if field == 'project_id':
                raise InputError('%s %r uses {project_id}, but account %r belongs to an organization, not a project; '
                                 'use a template without {project_id} for organization service accounts' % (option, template, name))
            raise InputError('%s %r uses {%s}, which is not known for account %r' % (option, template, field, name))
    return template.format(**dict((key, '' if value is None else str(value)) for key, value in values.items()))


def _check_url(option, value):
    if not re.match(r'^https?://[^/\s]+', value or ''):
        raise InputError('%s must be an http:// or https:// URL, got %r' % (option, value))


def check_secret_store(option, store):
    """Check one store dict before any call; raise InputError naming the option and the rule."""
    settings = _settings(store)
    kind = settings.get('type')
    if kind not in STORE_TYPES:
        raise InputError('%s.type must be one of %s, got %r' % (option, ', '.join(STORE_TYPES), kind))
    wrong = [key for key in (AWS_ONLY if kind == 'vault_kv2' else VAULT_ONLY) if (store or {}).get(key) is not None]
    if wrong:
        raise InputError('%s: %s do%s not apply to type %s' % (option, ', '.join('%s.%s' % (option, key) for key in wrong),
                                                               'es' if len(wrong) == 1 else '', kind))
    if settings['timeout'] is None or settings['timeout'] < 1:
        raise InputError('%s.timeout must be at least 1, got %r' % (option, settings['timeout']))
    if settings.get('ca_path') and not os.path.isfile(settings['ca_path']):
        raise InputError('%s.ca_path: %s is not a file' % (option, settings['ca_path']))
    if kind == 'vault_kv2':
        _check_vault(option, settings)
    else:
        _check_aws(option, settings)


def _check_vault(option, settings):
    url = settings.get('url') or _env('VAULT_ADDR')
    if not url:
        raise InputError('%s.url is required for type vault_kv2 (or the environment variable VAULT_ADDR)' % option)
    _check_url('%s.url' % option, url)
    _check_segments('%s.mount' % option, settings['mount'].rstrip('/'), 'the Vault API')
    _check_segments('%s.approle_mount' % option, settings['approle_mount'].rstrip('/'), 'auth/')
    if not settings.get('path'):
        raise InputError('%s.path is required for type vault_kv2, for example atlas/{project_id}/{name}' % option)
    _check_segments('%s.path' % option, _render('%s.path' % option, settings['path'], 'o' * 24, 'p' * 24, 'n'), 'the mount')
    if bool(settings.get('role_id')) != bool(settings.get('secret_id')):
        raise InputError('%s.role_id and %s.secret_id go together (AppRole login)' % (option, option))
    if not (settings.get('token') or settings.get('role_id') or _env('VAULT_TOKEN')):
        raise InputError('%s needs Vault credentials: token, or role_id with secret_id (AppRole), '
                         'or the environment variable VAULT_TOKEN' % option)


def _check_aws(option, settings):
    if not (settings.get('region') or _env('AWS_REGION', 'AWS_DEFAULT_REGION')):
        raise InputError('%s.region is required for type aws_secretsmanager (or the environment variable AWS_REGION)' % option)
    if not settings.get('name'):
        raise InputError('%s.name is required for type aws_secretsmanager, for example atlas/{project_id}/{name}' % option)
    rendered = _render('%s.name' % option, settings['name'], 'o' * 24, 'p' * 24, 'n')
    if not AWS_NAME.match(rendered):
        raise InputError('%s.name %r: AWS allows only letters, digits and /_+=.@- in secret names' % (option, settings['name']))
    if settings.get('endpoint_url'):
        _check_url('%s.endpoint_url' % option, settings['endpoint_url'])


def open_secret_store(store, api_base_url=None, option='secret_store', **kwargs):
    """Check the store dict and return its SecretStore (no call is made yet).

    `api_base_url` goes into written documents whose credentials carry none; `kwargs` are for tests
    (session, sleep for Vault; client for AWS)."""
    check_secret_store(option, store)
    settings = _settings(store)
    if settings['type'] == 'vault_kv2':
        if not HAS_REQUESTS:
            raise InputError('%s.type=vault_kv2: %s' % (option, missing_required_lib('requests')))
        return VaultKV2Store(settings, api_base_url=api_base_url, option=option, **kwargs)
    if not HAS_BOTOCORE:
        raise InputError('%s.type=aws_secretsmanager: %s' % (option, missing_required_lib('botocore')))
    return AwsSecretsManagerStore(settings, api_base_url=api_base_url, option=option, **kwargs)


def _scrub(text, secrets):
    """Belt and braces: a server that echoes input must not put a credential into our messages."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, '***')
    return text


class SecretStore:
    """One configured store, shared by the worker threads of a run.

    Each kind provides describe(location) (a human string for messages and diffs, never a credential),
    check() (a cheap pre-flight: credentials accepted, store usable), read(location) -> Held, and
    write(location, credentials, held) -> Held (raises StoreConflict when the store moved since `held`).
    """

    type = None

    def __init__(self, settings, api_base_url=None, option='secret_store'):
        self.option = option
        self.api_base_url = api_base_url
        self.template = settings['path'] if settings['type'] == 'vault_kv2' else settings['name']
        self.template_option = '%s.%s' % (option, 'path' if settings['type'] == 'vault_kv2' else 'name')
        self._secrets = []  # credentials to scrub from messages

    def location(self, org_id, project_id, name):
        """The rendered path (Vault) or secret name (AWS) of one account; InputError when it cannot be."""
        return _render(self.template_option, self.template, org_id, project_id, name)

    def result(self, held):
        """Where the newest secret is held, for results: {type, path_or_name, version}."""
        return dict(type=self.type, path_or_name=held.location, version=held.version)

    def close(self):
        """Release connections (the store is not used afterwards)."""

    def _error(self, message, kind, status=None, code=None, extra_secrets=(), cls=StoreError):
        text = _scrub(message, list(self._secrets) + list(extra_secrets))
        if cls is StoreConflict:
            return StoreConflict(text, status=status, code=code)
        return cls(text, kind=kind, status=status, code=code)

    def _document_values(self, credentials):
        values = dict((key, credentials.get(key)) for key in VAULT_KEYS)
        values['api_base_url'] = values['api_base_url'] or self.api_base_url
        return dict((key, '' if value is None else str(value)) for key, value in values.items())


def _no_netrc(request):
    """Passed as `auth`, so ~/.netrc cannot add an Authorization header of its own."""
    return request


class VaultKV2Store(SecretStore):
    """A KV version 2 engine of HashiCorp Vault or OpenBao, over its HTTP API."""

    type = 'vault_kv2'

    def __init__(self, settings, api_base_url=None, option='secret_store', session=None, sleep=time.sleep):
        super(VaultKV2Store, self).__init__(settings, api_base_url=api_base_url, option=option)
        self.url = (settings.get('url') or _env('VAULT_ADDR')).rstrip('/')
        self.mount = settings['mount'].rstrip('/')
        self.approle_mount = settings['approle_mount'].rstrip('/')
        self.namespace = (settings.get('namespace') or _env('VAULT_NAMESPACE') or '').strip('/') or None
        self.timeout = settings['timeout']
        self.verify = settings.get('ca_path') or settings['validate_certs']
        # An explicit token wins, then an AppRole login, then VAULT_TOKEN.
        self._approle = None
        self._token = settings.get('token')
        if not self._token and settings.get('role_id'):
            self._approle = (settings['role_id'], settings['secret_id'])
        elif not self._token:
            self._token = _env('VAULT_TOKEN')
        self._secrets = [value for value in (settings.get('token'), _env('VAULT_TOKEN'), settings.get('role_id'),
                                             settings.get('secret_id')) if value]
        self.session = session or requests.Session()
        self.session.headers['User-Agent'] = USER_AGENT
        self.sleep = sleep
        self._lock = threading.RLock()  # check() logs in while holding it
        self._ready = False
        self._relogged = False
        origin = urlsplit(self.url)
        self._origin = (origin.scheme, origin.netloc)
        # Without any user:password@ part of the URL: the host is shown in messages.
        self.host = '%s%s' % (origin.hostname, ':%d' % origin.port if origin.port else '')

    # -- naming -----------------------------------------------------------------------------------

    def describe(self, location=None):
        where = '%s/data/%s' % (self.mount, location) if location is not None else 'mount %s at %s://%s' % (self.mount, self._origin[0], self.host)
        return 'vault_kv2 %s%s' % (where, ' (namespace %s)' % self.namespace if self.namespace else '')

    def result(self, held):
        # The path as `vault kv get` and AWX's lookup (mount as first segment) name it.
        return dict(type=self.type, path_or_name='%s/%s' % (self.mount, held.location), version=held.version)

    def location(self, org_id, project_id, name):
        rendered = super(VaultKV2Store, self).location(org_id, project_id, name)
        # Vault cleans '.' and '..' out of request paths: such a segment (an account named '..') would move the secret.
        _check_segments('%s for account %r' % (self.template_option, name), rendered, 'the mount')
        return rendered

    def _data_path(self, location):
        return '/'.join(quote(segment, safe='') for segment in (self.mount.split('/') + ['data'] + location.split('/')))

    # -- the API ----------------------------------------------------------------------------------

    def check(self):
        """Log in (AppRole) and make sure the mount is a KV v2 engine the token can use: once per store."""
        with self._lock:
            if self._ready:
                return
            if self._approle and self._token is None:
                self._token = self._login()
            self._probe_mount()
            self._ready = True

    def read(self, location):
        """What the store holds at `location`: one GET once the store is ready."""
        self.check()
        response = self._call('GET', self._data_path(location), location)
        body = self._json(response, location, 'read')
        if response.status_code == 404:
            if body.get('errors'):  # a route error (no such mount), not an absent secret
                raise self._failure(response, body, location, 'read')
            metadata = (body.get('data') or {}).get('metadata') or {}
            return Held(None, int(metadata.get('version') or 0), location)
        if response.status_code != 200:
            raise self._failure(response, body, location, 'read')
        data = body.get('data') or {}
        metadata = data.get('metadata')
        if not isinstance(metadata, dict):
            raise self._error('%s: read failed: the answer has no KV version 2 metadata; is %s a KV version 1 mount?'
                              % (self.describe(location), self.mount), 'invalid', status=response.status_code)
        version = int(metadata.get('version') or 0)
        document = data.get('data')
        # A deleted latest version answers 404 (above) or without data. deletion_time alone proves nothing: with
        # delete_version_after it is set, in the future, on live versions.
        if not isinstance(document, dict) or metadata.get('destroyed'):
            return Held(None, version, location)
        secret_id = str(document.get('secret_id') or '') if document.get('client_secret') else ''
        return Held(secret_id, version, location)

    def write(self, location, credentials, held):
        """Write the credentials as a new version, check-and-set against `held.version`; return the new Held."""
        if held.secret_id and held.secret_id == credentials.get('secret_id'):
            return held
        self.check()
        body = {'options': {'cas': int(held.version or 0)}, 'data': self._document_values(credentials)}
        extra = [credentials.get('client_secret')]
        try:
            response = self._call('POST', self._data_path(location), location, body=body)
        except StoreError as exc:
            if exc.kind != 'unreachable':
                raise
            # The response was lost: our write may have landed. Only a re-read can tell.
            current = self._reread(location, exc)
            if current.secret_id == credentials.get('secret_id'):
                return current
            raise self._error('%s: write failed and the store does not hold the new secret: %s' % (self.describe(location), exc),
                              'unreachable', extra_secrets=extra)
        answer = self._json(response, location, 'write')
        if response.status_code >= 500:
            # A gateway may have passed the write on before it failed: the store itself says whether it landed.
            current = self._reread(location, 'HTTP %d' % response.status_code)
            if current.secret_id == credentials.get('secret_id'):
                return current
        if response.status_code in (200, 204):
            version = ((answer.get('data') or {}).get('version'))
            if version is None:  # a KV v1 engine answers 204 with no version
                raise self._error('%s: write answered without a KV version 2 version; is %s a KV version 2 mount?'
                                  % (self.describe(location), self.mount), 'invalid', status=response.status_code)
            return Held(str(credentials.get('secret_id')), int(version), location)
        errors = '; '.join(str(error) for error in answer.get('errors') or [])
        if response.status_code == 400 and 'check-and-set' in errors:
            current = self._reread(location)
            if current.secret_id == credentials.get('secret_id'):
                return current  # our own earlier attempt landed
            raise self._error('%s was changed by someone else since it was read at version %s (now version %s); run again'
                              % (self.describe(location), held.version or 0, current.version), 'conflict',
                              status=400, code='CAS_MISMATCH', extra_secrets=extra, cls=StoreConflict)
        raise self._failure(response, answer, location, 'write', extra_secrets=extra)

    def close(self):
        self.session.close()

    # -- mechanics --------------------------------------------------------------------------------

    def _reread(self, location, cause=None):
        try:
            return self.read(location)
        except StoreError as exc:
            raise self._error('%s: the write\'s outcome is unknown (%s), and reading it back failed: %s'
                              % (self.describe(location), cause or 'check-and-set mismatch', exc), exc.kind)

    def _login(self):
        path = 'auth/%s/login' % '/'.join(quote(segment, safe='') for segment in self.approle_mount.split('/'))
        body = {'role_id': self._approle[0], 'secret_id': self._approle[1]}
        # Logging in twice is harmless (it only makes one more token), so it may be retried like a read.
        response = self._send('POST', path, None, body=body, with_token=False, retry=True)
        answer = self._json(response, None, 'AppRole login')
        token = (answer.get('auth') or {}).get('client_token') if response.status_code == 200 else None
        if not token:
            errors = '; '.join(str(error) for error in answer.get('errors') or []) or response.reason or 'no token in the answer'
            kind = 'refused' if response.status_code in (400, 401, 403) else 'invalid' if response.status_code < 500 else 'unreachable'
            raise self._error('%s: AppRole login at %s refused: HTTP %d: %s' % (self.describe(), path, response.status_code, errors),
                              kind, status=response.status_code)
        return token

    def _probe_mount(self):
        # One GET that proves the token works and that the mount is KV v2: a POST to .../data/... of a KV v1
        # mount would store the whole document (our secret included) under a path nobody reads.
        path = 'sys/internal/ui/mounts/' + '/'.join(quote(segment, safe='') for segment in self.mount.split('/'))
        response = self._call('GET', path, None)
        answer = self._json(response, None, 'mount check')
        errors = '; '.join(str(error) for error in answer.get('errors') or [])
        if response.status_code == 403 and 'preflight capability check' in errors or response.status_code == 404:
            raise self._error('%s: no such mount, or the token may use nothing in it (HTTP %d: %s)'
                              % (self.describe(), response.status_code, errors or 'not found'), 'invalid', status=response.status_code)
        if response.status_code != 200:
            raise self._failure(response, answer, None, 'mount check')
        data = answer.get('data') or {}
        mount_type = data.get('type')
        version = str((data.get('options') or {}).get('version') or '1')
        if data.get('path') and data['path'].rstrip('/') != self.mount:
            raise self._error('%s: %s is not a mount; it lies in the mount %s (set mount to that and put the rest in path)'
                              % (self.describe(), self.mount, data['path'].rstrip('/')), 'invalid')
        if not (mount_type == 'kv' and version == '2' or mount_type == 'kv-v2'):
            found = 'a KV version %s' % version if mount_type == 'kv' else 'a %s' % mount_type
            raise self._error('%s: the mount is %s engine, not KV version 2' % (self.describe(), found), 'invalid')

    def _call(self, method, path, location, body=None):
        """Send with the token; after a 403 with an AppRole token, log in once more (it may have expired)."""
        retry = method == 'GET'
        token = self._token
        response = self._send(method, path, location, body=body, retry=retry)
        if response.status_code == 403 and self._approle:
            with self._lock:
                if self._token == token and not self._relogged:
                    self._relogged = True
                    self._token = self._login()
                renewed = self._token != token
            if renewed:
                response = self._send(method, path, location, body=body, retry=retry)
        return response

    def _send(self, method, path, location, body=None, with_token=True, retry=False):
        """One request with bounded retries (reads only); same-host redirects only; StoreError when unreachable."""
        headers = {'Accept': 'application/json', 'X-Vault-Request': 'true'}
        if with_token and self._token:
            headers['X-Vault-Token'] = self._token
        if self.namespace:
            headers['X-Vault-Namespace'] = self.namespace
        data = None
        if body is not None:
            headers['Content-Type'] = 'application/json'
            data = json.dumps(body)
        url = '%s/v1/%s' % (self.url, path)
        attempt = 0
        redirects = 0
        while True:
            failure = response = None
            try:
                # verify per request: requests lets REQUESTS_CA_BUNDLE override session.verify.
                response = self.session.request(method, url, headers=headers, data=data, timeout=self.timeout,
                                                verify=self.verify, allow_redirects=False, auth=_no_netrc)
            except req_exc.SSLError as exc:
                raise self._error('%s: TLS error talking to %s (%s): set ca_path to the CA bundle that signed its certificate, '
                                  'or validate_certs=false for a test server' % (self.describe(location), self.host, _short_reason(exc)),
                                  'unreachable')
            except (req_exc.MissingSchema, req_exc.InvalidSchema, req_exc.InvalidURL) as exc:
                raise self._error('%s: url %s is not usable (%s)' % (self.describe(location), self.url, _short_reason(exc)), 'invalid')
            except req_exc.RequestException as exc:
                if isinstance(exc, req_exc.ConnectTimeout):
                    failure = 'timed out connecting to %s after %s seconds' % (self.host, self.timeout)
                elif isinstance(exc, req_exc.ReadTimeout):
                    failure = 'no response from %s within %s seconds' % (self.host, self.timeout)
                else:
                    failure = 'cannot connect to %s: %s' % (self.host, _short_reason(exc))
            if response is not None and response.status_code in (301, 302, 303, 307, 308) and response.headers.get('Location'):
                target = urljoin(url, response.headers['Location'])
                parts = urlsplit(target)
                # The token rides in a header requests does not strip: never send it to another origin.
                if (parts.scheme, parts.netloc) != self._origin or redirects >= MAX_REDIRECTS:
                    raise self._error('%s: %s redirected to %s://%s; set url to that server (the token is not sent elsewhere)'
                                      % (self.describe(location), self.host, parts.scheme, parts.netloc), 'invalid',
                                      status=response.status_code)
                redirects += 1
                url = target
                continue
            retryable = failure is not None or response.status_code in (412, 429) or response.status_code >= 500
            if not retryable:
                return response
            if not retry or attempt >= READ_RETRIES:
                if failure is None:
                    return response
                raise self._error('%s: %s (%d attempt%s)' % (self.describe(location), failure, attempt + 1, 's' if attempt else ''),
                                  'unreachable')
            self.sleep(RETRY_WAIT * (2 ** attempt))
            attempt += 1

    def _json(self, response, location, action):
        if not response.content:
            return {}
        try:
            answer = response.json()
        except ValueError:
            if response.status_code >= 500 or response.status_code in (412, 429):
                return {}  # a gateway's or load balancer's page: the status says enough
            raise self._error('%s: %s failed: HTTP %d with a body that is not JSON; is url a Vault or OpenBao server?'
                              % (self.describe(location), action, response.status_code), 'invalid', status=response.status_code)
        return answer if isinstance(answer, dict) else {}

    def _failure(self, response, answer, location, action, extra_secrets=()):
        status = response.status_code
        errors = '; '.join(str(error) for error in answer.get('errors') or []) or response.reason or ''
        if status in (401, 403):
            kind, what = 'refused', 'Vault refused the token (HTTP %d: %s)' % (status, errors)
        elif status in (412, 429) or status >= 500:
            kind, what = 'unreachable', 'Vault is not available (HTTP %d: %s)' % (status, errors)
        else:
            kind, what = 'invalid', 'HTTP %d: %s' % (status, errors)
        return self._error('%s: %s failed: %s' % (self.describe(location), action, what), kind, status=status,
                           extra_secrets=extra_secrets)


class AwsSecretsManagerStore(SecretStore):
    """AWS Secrets Manager, through botocore (thread-safe clients, created once under a lock)."""

    type = 'aws_secretsmanager'

    def __init__(self, settings, api_base_url=None, option='secret_store', client=None):
        super(AwsSecretsManagerStore, self).__init__(settings, api_base_url=api_base_url, option=option)
        self.region = settings.get('region') or _env('AWS_REGION', 'AWS_DEFAULT_REGION')
        self.endpoint_url = settings.get('endpoint_url')
        self.profile = settings.get('profile')
        self.timeout = settings['timeout']
        self.verify = settings.get('ca_path') or settings['validate_certs']
        self._client = client
        self._lock = threading.Lock()
        self._session_module, self._exc, self._config_class = _import_botocore()
        # What botocore raises, caught around every call (anything else is a bug, not a store failure).
        self._errors = (self._exc.BotoCoreError, self._exc.ClientError)

    def location(self, org_id, project_id, name):
        rendered = super(AwsSecretsManagerStore, self).location(org_id, project_id, name)
        if not AWS_NAME.match(rendered):
            raise InputError('%s %r gives the secret name %r for account %r; AWS allows only letters, digits and /_+=.@- '
                             '(1 to 512 characters)' % (self.template_option, self.template, rendered, name))
        return rendered

    def describe(self, location=None):
        return 'aws_secretsmanager %s (region %s)' % (location if location is not None else self.template, self.region)

    def check(self):
        """The client is made here; the first read is what proves that AWS accepts the credentials."""
        self._get_client()

    def read(self, location):
        """One GetSecretValue (AWSCURRENT)."""
        client = self._get_client()
        try:
            answer = client.get_secret_value(SecretId=location)
        except self._errors as exc:
            if _aws_code(exc) == 'ResourceNotFoundException':
                return Held(None, None, location)
            raise self._aws_error(exc, location, 'read')
        try:
            document = json.loads(answer.get('SecretString') or '')
        except ValueError:
            document = None
        if not isinstance(document, dict):
            return Held('', answer.get('VersionId'), location)
        secret_id = str(document.get('secretId') or '') if document.get('clientSecret') else ''
        return Held(secret_id, answer.get('VersionId'), location)

    def write(self, location, credentials, held):
        """create_secret when nothing was held, else put_secret_value after checking AWSCURRENT is still held.version."""
        if held.secret_id and held.secret_id == credentials.get('secret_id'):
            return held
        client = self._get_client()
        secret_id = str(credentials.get('secret_id'))
        extra = [credentials.get('client_secret')]
        values = self._document_values(credentials)
        # AWS's shape for MongoDB Atlas service accounts (managed rotation) plus our bookkeeping keys.
        document = json.dumps(dict(clientId=values['client_id'], clientSecret=values['client_secret'],
                                   orgId='' if credentials.get('org_id') is None else str(credentials['org_id']),
                                   secretId=values['secret_id'], expiresAt=values['expires_at'],
                                   apiBaseUrl=values['api_base_url']), sort_keys=True)
        # Deterministic per (secret, new secret id, version replaced): AWS ignores a repeated request with the
        # same token and value, so a retried write (botocore's own retries included) never adds a version.
        token = str(uuid.uuid5(REQUEST_TOKEN_NAMESPACE, '%s\n%s\n%s' % (location, secret_id, held.version)))
        if held.version is None:
            try:
                answer = client.create_secret(Name=location, SecretString=document, ClientRequestToken=token,
                                              Description='MongoDB Atlas service account credentials (cloudops.atlas)')
            except self._errors as exc:
                if _aws_code(exc) != 'ResourceExistsException':
                    raise self._aws_error(exc, location, 'write', extra)
                current = self._reread(location)
                if current.secret_id == secret_id:
                    return current
                raise self._error('%s was created by someone else since it was read (nothing was stored then); run again'
                                  % self.describe(location), 'conflict', code='ResourceExistsException', extra_secrets=extra,
                                  cls=StoreConflict)
            return Held(secret_id, answer.get('VersionId') or token, location)
        # Secrets Manager has no conditional write. Check that AWSCURRENT is still the version we read, then put:
        # this narrows the race to the time between the two calls but cannot close it. A writer that slips in
        # there is not lost: its version stays in the secret's history as AWSPREVIOUS.
        current_version = self._current_version(client, location, extra)
        if current_version == token:
            return Held(secret_id, token, location)  # our earlier attempt landed
        if current_version != held.version:
            raise self._error('%s was changed by someone else since it was read at version %s (now version %s); run again'
                              % (self.describe(location), held.version, current_version or 'none'), 'conflict',
                              code='VERSION_MISMATCH', extra_secrets=extra, cls=StoreConflict)
        try:
            answer = client.put_secret_value(SecretId=location, SecretString=document, ClientRequestToken=token)
        except self._errors as exc:
            raise self._aws_error(exc, location, 'write', extra)
        return Held(secret_id, answer.get('VersionId') or token, location)

    # -- mechanics --------------------------------------------------------------------------------

    def close(self):
        if self._client is not None and hasattr(self._client, 'close'):
            self._client.close()

    def _get_client(self):
        with self._lock:
            if self._client is None:
                try:
                    session = self._session_module.Session(profile=self.profile)
                    config = self._config_class(connect_timeout=self.timeout, read_timeout=self.timeout, user_agent_extra=USER_AGENT,
                                                retries={'max_attempts': READ_RETRIES + 1, 'mode': 'standard'})
                    self._client = session.create_client('secretsmanager', region_name=self.region, endpoint_url=self.endpoint_url,
                                                         verify=self.verify, config=config)
                except self._errors as exc:
                    raise self._aws_error(exc, None, 'setup')
            return self._client

    def _current_version(self, client, location, extra):
        try:
            stages = client.describe_secret(SecretId=location).get('VersionIdsToStages') or {}
        except self._errors as exc:
            if _aws_code(exc) == 'ResourceNotFoundException':
                return None
            raise self._aws_error(exc, location, 'write', extra)
        for version, labels in stages.items():
            if 'AWSCURRENT' in labels:
                return version
        return None

    def _reread(self, location):
        try:
            return self.read(location)
        except StoreError as exc:
            raise self._error('%s: the secret appeared while writing it, and reading it back failed: %s'
                              % (self.describe(location), exc), exc.kind)

    def _aws_error(self, exc, location, action, extra_secrets=()):
        where = self.describe(location)
        if isinstance(exc, self._exc.ClientError):
            error = exc.response.get('Error') or {}
            code = error.get('Code') or 'Unknown'
            status = (exc.response.get('ResponseMetadata') or {}).get('HTTPStatusCode')
            message = ' '.join(str(error.get('Message') or '').split())
            if message.startswith('<'):
                # An XML or HTML body botocore could not parse (a proxy, or moto): keep its code and message only.
                found = dict((tag, re.search(r'<%s>([^<]*)</%s>' % (tag, tag), message)) for tag in ('Code', 'Message'))
                code = found['Code'].group(1) if found['Code'] else code
                message = found['Message'].group(1) if found['Message'] else 'HTTP %s' % status
            message = message[:500]
            if code in AWS_REFUSED_CODES or status in (401, 403):
                kind = 'refused'
            elif code in AWS_UNAVAILABLE_CODES or (status or 0) >= 500:
                kind = 'unreachable'
            else:
                kind = 'invalid'
            hint = ''
            if code == 'InvalidRequestException' and 'delet' in message:  # 'marked for deletion' (AWS), 'marked deleted' (moto)
                hint = '; restore the secret (aws secretsmanager restore-secret) or choose another name'
            return self._error('%s: %s failed: [%s] %s%s' % (where, action, code, message, hint), kind, status=status, code=code,
                               extra_secrets=extra_secrets)
        if isinstance(exc, (self._exc.NoCredentialsError, self._exc.PartialCredentialsError)):
            return self._error('%s: %s failed: no usable AWS credentials (%s); set profile, or the AWS_ACCESS_KEY_ID and '
                               'AWS_SECRET_ACCESS_KEY environment variables, or run with an instance role' % (where, action, exc),
                               'refused', code=type(exc).__name__)
        if isinstance(exc, self._exc.ProfileNotFound):
            return self._error('%s: %s failed: %s' % (where, action, exc), 'invalid', code='ProfileNotFound')
        if isinstance(exc, self._exc.SSLError):
            return self._error('%s: %s failed: TLS error (%s): set ca_path to the CA bundle that signed the endpoint\'s certificate'
                               % (where, action, _short_reason(exc)), 'unreachable', code='SSLError')
        if isinstance(exc, (self._exc.EndpointConnectionError, self._exc.ConnectTimeoutError, self._exc.ReadTimeoutError,
                            self._exc.ConnectionClosedError)):
            return self._error('%s: %s failed: %s' % (where, action, exc), 'unreachable', code=type(exc).__name__,
                               extra_secrets=extra_secrets)
        return self._error('%s: %s failed: %s' % (where, action, exc), 'invalid', code=type(exc).__name__, extra_secrets=extra_secrets)


def _aws_code(exc):
    """The error code of a botocore ClientError (None for anything else)."""
    response = getattr(exc, 'response', None)
    if isinstance(response, dict):
        return (response.get('Error') or {}).get('Code')
    return None
