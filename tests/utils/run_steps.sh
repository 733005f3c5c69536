#!/usr/bin/env bash
# Run the checks of `make test` one after the other and count them.
#
# Every step runs even when an earlier one failed (no `set -e`), so one run shows every
# problem. A step that has nothing to check yet (no integration targets, no molecule
# scenario, no execution environment definition) is listed as "not run" with the reason and
# is not counted: an empty step must never look like a passed one.
# The output ends with one line, "N passed, N failed"; the exit status is 1 when any step
# failed (or none ran), else 0.
#
# Usage: run_steps.sh MAKE_COMMAND...   e.g. run_steps.sh make --no-print-directory
set -uo pipefail

make_cmd=("$@")
[ ${#make_cmd[@]} -gt 0 ] || make_cmd=(make --no-print-directory)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

has_files() {  # has_files DIR NAME_PATTERN: true when DIR holds a file named like the pattern
    [ -d "$1" ] && [ -n "$(find "$1" -type f -name "$2" -print -quit)" ]
}

# Why a step cannot run now (empty output: it can run).
not_applicable() {
    case "$1" in
        units) has_files tests/unit 'test_*.py' || echo "no unit tests (tests/unit/**/test_*.py) yet" ;;
        simulator-tests) has_files tests/simulator_tests 'test_*.py' || echo "no simulator tests (tests/simulator_tests/test_*.py) yet" ;;
        secret-stores) has_files tests/secret_stores 'test_*.py' || echo "no secret store tests (tests/secret_stores/test_*.py) yet" ;;
        fuzz) [ -f tests/simulator/fuzz/run_fuzz.py ] || echo "no fuzz runner (tests/simulator/fuzz/run_fuzz.py) yet" ;;
        integration)
            if [ -z "$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null)" ]; then
                echo "no integration targets (tests/integration/targets/*) yet"
            elif [ ! -f tests/simulator/run_simulator.py ]; then
                echo "the simulator (tests/simulator/run_simulator.py) has not landed yet"
            fi
            ;;
        molecule) [ -d extensions/molecule/default ] || echo "no molecule scenario (extensions/molecule/default/) yet" ;;
        runner) [ -f playbooks/onboard.yml ] || echo "no playbooks/onboard.yml yet" ;;
        docs) [ -f docs/docsite/extra-docs.yml ] || echo "no docs/docsite/extra-docs.yml yet" ;;
        chaos) [ -f tests/chaos/chaos.py ] || echo "no chaos run (tests/chaos/chaos.py) yet" ;;
        ee) [ -f execution-environment.yml ] || echo "no execution-environment.yml yet" ;;
    esac
}

# cores (the other ansible-cores, several minutes) runs last, so the quick steps report first.
# STEPS="sanity units" (environment) runs only those, e.g. to try a change of the setup quickly.
steps=(sanity units simulator-tests secret-stores fuzz integration runner chaos lint molecule docs-lint docs changelog-lint build import-check ee cores)
if [ -n "${STEPS:-}" ]; then
    read -r -a steps <<<"$STEPS"
fi
# Make variables of a step: the chaos step is the short seeded run (`make chaos` alone runs 20 iterations).
step_args() {
    case "$1" in
        chaos) echo "CHAOS_SEED=12 CHAOS_ITERATIONS=6" ;;
    esac
}
results=()
passed=0
failed=0
started=$(date +%s)

# The venv and ansible-test's pip bootstrap are shared by every step: set them up once, and
# report a broken setup as one failure instead of one per step.
echo "==> setup (virtualenv, pip bootstrap for ansible-test)"
if ! "${make_cmd[@]}" setup; then
    echo "<== setup: FAILED"
    echo "0 passed, 1 failed"
    exit 1
fi

# Which ansible-core and Python each step runs on, and what this machine cannot cover (a current
# ansible-core without a Python for it): shown now and again with the summary, never silently.
echo
echo "==> matrix (make matrix)"
matrix=$("${make_cmd[@]}" -s matrix 2>&1) || matrix="NOT COVERED: make matrix failed: $matrix"
printf '%s\n' "$matrix"

