# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The spec copy, request validation and strict response validation."""

import filecmp
import os

import pytest

from atlas_simulator import handlers
from atlas_simulator.validation import SPEC_PATH, compile_pattern, ecma_to_python
from conftest import SHARED_DIR, new_org_account

NAME_PATTERN = "^[\\p{L}\\p{N}\\-_.,' ]*$"


def fields(response):
    """The field names of a 400's badRequestDetail."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body['errorCode'] == 'VALIDATION_ERROR'
    assert body['error'] == 400 and body['reason'] == 'Bad Request'
    return [item['field'] for item in body['badRequestDetail']['fields']]


def test_spec_copy_is_byte_identical():
    shared = os.path.join(SHARED_DIR, 'atlas', 'atlas-admin-subset.openapi.json')
    if not os.path.exists(shared):
        pytest.skip(f'{shared} is absent; nothing to compare with')
    assert filecmp.cmp(shared, SPEC_PATH, shallow=False)


def test_ecma_translation_keeps_the_pattern_and_anchors_at_the_true_end():
    assert ecma_to_python(NAME_PATTERN) == "^[\\p{L}\\p{N}\\-_.,' ]*\\Z"
    assert ecma_to_python('^[a-f\\d]{2}$') == '^[a-f0-9]{2}\\Z'
    name = compile_pattern(NAME_PATTERN)
    assert name.search('Équipe données 2') and name.search("O'Brien, v1.2_x-y")
    assert not name.search('bad!') and not name.search('trailing\n')
    assert not compile_pattern('^mdb_sa_id_[a-fA-F\\d]{24}$').search('mdb_sa_id_' + '١' * 24)


def test_unicode_names_are_accepted(api, org_id):
    account = new_org_account(api, org_id, name='Équipe données 2')
    assert account['name'] == 'Équipe données 2'
    assert api.get(f"/orgs/{org_id}/serviceAccounts/{account['clientId']}").json()['name'] == 'Équipe données 2'


@pytest.mark.parametrize('change, field', [
    ({'name': 'bad!'}, 'name'),
    ({'name': 'x' * 65}, 'name'),
    ({'description': ''}, 'description'),
    ({'roles': ['ORG_GOD']}, 'roles[0]'),
    ({'roles': []}, 'roles'),
    ({'secretExpiresAfterHours': 0}, 'secretExpiresAfterHours'),
    ({'secretExpiresAfterHours': '8'}, 'secretExpiresAfterHours'),
    ({'unknownField': 1}, 'unknownField'),
    ({'createdAt': '2026-01-01T00:00:00Z'}, 'createdAt'),
])
def test_org_create_body_is_validated(api, org_id, change, field):
    body = {'name': 'ok', 'description': 'ok', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 8}
    body.update(change)
    assert field in fields(api.post(f'/orgs/{org_id}/serviceAccounts', body))


def test_every_offending_field_is_named(api, project_id):
    response = api.post(f'/groups/{project_id}/serviceAccounts', {'name': 'a!', 'description': 'x' * 251, 'roles': ['ORG_OWNER']})
    assert sorted(fields(response)) == ['description', 'name', 'secretExpiresAfterHours']


def test_missing_secret_expiry_is_refused(api, project_id):
    response = api.post(f'/groups/{project_id}/serviceAccounts', {'name': 'n', 'description': 'd', 'roles': ['GROUP_OWNER']})
    assert fields(response) == ['secretExpiresAfterHours']


@pytest.mark.parametrize('role', ['ORG_OWNER', 'GROUP_FOO'])
def test_non_project_roles_are_refused_on_projects(api, project_id, role):
    response = api.post(f'/groups/{project_id}/serviceAccounts',
                        {'name': 'n', 'description': 'd', 'roles': ['GROUP_OWNER', role], 'secretExpiresAfterHours': 8})
    assert fields(response) == ['roles[1]']


@pytest.mark.parametrize('hours', [7, 8761])
def test_secret_expiry_outside_8_to_org_maximum_is_refused(api, org_id, hours):
    response = api.post(f'/orgs/{org_id}/serviceAccounts',
                        {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': hours})
    assert response.status_code == 400
    body = response.json()
    assert body['errorCode'] == 'INVALID_SECRET_EXPIRATION'
    assert 'between 8 and 8760' in body['detail']
    account = new_org_account(api, org_id)
    response = api.post(f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/secrets", {'secretExpiresAfterHours': hours})
    assert response.json()['errorCode'] == 'INVALID_SECRET_EXPIRATION'


@pytest.mark.parametrize('path, params, field', [
    ('/orgs/nothex/serviceAccounts', None, 'orgId'),
    ('/orgs/{org}/serviceAccounts/mdb_sa_id_short', None, 'clientId'),
    ('/orgs/{org}/serviceAccounts', {'itemsPerPage': 0}, 'itemsPerPage'),
    ('/orgs/{org}/serviceAccounts', {'itemsPerPage': 501}, 'itemsPerPage'),
    ('/orgs/{org}/serviceAccounts', {'pageNum': 'two'}, 'pageNum'),
    ('/orgs/{org}/serviceAccounts', {'includeSystemManaged': 'maybe'}, 'includeSystemManaged'),
])
def test_parameters_are_validated(api, org_id, path, params, field):
    assert fields(api.get(path.format(org=org_id), params=params)) == [field]


def test_unknown_query_parameters_are_ignored(api, org_id):
    assert api.get(f'/orgs/{org_id}/serviceAccounts', params={'whatever': 'x'}).status_code == 200


def test_malformed_json_and_wrong_media_type(api, org_id):
    response = api.post(f'/orgs/{org_id}/serviceAccounts', headers={'Content-Type': 'application/json'})
    assert fields(response) == ['body']
    response = api.session.post(f'{api.url}/api/atlas/v2/orgs/{org_id}/serviceAccounts', data='{not json',
                                headers={'Authorization': f'Bearer {api.token}', 'Accept': 'application/vnd.atlas.2024-08-05+json',
                                         'Content-Type': 'application/json'})
    assert fields(response) == ['body']
    response = api.session.post(f'{api.url}/api/atlas/v2/orgs/{org_id}/serviceAccounts', data='name=x',
                                headers={'Authorization': f'Bearer {api.token}', 'Accept': 'application/vnd.atlas.2024-08-05+json',
                                         'Content-Type': 'text/plain'})
    assert response.status_code == 415
    assert response.json()['errorCode'] == 'UNSUPPORTED_MEDIA_TYPE'


def test_vendor_content_type_is_accepted(api, org_id):
    body = {'name': 'n', 'description': 'd', 'roles': ['ORG_MEMBER'], 'secretExpiresAfterHours': 8}
    response = api.post(f'/orgs/{org_id}/serviceAccounts', body, headers={'Content-Type': 'application/vnd.atlas.2025-03-12+json'})
    assert response.status_code == 201


def test_strict_mode_catches_a_broken_response(sim, api, org_id, monkeypatch):
    monkeypatch.setitem(handlers.HANDLERS, 'listOrgServiceAccounts',
                        lambda call: (200, {'results': [{'clientId': 'not-a-client-id', 'roles': ['ORG_KING']}]}))
    response = api.get(f'/orgs/{org_id}/serviceAccounts')
    assert response.status_code == 500
    assert response.json()['errorCode'] == 'SIMULATOR_RESPONSE_INVALID'
    assert len(sim.violations) == 1
    problems = ' '.join(sim.violations[0]['problems'])
    assert 'results[0].clientId' in problems and 'results[0].roles[0]' in problems
    sim.violations.clear()


def test_strict_mode_catches_an_undeclared_status(sim, api, org_id, monkeypatch):
    monkeypatch.setitem(handlers.HANDLERS, 'listOrgServiceAccounts', lambda call: (201, {'results': []}))
    assert api.get(f'/orgs/{org_id}/serviceAccounts').json()['errorCode'] == 'SIMULATOR_RESPONSE_INVALID'
    assert sim.violations[0]['problems'] == ['status 201 is not declared for listOrgServiceAccounts']
    sim.violations.clear()


def test_non_strict_mode_lets_a_broken_response_through(sim, api, org_id, monkeypatch):
    monkeypatch.setitem(handlers.HANDLERS, 'listOrgServiceAccounts', lambda call: (200, {'results': 'nope'}))
    monkeypatch.setattr(sim, 'strict', False)
    assert api.get(f'/orgs/{org_id}/serviceAccounts').json() == {'results': 'nope'}
    assert not sim.violations


def test_every_operation_of_the_spec_has_a_handler(sim):
    operation_ids = {operation.operation_id for operation in sim.contract.operations}
    assert len(operation_ids) == 35
    assert operation_ids == set(handlers.HANDLERS)
