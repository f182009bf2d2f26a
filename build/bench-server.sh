#!/usr/bin/env bash
# Server benchmarks: cold start to the first tools/list (ours vs Auth0's official server vs a tiny TypeScript SDK
# server), per-call cost through auth0-mcp over stdio and HTTP (governance, hooks and audit on) against a local stub
# vs HttpClient directly, idle memory; then the same cold start and memory for a ReadyToRun publish.
# Installs the pinned peers (tests/peers/install.sh). Writes build/out/bench-server.md; docs/benchmarks-server.md
# holds the figures of one run. Usage: bash build/bench-server.sh [calls per row, default 400]
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-400}"
tools="$(pwd)/tests/peers"
bash tests/peers/install.sh
mkdir -p build/out
echo "== build (Release)" >&2
dotnet build src/Auth0Mcp.Server -c Release -nologo -clp:ErrorsOnly >&2
dotnet build build/bench/ServerBench -c Release -nologo -clp:ErrorsOnly >&2
bench="dotnet build/bench/ServerBench/bin/Release/net10.0/ServerBench.dll"
echo "== JIT build" >&2
$bench src/Auth0Mcp.Server/bin/Release/net10.0/auth0-mcp.dll "$tools" "$calls" | tee build/out/bench-server.md
echo "== ReadyToRun publish" >&2
dotnet publish src/Auth0Mcp.Server -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o build/out/r2r -nologo -clp:ErrorsOnly >&2
echo -e "\n# ReadyToRun publish (linux-x64)\n" | tee -a build/out/bench-server.md
$bench build/out/r2r/auth0-mcp.dll "$tools" "$calls" | tee -a build/out/bench-server.md
