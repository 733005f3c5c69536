# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn the simulator's info file into the variables file of the integration tests.

    python integration_config.py INFO_JSON OUTPUT_YML [OPENBAO_JSON MOTO_JSON AWS_CREDENTIALS_FILE]

ansible-test passes tests/integration/integration_config.yml to every target as extra vars.
Targets set the connection options explicitly from these (module_defaults), never from
environment variables, so each test says which credentials it uses. With the secret servers' state
files (tests/utils/secret_servers.py), it adds their addresses and credentials too, and writes the
AWS credentials file (profile `moto`) that the modules read from the run's HOME.
"""

import json
import os
import sys


def store_variables(openbao_path, moto_path, aws_credentials_path):
    with open(openbao_path) as f:
        openbao = json.load(f)
    with open(moto_path) as f:
        moto = json.load(f)
    fd = os.open(aws_credentials_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write('[moto]\naws_access_key_id = %s\naws_secret_access_key = %s\n' % (moto['access_key_id'], moto['secret_access_key']))
    return {
        'openbao_url': openbao['url'],
        'openbao_token': openbao['token'],
        'moto_url': moto['url'],
        'moto_region': moto['region'],
        # The Python of the project venv, which has the tools the checks use (awx-plugins-core, boto3), whatever
        # ansible-core (and venv) runs the targets.
        'tools_python': sys.executable,
    }


def migration_variables(info):
    """The organization seeded for the API key migration (the third one): its id, projects, admin service account and
    API keys (public and private keys, for runs that authenticate with one). Nothing when the seed has no such org."""
    orgs = info.get('orgs') or []
    if len(orgs) < 3 or not orgs[2].get('admin') or not orgs[2].get('api_keys'):
        return {}
    org = orgs[2]
    return {
        'atlas_migration_org_id': org['id'],
        'atlas_migration_project_ids': list(org['project_ids']),
        'atlas_migration_client_id': org['admin']['client_id'],
        'atlas_migration_client_secret': org['admin']['client_secret'],
        'atlas_migration_api_keys': [dict(id=key['id'], public_key=key['public_key'], private_key=key['private_key'], desc=key['desc'])
                                     for key in org['api_keys']],
    }


def main(info_path, output_path, *stores):
    with open(info_path) as f:
        info = json.load(f)
    url = info['url'].rstrip('/')
    admin = info['admin']
    variables = {
        # The Atlas API and the simulator's /_sim/ control API share one base URL.
        'atlas_base_url': url,
        'atlas_sim_url': url,
        'atlas_org_id': info['org_id'],
        'atlas_project_ids': list(info['project_ids']),
        'atlas_client_id': admin['client_id'],
        'atlas_client_secret': admin['client_secret'],
        'atlas_public_key': admin['public_key'],
        'atlas_private_key': admin['private_key'],
    }
    variables.update(migration_variables(info))
    if stores:
        variables.update(store_variables(*stores))
    # JSON is valid YAML; one key per line keeps it readable.
    with open(output_path, 'w') as f:
        f.write('---\n# Written by tests/utils/integration_config.py from the simulator of this run.\n')
        for key, value in variables.items():
            f.write('%s: %s\n' % (key, json.dumps(value)))
    return 0


if __name__ == '__main__':
    if len(sys.argv) not in (3, 6):
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
