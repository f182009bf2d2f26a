#!/usr/bin/env bash
# Stops a Prism started by prism-start.sh (its whole process group), waiting up to 5 s before SIGKILL.
set -uo pipefail
pid="${1:?usage: prism-stop.sh PID}"
kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null
exit 0
