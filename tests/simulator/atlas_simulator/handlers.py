# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One handler per spec operation (keyed by operationId in :data:`HANDLERS`).

A handler gets a :class:`Call` whose parameters and body have already been validated against the
spec, runs under the state lock, and returns ``(status, body)``; failures are raised as ApiError.
The server looks handlers up in ``HANDLERS`` on every call, so tests can swap one out.

Visibility and roles: an organization or project of another organization is reported as 404
RESOURCE_NOT_FOUND (invisible); a visible resource the caller's roles do not allow is 403.
"""

import ipaddress
import urllib.parse
import uuid

from .errors import ApiError, forbidden, not_found, validation_error
from .state import (GROUP_ROLES, MAX_ACCESS_LIST_ENTRIES, MAX_ACCOUNTS_PER_ORG, MAX_SECRETS_PER_ACCOUNT,
                    MIN_SECRET_HOURS, AccessEntry, ServiceAccount, new_secret, unique_roles)

ORG_READ_ROLES = ('ORG_OWNER', 'ORG_READ_ONLY')


class Call:
    """One validated API call as handlers see it."""

    def __init__(self, sim, operation, params, body, principal, client_ip, base_url, path, query_all=()):
        self.sim = sim
        self.state = sim.state
        self.operation = operation
        self.params = params
        self.body = body
        self.principal = principal
        self.client_ip = client_ip
        self.base_url = base_url
        self.path = path
        self.query_all = list(query_all)
        self.now = sim.clock.now()

    def query_values(self, name):
        """Every value of a repeatable query parameter (``name=a&name=b``), in order."""
        return [value for key, value in self.query_all if key == name]


# --- lookups and authorization ---------------------------------------------------------------------


def _org(call, write=False):
    """The path's organization, visible to the caller; ORG_OWNER needed to write."""
    org = call.state.orgs.get(call.params['orgId'])
    if org is None or org.id != call.principal.org_id:
        raise not_found(call.path)
    if write and 'ORG_OWNER' not in call.principal.org_roles:
        raise forbidden()
    return org


def _project(call, need='read'):
    """The path's project, visible to the caller.

    ``need``: ``read`` (org owner/read-only, or any role in the project), ``owner`` (org owner or
    GROUP_OWNER in the project) or ``org_owner``.
    """
    project = call.state.projects.get(call.params['groupId'])
    if project is None or project.org_id != call.principal.org_id:
        raise not_found(call.path)
    org_roles = call.principal.org_roles
    project_roles = call.principal.project_roles(project.id)
    if 'ORG_OWNER' in org_roles:
        return project
    allowed = {
        'read': any(role in ORG_READ_ROLES for role in org_roles) or bool(project_roles),
        'owner': 'GROUP_OWNER' in project_roles,
        'org_owner': False,
    }[need]
    if not allowed:
        raise forbidden()
    return project


def _org_account(call, org):
    account = call.state.accounts.get(call.params['clientId'])
    if account is None or account.org_id != org.id:
        raise not_found(call.path)
    return account


def _project_account(call, project):
    account = call.state.accounts.get(call.params['clientId'])
    if account is None or project.id not in account.projects:
        raise not_found(call.path)
    return account


# --- checks the spec cannot express ----------------------------------------------------------------


def _check_project_roles(roles):
    """Only the 11 documented GROUP_* roles are accepted on projects (and at least one)."""
    problems = [(f'roles[{index}]', f'{role} is not a valid project role; expected one of {", ".join(GROUP_ROLES)}')
                for index, role in enumerate(roles) if role not in GROUP_ROLES]
    if not roles:
        problems.append(('roles', 'must contain at least one role'))
    if problems:
        raise validation_error(problems)


def _check_secret_hours(org, hours):
    """Every new secret lives at least 8 hours and at most the organization's
    ``maxServiceAccountSecretValidityInHours`` (its settings)."""
    maximum = org.max_secret_hours
    if not MIN_SECRET_HOURS <= hours <= maximum:
        raise ApiError(400, 'INVALID_SECRET_EXPIRATION',
                       f'secretExpiresAfterHours must be between {MIN_SECRET_HOURS} and {maximum} hours '
                       f'(the organization maximum, maxServiceAccountSecretValidityInHours = {maximum}); got {hours}.',
                       fields=[{'field': 'secretExpiresAfterHours',
                                'description': f'must be between {MIN_SECRET_HOURS} and {maximum}'}])


