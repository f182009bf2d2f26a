#!/usr/bin/env bash
# Starts a Prism mock (pinned in package.json) of SPEC on 127.0.0.1 in the background and waits until it answers.
# Prints `PRISM_PORT=<port> PRISM_PID=<pid> PRISM_LOG=<file>` on stdout; stop it with prism-stop.sh PID.
# Usage: eval "$(bash tests/peers/prism-start.sh SPEC [PORT] [-- extra prism args])"
# Prism ignores the spec's servers: call http://127.0.0.1:$PRISM_PORT/<path> without /api/v2.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prism="$here/node_modules/.bin/prism"
spec="${1:?usage: prism-start.sh SPEC [PORT] [-- prism args]}"; port="${2:-0}"
shift $(( $# >= 2 ? 2 : $# )); [ "${1:-}" = "--" ] && shift
[ -x "$prism" ] || { echo "prism is not installed: run bash $here/install.sh" >&2; exit 1; }
if [ "$port" = "0" ]; then port="$(node "$here/free-port.cjs")"; fi
run="${PEERS_RUN:-${TMPDIR:-/tmp}/auth0mcp-peers-run}"; mkdir -p "$run"
log="$run/prism.$port.log"
setsid "$prism" mock -h 127.0.0.1 -p "$port" -v "${PRISM_VERBOSE:-warn}" "$@" "$spec" > "$log" 2>&1 < /dev/null &
pid=$!
for _ in $(seq 1 180); do
  kill -0 "$pid" 2>/dev/null || { echo "prism exited while starting; $log:" >&2; tail -n 20 "$log" >&2; exit 1; }
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/" || true)" != "000" ]; then
    echo "PRISM_PORT=$port PRISM_PID=$pid PRISM_LOG=$log"; exit 0
  fi
  sleep 0.5
done
echo "prism did not answer within 90 s; stopping it; $log" >&2
kill "$pid" 2>/dev/null || true
exit 1
