#!/usr/bin/env bash
# What the typed arguments records cost the generated Auth0Mcp.ManagementApi (docs/generator.md, "Typed arguments"):
# compiles the project (only it: --no-dependencies) with Auth0McpTypedArguments=false and =true, interleaved, N pairs,
# and prints each compile's wall time, the assembly's size, and the load average. The last run is the default (true).
# Usage: bash benchmarks/generator/typed-arguments-cost.sh [PAIRS]   (build the solution once first)
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(bash build/fetch-spec.sh)"
pairs="${1:-2}"
project=src/Auth0Mcp.ManagementApi/Auth0Mcp.ManagementApi.csproj
dll=src/Auth0Mcp.ManagementApi/bin/Release/net10.0/Auth0Mcp.ManagementApi.dll
for i in $(seq 1 "$pairs"); do
  for typed in false true; do
    start=$(date +%s.%N)
    dotnet build "$project" -c Release --no-dependencies -nologo -clp:ErrorsOnly "-p:Auth0McpTypedArguments=$typed" > /dev/null
    end=$(date +%s.%N)
    printf 'pair %s typed=%-5s wall %6.1f s  size %s bytes  load %s\n' "$i" "$typed" "$(echo "$end - $start" | bc)" "$(stat -c %s "$dll")" "$(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