def _check_account_limit(call, org):
    if len(call.state.org_accounts(org.id)) >= MAX_ACCOUNTS_PER_ORG:
        raise ApiError(400, 'SERVICE_ACCOUNT_MAX_ACCOUNTS_REACHED',
                       f'Organization {org.id} already has the maximum of {MAX_ACCOUNTS_PER_ORG} service accounts.')


# --- pagination --------------------------------------------------------------------------------------


def _page(call, items):
    """A Paginated* body: results of the requested page, totalCount (unless includeCount=false) and
    self/previous/next links."""
    per_page = call.params.get('itemsPerPage') or 100
    page_num = call.params.get('pageNum') or 1
    start = (page_num - 1) * per_page
    body = {'results': items[start:start + per_page]}
    if call.params.get('includeCount', True) is not False:
        body['totalCount'] = len(items)

    def link(rel, number):
        query = urllib.parse.urlencode({'pageNum': number, 'itemsPerPage': per_page})
        return {'href': f'{call.base_url}{call.path}?{query}', 'rel': rel}

    links = [link('self', page_num)]
    if page_num > 1:
        links.append(link('previous', page_num - 1))
    if start + per_page < len(items):
        links.append(link('next', page_num + 1))
    body['links'] = links
    return body


# --- service accounts --------------------------------------------------------------------------------


def _create_account(call, org, org_roles, project=None, project_roles=None):
    """Create an account with its first secret, or none with ``withoutInitialSecret: true`` (the body rule
    in validation.py has already refused both or neither of that and ``secretExpiresAfterHours``)."""
    body = call.body
    with_secret = body.get('withoutInitialSecret') is not True
    if with_secret:
        _check_secret_hours(org, body['secretExpiresAfterHours'])
    _check_account_limit(call, org)
    account = ServiceAccount(client_id=call.state.new_client_id(), org_id=org.id, name=body['name'],
                             description=body['description'], roles=unique_roles(org_roles), created_at=call.now)
    plaintext = {}
    if with_secret:
        secret, value = new_secret(call.now, body['secretExpiresAfterHours'])
        plaintext = {secret.id: value}
        account.secrets.append(secret)
    if project is not None:
        account.projects[project.id] = unique_roles(project_roles)
    call.state.accounts[account.client_id] = account
    return account, plaintext


def _update_account(account, body):
    """PATCH semantics: only given, non-null fields change."""
    for field in ('name', 'description'):
        if body.get(field) is not None:
            setattr(account, field, body[field])


def list_org_accounts(call):
    org = _org(call)
    accounts = call.state.org_accounts(org.id, call.params.get('includeSystemManaged'))
    return 200, _page(call, [account.org_view() for account in accounts])


def create_org_account(call):
    org = _org(call, write=True)
    account, plaintext = _create_account(call, org, call.body['roles'])
    return 201, account.org_view(plaintext)


def get_org_account(call):
    account = _org_account(call, _org(call))
    return 200, account.org_view()


def update_org_account(call):
    account = _org_account(call, _org(call, write=True))
    roles = call.body.get('roles')
    if roles is not None:
        if not roles:
            raise validation_error([('roles', 'must contain at least one role')])
        account.roles = unique_roles(roles)
    _update_account(account, call.body)
    return 200, account.org_view()


def delete_org_account(call):
    account = _org_account(call, _org(call, write=True))
    call.state.delete_account(account.client_id)
    return 204, None


def list_account_groups(call):
    account = _org_account(call, _org(call))
    groups = [{'groupId': project_id, 'roles': list(roles)} for project_id, roles in account.projects.items()]
    return 200, _page(call, groups)


def list_group_accounts(call):
    project = _project(call)
    accounts = call.state.project_accounts(project.id, call.params.get('includeSystemManaged'))
    return 200, _page(call, [account.group_view(project.id) for account in accounts])


def create_group_account(call):
    project = _project(call, 'owner')
    _check_project_roles(call.body['roles'])
    org = call.state.orgs[project.org_id]
    account, plaintext = _create_account(call, org, ['ORG_MEMBER'], project, call.body['roles'])
    return 201, account.group_view(project.id, plaintext)


