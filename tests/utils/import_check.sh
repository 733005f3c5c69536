#!/usr/bin/env bash
# Run galaxy-importer on a built collection tarball, as Galaxy does on upload, and be strict
# about it: the step fails when the importer fails, logs any ERROR or WARNING (a missing
# changelog, ansible-lint findings, unknown tags, ...: what Galaxy would show on the
# collection's page), or produced no documentation for a plugin.
#
# Usage: import_check.sh PYTHON TARBALL
set -euo pipefail

python=${1:?usage: import_check.sh PYTHON TARBALL}
tarball=$(cd "$(dirname "${2:?usage: import_check.sh PYTHON TARBALL}")" && pwd)/$(basename "$2")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/atlas-import.XXXXXX")
trap 'rm -rf "$work"' EXIT

export GALAXY_IMPORTER_CONFIG="$here/galaxy-importer.cfg"
cd "$work"   # the importer writes importer_result.json into the working directory
status=0
"$python" -m galaxy_importer.main "$tarball" 2>&1 | tee importer.log || status=$?
if [ "$status" -ne 0 ] || [ ! -s importer_result.json ]; then
    echo "import-check: galaxy-importer failed (exit $status)" >&2
    exit 1
fi

"$python" - importer_result.json importer.log <<'PY'
import json
import sys

result_path, log_path = sys.argv[1:3]
problems = []
with open(log_path) as log:
    problems += [line.rstrip() for line in log if line.startswith(('ERROR:', 'WARNING:', 'CRITICAL:'))]

result = json.load(open(result_path))
# Plugins whose documentation Galaxy renders: each must have produced doc strings.
documented = ('module', 'lookup', 'filter', 'test', 'inventory', 'callback', 'connection', 'become', 'cache', 'strategy', 'vars')
for content in result['docs_blob']['contents']:
    if content['content_type'] in documented and not content.get('doc_strings'):
        problems.append('no documentation for %s %s' % (content['content_type'], content['content_name']))

if problems:
    print('import-check: %d problem(s) in the import of %s:' % (len(problems), result['metadata']['name']))
    for problem in problems:
        print('  ' + problem)
    sys.exit(1)
print('import-check: clean import of %s.%s %s (%d contents)' % (
    result['metadata']['namespace'], result['metadata']['name'], result['metadata']['version'], len(result['contents'])))
PY
