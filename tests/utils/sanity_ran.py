# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when a sanity test that must run was skipped (or did not run at all).

    python sanity_ran.py JUNIT_DIR TEST [TEST...]

ansible-test skips some sanity tests without failing when their program is missing: the
shellcheck test passes with only a warning ("Required program "shellcheck" not found") and
records <skipped> in its junit file. `make sanity` runs ansible-test with --junit and then
this script, so a shellcheck that went missing from PATH fails the step.
"""

import glob
import os
import sys
import xml.etree.ElementTree as ET


def main(junit_dir, required):
    cases = {}
    for path in glob.glob(os.path.join(junit_dir, '*.xml')):
        for case in ET.parse(path).getroot().iter('testcase'):
            if case.get('classname') == 'sanity':
                skipped = case.find('skipped')
                cases[case.get('name')] = None if skipped is None else (skipped.text or 'skipped')
    problems = []
    for name in required:
        if name not in cases:
            problems.append('%s: no result in %s' % (name, junit_dir))
        elif cases[name] is not None:
            problems.append('%s: skipped (%s)' % (name, cases[name]))
    for problem in problems:
        sys.stderr.write('sanity: the %s test did not run: %s\n' % (problem.split(':')[0], problem))
    if not problems:
        print('sanity: %d tests recorded; required ones ran: %s' % (len(cases), ', '.join(required)))
    return 1 if problems else 0


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
