# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: ``python -m atlas_simulator --port 0 --info-file sim.json``; stops on SIGTERM/SIGINT."""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from .ratelimit import HEADER_MODES, INSPECTION_MODES, preset_names
from .simulator import Simulator


def parse_args(argv):
    """The CLI options (see README.md)."""
    parser = argparse.ArgumentParser(prog='atlas_simulator', description=__doc__)
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=0, help='port; 0 picks a free one (default 0)')
    parser.add_argument('--info-file', help='write url, ids and admin credentials as JSON here once listening')
    parser.add_argument('--seed', help='JSON seed file (default: the built-in seed)')
    parser.add_argument('--token-ttl', type=int, default=3600, help='access token lifetime in seconds (default 3600)')
    parser.add_argument('--token-rate-limit', type=int, default=50,
                        help='token requests per client id per minute (default 50)')
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument('--api-rate-limit', type=int, metavar='N',
                        help='shorthand: one ORGANIZATION bucket per organization over every Admin API endpoint, '
                             'capacity N, N tokens every 60 s (default: the "default" preset)')
    limits.add_argument('--rate-limits', metavar='FILE', help='Admin API rate-limit configuration (JSON, see README.md)')
    limits.add_argument('--rate-limit-preset', metavar='NAME', choices=preset_names(),
                        help=f'a shipped configuration: {", ".join(preset_names())}')
    parser.add_argument('--rate-limit-headers', choices=HEADER_MODES,
                        help='sent (default), omit-ratelimit (no RateLimit-Limit/-Remaining) or omit-all (no Retry-After either)')
    parser.add_argument('--rate-limits-inspection', choices=INSPECTION_MODES,
                        help='GET /rateLimits*: available (default), 403 or 404 (as if unavailable)')
    parser.add_argument('--max-secret-hours', type=int, default=8760,
                        help='organization maximum secret validity in hours (default 8760)')
    parser.add_argument('--no-strict', dest='strict', action='store_false',
                        help='do not validate responses against the spec')
    parser.add_argument('--start-time', help='initial simulated time (ISO 8601; default: now)')
    parser.add_argument('--verbose', action='store_true', help='print an access log to stderr')
    return parser.parse_args(argv)


def write_info(path, info):
    """Write the info file atomically (a waiter polls for it)."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.atlas-sim-info-')
    with os.fdopen(handle, 'w', encoding='utf-8') as stream:
        json.dump(info, stream, indent=2)
        stream.write('\n')
    os.replace(temporary, path)


def main(argv=None):
    """Run until SIGTERM or SIGINT; exit 0."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sim = Simulator(seed=args.seed, strict=args.strict, token_ttl=args.token_ttl, token_rate_limit=args.token_rate_limit,
                    max_secret_hours=args.max_secret_hours, start_time=args.start_time, api_rate_limit=args.api_rate_limit,
                    verbose=args.verbose, rate_limits=args.rate_limits, rate_limit_preset=args.rate_limit_preset,
                    rate_limit_headers=args.rate_limit_headers, rate_limits_inspection=args.rate_limits_inspection)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    url = sim.start(args.host, args.port)
    if args.info_file:
        write_info(args.info_file, sim.info)
    print(f'Atlas simulator listening on {url}', flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
