# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The on-disk token cache, seen through the client credentials flow and directly."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest

from ansible_collections.cloudops.atlas.plugins.module_utils._auth import ClientCredentialsAuth
from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasApiError
from ansible_collections.cloudops.atlas.plugins.module_utils import _token_cache
from ansible_collections.cloudops.atlas.plugins.module_utils._token_cache import REFRESH_MARGIN_SECONDS, TokenCache, TokenCacheError
from ansible_collections.cloudops.atlas.tests.unit.plugins.module_utils.atlas_wire import (
    BASE, CLIENT_ID, CLIENT_SECRET, ORGS_URL, TOKEN_URL, wire)


def token_reply(token, expires_in=3600):
    return {'access_token': token, 'expires_in': expires_in, 'token_type': 'Bearer'}


def tokens_dir(cache_home):
    return cache_home / 'cloudops.atlas' / 'tokens'


def token_files(cache_home):
    return sorted(tokens_dir(cache_home).glob('*.json'))


def cached_token(cache_home):
    (path,) = token_files(cache_home)
    return json.loads(path.read_text())['access_token']


def all_files(root):
    return [os.path.join(folder, name) for folder, dummy, names in os.walk(str(root)) for name in names]


def bearer(call):
    return call.request.headers['Authorization']


def plant(token, expires_in, secret=CLIENT_SECRET):
    """Put a token in the cache as if another task had minted it."""
    cache = TokenCache(BASE, CLIENT_ID, secret)
    with cache:
        cache.store(token, expires_in)


def test_second_client_reuses_the_cached_token(atlas, make_client, cache_home):
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-1'))
    atlas.add('GET', ORGS_URL, json={'results': []})
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')
    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL), ('GET', ORGS_URL)]
    assert [bearer(call) for call in atlas.calls[1:]] == ['Bearer minted-1', 'Bearer minted-1']
    assert cached_token(cache_home) == 'minted-1'


def test_token_about_to_expire_is_minted_again(atlas, make_client, cache_home):
    plant('nearly-expired', REFRESH_MARGIN_SECONDS - 5)
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-2'))
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL)]
    assert bearer(atlas.calls[1]) == 'Bearer minted-2'
    assert cached_token(cache_home) == 'minted-2'


def test_token_valid_beyond_the_margin_is_reused(atlas, make_client):
    plant('still-good', REFRESH_MARGIN_SECONDS + 60)
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL)]
    assert bearer(atlas.calls[0]) == 'Bearer still-good'


def test_expiry_margin_with_an_injected_clock(tmp_path):
    now = [1000.0]
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path / 'tokens'), clock=lambda: now[0])
    with cache:
        cache.store('t1', 3600)  # expires at 4600, reused until 4300
    now[0] = 4299.0
    assert cache.load() == 't1'
    now[0] = 4300.0
    assert cache.load() is None
    assert cache.load_raw() == 't1'


def test_cached_token_rejected_is_dropped_and_minted_once_more(atlas, make_client, cache_home):
    plant('revoked', 3600)
    atlas.add('GET', ORGS_URL, status=401, json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-3'))
    atlas.add('GET', ORGS_URL, json={'results': [{'id': 'o1'}]})

    result = make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert result == {'results': [{'id': 'o1'}]}
    assert wire(atlas) == [('GET', ORGS_URL), ('POST', TOKEN_URL), ('GET', ORGS_URL)]
    assert [bearer(atlas.calls[0]), bearer(atlas.calls[2])] == ['Bearer revoked', 'Bearer minted-3']
    assert cached_token(cache_home) == 'minted-3'


def test_cached_token_rejected_twice_is_an_error_not_a_loop(atlas, make_client, cache_home):
    plant('revoked', 3600)
    atlas.add('GET', ORGS_URL, status=401, json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-4'))
    atlas.add('GET', ORGS_URL, status=401, json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})
    client = make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET))

    with pytest.raises(AtlasApiError) as caught:
        client.get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL), ('POST', TOKEN_URL), ('GET', ORGS_URL)]
    assert (caught.value.status, caught.value.error_code) == (401, 'NOT_AUTHORIZED')
    # Only one renewal per client, even across calls.
    atlas.add('GET', ORGS_URL, status=401, json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})
    with pytest.raises(AtlasApiError):
        client.get('/api/atlas/v2/orgs')
    assert len(atlas.calls) == 4


def test_freshly_minted_token_rejected_is_minted_again_once(atlas, make_client):
    # A token minted by this run can be revoked mid-run too (issue 12's fault matrix): one new token, then the 401 stands.
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-5'))
    atlas.add('GET', ORGS_URL, status=401, json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})

    with pytest.raises(AtlasApiError) as caught:
        make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL), ('POST', TOKEN_URL), ('GET', ORGS_URL)]
    assert caught.value.status == 401


