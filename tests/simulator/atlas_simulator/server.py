# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP side: a threaded HTTP/1.1 server with keep-alive, and the request pipeline.

Pipeline of an /api/atlas/v2 request: journal -> fault -> route (404/405) -> authenticate (401) ->
access list (403) -> version negotiation (406) -> the endpoint set's token bucket (429) -> parameters
(400) -> body media type (415) and schema (400) -> handler -> strict response validation ->
envelope/pretty. Every answer from the bucket check on carries ``RateLimit-Limit`` and
``RateLimit-Remaining`` (unless the headers mode omits them).

The server is http.server's (not Werkzeug's development server) because that one closes every
connection after one response; clients here use keep-alive sessions, and a fault must be able to
reset the TCP connection itself. Werkzeug still parses the Digest ``Authorization`` header.
"""

import email.utils
import http.server
import json
import re
import socket
import struct
import sys
import time
import traceback

from . import auth, control, handlers
from .clock import iso
from .errors import ApiError, forbidden, not_found, validation_error
from .messages import Request, Response
from .ratelimit import INSPECTION_OPERATIONS
from .validation import VENDOR_TYPE, decode_path, vendor_type

OAUTH_PATHS = {'/api/oauth/token': auth.mint_token, '/api/oauth/revoke': auth.revoke_token}
HEX24 = re.compile('^[a-f0-9]{24}$')


def rate_limit_entities(state, principal, path_params, query, client_ip):
    """Scope -> (entity, named explicitly by the request) for choosing and keying a request's bucket.

    GROUP: the project of the path, else of a ``groupId`` query filter. ORGANIZATION: the organization of
    the path, else the project's organization, else an ``orgId`` filter, else (implicitly) the caller's.
    USER: the caller (service account client id or API public key); explicit with a ``userId`` filter.
    IP: the client address; explicit with an ``ipAddress`` filter. Callers hold ``state.lock``.
    """
    def filter_id(name):
        value = query.get(name)
        return value if value and HEX24.match(value) else None

    group = path_params.get('groupId') or filter_id('groupId')
    org = path_params.get('orgId')
    if org is None and path_params.get('groupId'):
        project = state.projects.get(path_params['groupId'])
        org = project.org_id if project else None
    org = org or filter_id('orgId')
    if org is None and group is not None:
        project = state.projects.get(group)
        org = project.org_id if project else None
    return {
        'GROUP': (group, True) if group else None,
        'ORGANIZATION': (org, True) if org else (principal.org_id, False),
        'USER': (principal.ident, 'userId' in query),
        'IP': (client_ip, 'ipAddress' in query),
    }


def token_bucket_problems(payload):
    """Atlas's documented 429 body has scalar ``parameters`` [path, retry-after, capacity, refill rate,
    refill seconds], while the spec's ApiError types them as objects: check that shape instead."""
    parameters = payload.get('parameters')
    if (isinstance(parameters, list) and len(parameters) == 5 and isinstance(parameters[0], str)
            and all(isinstance(item, int) and not isinstance(item, bool) for item in parameters[1:])):
        return []
    return [f'parameters: {parameters!r} is not [request path, retry-after, capacity, refill rate, refill seconds]']


def render(status, payload, content_type, request, headers=None):
    """Serialize a JSON payload, applying ``envelope=true`` and ``pretty=true``.

    Envelope: a list body (with ``results``) gets ``status`` added; anything else is wrapped as
    ``{"status": <code>, "content": <body>}``; the HTTP status becomes 200. A response without a body
    (204) still names the media type it was served as, as the spec declares a content type for it.
    """
    headers = dict(headers or {})
    if request.flag('envelope'):
        if isinstance(payload, dict) and 'results' in payload:
            payload = dict(payload, status=status)
        else:
            payload = {'status': status, 'content': payload}
        status = 200
    headers['Content-Type'] = content_type
    if payload is None:
        return Response(status, b'', headers)
    text = json.dumps(payload, indent=2 if request.flag('pretty') else None, ensure_ascii=False)
    return Response(status, text.encode('utf-8'), headers)


def media_types(header):
    """The media types of an Accept or Content-Type header, lower-cased, without parameters."""
    return [part.split(';')[0].strip().lower() for part in (header or '').split(',') if part.strip()]


