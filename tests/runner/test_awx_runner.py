# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run playbooks/onboard.yml on AWX's engine, ansible-runner, as an AWX job would.

`make runner` (a step of `make test`) runs this file with pytest. The private data directory is
laid out as AWX lays it out for a job:

    env/envvars     exactly what extensions/awx/credential_type.yml's injectors produce for a
                    credential (its Jinja templates rendered with the credential's inputs; inputs
                    that are not set render as empty strings, as in AWX)
    env/extravars   the job's extra variables (the projects to onboard, where the files go)
    inventory/hosts localhost with a local connection
    project/        the project checkout: the playbook and its task files
    requirements_collections/ansible_collections/cloudops/atlas
                    the collection (a staged copy of this tree, tests/utils/stage.sh), found
                    through ANSIBLE_COLLECTIONS_PATH as AWX sets it for collections installed
                    from a project's collections/requirements.yml

A fresh simulator (tests/utils/simulator.sh) plays Atlas. The job runs twice: both runs must
succeed, the first must change something and the second nothing (the playbook_on_stats event),
and no planted secret may show up in the job events or the stdout of either run: not the
credential's client secret, not any secret the runs created (read back from the credentials files).
"""

import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys

import ansible_runner
import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
UTILS = os.path.join(ROOT, 'tests', 'utils')
CREDENTIAL_TYPE = os.path.join(ROOT, 'extensions', 'awx', 'credential_type.yml')
PROJECTS_INVENTORY = os.path.join(ROOT, 'extensions', 'awx', 'inventory_projects.yml')
VENV_BIN = os.path.dirname(sys.executable)

OBJECT_ID = re.compile(r'^[0-9a-f]{24}$')


def render_injectors(credential_type, inputs):
    """The environment an AWX credential of this type injects, rendered as AWX renders it.

    AWX fills in the declared defaults of fields the credential leaves empty, then renders each
    injector template in a sandboxed Jinja environment; a field that is still unset renders as
    an empty string.
    """
    namespace = {}
    for field in credential_type['inputs']['fields']:
        if field['id'] in inputs:
            namespace[field['id']] = inputs[field['id']]
        elif 'default' in field:
            namespace[field['id']] = field['default']
    missing = [name for name in credential_type['inputs'].get('required', []) if not namespace.get(name)]
    assert not missing, 'required credential inputs missing: %s' % missing
    env = ImmutableSandboxedEnvironment()
    return {name: env.from_string(template).render(**namespace)
            for name, template in credential_type['injectors']['env'].items()}


@pytest.fixture(scope='module')
def simulator(tmp_path_factory):
    state = tmp_path_factory.mktemp('sim')
    script = os.path.join(UTILS, 'simulator.sh')
    env = dict(os.environ, PYTHON=sys.executable)
    subprocess.run([script, 'start', str(state)], check=True, env=env)
    try:
        with open(state / 'info.json') as f:
            yield json.load(f)
    finally:
        subprocess.run([script, 'stop', str(state)], check=False, env=env)


@pytest.fixture(scope='module')
def job(simulator, tmp_path_factory):
    """A private data directory laid out as AWX lays it out for a job of the onboard playbook."""
    pdd = tmp_path_factory.mktemp('awx-job')
    with open(CREDENTIAL_TYPE) as f:
        credential_type = yaml.safe_load(f)
    # The credential: a service account; the legacy API key fields are left empty.
    envvars = render_injectors(credential_type, {
        'base_url': simulator['url'],
        'client_id': simulator['admin']['client_id'],
        'client_secret': simulator['admin']['client_secret'],
    })
    credentials_root = pdd / 'credentials'
    extravars = {
        'atlas_project_ids': simulator['project_ids'][:2],
        'onboard_credentials_root': str(credentials_root),
    }
    (pdd / 'env').mkdir()
    (pdd / 'env' / 'envvars').write_text(yaml.safe_dump(envvars, default_flow_style=False))
    (pdd / 'env' / 'extravars').write_text(yaml.safe_dump(extravars, default_flow_style=False))
    for name in ('envvars', 'extravars'):
        os.chmod(pdd / 'env' / name, 0o600)
    (pdd / 'inventory').mkdir()
    (pdd / 'inventory' / 'hosts').write_text(
        'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
    shutil.copytree(os.path.join(ROOT, 'playbooks'), pdd / 'project', ignore=shutil.ignore_patterns('inventory'))
    collections = pdd / 'requirements_collections'
    subprocess.run([os.path.join(UTILS, 'stage.sh'), str(collections)], check=True, stdout=subprocess.DEVNULL)
    return {'dir': str(pdd), 'envvars': envvars, 'credentials_root': str(credentials_root),
            'collections': str(collections), 'admin_secret': simulator['admin']['client_secret']}


@pytest.fixture(scope='module')
def runs(job, tmp_path_factory):
    """Both runs of the job, in order (each an ansible_runner Runner)."""
    # The job's own environment, beside the credential's env/envvars: where the collection is and
    # a private token cache. No MONGODB_ATLAS_* variable of the caller may reach the job.
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith('MONGODB_ATLAS_') or name.startswith('ANSIBLE_'):
            del os.environ[name]
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = job['collections']
    os.environ['XDG_CACHE_HOME'] = str(tmp_path_factory.mktemp('token-cache'))
    os.environ['ANSIBLE_HOME'] = str(tmp_path_factory.mktemp('ansible-home'))
    # ansible-runner starts ansible-playbook from PATH: this venv's.
    os.environ['PATH'] = VENV_BIN + os.pathsep + os.environ.get('PATH', '')
    try:
        results = []
        for ident in ('run1', 'run2'):
            results.append(ansible_runner.run(private_data_dir=job['dir'], playbook='onboard.yml',
                                              ident=ident, quiet=True))
        return results
    finally:
        os.environ.clear()
        os.environ.update(saved)


def stats(runner):
    events = [event for event in runner.events if event.get('event') == 'playbook_on_stats']
    assert len(events) == 1, 'expected one playbook_on_stats event, got %d' % len(events)
    return events[0]['event_data']


def test_envvars_are_what_the_credential_type_injects(job):
    with open(CREDENTIAL_TYPE) as f:
        injectors = yaml.safe_load(f)['injectors']
    assert set(job['envvars']) == set(injectors['env'])
    assert job['envvars']['MONGODB_ATLAS_CLIENT_SECRET'] == job['admin_secret']
    # Unset inputs are injected as empty strings, as AWX does; the modules must take them as unset.
    assert job['envvars']['MONGODB_ATLAS_PUBLIC_KEY'] == ''
    assert job['envvars']['MONGODB_ATLAS_PRIVATE_KEY'] == ''
    assert 'extra_vars' not in injectors, 'secrets must not be injected as extra variables'


def test_both_runs_succeed(runs):
    for number, runner in enumerate(runs, 1):
        assert runner.status == 'successful', 'run %d: status %s, rc %s; stdout:\n%s' % (
            number, runner.status, runner.rc, runner.stdout.read())
        assert runner.rc == 0


def test_first_run_changes_and_second_changes_nothing(runs):
    first, second = stats(runs[0]), stats(runs[1])
    assert first['failures'] == {} and second['failures'] == {}
    assert first['changed'].get('localhost', 0) > 0, 'the first run changed nothing: %s' % first
    assert second['changed'].get('localhost', 0) == 0, 'the second run changed something: %s' % second
    assert second['ok'].get('localhost', 0) > 0


def test_no_warnings(runs):
    """The empty MONGODB_ATLAS_PUBLIC_KEY/PRIVATE_KEY count as unset: a module that took them for a
    second set of credentials would warn that several are configured."""
    for number, runner in enumerate(runs, 1):
        warnings = [(event['event_data'].get('task'), warning) for event in runner.events
                    for warning in (event.get('event_data', {}).get('res') or {}).get('warnings', [])]
        assert not warnings, 'run %d: %s' % (number, warnings)
        stdout = runner.stdout.read()
        assert '[WARNING]' not in stdout, 'run %d printed a warning:\n%s' % (number, stdout)


def planted_secrets(job):
    """The credential's secret and every service account secret the runs wrote to files."""
    secrets = {job['admin_secret']}
    files = sorted(glob.glob(os.path.join(job['credentials_root'], '*', '*.json')))
    assert len(files) == 4, 'expected 4 credentials files, found %s' % files
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
        with open(path) as f:
            secret = json.load(f)['client_secret']
        assert secret.startswith('mdb_sa_sk_'), path
        secrets.add(secret)
    return secrets


