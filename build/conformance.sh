#!/usr/bin/env bash
# Runs the MCP conformance suite (tests/peers/conformance-run.sh) against `auth0-mcp serve --http` on a free
# loopback port, with our baseline of deliberately unimplemented scenarios (tests/conformance-baseline.yml).
# The suite sends no credentials, so the server runs with AUTH0_MCP_HTTP_LOCAL_USER=on (loopback only) and
# governance off. Output: build/out/conformance.log (the summary prints even on a passing run). Exit code: the suite's.
# Usage: bash build/conformance.sh [path/to/auth0-mcp.dll]
set -uo pipefail
cd "$(dirname "$0")/.."
dll="${1:-src/Auth0Mcp.Server/bin/Release/net10.0/auth0-mcp.dll}"
[ -f "$dll" ] || dll=src/Auth0Mcp.Server/bin/Debug/net10.0/auth0-mcp.dll
[ -f "$dll" ] || { echo "build the server first (dotnet build src/Auth0Mcp.Server)" >&2; exit 2; }
mkdir -p build/out
err="$(mktemp)"
AUTH0_MCP_HTTP_LOCAL_USER=on AUTH0_MCP_USER=conformance AUTH0_MCP_GOVERNANCE=off AUTH0_TOKEN=unused \
  AUTH0_MCP_BASE_URL=http://127.0.0.1:9 dotnet "$dll" serve --http http://127.0.0.1:0/mcp 2>"$err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$err"' EXIT
url=""
for _ in $(seq 1 100); do url="$(grep -o 'http://[^ ]*' "$err" | head -1)"; [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { echo "server did not start:" >&2; cat "$err" >&2; exit 2; }
bash tests/peers/install.sh
bash tests/peers/conformance-run.sh --url "$url" --expected-failures "$(pwd)/tests/conformance-baseline.yml" > build/out/conformance.log 2>&1
rc=$?
grep -E '^Total:|exit' build/out/conformance.log | tail -2
exit $rc