def negotiate_version(operation, accept):
    """The version to serve (a date) for the Accept header, or 406 INVALID_VERSION_DATE.

    A versioned type dated on or after the operation's first version is served with the newest version
    published on or before that date. An earlier, invalid or missing version, ``application/json`` and
    ``*/*`` are refused: the resources of this subset exist in no unversioned form.
    """
    requested = media_types(accept)
    served = operation.negotiate(requested)
    if served is not None:
        return served.isoformat()
    first = operation.versions[0].isoformat()
    asked = next((VENDOR_TYPE.match(m).group('date') for m in requested if VENDOR_TYPE.match(m)), None)
    if asked is None:
        detail = f'A versioned Accept header is required for this resource: {vendor_type(first)}.'
    else:
        detail = (f'Invalid or unsupported API version date {asked!r}; this resource is available from version '
                  f'{first} ({vendor_type(first)}).')
    raise ApiError(406, 'INVALID_VERSION_DATE', detail)


def parse_body(operation, request):
    """The validated JSON body of an operation that declares one (415/400 otherwise).

    A JSON ``null`` counts as no body: every body of the subset is required, and a nullable schema
    (OrgServiceAccountRequest, reused from the organization create request) does not make null a request.
    """
    if operation.body_validator is None:
        return None
    if not request.body.strip():
        if operation.body_required:
            raise validation_error([('body', 'is required')])
        return None
    media_type = request.content_type
    if not operation.accepts_body_type(media_type):
        first = vendor_type(operation.versions[0].isoformat())
        raise ApiError(415, 'UNSUPPORTED_MEDIA_TYPE',
                       f'Content-Type {media_type or "(none)"} is not supported; use application/json or {first}.')
    try:
        body = json.loads(request.body)
    except ValueError as exc:
        raise validation_error([('body', f'is not valid JSON: {exc}')]) from exc
    if body is None and operation.body_required:
        raise validation_error([('body', 'is required')])
    operation.validate_body(body)
    return body


class Application:
    """Turns a :class:`Request` into a :class:`Response` for a :class:`~atlas_simulator.Simulator`."""

    def __init__(self, sim):
        self.sim = sim

    def handle(self, request):
        """Entry point for every request (control API, OAuth, Admin API)."""
        if request.path == '/_sim' or request.path.startswith('/_sim/'):
            return control.handle(self.sim, request)
        sim = self.sim
        entry = sim.journal.start(request.method, request.path, dict(request.query), iso(sim.clock.now()))
        fault = sim.faults.take(request.method, request.path) if request.path.startswith('/api/') else None
        if fault is not None:
            entry['fault'] = fault.kind
            if fault.kind == 'reset':
                entry['status'] = 'reset'
                return Response(drop=True)
            if fault.kind in ('status', 'conflict'):
                error = fault.error()
                response = render(error.status, error.body(), 'application/json', request, error.headers)
                entry['status'] = response.status
                return response
            if fault.kind == 'delay':
                time.sleep(fault.seconds)
        try:
            response = self._route(request, entry)
        except Exception:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            error = ApiError(500, 'UNEXPECTED_ERROR', 'Unexpected error in the Atlas simulator.')
            response = render(500, error.body(), 'application/json', request)
        if fault is not None and fault.kind == 'apply_then_drop':
            entry['status'] = 'reset'
            return Response(drop=True)
        entry['status'] = response.status
        if fault is not None and fault.kind == 'apply_then_delay':
            # Applied (the state lock is released); the answer leaves only after the delay.
            time.sleep(fault.seconds)
        return response

    def _route(self, request, entry):
        try:
            if request.path in OAUTH_PATHS:
                if request.method != 'POST':
                    raise ApiError(405, 'METHOD_NOT_ALLOWED', f'Method {request.method} is not allowed for {request.path}.',
                                   headers={'Allow': 'POST'})
                with self.sim.state.lock:
                    status, payload = OAUTH_PATHS[request.path](self.sim, request, entry)
                return render(status, payload, 'application/json', request)
            if not request.path.startswith('/api/atlas/v2/'):
                raise not_found(request.path)
        except ApiError as error:
            return render(error.status, error.body(), 'application/json', request, error.headers)
        return self._api(request, entry)

    def _api(self, request, entry):
        sim = self.sim
        operation = None
        limit_headers = {}
        try:
            operation, path_params = sim.contract.match(request.method, decode_path(request.path))
            inspection = operation.operation_id in INSPECTION_OPERATIONS
            if inspection and sim.rate_limits.inspection == '404':
                raise not_found(request.path)
            now = sim.clock.now()
            with sim.state.lock:
                principal = auth.authenticate(sim, request, entry)
                auth.enforce_access_list(principal, request.client_ip, now)
            served = negotiate_version(operation, request.headers.get('Accept'))
            if inspection and sim.rate_limits.inspection == '403':
                raise forbidden('Rate limit inspection is not available to the requesting user.')
            with sim.state.lock:
                entities = rate_limit_entities(sim.state, principal, path_params, request.query, request.client_ip)
            decision = sim.rate_limits.charge(operation.method, operation.template, entities, now)
            if decision is not None:
                entry['rate_limit'] = decision.journal()
                limit_headers = sim.rate_limits.headers_for(decision)
                if not decision.allowed:
                    detail, parameters, headers = sim.rate_limits.refusal(decision, request.path)
                    raise ApiError(429, 'RATE_LIMITED_TOKEN_BUCKET', detail, parameters=parameters, headers=headers)
            params = operation.parse_parameters(path_params, request.query)
            body = parse_body(operation, request)
            host = request.headers.get('Host')
            call = handlers.Call(sim, operation, params, body, principal, request.client_ip,
                                 f'http://{host}' if host else sim.url, request.path, request.query_all)
            with sim.state.lock:
                status, payload = handlers.HANDLERS[operation.operation_id](call)
            self._check(operation, status, payload, entry)
            return render(status, payload, vendor_type(served), request, limit_headers)
        except ApiError as error:
            payload = error.body()
            if error.error_code != 'SIMULATOR_RESPONSE_INVALID':
                try:
                    self._check(operation, error.status, payload, entry)
                except ApiError as broken:
                    error, payload = broken, broken.body()
            return render(error.status, payload, 'application/json', request, dict(limit_headers, **error.headers))

    def _check(self, operation, status, payload, entry):
        """Strict mode: a response that breaks the spec becomes a loud 500 (and is recorded)."""
        if not self.sim.strict:
            return
        problems = []
        if status == 429 and isinstance(payload, dict) and payload.get('errorCode') == 'RATE_LIMITED_TOKEN_BUCKET':
            problems = token_bucket_problems(payload)
            payload = dict(payload, parameters=[])
        if operation is None:
            problems += self.sim.contract.error_problems(payload)
        else:
            problems += operation.response_problems(status, payload, self.sim.contract.error_schema)
        if not problems:
            return
        operation_id = operation.operation_id if operation else None
        self.sim.record_violation({'operation': operation_id, 'status': status, 'problems': problems,
                                   'seq': entry['seq'], 'body': payload})
        entry['violation'] = problems
        raise ApiError(500, 'SIMULATOR_RESPONSE_INVALID',
                       f'The simulator produced a response that breaks the spec ({operation_id} {status}): '
                       + '; '.join(problems))


