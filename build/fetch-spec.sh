#!/usr/bin/env bash
# Makes the pinned Auth0 Management API spec (openapi/spec.pin.props) available and verified, without committing it.
# Looks, in order, at: $AUTH0_MCP_SPEC (a path), ../shared/openapi/<file> beside the repository (an offline cache),
# the user cache ($XDG_CACHE_HOME or ~/.cache)/auth0mcp/spec/ under <file>.<sha12>.json (<file> with the first 12 hex
# digits of the pinned sha256, the name build/update-spec and this script write), then under <file> (the older name);
# else downloads the pinned URL into that cache as <file>.<sha12>.json. A file is used only when its sha256 equals the
# pin: one with another sha256 under the pinned name is skipped, with a message. A matching $AUTH0_MCP_SPEC is also
# copied into that cache as <file>.<sha12>.json (when none is there), so builds without the variable (a new shell, the
# README's alias) find it there too; the path printed stays the one given. Prints `export AUTH0_MCP_SPEC=<path>`
# on stdout (the path quoted for the shell, as printf %q does: a space, a quote or a $(…) in it stays part of the
# path under eval), progress on stderr.
# Usage: eval "$(bash build/fetch-spec.sh)"
# Another pin of the same form (the older spec the spec-update tests diff against): --pin FILE, and --export NAME for
# the variable printed and looked at first (default AUTH0_MCP_SPEC), e.g.
#   eval "$(bash build/fetch-spec.sh --pin tests/older-spec.pin.props --export AUTH0_MCP_OLDER_SPEC)"
set -euo pipefail
cd "$(dirname "$0")/.."
pin_file=openapi/spec.pin.props; var=AUTH0_MCP_SPEC
while [ $# -gt 0 ]; do
  case "$1" in
    --pin) pin_file="${2:?--pin needs a file}"; shift 2 ;;
    --export) var="${2:?--export needs a variable name}"; shift 2 ;;
    *) echo "error: unknown argument '$1' (usage: fetch-spec.sh [--pin FILE] [--export NAME])" >&2; exit 2 ;;
  esac
done
[[ "$var" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "error: --export '$var' is not a variable name" >&2; exit 2; }
[ -f "$pin_file" ] || { echo "error: the pin file $pin_file does not exist" >&2; exit 2; }
pin() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$pin_file" | head -1; }
file="$(pin Auth0SpecFileName)"; sha="$(pin Auth0SpecSha256 | tr 'A-F' 'a-f')"
# The pin's download URL, with the references to its other properties expanded as MSBuild does.
url="$(pin Auth0SpecUrl)"
url="${url//\$(Auth0SpecRepository)/$(pin Auth0SpecRepository)}"
url="${url//\$(Auth0SpecCommit)/$(pin Auth0SpecCommit)}"
url="${url//\$(Auth0SpecRepoPath)/$(pin Auth0SpecRepoPath)}"
url="${url//&amp;/&}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/auth0mcp/spec"
cached="$cache/${file%.json}.${sha:0:12}.json"
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
matches() { [ -n "$sha" ] && [ -f "$1" ] && [ "$(sha256_of "$1")" = "$sha" ]; }
for candidate in "${!var:-}" "../shared/openapi/$file" "$cached" "$cache/$file"; do
  [ -n "$candidate" ] || continue
  if matches "$candidate"; then
    echo "spec: $candidate (sha256 matches the pin)" >&2
    if [ "$candidate" = "${!var:-}" ] && [ ! -e "$cached" ]; then
      # Copied under a temporary name and moved into place: a build never finds half a file. Not fatal.
      if mkdir -p "$cache" && keep="$(mktemp "$cache/.keep.XXXXXX")" && cp "$candidate" "$keep" && matches "$keep" && mv "$keep" "$cached"; then
        echo "spec: kept a copy in $cached (later builds find it without $var)" >&2
      else
        [ -z "${keep:-}" ] || rm -f "$keep"
        echo "spec: could not keep a copy in $cache (builds need $var set)" >&2
      fi
    fi
    printf 'export %s=%q\n' "$var" "$(cd "$(dirname "$candidate")" && pwd)/$(basename "$candidate")"
    exit 0
  fi
  if [ -f "$candidate" ]; then
    echo "spec: skipped $candidate: its sha256 $(sha256_of "$candidate") is not the pinned $sha (another spec under that name)" >&2
  fi
done
if [ -z "$url" ]; then
  echo "error: the pinned spec $file (sha256 $sha) was not found ($var, ../shared/openapi, $cache) and the pin has no download URL; give a local copy with $var=/path/to/$file" >&2
  exit 1
fi
mkdir -p "$cache"
echo "spec: downloading $url" >&2
tmp="$(mktemp "$cache/.download.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
if ! curl -fsSL --retry 3 --max-time 300 -o "$tmp" "$url"; then
  echo "error: could not download the pinned spec from $url; give a local copy with $var=/path/to/$file" >&2
  exit 1
fi
if ! matches "$tmp"; then
  echo "error: the download's sha256 $(sha256_of "$tmp") is not the pinned $sha (see build/update-spec)" >&2
  exit 1
fi
mv "$tmp" "$cached"
printf 'export %s=%q\n' "$var" "$cached"
