#!/usr/bin/env bash
# Generator benchmark on the full pinned spec, side by side with a peer generator on the same run:
#   1. our pipeline per stage, median of N in-process runs (after a warm-up),
#   2. whole-process time of our pre-compile step vs NSwag's `nswag openapi2csclient` (NSwag.ConsoleCore 14.7.1),
#   3. solution build times: clean, no-op, and after a runtime-only edit (a method body in src/Auth0Mcp.Sdk).
# Usage: bash build/bench-generator.sh [RUNS]     (default 5). Prints a Markdown table for the README.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
spec="$(cd .. && pwd)/shared/openapi/auth0-management-api.2026-06-25.json"
[ -f "$spec" ] || { echo "error: the pinned spec is not at $spec" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
tools="${HOME}/.cache/auth0mcp-bench"
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

echo "== building the generator (Release)" >&2
dotnet build generators/Auth0Mcp.Generators.Cli -c Release -nologo -clp:ErrorsOnly >&2
gen="generators/Auth0Mcp.Generators.Cli/bin/Release/net10.0/auth0-mcp-gen.dll"

echo "== in-process stage medians ($runs runs)" >&2
stages="$(dotnet "$gen" clients --spec "$spec" --out "$work/ours" --repeat "$runs" | grep '^median-ms')"

echo "== whole process: ours vs NSwag ($runs runs each)" >&2
if [ ! -x "$tools/nswag" ]; then
  dotnet tool install NSwag.ConsoleCore --version 14.7.1 --tool-path "$tools" >&2
fi
ours=$(for _ in $(seq "$runs"); do rm -rf "$work/ours"; ms dotnet "$gen" clients --spec "$spec" --out "$work/ours"; done | median)
nswag=$(for _ in $(seq "$runs"); do ms "$tools/nswag" openapi2csclient /input:"$spec" /output:"$work/nswag.cs" /namespace:Bench; done | median)
[ -s "$work/nswag.cs" ] || { echo "error: NSwag produced no output" >&2; exit 1; }

echo "== solution build times" >&2
find src generators tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} + 2>/dev/null || true
dotnet build-server shutdown >/dev/null 2>&1 || true
dotnet restore Auth0Mcp.Sdk.sln -nologo >/dev/null
clean=$(ms dotnet build Auth0Mcp.Sdk.sln -c Release --no-restore -nologo)
noop=$(ms dotnet build Auth0Mcp.Sdk.sln -c Release --no-restore -nologo)
edit_file=src/Auth0Mcp.Sdk/Tools/Auth0ToolResults.cs
cp "$edit_file" "$work/edit.bak"
sed -i 's|var sb = new StringBuilder();|var sb = new StringBuilder(64);|' "$edit_file"
edit=$(ms dotnet build Auth0Mcp.Sdk.sln -c Release --no-restore -nologo)
cp "$work/edit.bak" "$edit_file"
gen_recompiled="no"
if [ "$(find src/Auth0Mcp.ManagementApi/obj/Release -name 'Auth0Mcp.ManagementApi.dll' -newer "$work/edit.bak" | head -1)" != "" ]; then gen_recompiled="yes"; fi
dotnet build Auth0Mcp.Sdk.sln -c Release --no-restore -nologo >/dev/null

ratio=$(awk -v a="$nswag" -v b="$ours" 'BEGIN {printf "%.2f", a / b}')
cat <<MD
| measure (full spec: 452 operations, $(nproc) cores) | ours | NSwag 14.7.1 | NSwag / ours |
|---|---|---|---|
| whole process, spec → C# (median of $runs) | ${ours} ms | ${nswag} ms | ${ratio}× |

In-process stages, ${stages#median-ms }

| solution build | time |
|---|---|
| clean | ${clean} ms |
| no-op | ${noop} ms |
| runtime-only edit (src/Auth0Mcp.Sdk method body) | ${edit} ms (generated assembly recompiled: ${gen_recompiled}) |
MD