def get_group_account(call):
    project = _project(call)
    return 200, _project_account(call, project).group_view(project.id)


def update_group_account(call):
    project = _project(call, 'owner')
    account = _project_account(call, project)
    roles = call.body.get('roles')
    if roles is not None:
        _check_project_roles(roles)
        account.projects[project.id] = unique_roles(roles)
    _update_account(account, call.body)
    return 200, account.group_view(project.id)


def delete_group_account(call):
    """Unassign from the project only: the account and its credentials stay in the organization."""
    project = _project(call, 'owner')
    account = _project_account(call, project)
    del account.projects[project.id]
    return 204, None


def invite_group_account(call):
    """Assign an organization account to the project; an existing assignment gets its roles replaced."""
    project = _project(call, 'org_owner')
    account = call.state.accounts.get(call.params['clientId'])
    if account is None or account.org_id != project.org_id:
        raise not_found(call.path)
    _check_project_roles(call.body['roles'])
    account.projects[project.id] = unique_roles(call.body['roles'])
    return 200, account.group_view(project.id)


# --- secrets ---------------------------------------------------------------------------------------


def _create_secret(call, org, account):
    hours = call.body['secretExpiresAfterHours']
    _check_secret_hours(org, hours)
    if len(account.secrets) >= MAX_SECRETS_PER_ACCOUNT:
        raise ApiError(400, 'SERVICE_ACCOUNT_MAX_SECRETS_REACHED',
                       f'Service account {account.client_id} already has the maximum of {MAX_SECRETS_PER_ACCOUNT} secrets; '
                       'delete one before creating another.')
    secret, plaintext = new_secret(call.now, hours)
    account.secrets.append(secret)
    return 201, secret.view(plaintext)


def _delete_secret(call, account):
    secret = next((s for s in account.secrets if s.id == call.params['secretId']), None)
    if secret is None:
        raise not_found(call.path)
    account.secrets.remove(secret)
    return 204, None


def create_org_secret(call):
    org = _org(call, write=True)
    return _create_secret(call, org, _org_account(call, org))


def delete_org_secret(call):
    return _delete_secret(call, _org_account(call, _org(call, write=True)))


def create_group_secret(call):
    project = _project(call, 'owner')
    return _create_secret(call, call.state.orgs[project.org_id], _project_account(call, project))


def delete_group_secret(call):
    return _delete_secret(call, _project_account(call, _project(call, 'owner')))


# --- access lists ----------------------------------------------------------------------------------


def _access_page(call, account):
    return 200, _page(call, [entry.view() for entry in account.access_list])


def _new_access_entries(call, holder):
    """Parse the entries of an access-list POST body: each needs exactly one of ``ipAddress`` and
    ``cidrBlock`` that parses as an address or network; entries already listed (or repeated) are dropped.
    An empty list is valid (the spec sets no minimum) and adds nothing."""
    new_entries = []
    problems = []
    known = {entry.key for entry in holder.access_list}
    for index, item in enumerate(call.body):
        address, cidr = item.get('ipAddress'), item.get('cidrBlock')
        if (address is None) == (cidr is None):
            problems.append((f'[{index}]', 'set exactly one of ipAddress or cidrBlock'))
            continue
        text = address if address is not None else cidr.replace('%2F', '/').replace('%2f', '/')
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            problems.append((f'[{index}].{"ipAddress" if address is not None else "cidrBlock"}',
                             f'{text} is not a valid address or CIDR block'))
            continue
        if text in known:
            continue
        known.add(text)
        new_entries.append(AccessEntry(ip_address=address, cidr_block=None if address is not None else text,
                                       created_at=call.now, network=network))
    if problems:
        raise validation_error(problems)
    return new_entries


def _add_access_entries(call, account):
    """Add entries atomically: duplicates are ignored, the total may not exceed 200."""
    new_entries = _new_access_entries(call, account)
    if len(account.access_list) + len(new_entries) > MAX_ACCESS_LIST_ENTRIES:
        raise ApiError(400, 'SERVICE_ACCOUNT_MAX_ACCESS_LIST_ENTRIES_REACHED',
                       f'Service account {account.client_id} may have at most {MAX_ACCESS_LIST_ENTRIES} access list entries '
                       f'({len(account.access_list)} exist, {len(new_entries)} new).')
    account.access_list.extend(new_entries)
    return _access_page(call, account)


