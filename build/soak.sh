#!/usr/bin/env bash
# The soak (docs/reliability.md): CALLS governed tool calls from 50 users over stdio and Streamable HTTP against a
# scripted upstream that injects faults (429 with reset headers, 5xx quoting secrets, resets, stalls) and plants
# secrets, with one SIGKILL of the HTTP server mid-run and a restart. Prints the report; exits non-zero when an
# answered call has no audit record, a record is misattributed, an unapproved call ran, a planted secret leaked,
# or `audit verify` fails.
#   bash build/soak.sh [CALLS=10000] [extra options: --users N --stdio-users N --fault-rate 0.1]
# CI runs the short form: bash build/soak.sh 1000
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-10000}"; shift || true
mkdir -p artifacts
dotnet build tests/Auth0Mcp.Soak/Auth0Mcp.Soak.csproj -c Release -nologo -clp:ErrorsOnly
dotnet tests/Auth0Mcp.Soak/bin/Release/net10.0/Auth0Mcp.Soak.dll --calls "$calls" --out "artifacts/soak-$calls.json" "$@"
