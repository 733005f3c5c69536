#!/usr/bin/env bash
# `make cores`: run the unit tests, the integration targets and the molecule scenario again under
# other ansible-cores that meta/runtime.yml claims (requires_ansible: >=2.16.0); the project venv
# (.venv, ansible-core 2.21, or 2.19 where only Python 3.11 exists) runs them in the other steps
# of `make test`.
#
# Usage: cores.sh CORE...   e.g. cores.sh 2.16 2.19 2.20
#
# Each CORE has its venv in .cache/cores/<CORE>, built (`make core-venvs`, in parallel) from
# requirements-core-<CORE>.txt with the first Python of that file's "# pythons:" line that this
# machine has (tests/utils/find_python.sh), ansible-test's pip bootstrap installed by
# install_get_pip.sh, and its own staged copy of the collection in .cache/cores/<CORE>/stage, so
# ansible-test's output of one core never mixes with another's. A CORE for which no such Python
# exists is reported as NOT COVERED (not counted as a failure: the machine cannot run it).
#
# MOLECULE_CORES (default: every CORE) lists the cores the molecule scenario runs on; MAKE (default
# make) builds the venvs.
# Each check's output goes to .cache/cores/<CORE>/<check>.log; a failed check's log tail is
# printed. Every check runs even when an earlier one failed; the exit status is 1 when any failed.
set -uo pipefail

