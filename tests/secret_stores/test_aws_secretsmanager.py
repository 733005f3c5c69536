# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The aws_secretsmanager store against moto's real server (python -m moto.server on 127.0.0.1).

What the store wrote is checked through boto3 with the same dummy credentials, outside the code under test.
"""

import json
import socket
import threading

import boto3
import botocore.session
import pytest
import requests

from ansible_collections.cloudops.atlas.plugins.module_utils._secret_stores import (
    Held, StoreConflict, StoreError, open_secret_store)
from ansible_collections.cloudops.atlas.plugins.module_utils._validation import InputError

ORG = 'a' * 24
PROJECT = 'b' * 24
PLANTED = 'mdb_sa_sk_planted-aws-0123456789abcdef'


@pytest.fixture(autouse=True)
def aws_credentials(moto, monkeypatch):
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', moto['access_key_id'])
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', moto['secret_access_key'])


@pytest.fixture
def aws(moto):
    """A boto3 client to look at (and meddle with) what the store wrote."""
    return boto3.client('secretsmanager', region_name=moto['region'], endpoint_url=moto['url'],
                        aws_access_key_id=moto['access_key_id'], aws_secret_access_key=moto['secret_access_key'])


def credentials(secret_id='s-1', client_secret=PLANTED):
    return dict(client_id='mdb_sa_id_' + 'c' * 24, client_secret=client_secret, secret_id=secret_id,
                expires_at='2027-01-01T00:00:00Z', api_base_url='https://cloud.mongodb.com', org_id=ORG, project_id=PROJECT)


def store_for(moto, prefix, **options):
    settings = dict(type='aws_secretsmanager', region=moto['region'], endpoint_url=moto['url'], name=prefix + '/{project_id}/{name}')
    settings.update(options)
    return open_secret_store(settings)


def versions(aws, name):
    return sorted(version['VersionId'] for version in aws.list_secret_version_ids(SecretId=name)['Versions'])


def assert_clean(message, *planted):
    for value in (PLANTED,) + planted:
        assert value not in message


def test_first_write_has_the_shape_of_aws_managed_rotation(moto, aws, unique):
    store = store_for(moto, unique)
    name = store.location(ORG, PROJECT, 'ci-bot')

    held = store.read(name)
    assert held == Held(None, None, '%s/%s/ci-bot' % (unique, PROJECT))
    written = store.write(name, credentials(), held)

    value = aws.get_secret_value(SecretId=name)
    assert json.loads(value['SecretString']) == dict(
        clientId='mdb_sa_id_' + 'c' * 24, clientSecret=PLANTED, orgId=ORG, secretId='s-1',
        expiresAt='2027-01-01T00:00:00Z', apiBaseUrl='https://cloud.mongodb.com')
    assert written == Held('s-1', value['VersionId'], name)
    assert store.read(name) == written
    assert store.describe(name) == 'aws_secretsmanager %s (region us-east-1)' % name
    assert store.result(written) == dict(type='aws_secretsmanager', path_or_name=name, version=value['VersionId'])


def test_a_rerun_with_the_same_secret_makes_no_write(moto, aws, unique):
    store = store_for(moto, unique)
    name = store.location(ORG, PROJECT, 'ci-bot')
    store.write(name, credentials(), store.read(name))
    before = versions(aws, name)

    rerun = store_for(moto, unique)
    held = rerun.read(name)
    assert rerun.write(name, credentials(), held) == held

    assert versions(aws, name) == before


def test_a_new_secret_makes_a_new_version(moto, aws, unique):
    store = store_for(moto, unique)
    name = store.location(ORG, PROJECT, 'ci-bot')
    first = store.write(name, credentials('s-1'), store.read(name))

    second = store.write(name, credentials('s-2', client_secret='mdb_sa_sk_second'), first)

    assert second.secret_id == 's-2' and second.version != first.version
    stages = aws.describe_secret(SecretId=name)['VersionIdsToStages']
    assert stages == {first.version: ['AWSPREVIOUS'], second.version: ['AWSCURRENT']}
    assert json.loads(aws.get_secret_value(SecretId=name)['SecretString'])['clientSecret'] == 'mdb_sa_sk_second'


def test_a_retried_write_is_applied_once(moto, aws, unique):
    """The same write sent again (a lost answer): the request token is the same, so AWS keeps one version."""
    store = store_for(moto, unique)
    name = store.location(ORG, PROJECT, 'ci-bot')
    first = store.write(name, credentials('s-1'), store.read(name))
    second = store.write(name, credentials('s-2'), first)

    assert store.write(name, credentials('s-2'), first) == second
    assert len(versions(aws, name)) == 2


def test_a_concurrent_change_fails_the_write(moto, aws, unique):
    store = store_for(moto, unique)
    name = store.location(ORG, PROJECT, 'ci-bot')
    held = store.write(name, credentials('s-1'), store.read(name))
    other = aws.put_secret_value(SecretId=name, SecretString=json.dumps({'clientSecret': 'someone-elses', 'secretId': 's-x'}))

    with pytest.raises(StoreConflict) as caught:
        store.write(name, credentials('s-2'), held)

    assert str(caught.value) == ('aws_secretsmanager %s (region us-east-1) was changed by someone else since it was read at '
                                 'version %s (now version %s); run again' % (name, held.version, other['VersionId']))
    assert aws.get_secret_value(SecretId=name)['VersionId'] == other['VersionId']
    assert_clean(str(caught.value), 'someone-elses')


def test_a_concurrent_create_fails_the_write(moto, aws, unique):
    store = store_for(moto, unique)
    name = store.location(ORG, PROJECT, 'ci-bot')
    held = store.read(name)
    aws.create_secret(Name=name, SecretString=json.dumps({'clientSecret': 'someone-elses', 'secretId': 's-x'}))

    with pytest.raises(StoreConflict, match='was created by someone else since it was read'):
        store.write(name, credentials('s-1'), held)


def test_a_document_without_a_client_secret_holds_no_usable_secret(moto, aws, unique):
    store = store_for(moto, unique)
    name = store.location(ORG, PROJECT, 'ci-bot')
    aws.create_secret(Name=name, SecretString='not json')
    other = store.location(ORG, PROJECT, 'other')
    aws.create_secret(Name=other, SecretString=json.dumps({'clientId': 'x', 'secretId': 's-0'}))

    assert store.read(name).secret_id == ''
    assert store.read(other).secret_id == ''


def test_a_secret_marked_for_deletion_says_how_to_recover(moto, aws, unique):
    store = store_for(moto, unique)
    name = store.location(ORG, PROJECT, 'ci-bot')
    store.write(name, credentials(), store.read(name))
    aws.delete_secret(SecretId=name)

    with pytest.raises(StoreError) as caught:
        store.read(name)

    assert caught.value.kind == 'invalid'
    assert '[InvalidRequestException]' in str(caught.value)
    assert 'restore the secret' in str(caught.value)


def test_refused_credentials_fail_clearly(moto, unique):
    # moto checks signatures against its own IAM once its "no auth" allowance is 0; restored afterwards.
    reset = moto['url'] + '/moto-api/reset-auth'
    headers = {'Content-Type': 'text/plain'}
    assert requests.post(reset, data='0', headers=headers, timeout=10).status_code == 200
    try:
        store = store_for(moto, unique)
        with pytest.raises(StoreError) as caught:
            store.read(store.location(ORG, PROJECT, 'ci-bot'))
    finally:
        requests.post(reset, data='inf', headers=headers, timeout=10)

    assert caught.value.kind == 'refused'
    assert caught.value.code in ('UnrecognizedClientException', 'InvalidClientTokenId')
    assert caught.value.status == 403
    assert str(caught.value).startswith('aws_secretsmanager %s/%s/ci-bot (region us-east-1): read failed: [' % (unique, PROJECT))
    assert_clean(str(caught.value), 'testing')


def test_a_server_that_is_down_fails_clearly(moto, unique):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    store = store_for(moto, unique, endpoint_url='http://127.0.0.1:%d' % port, timeout=2)

    with pytest.raises(StoreError) as caught:
        store.read(store.location(ORG, PROJECT, 'ci-bot'))

    assert caught.value.kind == 'unreachable'
    assert 'Could not connect to the endpoint URL: "http://127.0.0.1:%d/"' % port in str(caught.value)


def test_a_name_aws_does_not_allow_fails_before_any_call(moto, unique):
    store = store_for(moto, unique)

    with pytest.raises(InputError, match="gives the secret name .* AWS allows only letters, digits and"):
        store.location(ORG, PROJECT, 'CI deploy, prod')
    with pytest.raises(InputError, match=r'uses \{project_id\}, but account .ci-bot. belongs to an organization'):
        store.location(ORG, None, 'ci-bot')


def test_no_credentials_at_all_fails_clearly(moto, unique, monkeypatch):
    monkeypatch.delenv('AWS_ACCESS_KEY_ID')
    monkeypatch.delenv('AWS_SECRET_ACCESS_KEY')
    store = store_for(moto, unique)

    with pytest.raises(StoreError) as caught:
        store.read(store.location(ORG, PROJECT, 'ci-bot'))

    assert caught.value.kind == 'refused'
    assert 'no usable AWS credentials' in str(caught.value)


def test_an_unknown_profile_fails_clearly(moto, unique):
    store = store_for(moto, unique, profile='no-such-profile')

    with pytest.raises(StoreError, match='The config profile .no-such-profile. could not be found'):
        store.check()


def test_one_store_serves_many_threads_with_one_client(moto, aws, unique, monkeypatch):
    created = []
    create_client = botocore.session.Session.create_client

    def counting(self, *args, **kwargs):
        created.append(args)
        return create_client(self, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, 'create_client', counting)
    store = store_for(moto, unique)
    names = ['bot-%d' % number for number in range(6)]
    errors = []

    def deliver(name):
        try:
            location = store.location(ORG, PROJECT, name)
            store.write(location, credentials('s-' + name), store.read(location))
        except Exception as exc:  # pylint: disable=broad-except  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert created == [('secretsmanager',)]
    for name in names:
        value = json.loads(aws.get_secret_value(SecretId='%s/%s/%s' % (unique, PROJECT, name))['SecretString'])
        assert value['secretId'] == 's-' + name
