# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The in-memory model: organizations, projects, service accounts, secrets, access lists, API keys
and access tokens.

One re-entrant lock guards everything; the HTTP layer holds it around authentication and each
handler, so concurrent requests (parallel Ansible forks) see consistent state. Secrets, private keys
and tokens are stored hashed only; plaintext secrets exist only in the response that created them.
"""

import copy
import dataclasses
import datetime
import hashlib
import ipaddress
import secrets
import string
import threading

from .clock import iso, parse_iso

SECRET_PREFIX = 'mdb_sa_sk_'
CLIENT_ID_PREFIX = 'mdb_sa_id_'
DIGEST_REALM = 'MMS Public API'

# The 11 project roles documented for service accounts (the spec dropped the enum in 2026-01; the
# simulator still refuses anything else, see README).
GROUP_ROLES = (
    'GROUP_OWNER', 'GROUP_READ_ONLY', 'GROUP_DATA_ACCESS_ADMIN', 'GROUP_DATA_ACCESS_READ_ONLY',
    'GROUP_DATA_ACCESS_READ_WRITE', 'GROUP_CLUSTER_MANAGER', 'GROUP_SEARCH_INDEX_EDITOR',
    'GROUP_STREAM_PROCESSING_OWNER', 'GROUP_BACKUP_MANAGER', 'GROUP_OBSERVABILITY_VIEWER',
    'GROUP_DATABASE_ACCESS_ADMIN',
)

MAX_ACCOUNTS_PER_ORG = 200
MAX_SECRETS_PER_ACCOUNT = 2
MAX_ACCESS_LIST_ENTRIES = 200
MAX_TOKENS_PER_ACCOUNT = 100
MIN_SECRET_HOURS = 8


def sha256(text):
    """Hex SHA-256 of a string: how secrets and tokens are kept."""
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def md5(text):
    """Hex MD5 of a string (HTTP Digest, RFC 2617)."""
    return hashlib.md5(text.encode('utf-8')).hexdigest()  # nosec - required by the Digest scheme


def new_hex_id():
    """A random 24-hex id like Atlas object ids."""
    return secrets.token_hex(12)


def without_nulls(body):
    """Drop null members: Atlas omits unset fields rather than sending null."""
    return {key: value for key, value in body.items() if value is not None}


def unique_roles(roles):
    """Roles without duplicates, first occurrence order kept (the responses declare uniqueItems)."""
    return list(dict.fromkeys(roles))


@dataclasses.dataclass
class Project:
    """A project (group) of an organization."""

    id: str
    org_id: str
    name: str


def default_settings(max_secret_hours):
    """The OrganizationSettings of a new organization (Atlas's defaults) with the given secret maximum."""
    return {
        'apiAccessListRequired': False,
        'genAIFeaturesEnabled': True,
        'maxServiceAccountSecretValidityInHours': int(max_secret_hours),
        'multiFactorAuthRequired': False,
        'restrictEmployeeAccess': False,
        'streamsCrossGroupEnabled': False,
    }


@dataclasses.dataclass
class Org:
    """An organization with its projects and its settings (the OrganizationSettings body)."""

    id: str
    name: str
    settings: dict
    projects: dict = dataclasses.field(default_factory=dict)

    @property
    def max_secret_hours(self):
        """``maxServiceAccountSecretValidityInHours``: the longest lifetime of a new secret."""
        return self.settings['maxServiceAccountSecretValidityInHours']


@dataclasses.dataclass
class Secret:
    """A service account secret; only a hash and the masked form are kept."""

    id: str
    secret_hash: str
    masked: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    last_used_at: datetime.datetime = None

    def view(self, plaintext=None):
        """The ServiceAccountSecret body; ``plaintext`` only in the response that created it."""
        return without_nulls({
            'id': self.id,
            'createdAt': iso(self.created_at),
            'expiresAt': iso(self.expires_at),
            'lastUsedAt': iso(self.last_used_at) if self.last_used_at else None,
            'maskedSecretValue': self.masked,
            'secret': plaintext,
        })


@dataclasses.dataclass
class AccessEntry:
    """One access-list entry (an address or a CIDR block) with its usage counters."""

    ip_address: str
    cidr_block: str
    created_at: datetime.datetime
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    last_used_address: str = None
    last_used_at: datetime.datetime = None
    request_count: int = 0

    @property
    def key(self):
        """What the DELETE path names: the address or the CIDR block."""
        return self.ip_address or self.cidr_block

    def admits(self, address):
        """Whether a client address falls in this entry."""
        try:
            return ipaddress.ip_address(address) in self.network
        except ValueError:
            return False

    def record_use(self, address, now):
        """Count one request from ``address`` admitted by this entry."""
        self.last_used_address = address
        self.last_used_at = now
        self.request_count += 1

    def view(self):
        """The ServiceAccountIPAccessListEntry body."""
        return without_nulls({
            'ipAddress': self.ip_address,
            'cidrBlock': self.cidr_block,
            'createdAt': iso(self.created_at),
            'lastUsedAddress': self.last_used_address,
            'lastUsedAt': iso(self.last_used_at) if self.last_used_at else None,
            'requestCount': self.request_count,
        })

    def key_view(self, links):
        """The UserAccessListResponse body (an API key's entry); ``count`` and the last use once used."""
        return without_nulls({
            'ipAddress': self.ip_address,
            'cidrBlock': self.cidr_block,
            'created': iso(self.created_at),
            'count': self.request_count or None,
            'lastUsed': iso(self.last_used_at) if self.last_used_at else None,
            'lastUsedAddress': self.last_used_address,
            'links': links,
        })


@dataclasses.dataclass
class ServiceAccount:
    """A service account: org roles, project assignments (project id -> roles), secrets, access list."""

    client_id: str
    org_id: str
    name: str
    description: str
    roles: list
    created_at: datetime.datetime
    secrets: list = dataclasses.field(default_factory=list)
    projects: dict = dataclasses.field(default_factory=dict)
    access_list: list = dataclasses.field(default_factory=list)
    system_managed: bool = False

    def _view(self, roles, plaintext):
        return {
            'clientId': self.client_id,
            'createdAt': iso(self.created_at),
            'description': self.description,
            'name': self.name,
            'roles': list(roles),
            'secrets': [secret.view(plaintext.get(secret.id)) for secret in self.secrets],
        }

    def org_view(self, plaintext=None):
        """The OrgServiceAccount body (org roles)."""
        return self._view(self.roles, plaintext or {})

    def group_view(self, project_id, plaintext=None):
        """The GroupServiceAccount body (roles in ``project_id``)."""
        return self._view(self.projects.get(project_id, []), plaintext or {})


@dataclasses.dataclass
class ApiKey:
    """An organization programmatic API key for HTTP Digest.

    The private key is kept only as the Digest HA1 plus its last 12 characters (the redacted form Atlas
    shows after creation). ``roles`` are its organization roles; ``project_roles`` (project id -> roles)
    come from assigning the key to projects, which the subset has no operation for (seeds set them).
    """

    id: str
    public_key: str
    ha1: str
    org_id: str
    roles: list
    desc: str
    private_tail: str
    access_list: list = dataclasses.field(default_factory=list)
    project_roles: dict = dataclasses.field(default_factory=dict)

    def view(self, base_url, private_key=None):
        """The ApiKeyUserDetails body: "all project and organization roles assigned to the API key" (spec),
        organization roles with ``orgId``, project roles with ``groupId``; the plaintext private key only in
        the response that created it."""
        roles = [{'orgId': self.org_id, 'roleName': role} for role in self.roles]
        roles += [{'groupId': project_id, 'roleName': role}
                  for project_id, project_roles in self.project_roles.items() for role in project_roles]
        return {
            'desc': self.desc,
            'id': self.id,
            'links': [{'href': f'{base_url}/api/atlas/v2/orgs/{self.org_id}/apiKeys/{self.id}', 'rel': 'self'}],
            'privateKey': private_key or redact_private_key(self.private_tail),
            'publicKey': self.public_key,
            'roles': roles,
        }


@dataclasses.dataclass
class Token:
    """An issued OAuth access token (stored under its hash)."""

    client_id: str
    issued_at: datetime.datetime
    expires_at: datetime.datetime
    revoked: bool = False

    def active(self, now):
        """Usable: not revoked and not expired at ``now``."""
        return not self.revoked and now < self.expires_at


class State:
    """Everything Atlas would persist, loaded from a seed."""

    def __init__(self):
        self.lock = threading.RLock()
        self.orgs = {}
        self.projects = {}
        self.accounts = {}
        self.api_keys = {}
        self.tokens = {}
        self.admin = {}
        self.org_admins = {}

    def load(self, seed, max_secret_hours):
        """Replace everything with the seed's organizations, projects, admin identities and the
        organizations' seeded service accounts and API keys."""
        with self.lock:
            self.orgs, self.projects, self.accounts, self.api_keys, self.tokens = {}, {}, {}, {}, {}
            self.org_admins = {}
            for org_seed in seed['orgs']:
                org = Org(org_seed['id'], org_seed.get('name', org_seed['id']),
                          default_settings(org_seed.get('max_secret_hours', max_secret_hours)))
                for project_seed in org_seed.get('projects', []):
                    project = Project(project_seed['id'], org.id, project_seed.get('name', project_seed['id']))
                    org.projects[project.id] = project
                    self.projects[project.id] = project
                self.orgs[org.id] = org
            self.admin = dict(seed['admin'])
            self._load_admin(self.admin)
            self.org_admins[self.admin['org_id']] = self.admin
            for org_seed in seed['orgs']:
                if org_seed.get('admin'):
                    admin = dict(org_seed['admin'], org_id=org_seed['id'])
                    self._load_admin(admin)
                    self.org_admins[org_seed['id']] = admin
                for account_seed in org_seed.get('service_accounts', []):
                    self._load_account(org_seed['id'], account_seed)
                for key_seed in org_seed.get('api_keys', []):
                    self._load_api_key(org_seed['id'], key_seed)

    def _load_admin(self, admin):
        """An ORG_OWNER system-managed service account, and an ORG_OWNER API key when the admin names one."""
        created = parse_iso(admin.get('created_at', '2026-01-01T00:00:00Z'))
        account = ServiceAccount(
            client_id=admin['client_id'], org_id=admin['org_id'], name=admin.get('name', 'Simulator admin'),
            description=admin.get('description', 'Seeded admin'), roles=['ORG_OWNER'], created_at=created,
            system_managed=True)
        account.secrets.append(Secret(
            id=admin.get('secret_id') or new_hex_id(), secret_hash=sha256(admin['client_secret']),
            masked=mask(admin['client_secret']), created_at=created,
            expires_at=parse_iso(admin.get('secret_expires_at', '2099-12-31T00:00:00Z'))))
        self.accounts[account.client_id] = account
        if admin.get('public_key'):
            self.add_api_key(admin['org_id'], admin['public_key'], admin['private_key'], ['ORG_OWNER'],
                             admin.get('api_key_desc', 'Seeded admin API key'), admin.get('api_key_id') or new_hex_id())

    def _project_roles(self, org_id, assignments, what):
        """A seed's {project id: [GROUP_* roles]} checked against the organization's projects."""
        roles = {}
        for project_id, project_roles in (assignments or {}).items():
            project = self.projects.get(project_id)
            if project is None or project.org_id != org_id:
                raise ValueError(f'seed: {what}: project {project_id} is not a project of organization {org_id}')
            unknown = [role for role in project_roles if role not in GROUP_ROLES]
            if unknown or not project_roles:
                raise ValueError(f'seed: {what}: project roles must be some of {", ".join(GROUP_ROLES)} (got {project_roles})')
            roles[project_id] = unique_roles(project_roles)
        return roles

    def _load_account(self, org_id, seed):
        """A seeded (user-managed unless ``system_managed``) service account with its secrets and access list."""
        created = parse_iso(seed.get('created_at', '2026-01-01T00:00:00Z'))
        account = ServiceAccount(
            client_id=seed['client_id'], org_id=org_id, name=seed['name'], description=seed.get('description', seed['name']),
            roles=unique_roles(seed.get('roles', ['ORG_MEMBER'])), created_at=created,
            projects=self._project_roles(org_id, seed.get('projects'), seed['client_id']),
            system_managed=bool(seed.get('system_managed', False)))
        for secret_seed in seed.get('secrets', []):
            secret_created = parse_iso(secret_seed.get('created_at', iso(created)))
            account.secrets.append(Secret(
                id=secret_seed['id'], secret_hash=sha256(secret_seed['secret']), masked=mask(secret_seed['secret']),
                created_at=secret_created, expires_at=parse_iso(secret_seed['expires_at'])))
        account.access_list = [seed_access_entry(text, created) for text in seed.get('access_list', [])]
        self.accounts[account.client_id] = account

    def _load_api_key(self, org_id, seed):
        """A seeded API key: organization roles, project roles, access list."""
        created = parse_iso(seed.get('created_at', '2026-01-01T00:00:00Z'))
        key = self.add_api_key(org_id, seed['public_key'], seed['private_key'], unique_roles(seed['roles']), seed['desc'],
                               seed['id'])
        key.project_roles = self._project_roles(org_id, seed.get('project_roles'), seed['public_key'])
        key.access_list = [seed_access_entry(text, created) for text in seed.get('access_list', [])]

    # --- API keys ---------------------------------------------------------------------------------

    def add_api_key(self, org_id, public_key, private_key, roles, desc, key_id=None):
        """Store an organization API key (Digest HA1 only) and return it."""
        key = ApiKey(id=key_id or self.new_api_key_id(), public_key=public_key,
                     ha1=md5(f'{public_key}:{DIGEST_REALM}:{private_key}'), org_id=org_id, roles=list(roles),
                     desc=desc, private_tail=private_key[-12:])
        self.api_keys[public_key] = key
        return key

    def api_key_by_id(self, key_id):
        """The API key with this id, or None."""
        return next((key for key in self.api_keys.values() if key.id == key_id), None)

    def new_api_key_id(self):
        """A fresh 24-hex API key id."""
        while True:
            key_id = new_hex_id()
            if self.api_key_by_id(key_id) is None:
                return key_id

    def new_public_key(self):
        """A fresh public key: 8 lowercase letters, as Atlas issues them."""
        while True:
            public_key = ''.join(secrets.choice(string.ascii_lowercase) for _letter in range(8))
            if public_key not in self.api_keys:
                return public_key

    # --- service accounts -------------------------------------------------------------------------

    def org_accounts(self, org_id, include_system_managed=False):
        """Accounts of an organization in creation order."""
        return [account for account in self.accounts.values()
                if account.org_id == org_id and (include_system_managed or not account.system_managed)]

    def project_accounts(self, project_id, include_system_managed=False):
        """Accounts assigned to a project in creation order."""
        return [account for account in self.accounts.values()
                if project_id in account.projects and (include_system_managed or not account.system_managed)]

    def new_client_id(self):
        """A fresh ``mdb_sa_id_`` + 24 lowercase hex client id."""
        while True:
            client_id = CLIENT_ID_PREFIX + new_hex_id()
            if client_id not in self.accounts:
                return client_id

    def delete_account(self, client_id):
        """Remove an account everywhere and invalidate its tokens."""
        self.accounts.pop(client_id, None)
        self.tokens = {key: token for key, token in self.tokens.items() if token.client_id != client_id}

    # --- tokens -----------------------------------------------------------------------------------

    def active_tokens(self, client_id, now):
        """How many usable tokens a client holds."""
        return sum(1 for token in self.tokens.values() if token.client_id == client_id and token.active(now))

    def prune_tokens(self, now):
        """Forget tokens that can no longer be used (keeps memory bounded on long runs)."""
        self.tokens = {key: token for key, token in self.tokens.items() if token.active(now)}

    # --- dump -------------------------------------------------------------------------------------

    def dump(self, now):
        """Everything, for GET /_sim/state: secrets masked and hashed only, never plaintext."""
        with self.lock:
            accounts = []
            for account in self.accounts.values():
                item = account.org_view()
                item.update({
                    'orgId': account.org_id,
                    'systemManaged': account.system_managed,
                    'projects': {project_id: list(roles) for project_id, roles in account.projects.items()},
                    'accessList': [entry.view() for entry in account.access_list],
                    'activeTokens': self.active_tokens(account.client_id, now),
                })
                for secret_view, secret in zip(item['secrets'], account.secrets):
                    secret_view['sha256'] = secret.secret_hash
                accounts.append(item)
            return {
                'now': iso(now),
                'orgs': [{'id': org.id, 'name': org.name, 'maxSecretHours': org.max_secret_hours,
                          'settings': copy.deepcopy(org.settings),
                          'projects': [{'id': p.id, 'name': p.name} for p in org.projects.values()]}
                         for org in self.orgs.values()],
                'serviceAccounts': accounts,
                'apiKeys': [{'id': key.id, 'publicKey': key.public_key, 'orgId': key.org_id, 'roles': key.roles,
                             'projectRoles': {project_id: list(roles) for project_id, roles in key.project_roles.items()},
                             'desc': key.desc, 'accessList': [entry.view() for entry in key.access_list]}
                            for key in self.api_keys.values()],
                'tokens': {'activeByClient': _count_by_client(self.tokens.values(), now)},
            }


def _count_by_client(tokens, now):
    counts = {}
    for token in tokens:
        if token.active(now):
            counts[token.client_id] = counts.get(token.client_id, 0) + 1
    return counts


def seed_access_entry(text, created_at):
    """An access-list entry from a seed string: an address (``ipAddress``) or, with a ``/``, a CIDR block."""
    network = ipaddress.ip_network(text, strict=False)
    if '/' in text:
        return AccessEntry(ip_address=None, cidr_block=text, created_at=created_at, network=network)
    return AccessEntry(ip_address=text, cidr_block=None, created_at=created_at, network=network)


def redact_private_key(tail):
    """How Atlas shows a private key after creation: only its last 12 characters."""
    return '********-****-****-' + tail


def mask(secret):
    """Masked form shown after creation: the prefix, stars, and the last four characters."""
    return SECRET_PREFIX + '*' * 16 + secret[-4:]


def new_secret(now, hours):
    """Create a secret valid for ``hours``; return (Secret, plaintext)."""
    plaintext = SECRET_PREFIX + secrets.token_hex(20)
    secret = Secret(id=new_hex_id(), secret_hash=sha256(plaintext), masked=mask(plaintext), created_at=now,
                    expires_at=now + datetime.timedelta(hours=hours))
    return secret, plaintext
