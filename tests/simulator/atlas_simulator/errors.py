# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Atlas-shaped errors.

Every failure inside the simulator is raised as :class:`ApiError` and rendered as the spec's
``ApiError`` body (``error``, ``errorCode``, ``detail``, ``reason``, ``parameters`` and, for
validation errors, ``badRequestDetail``).

``parameters`` stays empty on /api/atlas/v2: the spec types its items as objects while real Atlas
sends scalars. Only Atlas's documented bodies fill it: the (unspecified) OAuth token endpoint's
``RATE_LIMITED`` 429 and the Admin API's ``RATE_LIMITED_TOKEN_BUCKET`` 429 (whose five parameters
strict mode checks against that documented shape instead).
"""

from http import HTTPStatus


def reason_phrase(status):
    """The HTTP reason phrase Atlas puts in ``reason`` (e.g. ``Bad Request``)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return 'Error'


class ApiError(Exception):
    """An error response: HTTP status, Atlas errorCode, detail and optional extras."""

    def __init__(self, status, error_code, detail, parameters=None, fields=None, headers=None):
        super().__init__(f'{status} {error_code}: {detail}')
        self.status = status
        self.error_code = error_code
        self.detail = detail
        self.parameters = parameters or []
        self.fields = fields
        self.headers = headers or {}

    def body(self):
        """The JSON body (a dict) in the spec's ApiError shape."""
        body = {
            'error': self.status,
            'errorCode': self.error_code,
            'detail': self.detail,
            'reason': reason_phrase(self.status),
            'parameters': self.parameters,
        }
        if self.fields is not None:
            body['badRequestDetail'] = {'fields': self.fields}
        return body


def validation_error(fields, detail=None):
    """400 VALIDATION_ERROR naming every offending field (``fields``: list of (field, description))."""
    violations = [{'field': field, 'description': description} for field, description in fields]
    if detail is None:
        detail = 'Invalid request: ' + '; '.join(f'{field}: {description}' for field, description in fields)
    return ApiError(400, 'VALIDATION_ERROR', detail, fields=violations)


def not_found(path):
    """404 RESOURCE_NOT_FOUND worded like Atlas (``Cannot find resource <path>``)."""
    return ApiError(404, 'RESOURCE_NOT_FOUND', f'Cannot find resource {path}.')


def forbidden(detail='Current user is not authorized to perform this action.'):
    """403 for an authenticated caller whose roles do not allow the operation."""
    return ApiError(403, 'USER_UNAUTHORIZED', detail)


def unauthorized(detail='You are not authorized for this resource.', headers=None):
    """401 for missing or invalid credentials."""
    return ApiError(401, 'UNAUTHORIZED', detail, headers=headers)
