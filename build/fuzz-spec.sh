#!/usr/bin/env bash
# Spec fuzz, full form: N mutated copies of the pinned spec (deleted/duplicated/retyped nodes, broken $refs, cycles,
# huge strings) through the generation core; 0 crashes and each within the bound, or it fails.
#   bash build/fuzz-spec.sh [COUNT=1000] [SEED=11]
# The test suite runs the short form (100, seed 11) as SpecFuzzTests.
set -uo pipefail
cd "$(dirname "$0")/.."
export AUTH0_MCP_FUZZ_SPECS="${1:-1000}"
export AUTH0_MCP_FUZZ_SEED="${2:-11}"
log="$(mktemp)"
dotnet test tests/Auth0Mcp.Generators.Tests/Auth0Mcp.Generators.Tests.csproj -c Release -nologo \
  --filter "FullyQualifiedName~SpecFuzzTests" --logger "console;verbosity=detailed" > "$log" 2>&1
rc=$?
grep -E "mutated specs|Passed!|Failed!|#[0-9]+ \(seed" "$log" || tail -n 40 "$log"
rm -f "$log"
exit $rc
