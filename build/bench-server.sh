#!/usr/bin/env bash
# Server benchmarks, every contender in interleaved rounds (A B A B) against one local HTTPS stub: cold start to the
# last tools/list page (ours with governance on vs Auth0's official server), per-call p50 over stdio, 16 concurrent
# callers (calls/s) vs the official server and a raw HttpClient loop, Streamable HTTP vs stdio, idle RSS.
# The official server trusts the stub through NODE_EXTRA_CA_CERTS, ours through SSL_CERT_FILE.
# Installs the pinned peers (tests/peers/install.sh: Prism, the official server, ...). Writes
# build/out/bench-server.md; docs/benchmarks-server.md holds the figures of one run. BENCH_R2R=1 repeats it on a
# ReadyToRun publish; BENCH_AOT=1 publishes the Native AOT executable first (build/publish-aot.sh) and adds it to every
# table. BENCH_ROUNDS (default 4) sets the interleaved rounds per row and BENCH_WARMUP (default 20) the warm-up calls
# per contender, BENCH_WARMUP_SECONDS (default 15) the seconds of 16 callers per contender after them (the JIT build
# tiers up over its first tens of seconds of calls: the rounds measure each server past it); BENCH_COLD_RUNS (default 9) the interleaved cold starts
# per server; with BENCH_COLD_ONLY=1 only the cold starts run (each start measured again after 2 s idle), and
# BENCH_SETTLED_RUNS=N adds N rounds that read each server's RSS 2 s and 75 s after its last page (the second
# collection, StartupTrim.Settle, runs a minute after the start-up trim). Usage: bash build/bench-server.sh [calls per row, default 400]
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
if [ "${BENCH_AOT:-0}" = 1 ]; then
  BENCH_NATIVE="$(bash build/publish-aot.sh)"; export BENCH_NATIVE
fi
echo "== JIT build" >&2
$bench src/Auth0Mcp.Server/bin/Release/net10.0/auth0-mcp.dll "$tools" "$calls" | tee build/out/bench-server.md
[ "${BENCH_R2R:-0}" = 1 ] || exit 0
echo "== ReadyToRun publish" >&2
dotnet publish src/Auth0Mcp.Server -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o build/out/r2r -nologo -clp:ErrorsOnly >&2
echo -e "\n# ReadyToRun publish (linux-x64)\n" | tee -a build/out/bench-server.md
$bench build/out/r2r/auth0-mcp.dll "$tools" "$calls" | tee -a build/out/bench-server.md