def test_rejected_token_is_not_discarded_when_another_task_already_replaced_it(atlas, make_client, cache_home):
    plant('revoked', 3600)

    def reject_after_a_parallel_refresh(request):
        plant('refreshed-elsewhere', 3600)
        return 401, {}, json.dumps({'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})

    atlas.add_callback('GET', ORGS_URL, callback=reject_after_a_parallel_refresh)
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL), ('GET', ORGS_URL)]
    assert [bearer(call) for call in atlas.calls] == ['Bearer revoked', 'Bearer refreshed-elsewhere']
    assert cached_token(cache_home) == 'refreshed-elsewhere'


def test_file_and_directory_modes(atlas, make_client, cache_home):
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-6'))
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert stat.S_IMODE(os.stat(str(tokens_dir(cache_home))).st_mode) == 0o700
    files = all_files(tokens_dir(cache_home))
    assert sorted(os.path.splitext(name)[1] for name in files) == ['.json', '.lock']
    for name in files:
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name


def test_existing_open_directory_is_tightened(atlas, make_client, cache_home):
    tokens_dir(cache_home).mkdir(parents=True)
    os.chmod(str(tokens_dir(cache_home)), 0o755)
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-7'))
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert stat.S_IMODE(os.stat(str(tokens_dir(cache_home))).st_mode) == 0o700
    assert cached_token(cache_home) == 'minted-7'


def test_the_secret_is_never_written(atlas, make_client, cache_home):
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-8'))
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    files = all_files(cache_home)
    assert files
    for name in files:
        with open(name, 'rb') as handle:
            content = handle.read()
        for form in (CLIENT_SECRET, quote(CLIENT_SECRET, safe=''), 'Pl4nted'):
            assert form.encode('utf-8') not in content, name
        assert 'Pl4nted' not in name


def test_cache_disabled_writes_nothing(atlas, make_client, cache_home):
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-9'))
    atlas.add('GET', ORGS_URL, json={'results': []})
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-10'))
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET, use_cache=False)).get('/api/atlas/v2/orgs')
    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET, use_cache=False)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL)] * 2
    assert not cache_home.exists()


def test_a_different_secret_gets_its_own_file(atlas, make_client, cache_home):
    atlas.add('POST', TOKEN_URL, json=token_reply('for-secret-1'))
    atlas.add('GET', ORGS_URL, json={'results': []})
    atlas.add('POST', TOKEN_URL, json=token_reply('for-secret-2'))
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')
    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET + '-rotated')).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL)] * 2
    assert [bearer(atlas.calls[1]), bearer(atlas.calls[3])] == ['Bearer for-secret-1', 'Bearer for-secret-2']
    assert sorted(json.loads(path.read_text())['access_token'] for path in token_files(cache_home)) == ['for-secret-1', 'for-secret-2']


def test_a_different_base_url_gets_its_own_file(tmp_path):
    one = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path))
    assert TokenCache(BASE + '/', CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path)).path == one.path
    assert TokenCache('https://cloud-qa.mongodb.com', CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path)).path != one.path
    assert TokenCache(BASE, CLIENT_ID[:-1] + '8', CLIENT_SECRET, directory=str(tmp_path)).path != one.path


@pytest.mark.parametrize('layout', ['cache home is a file', 'tokens dir is a file', 'parent is a file'])
def test_unusable_cache_directory_warns_and_still_works(atlas, make_client, cache_home, warnings, layout):
    if layout == 'cache home is a file':
        cache_home.write_text('not a directory')
    elif layout == 'tokens dir is a file':
        tokens_dir(cache_home).parent.mkdir(parents=True)
        tokens_dir(cache_home).write_text('not a directory')
    else:
        cache_home.mkdir()
        (cache_home / 'cloudops.atlas').write_text('not a directory')
    atlas.add('POST', TOKEN_URL, json=token_reply('uncached'))
    atlas.add('GET', ORGS_URL, json={'results': []})
    atlas.add('GET', ORGS_URL, json={'results': []})
    client = make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET))

    client.get('/api/atlas/v2/orgs')
    client.get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL), ('GET', ORGS_URL)]
    assert bearer(atlas.calls[2]) == 'Bearer uncached'
    assert len(warnings) == 1
    assert warnings[0].startswith('Not caching Atlas access tokens: ')
    assert 'token cache directory %s' % tokens_dir(cache_home) in warnings[0]