def _delete_access_entry(call, account):
    """Remove one entry, unless it is what admits the requesting address."""
    key = urllib.parse.unquote(call.params['ipAddress'])
    entry = next((e for e in account.access_list if e.key == key), None)
    if entry is None:
        raise not_found(call.path)
    if entry.admits(call.client_ip):
        raise ApiError(400, 'CANNOT_REMOVE_CALLER_ACCESS_LIST_ENTRY',
                       f'The access list entry {key} admits the requesting IP address {call.client_ip} and cannot be removed.')
    account.access_list.remove(entry)
    return 204, None


def list_org_access(call):
    return _access_page(call, _org_account(call, _org(call)))


def create_org_access(call):
    return _add_access_entries(call, _org_account(call, _org(call, write=True)))


def delete_org_access(call):
    return _delete_access_entry(call, _org_account(call, _org(call, write=True)))


def list_group_access(call):
    project = _project(call)
    return _access_page(call, _project_account(call, project))


def create_group_access(call):
    return _add_access_entries(call, _project_account(call, _project(call, 'owner')))


def delete_group_access(call):
    return _delete_access_entry(call, _project_account(call, _project(call, 'owner')))


# --- organization settings -----------------------------------------------------------------------

ABSOLUTE_TIMEOUT_RANGE = (3600, 43200)
MIN_IDLE_TIMEOUT = 300


def _settings_view(org):
    """The OrganizationSettings body (unset contacts and timeouts are omitted)."""
    return {key: (dict(value) if isinstance(value, dict) else value) for key, value in org.settings.items()
            if value is not None and value != {}}


def get_org_settings(call):
    """Any member of the organization reads its settings."""
    return 200, _settings_view(_org(call))


def _check_settings(org, body):
    """The rules the OrganizationSettings descriptions state and its schema does not."""
    problems = []
    if body.get('operationsContact') == '':
        problems.append(('operationsContact', 'must not be empty (send null to clear it)'))
    timeouts = body.get('customSessionTimeouts') or {}
    current = org.settings.get('customSessionTimeouts') or {}
    absolute = timeouts.get('absoluteSessionTimeoutInSeconds')
    if absolute is not None and not ABSOLUTE_TIMEOUT_RANGE[0] <= absolute <= ABSOLUTE_TIMEOUT_RANGE[1]:
        problems.append(('customSessionTimeouts.absoluteSessionTimeoutInSeconds',
                         f'must be between {ABSOLUTE_TIMEOUT_RANGE[0]} and {ABSOLUTE_TIMEOUT_RANGE[1]} seconds'))
    idle = timeouts.get('idleSessionTimeoutInSeconds')
    if idle is not None:
        ceiling = absolute or current.get('absoluteSessionTimeoutInSeconds') or ABSOLUTE_TIMEOUT_RANGE[1]
        if not MIN_IDLE_TIMEOUT <= idle <= ceiling:
            problems.append(('customSessionTimeouts.idleSessionTimeoutInSeconds',
                             f'must be between {MIN_IDLE_TIMEOUT} seconds and the absolute session timeout ({ceiling})'))
    if problems:
        raise validation_error(problems)


def update_org_settings(call):
    """Organization owners change the given fields only; ``operationsContact: null`` and
    ``securityContact: ""`` clear the contact (spec text). A new ``maxServiceAccountSecretValidityInHours``
    bounds secrets created from now on; existing secrets keep their expiry."""
    org = _org(call, write=True)
    _check_settings(org, call.body)
    for field, value in call.body.items():
        if field == 'customSessionTimeouts':
            merged = dict(org.settings.get('customSessionTimeouts') or {})
            merged.update({key: int(number) for key, number in value.items()})
            org.settings[field] = merged
        elif field == 'securityContact' and value == '':
            org.settings.pop(field, None)
        elif field == 'maxServiceAccountSecretValidityInHours':
            org.settings[field] = int(value)
        else:
            org.settings[field] = value
    return 200, _settings_view(org)


# --- organization API keys -------------------------------------------------------------------------


