#!/usr/bin/env bash
# Builds everything and runs every test: the one command for people and CI (`bash build/test.sh`).
# Installs the test peers (Prism, the MCP TypeScript SDK client, …: npm, into ~/.cache/auth0mcp-peers) and, when
# the PostgreSQL helper is present, a local PostgreSQL for the storage contract tests.
set -euo pipefail
cd "$(dirname "$0")/.."
here="$(pwd)"
shared="$(cd "$here/.." && pwd)/shared"

if [ ! -d "$shared/tools" ]; then
  echo "error: $shared/tools is missing: the end-to-end tests need the shared peers beside the repository." >&2
  exit 1
fi

echo "== installing test peers (idempotent; first run takes a few minutes)"
bash "$shared/tools/setup.sh" > /tmp/auth0mcp-peers-setup.log 2>&1 || { cat /tmp/auth0mcp-peers-setup.log >&2; exit 1; }
tail -n 1 /tmp/auth0mcp-peers-setup.log

if [ -f build/postgres.sh ]; then
  echo "== starting PostgreSQL for the storage tests"
  eval "$(bash build/postgres.sh)"
  export AUTH0_MCP_TEST_POSTGRES
fi

echo "== build"
dotnet build Auth0Mcp.Sdk.sln -c Release -nologo -clp:ErrorsOnly

echo "== test"
dotnet test Auth0Mcp.Sdk.sln -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee /tmp/auth0mcp-test.log | grep -E '^\s*(Failed|Passed!|Failed!|Skipped)|error|Total tests' || true
status=${PIPESTATUS[0]}
passed=$(grep -Eo 'Passed: +[0-9]+' /tmp/auth0mcp-test.log | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' /tmp/auth0mcp-test.log | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' /tmp/auth0mcp-test.log | awk '{s+=$2} END {print s+0}')
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