class _Handler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every response carries Content-Length and the simulated Date."""

    protocol_version = 'HTTP/1.1'
    server_version = 'AtlasSimulator'
    sys_version = ''
    timeout = 120

    def setup(self):
        """Disable Nagle: headers and body go out in separate writes, which would otherwise wait for the
        client's delayed ACK (40 ms per keep-alive request)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):  # pylint: disable=invalid-name
        """GET."""
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def __getattr__(self, name):
        """Every other method (TRACE, CONNECT, ...) goes through the pipeline too, which answers 405 with
        ``Allow`` on a known path (http.server would answer 501 with an HTML page)."""
        if name.startswith('do_'):
            return self._serve
        raise AttributeError(name)

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length > 0 else b''

    def _serve(self):
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, 'Bad request body framing')
            return
        request = Request(self.command, self.path, self.headers, body, self.client_address[0])
        response = self.server.application.handle(request)
        if response.drop:
            self._reset_connection()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(response.body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(response.body)

    def _reset_connection(self):
        """Abort the TCP connection with a RST before any response byte."""
        self.close_connection = True  # pylint: disable=attribute-defined-outside-init
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass
        self.connection.close()

    def version_string(self):
        """The ``Server`` header."""
        return self.server_version

    def date_time_string(self, timestamp=None):
        """The ``Date`` header: simulated time (clients use it as "now" for expiry decisions)."""
        return email.utils.format_datetime(self.server.application.sim.clock.now(), usegmt=True)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Access log only with ``verbose``."""
        if self.server.verbose:
            super().log_message(format, *args)


class SimulatorServer(http.server.ThreadingHTTPServer):
    """Threaded server: one thread per connection, so parallel clients are served concurrently."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address, application, verbose=False):
        self.application = application
        self.verbose = verbose
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        """Clients that hang up are normal; anything else is printed."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            super().handle_error(request, client_address)
