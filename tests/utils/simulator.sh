#!/usr/bin/env bash
# Start or stop the Atlas API simulator (tests/simulator) for integration tests, molecule and
# the demo. One copy of this logic, so every caller starts and stops it the same way.
#
#   simulator.sh start [STATE_DIR]   start on 127.0.0.1, a free port; wait until it listens
#   simulator.sh stop  [STATE_DIR]   SIGTERM (SIGKILL after 10 s); always succeeds
#   simulator.sh status [STATE_DIR]
#
# STATE_DIR (default .sim) receives info.json (url, org_id, project_ids, admin credentials,
# written by the simulator once it listens), pid and simulator.log.
# PYTHON selects the interpreter (default .venv/bin/python); SIM_ARGS adds simulator options,
# split on white space (e.g. SIM_ARGS="--seed seed.json --api-rate-limit 40").
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:?usage: simulator.sh start|stop|status [STATE_DIR]}
state=${2:-$root/.sim}
python=${PYTHON:-$root/.venv/bin/python}
info="$state/info.json"
pidfile="$state/pid"
log="$state/simulator.log"
# Seconds to wait for the simulator to write its info file.
start_timeout=${SIM_START_TIMEOUT:-60}

running() {
    [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

stop() {
    if running; then
        local pid
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "simulator (pid $pid) ignored SIGTERM; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        echo "simulator stopped (pid $pid)"
    fi
    rm -f "$pidfile" "$info"
}

start() {
    if [ ! -f "$root/tests/simulator/run_simulator.py" ]; then
        echo "simulator.sh: tests/simulator/run_simulator.py does not exist" >&2
        return 1
    fi
    # Never reuse a simulator of an earlier run: its state and tokens would leak into this one.
    stop >/dev/null
    mkdir -p "$state"
    rm -f "$info"
    local extra=()
    read -r -a extra <<<"${SIM_ARGS:-}"
    # setsid: the simulator gets its own session, so it does not receive the terminal's
    # signals meant for make, and it outlives this script until `stop`.
    setsid "$python" "$root/tests/simulator/run_simulator.py" \
        --host 127.0.0.1 --port 0 --info-file "$info" ${extra[@]+"${extra[@]}"} >"$log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    local waited=0
    until [ -s "$info" ]; do
        if ! running; then
            echo "simulator.sh: the simulator exited during start-up; its log:" >&2
            cat "$log" >&2
            rm -f "$pidfile"
            return 1
        fi
        if [ "$waited" -ge $((start_timeout * 10)) ]; then
            echo "simulator.sh: no $info after ${start_timeout}s; its log:" >&2
            cat "$log" >&2
            stop >/dev/null
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "simulator started (pid $(cat "$pidfile")): $("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$info")"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    status)
        if running; then
            echo "running (pid $(cat "$pidfile"))"
            cat "$info"
            echo
        else
            echo "not running"
            exit 1
        fi
        ;;
    *)
        echo "usage: simulator.sh start|stop|status [STATE_DIR]" >&2
        exit 2
        ;;
esac
