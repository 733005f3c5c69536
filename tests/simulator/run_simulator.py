# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Launcher: ``python tests/simulator/run_simulator.py --port 0 --info-file sim.json`` (same options as
``python -m atlas_simulator``), usable without setting PYTHONPATH."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from atlas_simulator.__main__ import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == '__main__':
    sys.exit(main())
