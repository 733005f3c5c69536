#!/usr/bin/env bash
# Start RUNS ansible-playbook runs of race_playbook.yml at once and wait for all of them.
#   race.sh PYTHON PLAYBOOK PROJECT_ID RUNS CACHE_MODE WORKDIR
# CACHE_MODE "shared": every run uses WORKDIR/cache (one host); "separate": each run its own cache
# directory, as runs on different hosts would (no shared lock). Each run's output goes to WORKDIR/run-N.log.
set -uo pipefail
python=$1 playbook=$2 project_id=$3 runs=$4 mode=$5 workdir=$6
pids=()
for n in $(seq 1 "$runs"); do
    cache="$workdir/cache"
    [ "$mode" = shared ] || cache="$workdir/cache-$n"
    XDG_CACHE_HOME="$cache" "$python" -m ansible.cli.playbook -i localhost, -c local \
        -e "ansible_python_interpreter=$python" -e "race_project_id=$project_id" "$playbook" >"$workdir/run-$n.log" 2>&1 &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
exit "$status"
