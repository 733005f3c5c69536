# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils is PRIVATE and should only be used by this collection.
# Breaking changes can occur at any time.

"""Atlas's timestamps: parsing, formatting, and ordering secrets by creation. Pure functions."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from datetime import datetime, timezone

EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def parse_time(value):
    """Parse Atlas's ISO 8601 timestamps (with Z or an offset) into aware datetimes; None stays None."""
    if not value:
        return None
    text = value.replace('Z', '+00:00')
    if '.' in text:  # fromisoformat before 3.11 accepts only 3 or 6 fraction digits
        head, rest = text.split('.', 1)
        digits = re.match(r'\d*', rest).group(0)
        text = head + '.' + (digits + '000000')[:6] + rest[len(digits):]
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_time(value):
    return value.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def hours_between(now, later):
    return round((later - now).total_seconds() / 3600.0, 2)


def oldest_first(secrets):
    """Secrets ordered by creation time ("older" and "newest" are by createdAt)."""
    return sorted(secrets or [], key=lambda secret: parse_time(secret.get('createdAt')) or EPOCH)