def test_no_secret_in_job_events_or_stdout(runs, job):
    secrets = planted_secrets(job)
    assert len(secrets) == 5
    artifacts = os.path.join(job['dir'], 'artifacts')
    scanned = []
    for runner in runs:
        base = os.path.join(artifacts, runner.config.ident)
        paths = sorted(glob.glob(os.path.join(base, 'job_events', '*.json')))
        assert paths, 'no job events in %s' % base
        paths += [os.path.join(base, name) for name in ('stdout', 'stderr') if os.path.exists(os.path.join(base, name))]
        assert os.path.join(base, 'stdout') in paths
        for path in paths:
            with open(path, errors='replace') as f:
                text = f.read()
            scanned.append(path)
            leaked = [secret[:14] + '...' for secret in secrets if secret in text]
            assert not leaked, 'secret(s) %s appear in %s' % (leaked, path)
    assert len(scanned) > 20


def test_projects_inventory_example():
    """extensions/awx/inventory_projects.yml: one host per project, each local with a project_id."""
    result = subprocess.run([os.path.join(VENV_BIN, 'ansible-inventory'), '-i', PROJECTS_INVENTORY, '--list'],
                            check=True, capture_output=True, text=True,
                            env=dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED='true'))
    assert 'WARNING' not in result.stderr, result.stderr
    inventory = json.loads(result.stdout)
    hostvars = inventory['_meta']['hostvars']
    projects = inventory['atlas_projects']['hosts']
    assert len(projects) >= 2
    assert set(projects) == set(hostvars) - {'localhost'}
    for host in projects:
        variables = hostvars[host]
        assert variables['ansible_connection'] == 'local', host
        assert OBJECT_ID.match(variables['project_id']), host
        assert variables['project_service_accounts'], host
        for account in variables['project_service_accounts']:
            assert {'name', 'description', 'roles'} <= set(account), (host, account)
            assert all(role.startswith('GROUP_') for role in account['roles']), (host, account)