[ $# -gt 0 ] || { echo "usage: cores.sh CORE..." >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
cores_dir="$root/.cache/cores"
# The simulator always runs in the project venv (integration.sh, molecule's prepare uses the
# Python that runs ansible-playbook, which has the simulator's requirements-sim.txt too).
export PYTHON="$root/.venv/bin/python"
molecule_cores=" ${MOLECULE_CORES:-$*} "
make_cmd=${MAKE:-make}

started=$(date +%s)

# Which cores this machine can run: those with one of their Pythons.
runnable=()
not_covered=()
for core in "$@"; do
    reqs="$root/requirements-core-$core.txt"
    if [ ! -f "$reqs" ]; then
        echo "cores: no requirements-core-$core.txt" >&2
        exit 2
    fi
    pythons=$(sed -n 's/^# pythons: *//p' "$reqs")
    # shellcheck disable=SC2086  # a list of versions
    if "$root/tests/utils/find_python.sh" $pythons >/dev/null; then
        runnable+=("$core")
    else
        not_covered+=("$(printf '%-6s %-12s %-8s %s' "$core" "(all)" "NOT COVERED" "needs Python ${pythons// /, } (none on PATH or in pyenv)")")
        echo "cores: ansible-core $core NOT COVERED: none of Python $pythons found on PATH or in pyenv's versions folder" >&2
    fi
done

if [ ${#runnable[@]} -gt 0 ]; then
    # -k: a venv that fails to build does not stop the others; its core is then reported FAILED.
    $make_cmd --no-print-directory -k -j${#runnable[@]} core-venvs CORES="${runnable[*]}" || true
    pythons=()
    for core in "${runnable[@]}"; do
        [ -f "$cores_dir/$core/.requirements-installed" ] && pythons+=("$cores_dir/$core/bin/python")
    done
    [ ${#pythons[@]} -eq 0 ] || "$root/tests/utils/install_get_pip.sh" "${pythons[@]}"
fi

started=$(date +%s)

# check CORE NAME COMMAND...: run one check, log it, record the result.
check() {
    local core=$1 name=$2
    shift 2
    local log="$cores_dir/$core/$name.log" t0 result secs
    echo "==> ansible-core $core: $name"
    t0=$(date +%s)
    if "$@" >"$log" 2>&1 </dev/null; then
        result=passed
    else
        result=FAILED
        failed=$((failed + 1))
        echo "--- last 80 lines of $log"
        tail -n 80 "$log" | sed 's/\x1b\[[0-9;]*m//g'
        echo "---"
    fi
    secs=$(($(date +%s) - t0))
    echo "<== ansible-core $core: $name $result (${secs}s)"
    results+=("$(printf '%-6s %-12s %-8s %5ss' "$core" "$name" "$result" "$secs")")
}

python_version() {  # python_version PYTHON: X.Y
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

run_units() {  # run_units COLLECTION_DIR BIN_DIR
    cd "$1" && "$2/ansible-test" units --python "$(python_version "$2/python")" --venv --color no
}

run_integration() {  # run_integration COLLECTION_DIR BIN_DIR
    ANSIBLE_PYTHON="$2/python" "$root/tests/utils/integration.sh" "$1"
}

# molecule runs ansible-playbook from PATH: the core's bin directory goes first. ANSIBLE_HOME
# per core: molecule installs the collection there (see the molecule target in the Makefile).
run_molecule() {  # run_molecule CORE BIN_DIR
    local cache status=0
    cache=$(mktemp -d "${TMPDIR:-/tmp}/atlas-molecule.XXXXXX")
    cd "$root" && PATH="$2:$PATH" XDG_CACHE_HOME="$cache" ANSIBLE_HOME="$cores_dir/$1/ansible-home" \
        "$2/molecule" test || status=$?
    rm -rf "$cache"
    return "$status"
}

# Units first, one core after the other (ansible-test runs them on every CPU already); then the
# integration targets and molecule of every core side by side (each core has its own venv, staged
# copy, simulators and molecule home): most of those runs is waiting on processes and the
# simulator's clock and faults, so overlapping them saves minutes. Output is shown core by core.
# The lines of each core go to .cache/cores/<CORE>/cores.out, its results to .../results.
run_core() {  # run_core CORE PHASE (units | rest)
    local core=$1 phase=$2 bin="$cores_dir/$1/bin" coll="$cores_dir/$1/stage/ansible_collections/cloudops/atlas"
    results=()
    failed=0
    if [ ! -x "$bin/ansible-test" ] || [ ! -f "$cores_dir/$core/.requirements-installed" ]; then
        if [ "$phase" = units ]; then  # reported once
            echo "cores: the venv $cores_dir/$core did not build (make core-venvs)" >&2
            results+=("$(printf '%-6s %-12s %-8s' "$core" "venv" "FAILED")")
        fi
    elif [ "$phase" = units ]; then
        echo
        echo "==> ansible-core $("$bin/python" -c 'from ansible.release import __version__; print(__version__)') on Python $("$bin/python" -c 'import platform; print(platform.python_version())') from $bin"
        coll=$("$root/tests/utils/stage.sh" "$cores_dir/$core/stage")
        check "$core" units run_units "$coll" "$bin"
    else
        check "$core" integration run_integration "$coll" "$bin"
        if [[ "$molecule_cores" == *" $core "* ]]; then
            check "$core" molecule run_molecule "$core" "$bin"
        else
            results+=("$(printf '%-6s %-12s %-8s %s' "$core" "molecule" "not run" "(MOLECULE_CORES=${MOLECULE_CORES:-})")")
        fi
    fi
    [ ${#results[@]} -eq 0 ] || printf '%s\n' "${results[@]}" >>"$cores_dir/$core/results"
}

for core in ${runnable[@]+"${runnable[@]}"}; do
    mkdir -p "$cores_dir/$core"
    rm -f "$cores_dir/$core/results" "$cores_dir/$core/cores.out"
    run_core "$core" units >>"$cores_dir/$core/cores.out" 2>&1
done
pids=()
for core in ${runnable[@]+"${runnable[@]}"}; do
    run_core "$core" rest >>"$cores_dir/$core/cores.out" 2>&1 &
    pids+=($!)
done
for pid in ${pids[@]+"${pids[@]}"}; do
    wait "$pid"
done

results=()
failed=0
for core in ${runnable[@]+"${runnable[@]}"}; do
    cat "$cores_dir/$core/cores.out"
    if [ -s "$cores_dir/$core/results" ]; then
        while IFS= read -r line; do
            results+=("$line")
            [[ "$line" == *FAILED* ]] && failed=$((failed + 1))
        done <"$cores_dir/$core/results"
    else
        results+=("$(printf '%-6s %-12s %-8s' "$core" "(all)" "FAILED")")
        failed=$((failed + 1))
    fi
done
results+=(${not_covered[@]+"${not_covered[@]}"})

echo
echo "cores: summary (total $(($(date +%s) - started))s):"
printf '  %s\n' "${results[@]}"
[ "$failed" -eq 0 ]
