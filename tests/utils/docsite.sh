#!/usr/bin/env bash
# `make docs`: build the HTML documentation site of the collection with antsibull-docs and
# Sphinx, offline, failing on any warning.
#
# Usage: docsite.sh STAGE_DIR SITE_DIR   (STAGE_DIR holds ansible_collections/, see stage.sh)
#
#   1. `antsibull-docs sphinx-init` writes conf.py and build.sh into SITE_DIR (made afresh);
#   2. tests/utils/docsite_prepare.py makes the configuration offline (a local intersphinx
#      inventory instead of the online ones) and puts the Markdown guides (docs/*.md) where the
#      stubs in docs/docsite/rst/ include them from;
#   3. the generated build.sh renders every module, the role, the environment variables and the
#      guides (docs/docsite/extra-docs.yml) to RST and runs `sphinx-build -W --keep-going`.
# The site is SITE_DIR/build/html/index.html.
set -euo pipefail

stage=$(cd "${1:?usage: docsite.sh STAGE_DIR SITE_DIR}" && pwd)
site=${2:?usage: docsite.sh STAGE_DIR SITE_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
venv_bin=$(cd "$(dirname "${PYTHON:-$root/.venv/bin/python}")" && pwd)

rm -rf "$site"
mkdir -p "$site"
chmod 700 "$site"   # antsibull-docs refuses a directory that others can write to
site=$(cd "$site" && pwd)

# The staged copy is the collection antsibull-docs documents (--use-current).
export ANSIBLE_COLLECTIONS_PATH="$stage"
export PATH="$venv_bin:$PATH"   # build.sh calls antsibull-docs and sphinx-build from PATH
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
    --title 'cloudops.atlas' --project 'cloudops.atlas' --copyright 'cloudops.atlas contributors' \
    --dest-dir "$site" cloudops.atlas >/dev/null
"$venv_bin/python" "$root/tests/utils/docsite_prepare.py" "$site" "$root"
"$site/build.sh"
# A backslash-escaped character in a page's text (e.g. "project\_onboarding" in the navigation)
# is RST escaping that reached the reader: docsite_prepare.py unescapes the guide titles.
escaped=$(grep -rlE '[A-Za-z0-9]\\[_*`|][A-Za-z0-9]' "$site/build/html" --include='*.html' || true)
if [ -n "$escaped" ]; then
    echo "docs: RST escapes (like project\\_onboarding) show in:" >&2
    while IFS= read -r page; do echo "  $page" >&2; done <<<"$escaped"
    exit 1
fi
echo "docs: open $site/build/html/index.html"