def test_cache_breaking_between_read_and_renewal_still_renews(atlas, make_client, cache_home, warnings):
    plant('revoked', 3600)

    def reject_and_break_the_cache(request):
        for name in all_files(tokens_dir(cache_home)):
            os.unlink(name)
        tokens_dir(cache_home).rmdir()
        tokens_dir(cache_home).write_text('not a directory any more')
        return 401, {}, json.dumps({'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})

    atlas.add_callback('GET', ORGS_URL, callback=reject_and_break_the_cache)
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-11'))
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('GET', ORGS_URL), ('POST', TOKEN_URL), ('GET', ORGS_URL)]
    assert bearer(atlas.calls[2]) == 'Bearer minted-11'
    assert len(warnings) == 1 and warnings[0].startswith('Not caching Atlas access tokens')


def test_unreadable_or_foreign_cache_content_is_ignored(tmp_path):
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path))
    for content in ('not json', '[]', '{"access_token": "x"}', '{"access_token": "x", "expires_at": "soon"}'):
        with open(cache.path, 'w') as handle:
            handle.write(content)
        assert cache.load() is None
    with open(cache.path, 'w') as handle:
        handle.write('[1]')
    assert cache.load_raw() is None


def test_discard_only_drops_the_named_token(tmp_path):
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path / 'tokens'))
    with cache:
        cache.store('current', 3600)
        cache.discard('older')
        assert cache.load() == 'current'
        cache.discard('current')
        assert not os.path.exists(cache.path)
        cache.discard()  # nothing left: not an error
        cache.store('again', 3600)
        cache.discard()
        assert not os.path.exists(cache.path)


def test_store_leaves_no_temporary_file_when_writing_fails(tmp_path, monkeypatch):
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path / 'tokens'))

    def broken_replace(src, dst):
        raise OSError(errno.ENOSPC, 'No space left on device')

    with cache:
        monkeypatch.setattr(os, 'replace', broken_replace)
        with pytest.raises(TokenCacheError) as caught:
            cache.store('t', 3600)
    assert str(caught.value) == 'cannot write %s: No space left on device' % cache.path
    assert sorted(os.listdir(str(tmp_path / 'tokens'))) == [os.path.basename(cache.lock_path)]


def test_store_into_a_directory_that_refuses_new_files(tmp_path, monkeypatch):
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path / 'tokens'))

    def refuse(*args, **kwargs):
        raise OSError(errno.EDQUOT, 'Disk quota exceeded')

    with cache:
        monkeypatch.setattr(_token_cache.tempfile, 'mkstemp', refuse)
        with pytest.raises(TokenCacheError) as caught:
            cache.store('t', 3600)
    assert str(caught.value) == 'cannot write to %s: Disk quota exceeded' % cache.directory


def test_a_full_disk_warns_and_keeps_the_token_just_minted(atlas, make_client, cache_home, warnings, monkeypatch):
    def broken_replace(src, dst):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(os, 'replace', broken_replace)
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-12'))
    atlas.add('GET', ORGS_URL, json={'results': []})
    atlas.add('GET', ORGS_URL, json={'results': []})
    client = make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET))

    client.get('/api/atlas/v2/orgs')
    client.get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL), ('GET', ORGS_URL)]
    assert [bearer(call) for call in atlas.calls[1:]] == ['Bearer minted-12'] * 2
    assert len(warnings) == 1
    assert warnings[0].startswith('Not caching Atlas access tokens: cannot write ')
    assert warnings[0].endswith(': No space left on device.')
    assert token_files(cache_home) == []


def test_a_directory_that_cannot_be_tightened_is_not_used(atlas, make_client, cache_home, warnings, monkeypatch):
    tokens_dir(cache_home).mkdir(parents=True)
    os.chmod(str(tokens_dir(cache_home)), 0o755)

    def read_only(path, mode):
        raise OSError(errno.EROFS, 'Read-only file system')

    monkeypatch.setattr(os, 'chmod', read_only)
    atlas.add('POST', TOKEN_URL, json=token_reply('minted-13'))
    atlas.add('GET', ORGS_URL, json={'results': []})

    make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    assert wire(atlas) == [('POST', TOKEN_URL), ('GET', ORGS_URL)]
    assert warnings == ['Not caching Atlas access tokens: cannot restrict token cache directory %s to mode 0700: '
                        'Read-only file system.' % tokens_dir(cache_home)]
    assert token_files(cache_home) == []


def test_discard_that_cannot_remove_the_file(tmp_path):
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path))
    os.mkdir(cache.path)  # unlink() of a directory fails with EISDIR

    with pytest.raises(TokenCacheError) as caught:
        cache.discard()

    assert str(caught.value).startswith('cannot remove %s: ' % cache.path)


