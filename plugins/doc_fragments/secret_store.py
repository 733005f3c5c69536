# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The option secret_store; its suboptions mirror secret_store_spec() in plugins/module_utils/_secret_stores.py.
    DOCUMENTATION = r'''
options:
  secret_store:
    description:
      - A secret store where new secrets are delivered, so that the next run, or another tool, finds the newest
        secret there (for example an AWX job, whose container is gone after the run).
      - Before anything changes in Atlas, the store is read once per account to learn which secret id it holds.
        A store that cannot be reached, or that refuses the credentials, fails that account.
      - Writes are checked against the version that was read; a store changed by someone else in between fails
        the write and asks for another run. Nothing is written when the store already holds the newest secret.
    type: dict
    suboptions:
      type:
        description:
          - The kind of store.
          - V(vault_kv2) is a KV version 2 secrets engine of HashiCorp Vault or OpenBao. The keys C(client_id),
            C(client_secret), C(secret_id), C(expires_at) and C(api_base_url) are written as strings at
            O(secret_store.path), so that a Vault lookup (for example AWX's, with key C(client_secret)) can read them.
          - V(aws_secretsmanager) is AWS Secrets Manager. The secret value is a JSON string with the keys of AWS's
            managed rotation for MongoDB Atlas service accounts (C(clientId), C(clientSecret), C(orgId)) plus
            C(secretId), C(expiresAt) and C(apiBaseUrl).
        type: str
        required: true
        choices: [vault_kv2, aws_secretsmanager]
      url:
        description:
          - Address of the Vault or OpenBao server, for example C(https://vault.example.com:8200).
          - If not set, the environment variable E(VAULT_ADDR) is used.
          - Only for O(secret_store.type=vault_kv2).
        type: str
      mount:
        description:
          - Path where the KV version 2 engine is mounted. Relative, without C(..) parts.
          - Only for O(secret_store.type=vault_kv2).
        type: str
        default: secret
      path:
        description:
          - Path of each account's secret inside O(secret_store.mount), as a template with the placeholders
            C({org_id}), C({project_id}) and C({name}) (the service account's name), for example
            C(atlas/{project_id}/{name}). No other placeholder is allowed.
          - C({project_id}) cannot be used for organization service accounts.
          - Required for O(secret_store.type=vault_kv2).
        type: str
      namespace:
        description:
          - Vault or OpenBao namespace, sent in the C(X-Vault-Namespace) header.
          - If not set, the environment variable E(VAULT_NAMESPACE) is used.
          - Only for O(secret_store.type=vault_kv2).
        type: str
      token:
        description:
          - Vault token. Takes precedence over O(secret_store.role_id) and O(secret_store.secret_id).
          - If neither a token nor an AppRole is set, the environment variable E(VAULT_TOKEN) is used.
          - Only for O(secret_store.type=vault_kv2).
        type: str
      role_id:
        description:
          - Role ID of an AppRole to log in with, once per run; requires O(secret_store.secret_id).
          - Only for O(secret_store.type=vault_kv2).
        type: str
      secret_id:
        description:
          - Secret ID of the AppRole named by O(secret_store.role_id).
          - Only for O(secret_store.type=vault_kv2).
        type: str
      approle_mount:
        description:
          - Path where the AppRole auth method is mounted (under C(auth/)).
          - Only for O(secret_store.type=vault_kv2).
        type: str
        default: approle
      region:
        description:
          - AWS region of the secrets.
          - If not set, the environment variables E(AWS_REGION) and then E(AWS_DEFAULT_REGION) are used.
          - Only for O(secret_store.type=aws_secretsmanager).
        type: str
      name:
        description:
          - Name of each account's secret, as a template with the placeholders C({org_id}), C({project_id}) and
            C({name}), for example C(atlas/{project_id}/{name}). The result may contain only letters, digits and
            C(/_+=.@-).
          - C({project_id}) cannot be used for organization service accounts.
          - Required for O(secret_store.type=aws_secretsmanager).
        type: str
      endpoint_url:
        description:
          - Endpoint of Secrets Manager, for a VPC endpoint or a test server. By default the region's public endpoint.
          - Only for O(secret_store.type=aws_secretsmanager).
        type: str
      profile:
        description:
          - AWS profile of the shared configuration files. Without it, the usual AWS credential chain is used
            (environment variables, shared files, instance or task role).
          - Only for O(secret_store.type=aws_secretsmanager).
        type: str
      ca_path:
        description:
          - Path of a PEM bundle of CA certificates to verify the store's TLS certificate with.
        type: path
      validate_certs:
        description:
          - Verify the store's TLS certificate. Only turn this off for a test server.
        type: bool
        default: true
      timeout:
        description:
          - Seconds to wait for a connection and for each response of the store.
          - Reads are retried twice after a connection error or a server error. Vault writes are not sent again
            (after a lost answer the path is read back instead); AWS writes are retried by botocore with the
            same request token, which AWS applies only once.
        type: int
        default: 30
requirements:
  - botocore (Python library on the host where the module runs), for O(secret_store.type=aws_secretsmanager) only
'''
