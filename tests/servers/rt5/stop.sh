#!/usr/bin/env bash
# Stop the RT started by start.sh DIR: TERM its process group (rt-server was
# started with setsid, so the group is the server plus its Starlet workers),
# then KILL whatever is left after 10 s. Succeeds if nothing is running.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
PIDFILE="$1/rt.pid"
[ -e "$PIDFILE" ] || exit 0
pid="$(cat "$PIDFILE")"
if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
fi
rm -f "$PIDFILE"