def _api_key(call, org):
    key = call.state.api_key_by_id(call.params['apiUserId'])
    if key is None or key.org_id != org.id:
        raise not_found(call.path)
    return key


def _check_key_roles(roles):
    """Roles of an API key: at least one, none null (the spec's items are nullable, its text is not)."""
    problems = [(f'roles[{index}]', 'must be an organization role, not null') for index, role in enumerate(roles)
                if role is None]
    if not roles:
        problems.append(('roles', 'must contain at least one role'))
    if problems:
        raise validation_error(problems)


def list_api_keys(call):
    org = _org(call)
    keys = [key.view(call.base_url) for key in call.state.api_keys.values() if key.org_id == org.id]
    return 200, _page(call, keys)


def create_api_key(call):
    """200 (as the spec says) with the only plaintext copy of the private key."""
    org = _org(call, write=True)
    _check_key_roles(call.body['roles'])
    private_key = str(uuid.uuid4())
    key = call.state.add_api_key(org.id, call.state.new_public_key(), private_key, unique_roles(call.body['roles']),
                                 call.body['desc'])
    return 200, key.view(call.base_url, private_key)


def get_api_key(call):
    return 200, _api_key(call, _org(call)).view(call.base_url)


def update_api_key(call):
    """Change ``desc`` and/or ``roles``; at least one of them is required (spec text)."""
    key = _api_key(call, _org(call, write=True))
    if not call.body:
        raise validation_error([('body', 'give at least one of desc and roles')])
    if 'roles' in call.body:
        _check_key_roles(call.body['roles'])
        key.roles = unique_roles(call.body['roles'])
    if 'desc' in call.body:
        key.desc = call.body['desc']
    return 200, key.view(call.base_url)


def delete_api_key(call):
    key = _api_key(call, _org(call, write=True))
    del call.state.api_keys[key.public_key]
    return 204, None


def _key_entry_links(call, key, entry):
    encoded = urllib.parse.quote(entry.key, safe=':')
    return [{'href': f'{call.base_url}/api/atlas/v2/orgs/{key.org_id}/apiKeys/{key.id}/accessList/{encoded}', 'rel': 'self'}]


def _key_access_page(call, key):
    return 200, _page(call, [entry.key_view(_key_entry_links(call, key, entry)) for entry in key.access_list])


def _key_access_entry(call, key):
    address = urllib.parse.unquote(call.params['ipAddress'])
    entry = next((e for e in key.access_list if e.key == address), None)
    if entry is None:
        raise not_found(call.path)
    return entry


def list_api_key_access(call):
    return _key_access_page(call, _api_key(call, _org(call)))


def create_api_key_access(call):
    """Add entries (duplicates ignored); answers the whole list."""
    key = _api_key(call, _org(call, write=True))
    key.access_list.extend(_new_access_entries(call, key))
    return _key_access_page(call, key)


def get_api_key_access(call):
    key = _api_key(call, _org(call))
    entry = _key_access_entry(call, key)
    return 200, entry.key_view(_key_entry_links(call, key, entry))


def delete_api_key_access(call):
    """Remove one entry; an API key cannot remove the entry that admits its own request (spec text)."""
    key = _api_key(call, _org(call, write=True))
    entry = _key_access_entry(call, key)
    if call.principal.api_key is key and entry.admits(call.client_ip):
        raise ApiError(400, 'CANNOT_REMOVE_CALLER_ACCESS_LIST_ENTRY',
                       f'The access list entry {entry.key} admits the requesting IP address {call.client_ip} '
                       'and cannot be removed by this API key.')
    key.access_list.remove(entry)
    return 204, None


# --- rate limits --------------------------------------------------------------------------------------