def test_renewal_survives_a_token_file_that_cannot_be_removed(atlas, make_client, cache_home, monkeypatch):
    plant('revoked', 3600)
    real_unlink = os.unlink

    def stubborn_unlink(path, *args, **kwargs):
        if path.endswith('.json'):
            raise OSError(errno.EACCES, 'Permission denied')
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, 'unlink', stubborn_unlink)
    atlas.add('GET', ORGS_URL, status=401, json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})
    atlas.add('GET', ORGS_URL, status=401, json={'errorCode': 'NOT_AUTHORIZED', 'detail': 'Invalid token.'})

    with pytest.raises(AtlasApiError) as caught:
        make_client(ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET)).get('/api/atlas/v2/orgs')

    # The file could not be dropped, so the same (still unexpired) token is read again; no loop.
    assert wire(atlas) == [('GET', ORGS_URL), ('GET', ORGS_URL)]
    assert caught.value.status == 401


def test_flock_failure_is_a_cache_error_and_closes_the_lock_file(tmp_path, monkeypatch):
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(tmp_path / 'tokens'))
    closed = []
    real_close = os.close

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, 'No locks available')

    def close(fd):
        closed.append(fd)
        real_close(fd)

    monkeypatch.setattr(_token_cache.fcntl, 'flock', no_locks)
    monkeypatch.setattr(os, 'close', close)
    with pytest.raises(TokenCacheError) as caught:
        with cache:
            pass
    assert str(caught.value) == 'cannot lock %s: No locks available' % cache.lock_path
    assert len(closed) == 1 and cache._lock_fd is None  # pylint: disable=protected-access


def test_lock_failure_is_a_cache_error(tmp_path):
    directory = tmp_path / 'tokens'
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, directory=str(directory))
    directory.mkdir(mode=0o700)
    os.mkdir(cache.lock_path)  # the lock path cannot be opened as a file
    with pytest.raises(TokenCacheError) as caught:
        with cache:
            pass
    assert str(caught.value).startswith('cannot lock %s: ' % cache.lock_path)


def test_default_directory_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv('XDG_CACHE_HOME')
    monkeypatch.setenv('HOME', str(tmp_path))
    cache = TokenCache(BASE, CLIENT_ID, CLIENT_SECRET, clock=time.time)
    assert cache.directory == os.path.join(str(tmp_path), '.cache', 'cloudops.atlas', 'tokens')


# -- one mint for parallel processes ----------------------------------------------------------------

PARALLEL = 20
CHILD = textwrap.dedent("""
    import os, sys, time
    from ansible_collections.cloudops.atlas.plugins.module_utils._auth import ClientCredentialsAuth
    from ansible_collections.cloudops.atlas.plugins.module_utils._client import AtlasClient
    base, client_id, secret, ready, go = sys.argv[1:]
    open(ready, 'w').close()
    deadline = time.time() + 60
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.005)
    client = AtlasClient(base, ClientCredentialsAuth(client_id, secret), retries=0)
    request = {'headers': {}}
    client.auth.apply(client, request)
    print(request['headers']['Authorization'])
""")


class TokenEndpoint(BaseHTTPRequestHandler):
    """POST /api/oauth/token: counts mints, answers a distinct token each time, slowly."""

    mints = []
    guard = threading.Lock()

    def do_POST(self):  # pylint: disable=invalid-name
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        with self.guard:
            self.mints.append(self.path)
            number = len(self.mints)
        time.sleep(0.3)  # a slow mint: every other process reaches the lock meanwhile
        body = json.dumps(token_reply('parallel-token-%d' % number)).encode('ascii')
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def test_parallel_processes_mint_one_token(tmp_path, cache_home):
    TokenEndpoint.mints = []
    server = ThreadingHTTPServer(('127.0.0.1', 0), TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = 'http://127.0.0.1:%d' % server.server_port
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path), XDG_CACHE_HOME=str(cache_home),
               NO_PROXY='127.0.0.1', no_proxy='127.0.0.1')
    go = tmp_path / 'go'
    children = []
    try:
        for number in range(PARALLEL):
            ready = tmp_path / ('ready-%d' % number)
            children.append((ready, subprocess.Popen(
                [sys.executable, '-c', CHILD, base, CLIENT_ID, CLIENT_SECRET, str(ready), str(go)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)))
        deadline = time.time() + 60
        while not all(ready.exists() for ready, dummy in children) and time.time() < deadline:
            time.sleep(0.01)
        go.write_text('go')
        outputs = []
        for dummy, child in children:
            out, err = child.communicate(timeout=60)
            assert child.returncode == 0, err.decode('utf-8', 'replace')
            outputs.append(out.decode('ascii').strip())
    finally:
        for dummy, child in children:
            if child.poll() is None:
                child.kill()
        server.shutdown()
        server.server_close()

    assert TokenEndpoint.mints == ['/api/oauth/token']
    assert outputs == ['Bearer parallel-token-1'] * PARALLEL
    assert cached_token(cache_home) == 'parallel-token-1'
