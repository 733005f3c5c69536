# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Request and response validation against the OpenAPI subset in ``spec/``.

The spec is the contract: routes, path and query parameters, request bodies and response bodies all
come from it. Schemas are validated with openapi-schema-validator's OAS 3.0 validators (jsonschema),
with the ``pattern`` keyword replaced by one that compiles the spec's ECMA-262 patterns with the
``regex`` module (Python's ``re`` cannot compile ``\\p{L}``). Validators are compiled once per
operation and cached, because validation runs on every request and every response.

Deliberate strictness beyond the spec (documented in the README):

* request bodies may not carry properties the schema does not declare (400 VALIDATION_ERROR), and
  read-only properties are refused (OAS: they are not part of requests);
* responses may not carry undeclared properties either, so the simulator cannot drift from the spec.
"""

import copy
import datetime
import functools
import json
import os
import re
import urllib.parse

import jsonschema.validators
import regex
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator, OAS30Validator, OAS30WriteValidator, oas30_format_checker

from .errors import ApiError, not_found, validation_error

SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'spec', 'atlas-admin-subset.openapi.json')
VENDOR_TYPE = re.compile(r'^application/vnd\.atlas\.(?P<date>[^+]*)\+json$')


ENCODED_SLASH = re.compile('%2[fF]')


def decode_path(raw_path):
    """The request path as routes and parameters see it: percent-escapes decoded, except ``%2F``.

    An encoded character means the character itself (``%3A`` is ``:``), as on any HTTP server; an encoded
    slash stays ``%2F`` because it is part of a path parameter, not a separator (the spec's ``ipAddress``
    pattern expects the ``%2F`` of a CIDR block).
    """
    return '%2F'.join(urllib.parse.unquote(part, errors='replace') for part in ENCODED_SLASH.split(raw_path))


def vendor_type(version):
    """``application/vnd.atlas.<version>+json``."""
    return f'application/vnd.atlas.{version}+json'


def vendor_date(media_type):
    """The date of a versioned Atlas media type (a ``datetime.date``), or None when it is not one."""
    match = VENDOR_TYPE.match(media_type or '')
    if not match:
        return None
    try:
        return datetime.date.fromisoformat(match.group('date'))
    except ValueError:
        return None


def ecma_to_python(pattern):
    """Translate an ECMA-262 (non-unicode-sets, no flags) pattern to ``regex`` syntax.

    ``$`` becomes ``\\Z`` (ECMA ``$`` never matches before a trailing newline), and ``\\d``/``\\w``
    become their ASCII classes (ECMA's are ASCII-only; ``regex``'s are Unicode). Everything else,
    including ``\\p{L}``/``\\p{N}``, keeps its meaning.
    """
    out = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == '\\' and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == 'd':
                out.append('0-9' if in_class else '[0-9]')
            elif nxt == 'w':
                out.append('A-Za-z0-9_' if in_class else '[A-Za-z0-9_]')
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if char == ']':
                in_class = False
        elif char == '[':
            in_class = True
        elif char == '$':
            char = '\\Z'
        out.append(char)
        i += 1
    return ''.join(out)


@functools.lru_cache(maxsize=None)
def compile_pattern(pattern):
    """Compile (and cache) a spec pattern with the ``regex`` module."""
    return regex.compile(ecma_to_python(pattern))


def _pattern_keyword(validator, pattern, instance, schema):  # pylint: disable=unused-argument
    """jsonschema ``pattern`` keyword with ECMA semantics (search, not full match, as JSON Schema says)."""
    if validator.is_type(instance, 'string') and not compile_pattern(pattern).search(instance):
        yield ValidationError(f'{instance!r} does not match {pattern!r}')


RequestValidator = jsonschema.validators.extend(OAS30WriteValidator, {'pattern': _pattern_keyword})
ResponseValidator = jsonschema.validators.extend(OAS30ReadValidator, {'pattern': _pattern_keyword})
ParameterValidator = jsonschema.validators.extend(OAS30Validator, {'pattern': _pattern_keyword})


def _inline_refs(node, spec):
    """Return ``node`` with every local ``$ref`` replaced by a copy of its target (the subset has no cycles)."""
    if isinstance(node, dict):
        if '$ref' in node:
            target = spec
            for part in node['$ref'].lstrip('#/').split('/'):
                target = target[part]
            return _inline_refs(target, spec)
        return {key: _inline_refs(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline_refs(item, spec) for item in node]
    return node


def _close_objects(schema):
    """Forbid undeclared properties on every object schema that declares ``properties``."""
    if isinstance(schema, dict):
        if 'properties' in schema and 'additionalProperties' not in schema:
            schema['additionalProperties'] = False
        for value in schema.values():
            _close_objects(value)
    elif isinstance(schema, list):
        for item in schema:
            _close_objects(item)
    return schema


def _field_path(path):
    """``['secrets', 0, 'id']`` -> ``secrets[0].id`` (the ``field`` of a FieldViolation)."""
    text = ''
    for part in path:
        if isinstance(part, int):
            text += f'[{part}]'
        else:
            text += f'.{part}' if text else str(part)
    return text


def schema_violations(validator, instance, prefix=()):
    """All violations of ``instance`` as (field, description) pairs, one per offending field."""
    found = []
    for error in validator.iter_errors(instance):
        path = list(prefix) + list(error.absolute_path)
        if error.validator == 'required':
            missing = re.match(r"'([^']+)' is a required property", error.message)
            if missing:
                found.append((_field_path(path + [missing.group(1)]), 'is required'))
                continue
        if error.validator == 'additionalProperties' and isinstance(error.instance, dict):
            declared = set(error.schema.get('properties', {}))
            for extra in sorted(set(error.instance) - declared):
                found.append((_field_path(path + [extra]), 'is not a recognized attribute'))
            continue
        found.append((_field_path(path) or 'body', _describe(error)))
    return found


def _describe(error):
    """A short description of one violation (jsonschema's messages repeat long values verbatim)."""
    if error.validator == 'maxLength':
        return f'must be at most {error.validator_value} characters long'
    if error.validator == 'minLength':
        return f'must be at least {error.validator_value} characters long'
    if error.validator == 'pattern':
        return f'does not match the pattern {error.validator_value}'
    if error.validator == 'readOnly':
        return 'is read-only and cannot be set in a request'
    return error.message


def _initial_secret_rule(body):
    """Service account create: ``secretExpiresAfterHours`` is required unless ``withoutInitialSecret`` is
    true, and must not be sent with it (spec text of both fields)."""
    without = body.get('withoutInitialSecret') is True
    if without and 'secretExpiresAfterHours' in body:
        return [('secretExpiresAfterHours', 'must not be set when withoutInitialSecret is true')]
    if not without and 'secretExpiresAfterHours' not in body:
        return [('secretExpiresAfterHours', 'is required')]
    return []


# Body rules stated in the spec's prose but not in its schemas, by operationId.
BODY_RULES = {
    'createOrgServiceAccount': _initial_secret_rule,
    'createGroupServiceAccount': _initial_secret_rule,
}


class CachedSchema:
    """A response validator that remembers documents it has already found valid.

    Validation of the same JSON against the same schema always gives the same answer, so a bounded
    set of canonical JSON texts of valid documents lets unchanged objects (the same service account
    in a list, a GET after a PATCH) skip jsonschema. Paginated bodies are checked per item, so one
    changed account does not invalidate the whole page. Invalid documents are never cached.
    """

    MAX_ENTRIES = 8192

    def __init__(self, schema):
        items = schema.get('properties', {}).get('results', {}).get('items')
        self.item = CachedSchema(items) if items is not None else None
        if self.item is not None:
            schema = copy.deepcopy(schema)
            schema['properties']['results']['items'] = {}
        self.validator = ResponseValidator(schema, format_checker=oas30_format_checker)
        self._valid = set()

    def problems(self, instance, prefix=()):
        """Violations as (field, description) pairs."""
        found = []
        if self.item is not None and isinstance(instance, dict) and isinstance(instance.get('results'), list):
            for index, item in enumerate(instance['results']):
                found += self.item.problems(item, list(prefix) + ['results', index])
        key = json.dumps(instance, sort_keys=True, separators=(',', ':'))
        if key in self._valid:
            return found
        own = schema_violations(self.validator, instance, prefix)
        if not own:
            if len(self._valid) >= self.MAX_ENTRIES:
                self._valid.clear()
            self._valid.add(key)
        return found + own


class Parameter:
    """One declared path or query parameter with its compiled validator."""

    def __init__(self, spec):
        self.name = spec['name']
        self.location = spec['in']
        self.required = spec.get('required', False)
        self.schema = spec.get('schema', {})
        self.type = self.schema.get('type')
        self.default = self.schema.get('default')
        self.validator = ParameterValidator(self.schema, format_checker=oas30_format_checker)

    def coerce(self, raw):
        """Convert a query string value to the declared type; leave it a string when it does not parse."""
        if self.type == 'boolean' and raw.lower() in ('true', 'false'):
            return raw.lower() == 'true'
        if self.type == 'integer' and re.fullmatch(r'[-+]?\d+', raw):
            return int(raw)
        return raw


class Operation:
    """One spec operation: route, parameters, body and response validators."""

    def __init__(self, method, template, spec, resolved):
        self.method = method.upper()
        self.template = template
        self.operation_id = spec['operationId']
        # A client id never contains ':', so '{clientId}:invite' routes unambiguously; other segments
        # (an IPv6 access-list entry) may.
        regex_text = re.sub(r'\\\{(\w+)\\\}', lambda m: f"(?P<{m.group(1)}>[^/{':' if m.group(1) == 'clientId' else ''}]+)",
                            re.escape(template))
        self.route = re.compile(f'^{regex_text}$')
        self.parameters = [Parameter(param) for param in resolved.get('parameters', [])]
        body = resolved.get('requestBody')
        self.body_required = bool(body and body.get('required'))
        self.body_validator = None
        if body:
            media = next(iter(body['content'].values()))
            schema = _close_objects(copy.deepcopy(media['schema']))
            self.body_validator = RequestValidator(schema, format_checker=oas30_format_checker)
        self.body_rules = BODY_RULES.get(self.operation_id)
        self.responses = {}
        versions = set()
        for status, response in resolved['responses'].items():
            content = response.get('content') or {}
            schema = None
            for media_type, media in content.items():
                date = vendor_date(media_type)
                if date is not None:
                    versions.add(date)
                if 'schema' in media:
                    schema = _close_objects(copy.deepcopy(media['schema']))
            self.responses[int(status)] = CachedSchema(schema) if schema else None
        # The versions this operation is published in: the dates of its responses' vendor media types.
        self.versions = sorted(versions)

    def negotiate(self, media_types):
        """The version (a date) to serve for the Accept media types, or None (406).

        Each versioned media type asks for the newest version published on or before its date (a later
        date "snaps down"); the newest such version over all of them wins.
        """
        served = None
        for media_type in media_types:
            requested = vendor_date(media_type)
            if requested is None:
                continue
            candidates = [version for version in self.versions if version <= requested]
            if candidates and (served is None or candidates[-1] > served):
                served = candidates[-1]
        return served

    def accepts_body_type(self, media_type):
        """``application/json``, or a versioned type dated on or after this operation's first version."""
        if media_type == 'application/json':
            return True
        date = vendor_date(media_type)
        return date is not None and bool(self.versions) and date >= self.versions[0]

    def parse_parameters(self, path_params, query):
        """Validate path and query parameters; return typed values (query defaults filled in).

        Unknown query parameters are ignored, as Atlas does.
        """
        values = {}
        problems = []
        for param in self.parameters:
            if param.location == 'path':
                raw = path_params.get(param.name)
            elif param.location == 'query':
                raw = query.get(param.name)
            else:
                continue
            if raw is None:
                if param.required:
                    problems.append((param.name, 'is required'))
                else:
                    values[param.name] = param.default
                continue
            value = param.coerce(raw) if param.location == 'query' else raw
            for error in param.validator.iter_errors(value):
                problems.append((param.name, error.message))
            values[param.name] = value
        if problems:
            raise validation_error(problems)
        return values

    def validate_body(self, body):
        """Validate a parsed JSON request body; raise 400 VALIDATION_ERROR naming every bad field.

        Besides the schema, an operation may have rules the schema cannot express (:data:`BODY_RULES`);
        their problems are reported together with the schema's.
        """
        problems = schema_violations(self.body_validator, body)
        if self.body_rules is not None and isinstance(body, dict):
            problems += [problem for problem in self.body_rules(body) if problem not in problems]
        if problems:
            raise validation_error(problems)

    def response_problems(self, status, body, error_schema):
        """Why a response breaks the spec (empty list when it conforms).

        A declared status is checked against its declared schema (or must have no body); an error
        status the operation does not declare (e.g. 405, 406, 415) must still be an ``ApiError``.
        """
        if status in self.responses:
            validator = self.responses[status]
            if validator is None:
                return [] if body is None else [f'status {status} of {self.operation_id} declares no body']
            if body is None:
                return [f'status {status} of {self.operation_id} requires a body']
            return [f'{field}: {description}' for field, description in validator.problems(body)]
        if status >= 400:
            return [f'{field}: {description}' for field, description in error_schema.problems(body)]
        return [f'status {status} is not declared for {self.operation_id}']


class Contract:
    """All operations of the spec, with routing by method and raw path."""

    def __init__(self, spec):
        self.spec = spec
        self.operations = []
        for template, item in spec['paths'].items():
            for method, operation in item.items():
                resolved = _inline_refs(operation, spec)
                self.operations.append(Operation(method, template, operation, resolved))
        error_schema = _close_objects(_inline_refs({'$ref': '#/components/schemas/ApiError'}, spec))
        self.error_schema = CachedSchema(error_schema)

    def match(self, method, raw_path):
        """Find the operation for a request: 404 for an unknown path, 405 for a known path and wrong method."""
        allowed = []
        for operation in self.operations:
            found = operation.route.match(raw_path)
            if found:
                if operation.method == method:
                    return operation, found.groupdict()
                allowed.append(operation.method)
        if allowed:
            raise ApiError(405, 'METHOD_NOT_ALLOWED', f'Method {method} is not allowed for {raw_path}.', headers={'Allow': ', '.join(sorted(allowed))})
        raise not_found(raw_path)

    def error_problems(self, body):
        """Violations of an error body (used for responses outside any operation)."""
        return [f'{field}: {description}' for field, description in self.error_schema.problems(body)]


@functools.lru_cache(maxsize=None)
def load_contract(path=SPEC_PATH):
    """Load and compile the spec once per process."""
    with open(path, encoding='utf-8') as handle:
        return Contract(json.load(handle))
