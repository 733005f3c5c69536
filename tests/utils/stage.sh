#!/usr/bin/env bash
# Copy the collection into DEST/ansible_collections/cloudops/atlas, the layout ansible-test
# requires (a real directory; it resolves and rejects symlinks).
#
# Only tracked and untracked-but-not-ignored files are copied, so .venv, build output and
# test artefacts never reach ansible-test. The copy is refreshed on every call (old files
# removed) so a file deleted from the work tree disappears from the stage as well.
#
# The stage gets its own (empty) git repository: ansible-test lists content with
# `git ls-files` from the nearest .git upwards, and the nearest one would otherwise be the
# work tree's, which ignores the stage directory and would report no files at all.
#
# Usage: stage.sh DEST   -> prints the staged collection path
set -euo pipefail

dest=$(mkdir -p "${1:?usage: stage.sh DEST}" && cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
coll="$dest/ansible_collections/cloudops/atlas"

mkdir -p "$coll"
# Keep tests/output (ansible-test results); drop everything else from the previous copy.
find "$coll" -mindepth 1 -maxdepth 1 ! -name tests ! -name .git -exec rm -rf {} +
if [ -d "$coll/tests" ]; then
    find "$coll/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
fi

cd "$root"
if [ -e .git ]; then
    git ls-files -co --exclude-standard -z
else
    # An exported tree without git: copy everything except the usual local clutter.
    find . -path ./.venv -prune -o -path ./.cache -prune -o -path ./.git -prune -o -type f -print0 \
        | sed -z 's|^\./||'
fi | while IFS= read -r -d '' f; do
    # git lists files deleted from the work tree but not yet from the index: skip them.
    [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$coll"

if [ ! -d "$coll/.git" ]; then
    git -C "$coll" init -q
fi
echo "$coll"
