#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of every library that tracks its public API (<Auth0McpTrackPublicApi>true in
# src/*/*.csproj; docs/packages.md) from the analyzer's own diagnostics: it empties those files, builds the projects
# once with RS0016/RS0017 as plain warnings, and writes, sorted, every symbol the diagnostics name: a public symbol that
# PublicAPI.Shipped.txt lacks (RS0016) as its line, a shipped one that is gone (RS0017) as *REMOVED*<line>.
# PublicAPI.Shipped.txt is never touched: it changes only at a release. Run it after changing a public API (or after a
# merge that did), review the diff of the Unshipped files, commit them.
# Usage: bash build/public-api.sh [-c Configuration]
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=Release
if [ "${1:-}" = "-c" ] && [ -n "${2:-}" ]; then configuration="$2"; fi
export DOTNET_CLI_UI_LANGUAGE=en   # the diagnostics are parsed by their English text

mapfile -t projects < <(grep -l '<Auth0McpTrackPublicApi>true</Auth0McpTrackPublicApi>' src/*/*.csproj | sort)
if [ "${#projects[@]}" -eq 0 ]; then echo "error: no project sets Auth0McpTrackPublicApi" >&2; exit 1; fi

for project in "${projects[@]}"; do
  dir="$(dirname "$project")"
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  # Rewriting the file also makes it newer than the assembly, so the compiler (and the analyzer) runs again.
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
done

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for project in "${projects[@]}"; do
  echo "== building $project" >&2
  if ! dotnet build "$project" -c "$configuration" -nologo -tl:off -v:q -clp:NoSummary \
      -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= >> "$log" 2>&1; then
    grep -E ': error ' "$log" | sort -u >&2 || cat "$log" >&2
    echo "error: the build failed for another reason than the declared API; fix it first (the Unshipped files are left empty)" >&2
    exit 1
  fi
done

# One line per diagnostic: <project directory><TAB><line for the Unshipped file>.
symbols="$(mktemp)"
trap 'rm -f "$log" "$symbols"' EXIT
sed -n \
  -e "s|.*warning RS0016: Symbol '\\(.*\\)' is not part of the declared public API.*\\[\\(.*\\)/[^/]*\\.csproj\\]\$|\\2\t\\1|p" \
  -e "s|.*warning RS0017: Symbol '\\(.*\\)' is part of the declared API, but is either not public or could not be found.*\\[\\(.*\\)/[^/]*\\.csproj\\]\$|\\2\t*REMOVED*\\1|p" \
  "$log" | LC_ALL=C sort -u > "$symbols"
if grep -qE 'warning RS00(16|17):' "$log" && [ ! -s "$symbols" ]; then
  echo "error: RS0016/RS0017 were reported but none could be read; has their message changed?" >&2
  grep -E 'warning RS00(16|17):' "$log" | head -3 >&2
  exit 1
fi
other="$(grep -E 'warning RS00(2[0-9]|3[0-9]|4[0-9]|5[0-9]):' "$log" | sort -u || true)"

for project in "${projects[@]}"; do
  dir="$(cd "$(dirname "$project")" && pwd -P)"
  {
    printf '#nullable enable\n'
    awk -F '\t' -v dir="$dir" '$1 == dir { sub(/^[^\t]*\t/, ""); print }' "$symbols"
  } > "$dir/PublicAPI.Unshipped.txt"
  echo "$(dirname "$project")/PublicAPI.Unshipped.txt: $(($(wc -l < "$dir/PublicAPI.Unshipped.txt") - 1)) line(s)" >&2
done
if [ -n "$other" ]; then
  echo "note: other public API rules reported (not written to the files; fix them in the code):" >&2
  echo "$other" >&2
fi
