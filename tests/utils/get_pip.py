# Copyright: cloudops.atlas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip script that ansible-test downloads.

ansible-test builds its virtual environments without pip and then runs
``~/.ansible/test/cache/get_pip_<X_Y>.py`` (downloading it from a host that is
not reachable from our machines when the file is missing). It calls the script
through runpy with pip-install arguments, for example::

    --disable-pip-version-check pip==24.2 --no-setuptools --no-wheel

This stand-in drops the get-pip-only flags, bootstraps pip from the Python's
bundled wheel with ``python -m ensurepip`` and installs the requested packages
with that pip. ensurepip runs in a subprocess on purpose: run in-process it
sets PIP_CONFIG_FILE=/dev/null, which hides /etc/pip.conf (index and CA bundle)
from the following pip call and ends in certificate errors.

tests/utils/install_get_pip.sh copies this file to the cache path.
"""

import os
import subprocess
import sys

# Flags understood by the real get-pip.py only; pip itself rejects them.
GET_PIP_ONLY_FLAGS = ('--no-setuptools', '--no-wheel', '--no-pip')


def main(argv):
    args = [arg for arg in argv if arg not in GET_PIP_ONLY_FLAGS]
    env = dict(os.environ)
    # ensurepip must not see a PIP_CONFIG_FILE left over from a caller either.
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], env=env)
    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + args, env=env)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