def _rate_limit_filters(call):
    """The entity filters of a /rateLimits call, each allowed for the caller: scope -> entity.

    ``orgId`` needs Organization Read Only (ORG_OWNER or ORG_READ_ONLY) on that organization, ``groupId``
    Project Read Only on that project (org owner/read-only or any role in it), ``userId`` must be the caller
    and ``ipAddress`` the caller's address (spec text). Anything else, an unknown id included, is 403: the
    list operation declares no 404.
    """
    principal = call.principal
    filters = {}
    org_id = call.params.get('orgId')
    if org_id is not None:
        if org_id != principal.org_id or org_id not in call.state.orgs or not any(
                role in ORG_READ_ROLES for role in principal.org_roles):
            raise forbidden(f'The requesting user needs the Organization Read Only role on organization {org_id}.')
        filters['ORGANIZATION'] = org_id
    group_id = call.params.get('groupId')
    if group_id is not None:
        project = call.state.projects.get(group_id)
        if project is None or project.org_id != principal.org_id or not (
                any(role in ORG_READ_ROLES for role in principal.org_roles) or principal.project_roles(group_id)):
            raise forbidden(f'The requesting user needs the Project Read Only role on project {group_id}.')
        filters['GROUP'] = group_id
    user_id = call.params.get('userId')
    if user_id is not None:
        if user_id != principal.ident:
            raise forbidden('The userId must be the requesting user.')
        filters['USER'] = user_id
    address = call.params.get('ipAddress')
    if address is not None:
        try:
            same = ipaddress.ip_address(address) == ipaddress.ip_address(call.client_ip)
        except ValueError:
            same = False
        if not same:
            raise forbidden('The ipAddress must be the address the request comes from.')
        filters['IP'] = address
    return filters


def list_rate_limits(call):
    """Each entity filter selects the sets of its scope, valued for that entity (overrides applied,
    ``defaultValue`` where one is); without one, every set with its default values. ``name`` (exact) and
    ``endpointPath`` (a prefix of an endpoint's template path) are repeatable and narrow further."""
    filters = _rate_limit_filters(call)
    selections = [(scope, filters[scope]) for scope in ('ORGANIZATION', 'GROUP', 'USER', 'IP') if scope in filters]
    views = call.sim.rate_limits.views(selections or [(None, None)], call.query_values('name'),
                                       call.query_values('endpointPath'))
    return 200, _page(call, views)


def get_rate_limit(call):
    """One set, valued for the filter entity of its own scope (filters of other scopes are checked, not used)."""
    filters = _rate_limit_filters(call)
    view = call.sim.rate_limits.view(call.params['endpointSetId'], filters)
    if view is None:
        raise not_found(call.path)
    return 200, view


HANDLERS = {
    'listRateLimits': list_rate_limits,
    'getRateLimit': get_rate_limit,
    'getOrgSettings': get_org_settings,
    'updateOrgSettings': update_org_settings,
    'listOrgApiKeys': list_api_keys,
    'createOrgApiKey': create_api_key,
    'getOrgApiKey': get_api_key,
    'updateOrgApiKey': update_api_key,
    'deleteOrgApiKey': delete_api_key,
    'listOrgApiKeyAccessListEntries': list_api_key_access,
    'createOrgApiKeyAccessListEntry': create_api_key_access,
    'getOrgApiKeyAccessListEntry': get_api_key_access,
    'deleteOrgApiKeyAccessListEntry': delete_api_key_access,
    'listOrgServiceAccounts': list_org_accounts,
    'createOrgServiceAccount': create_org_account,
    'getOrgServiceAccount': get_org_account,
    'updateOrgServiceAccount': update_org_account,
    'deleteOrgServiceAccount': delete_org_account,
    'createOrgServiceAccountSecret': create_org_secret,
    'deleteOrgServiceAccountSecret': delete_org_secret,
    'listOrgServiceAccountAccessList': list_org_access,
    'createOrgServiceAccountAccessList': create_org_access,
    'deleteOrgServiceAccountAccessListEntry': delete_org_access,
    'getOrgServiceAccountGroups': list_account_groups,
    'listGroupServiceAccounts': list_group_accounts,
    'createGroupServiceAccount': create_group_account,
    'getGroupServiceAccount': get_group_account,
    'updateGroupServiceAccount': update_group_account,
    'deleteGroupServiceAccount': delete_group_account,
    'inviteGroupServiceAccount': invite_group_account,
    'createGroupServiceAccountSecret': create_group_secret,
    'deleteGroupServiceAccountSecret': delete_group_secret,
    'listGroupServiceAccountAccessList': list_group_access,
    'createGroupServiceAccountAccessList': create_group_access,
    'deleteGroupServiceAccountAccessListEntry': delete_group_access,
}
