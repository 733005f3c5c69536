# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regression tests for what the schemathesis run (`make fuzz`) found where the simulator strayed from
the spec or from Atlas's documented behaviour."""

import pytest
import requests

from conftest import VERSION, new_org_account

NULL = {'Content-Type': 'application/json'}


def raw(api, method, path, data=None, headers=None):
    """A request with a raw body and the admin token (no JSON encoding by requests)."""
    sent = {'Authorization': f'Bearer {api.token}', 'Accept': VERSION}
    sent.update(headers or {})
    return api.session.request(method, f'{api.url}/api/atlas/v2{path}', data=data, headers=sent, timeout=30)


@pytest.mark.parametrize('method', ['TRACE', 'CONNECT', 'PROPFIND'])
def test_undeclared_methods_get_405_with_allow(api, org_id, method):
    response = raw(api, method, f'/orgs/{org_id}/serviceAccounts')
    assert response.status_code == 405
    assert response.headers['Allow'] == 'GET, POST'
    assert response.headers['Content-Type'] == 'application/json'
    assert response.json()['errorCode'] == 'METHOD_NOT_ALLOWED'


@pytest.mark.parametrize('path', ['/orgs/{org}/serviceAccounts', '/groups/{project}/serviceAccounts',
                                  '/orgs/{org}/apiKeys', '/orgs/{org}/settings'])
def test_json_null_body_is_a_400_not_a_500(api, org_id, project_id, path):
    method = 'PATCH' if path.endswith('settings') else 'POST'
    response = raw(api, method, path.format(org=org_id, project=project_id), 'null', NULL)
    assert response.status_code == 400
    assert response.json()['badRequestDetail']['fields'] == [{'field': 'body', 'description': 'is required'}]


def test_a_204_names_the_media_type_served(api, org_id):
    account = new_org_account(api, org_id)
    response = api.delete(f"/orgs/{org_id}/serviceAccounts/{account['clientId']}",
                          headers={'Accept': 'application/vnd.atlas.2026-01-01+json'})
    assert response.status_code == 204 and response.content == b''
    assert response.headers['Content-Type'] == VERSION


def test_percent_encoded_path_characters_mean_themselves(api, org_id):
    account = new_org_account(api, org_id)
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/accessList"
    api.post(path, [{'ipAddress': '2001:db8:0:0:0:0:0:1'}, {'cidrBlock': '198.51.100.0/24'}])
    # Clients that encode ':' (as schemathesis and many URL builders do) address the same entry.
    assert api.delete(f'{path}/2001%3Adb8%3A0%3A0%3A0%3A0%3A0%3A1').status_code == 204
    # The slash of a CIDR block stays %2F (in either case), and a doubly encoded one is that too.
    assert api.delete(f'{path}/198.51.100.0%252F24').status_code == 204
    assert api.get(path).json()['results'] == []
    encoded_client = account['clientId'].replace('_', '%5F')
    assert api.get(f'/orgs/{org_id}/serviceAccounts/{encoded_client}').status_code == 200


def test_encoded_invite_suffix_routes_to_invite(api, org_id, project_id):
    account = new_org_account(api, org_id)
    response = api.post(f"/groups/{project_id}/serviceAccounts/{account['clientId']}%3Ainvite", {'roles': ['GROUP_READ_ONLY']})
    assert response.status_code == 200 and response.json()['roles'] == ['GROUP_READ_ONLY']


def test_control_api_is_not_affected(sim):
    assert requests.request('TRACE', sim.url + '/_sim/clock', timeout=30).status_code == 405


def test_an_empty_access_list_post_adds_nothing(api, org_id):
    # The spec sets no minItems on the body; an empty list is a valid request, not a 400.
    account = new_org_account(api, org_id)
    path = f"/orgs/{org_id}/serviceAccounts/{account['clientId']}/accessList"
    api.post(path, [{'ipAddress': '192.0.2.1'}])
    response = api.post(path, [])
    assert response.status_code == 200 and response.json()['totalCount'] == 1
    key = api.post(f'/orgs/{org_id}/apiKeys', {'desc': 'k', 'roles': ['ORG_MEMBER']}).json()
    response = api.post(f"/orgs/{org_id}/apiKeys/{key['id']}/accessList", [])
    assert response.status_code == 200 and response.json()['results'] == []
