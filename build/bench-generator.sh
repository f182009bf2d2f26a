#!/usr/bin/env bash
# Generator benchmark on the full pinned spec, side by side with peer generators on the same run:
#   1. our pipeline per stage, median of N in-process runs (after a warm-up),
#   2. whole-process time, spec → C#, of our pre-compile step, NSwag's `nswag openapi2csclient`
#      (NSwag.ConsoleCore 14.7.1) and Kiota's `kiota generate` (Microsoft.OpenApi.Kiota 1.38.0), interleaved run by
#      run (ours, NSwag, Kiota, ours, …) so that a change in the machine's load hits all three alike; the load
#      average before and after is printed with the figures,
#   3. with --builds only: solution build times (clean, no-op, after a runtime-only edit). It deletes bin/obj and
#      shuts the build server down: never on a machine where others build.
# Usage: bash build/bench-generator.sh [RUNS] [--builds]     (default 7 runs). Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=7; builds=false
for a in "$@"; do case "$a" in --builds) builds=true ;; *) runs="$a" ;; esac; done
eval "$(bash build/fetch-spec.sh)"
spec="$AUTH0_MCP_SPEC"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
tools="${HOME}/.cache/auth0mcp-bench"
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== building the generator (Release)" >&2
dotnet build generators/Auth0Mcp.Generators.Cli -c Release -nologo -clp:ErrorsOnly >&2
gen="generators/Auth0Mcp.Generators.Cli/bin/Release/net10.0/auth0-mcp-gen.dll"

echo "== in-process stage medians ($runs runs)" >&2
stages="$(dotnet "$gen" clients --spec "$spec" --out "$work/ours" --repeat "$runs" | grep '^median-ms')"

echo "== whole process: ours, NSwag, Kiota interleaved ($runs runs each)" >&2
[ -x "$tools/nswag" ] || dotnet tool install NSwag.ConsoleCore --version 14.7.1 --tool-path "$tools" >&2
[ -x "$tools/kiota" ] || dotnet tool install Microsoft.OpenApi.Kiota --version 1.38.0 --tool-path "$tools" >&2
export KIOTA_TUTORIAL_ENABLED=false KIOTA_OFFLINE_ENABLED=true
load_before="$(load)"
: > "$work/ours.ms"; : > "$work/nswag.ms"; : > "$work/kiota.ms"
for _ in $(seq "$runs"); do
  rm -rf "$work/ours" "$work/kiota"
  ms dotnet "$gen" clients --spec "$spec" --out "$work/ours" >> "$work/ours.ms"
  ms "$tools/nswag" openapi2csclient /input:"$spec" /output:"$work/nswag.cs" /namespace:Bench >> "$work/nswag.ms"
  ms "$tools/kiota" generate --openapi "$spec" --language CSharp --output "$work/kiota" --class-name BenchClient --namespace-name Bench >> "$work/kiota.ms"
done
load_after="$(load)"
[ -s "$work/nswag.cs" ] || { echo "error: NSwag produced no output" >&2; exit 1; }
[ -n "$(find "$work/kiota" -name '*.cs' | head -1)" ] || { echo "error: Kiota produced no output" >&2; exit 1; }
ours=$(median < "$work/ours.ms"); nswag=$(median < "$work/nswag.ms"); kiota=$(median < "$work/kiota.ms")
ratio() { awk -v a="$1" -v b="$ours" 'BEGIN {printf "%.2f", a / b}'; }
cat <<MD
| measure (full spec: $(nproc) cores, load average $load_before before, $load_after after) | ours | NSwag 14.7.1 | Kiota 1.38.0 |
|---|---|---|---|
| whole process, spec → C# (median of $runs, interleaved) | ${ours} ms | ${nswag} ms ($(ratio "$nswag")×) | ${kiota} ms ($(ratio "$kiota")×) |

In-process stages, ${stages#median-ms }
MD

$builds || exit 0
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

cat <<MD

| solution build | time |
|---|---|
| clean | ${clean} ms |
| no-op | ${noop} ms |
| runtime-only edit (src/Auth0Mcp.Sdk method body) | ${edit} ms (generated assembly recompiled: ${gen_recompiled}) |
MD
