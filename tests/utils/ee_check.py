# Copyright (c) 2026 cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that execution-environment.yml carries the ansible-core that `make test` tests.

    python ee_check.py EE_FILE REQUIREMENTS_DEV CONTEXT_DIR

`make ee` runs it after `ansible-builder create`. It fails when
- the EE's ansible_core is not the ansible-core pinned in requirements-dev.txt for Python 3.12 and
  newer (the newest release, the one the project venv runs the steps on), or its ansible_runner
  not requirements-dev.txt's ansible-runner;
- the EE's Python (python_interpreter.python_path) is older than that ansible-core's controller
  needs (3.12), or is not the interpreter the rendered Containerfile (or Dockerfile) runs (PYCMD).
"""

import os
import re
import sys

import yaml

# ansible-core 2.20 and 2.21 need Python 3.12 or newer on the controller.
MIN_CONTROLLER_PYTHON = (3, 12)


def dev_pins(path):
    """name -> (version, marker) of the == pins in requirements-dev.txt that apply to Python 3.12+."""
    pins = {}
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            match = re.match(r'^([A-Za-z0-9_.-]+)==([^;\s]+)\s*(?:;\s*(.*))?$', line)
            if not match:
                continue
            name, version, marker = match.group(1).lower(), match.group(2), (match.group(3) or '').replace("'", '"')
            if marker and marker not in ('python_version >= "3.12"',):
                continue
            pins[name] = version
    return pins


def main(ee_path, dev_path, context):
    with open(ee_path) as f:
        ee = yaml.safe_load(f)
    deps = ee.get('dependencies', {})
    pins = dev_pins(dev_path)
    problems = []

    for key, name in (('ansible_core', 'ansible-core'), ('ansible_runner', 'ansible-runner')):
        want = '%s==%s' % (name, pins.get(name, '?'))
        got = (deps.get(key) or {}).get('package_pip')
        if got != want:
            problems.append('dependencies.%s.package_pip is %r; requirements-dev.txt tests %r' % (key, got, want))

    interpreter = deps.get('python_interpreter') or {}
    python_path = interpreter.get('python_path', '')
    match = re.search(r'python(\d+)\.(\d+)$', python_path)
    if not match:
        problems.append('dependencies.python_interpreter.python_path %r does not name a Python version (pythonX.Y)' % python_path)
    elif tuple(int(part) for part in match.groups()) < MIN_CONTROLLER_PYTHON:
        problems.append('the EE Python %s is older than ansible-core %s needs (%d.%d)' % (
            python_path, pins.get('ansible-core'), MIN_CONTROLLER_PYTHON[0], MIN_CONTROLLER_PYTHON[1]))

    # ansible-builder names it Containerfile for podman, Dockerfile for docker (its default here).
    names = [name for name in ('Containerfile', 'Dockerfile') if os.path.exists(os.path.join(context, name))]
    if not names:
        print('ee: no Containerfile or Dockerfile in %s' % context)
        return 1
    containerfile = os.path.join(context, names[0])
    with open(containerfile) as f:
        rendered = f.read()
    if 'ARG PYCMD="%s"' % python_path not in rendered:
        problems.append('%s does not run %s (ARG PYCMD)' % (containerfile, python_path))

    if problems:
        print('ee: execution-environment.yml does not carry what make test tests:')
        for problem in problems:
            print('  ' + problem)
        return 1
    print('ee: %s with ansible-core %s and ansible-runner %s on %s (base %s)' % (
        ee_path, pins['ansible-core'], pins['ansible-runner'], python_path, ee['images']['base_image']['name']))
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
