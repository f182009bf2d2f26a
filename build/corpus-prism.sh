#!/usr/bin/env bash
# The Prism sweep of corpus documents (issue 10): each document is generated and compiled as a package consumer
# (build/corpus-consumer.sh) together with tests/Auth0Mcp.Generators.Corpus/PrismSweep/Sweep.cs, a Prism mock of the
# document is started (tests/peers/prism-start.sh), and every tool is called through the runtime with arguments
# synthesised from its input schema, required fields only and then all fields (as FidelityTests does for the Auth0
# spec), the connection's base URL pointed at Prism. A document passes when >= 95% of its tools are accepted (no
# call answered 4xx); every rejected call is printed with Prism's reason, and so is every call Prism could not mock
# an answer for (5xx after the request passed: UNMOCKED) and every call rejected for Prism's reading of form arrays
# (PRISM; see PrismSweep/Sweep.cs).
#
#   bash build/corpus-prism.sh                  the documents marked `prism` in tests/Auth0Mcp.Generators.Corpus/compile-list.txt
#   bash build/corpus-prism.sh xkcd.com.json    only these
# Needs the test peers (bash tests/peers/install.sh --corpus). CPU-heavy: one document at a time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
list="$root/tests/Auth0Mcp.Generators.Corpus/compile-list.txt"
. "$root/build/corpus-consumer.sh"
corpus="$(corpus_directory)"
if [ $# -gt 0 ]; then docs=("$@"); else mapfile -t docs < <(sed -n 's/^prism \(.*\)$/\1/p' "$list"); fi
minimum="${CORPUS_PRISM_MINIMUM:-95}"

work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && bash "$root/tests/peers/prism-stop.sh" "$pid"; rm -rf "$work"' EXIT
corpus_consumer "$work" "$root/tests/Auth0Mcp.Generators.Corpus/PrismSweep/Sweep.cs" "$root/tests/Auth0Mcp.Server.Tests/Infrastructure/SchemaSampler.cs"

failed=0
again=""
printf '%-45s %6s %6s %8s %8s %6s\n' document tools accepted percent unmocked prism
for doc in "${docs[@]}"; do
  spec="$corpus/api/$doc"
  if ! dotnet build "$work/Consumer.csproj" -c Release -nologo -clp:ErrorsOnly -p:Auth0SpecPath="$spec" $again > "$work/build.log" 2>&1; then
    failed=$((failed + 1)); echo "$doc: FAIL (build)"; grep -E ': error ' "$work/build.log" | sort -u | head -5 | cut -c1-300 | sed 's/^/    /'; continue
  fi
  again="--no-restore -p:BuildProjectReferences=false"
  eval "$(bash "$root/tests/peers/prism-start.sh" "$spec" | sed 's/^/export /')"
  pid="$PRISM_PID"
  set +e
  dotnet "$work/bin/Release/net10.0/Consumer.dll" "http://127.0.0.1:$PRISM_PORT" "$spec" > "$work/sweep.log" 2>&1
  code=$?
  set -e
  bash "$root/tests/peers/prism-stop.sh" "$pid"; pid=""
  result="$(sed -n 's/^tools \([0-9]*\)\/\([0-9]*\) unmocked \([0-9]*\) prism \([0-9]*\)$/\1 \2 \3 \4/p' "$work/sweep.log")"
  if [ "$code" != 0 ] || [ -z "$result" ]; then
    failed=$((failed + 1)); echo "$doc: FAIL (sweep exit $code)"; tail -5 "$work/sweep.log" | cut -c1-300 | sed 's/^/    /'; continue
  fi
  read -r accepted total unmocked limited <<< "$result"
  percent=$(( total > 0 ? accepted * 100 / total : 100 ))
  printf '%-45s %6s %6s %7s%% %8s %6s\n' "$doc" "$total" "$accepted" "$percent" "$unmocked" "$limited"
  grep -E '^(REJECTED|UNMOCKED|PRISM)' "$work/sweep.log" | cut -c1-600 | sed 's/^/    /' || true
  if [ "$percent" -lt "$minimum" ]; then failed=$((failed + 1)); echo "    FAIL: under $minimum%"; fi
done
echo "corpus-prism: ${#docs[@]} documents, $failed failed"
[ "$failed" = 0 ]
