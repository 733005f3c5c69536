# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local MongoDB Atlas Admin API v2 simulator for the Service Accounts API (test tooling only)."""

from .simulator import Simulator

__all__ = ['Simulator']