# Steps that start at once in the background and run beside the others (STEPS_IN_BACKGROUND, default "cores";
# empty runs every step in turn). cores is most of the run's time (three more ansible-cores, their integration
# targets side by side), and the other steps leave CPU idle while they wait on the simulator, the secret servers
# and ansible-playbook; a fresh-clone run took 38 minutes here this way (the last CI run, cores after the rest:
# 45). A background step's output goes to .cache/steps/STEP.log and is shown whole, in the step's place in the
# list, when it has ended.
steps_dir=$root/.cache/steps
declare -A background_pid=()
# shellcheck disable=SC2317,SC2329  # only called through the traps
stop_background() {
    local pid
    for pid in "${background_pid[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true   # each runs in its own session: stop its whole process group
    done
}
trap stop_background EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ ${#steps[@]} -gt 1 ]; then
    for step in ${STEPS_IN_BACKGROUND-cores}; do
        [[ " ${steps[*]} " == *" $step "* ]] && [ -z "$(not_applicable "$step")" ] || continue
        mkdir -p "$steps_dir"
        rm -f "$steps_dir/$step".{log,rc,end}
        read -r -a args <<<"$(step_args "$step")"
        echo
        echo "==> $step: started in the background (output: $steps_dir/$step.log, shown in its place below)"
        date +%s >"$steps_dir/$step.start"
        # shellcheck disable=SC2016  # expanded by the inner bash: $1 is where the output goes, the rest the command
        setsid -w bash -c '"${@:2}" </dev/null >"$1.log" 2>&1; echo $? >"$1.rc"; date +%s >"$1.end"' \
            _ "$steps_dir/$step" "${make_cmd[@]}" "$step" ${args[@]+"${args[@]}"} &
        background_pid[$step]=$!
    done
fi

for i in "${!steps[@]}"; do
    step=${steps[$i]}
    reason=$(not_applicable "$step")
    if [ -n "$reason" ]; then
        echo "==> [$((i + 1))/${#steps[@]}] $step: not run, $reason (not counted)"
        results+=("$(printf '%-16s %-8s %s' "$step" "not run" "$reason")")
        continue
    fi
    echo
    if [ -n "${background_pid[$step]:-}" ]; then
        echo "==> [$((i + 1))/${#steps[@]}] $step (in the background since the start; waiting for it to end)"
        wait "${background_pid[$step]}" || true
        unset "background_pid[$step]"
        cat "$steps_dir/$step.log"
        status=$(cat "$steps_dir/$step.rc" 2>/dev/null || echo 1)
        t0=$(cat "$steps_dir/$step.start")
        t1=$(cat "$steps_dir/$step.end" 2>/dev/null || date +%s)
        how="in the background"
    else
        echo "==> [$((i + 1))/${#steps[@]}] $step"
        t0=$(date +%s)
        read -r -a args <<<"$(step_args "$step")"
        status=0
        "${make_cmd[@]}" "$step" ${args[@]+"${args[@]}"} </dev/null || status=$?
        t1=$(date +%s)
        how=""
    fi
    if [ "$status" -eq 0 ]; then
        result=passed
        passed=$((passed + 1))
    else
        result=FAILED
        failed=$((failed + 1))
    fi
    secs=$((t1 - t0))
    echo "<== $step: $result (${secs}s${how:+ $how})"
    results+=("$(printf '%-16s %-8s %5ss %s' "$step" "$result" "$secs" "$how")")
done

echo
echo "Summary (total $(($(date +%s) - started))s):"
printf '  %s\n' "${results[@]}"
echo "Matrix:"
while IFS= read -r line; do echo "  $line"; done <<<"$matrix"
if grep -q '^NOT COVERED' <<<"$matrix"; then
    echo "WARNING: this machine could not cover every tested ansible-core (NOT COVERED above); the steps passed on the others only"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
