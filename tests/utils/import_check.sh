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

"$python" - importer_result.json importer.log "$tarball" <<'PY'
import ast
import json
import sys
import tarfile

result_path, log_path, tarball = sys.argv[1:4]
problems = []
with open(log_path) as log:
    problems += [line.rstrip() for line in log if line.startswith(('ERROR:', 'WARNING:', 'CRITICAL:'))]


def exported_names(source, method):
    """The names a FilterModule.filters() / TestModule.tests() returns as dict(name=...) or {'name': ...}."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == method:
            for ret in ast.walk(node):
                if isinstance(ret, ast.Call) and getattr(ret.func, 'id', None) == 'dict':
                    names.update(keyword.arg for keyword in ret.keywords)
                elif isinstance(ret, ast.Dict):
                    names.update(key.value for key in ret.keys if isinstance(key, ast.Constant))
    return names


result = json.load(open(result_path))
# Plugins whose documentation Galaxy renders: each must have produced doc strings.
documented = ('module', 'lookup', 'filter', 'test', 'inventory', 'callback', 'connection', 'become', 'cache', 'strategy', 'vars')
contents = result['docs_blob']['contents']
with_docs = {(c['content_type'], c['content_name']) for c in contents if c.get('doc_strings')}
with tarfile.open(tarball) as archive:
    for content in contents:
        kind, name = content['content_type'], content['content_name']
        if kind not in documented or (kind, name) in with_docs:
            continue
        # A filter or test file that holds several plugins, each documented by the YAML file of its name beside it
        # (the layout of community.general): Galaxy lists the file itself too, without doc strings. Accepted only
        # when the file exports no plugin of its own name and every plugin it exports is documented.
        if kind in ('filter', 'test'):
            try:
                source = archive.extractfile('plugins/%s/%s.py' % (kind, name)).read()
            except KeyError:
                source = None
            names = exported_names(source, 'filters' if kind == 'filter' else 'tests') if source else set()
            if names and name not in names and all((kind, each) in with_docs for each in names):
                continue
        problems.append('no documentation for %s %s' % (kind, name))

if problems:
    print('import-check: %d problem(s) in the import of %s:' % (len(problems), result['metadata']['name']))
    for problem in problems:
        print('  ' + problem)
    sys.exit(1)
print('import-check: clean import of %s.%s %s (%d contents)' % (
    result['metadata']['namespace'], result['metadata']['name'], result['metadata']['version'], len(result['contents'])))
PY
