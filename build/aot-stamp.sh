#!/usr/bin/env bash
# What a Native AOT publish is built from, as build/publish-aot.sh writes it beside the executable (auth0-mcp.stamp)
# and build/container.sh compares it with the tree before reusing that executable. Three lines:
#   commit <HEAD's commit>                      (unknown outside a git checkout)
#   tree clean | tree dirty <sha256>            (the sha256 of the uncommitted changes: tracked diffs and untracked files)
#   spec <sha256 of the pinned spec>            (openapi/spec.pin.props; the build refuses any other)
# A stamp with "unknown" in it never counts as current. Usage: bash build/aot-stamp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
commit=unknown; tree="tree unknown"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && commit="$(git rev-parse HEAD 2>/dev/null)"; then
  changes="$( { git diff HEAD --binary; git ls-files -z --others --exclude-standard | xargs -0 -r sha256sum --; } | sha256sum | cut -d' ' -f1)"
  if [ -z "$(git status --porcelain --untracked-files=normal)" ]; then tree="tree clean"; else tree="tree dirty $changes"; fi
else
  commit=unknown
fi
spec="$(sed -n 's:.*<Auth0SpecSha256>\(.*\)</Auth0SpecSha256>.*:\1:p' openapi/spec.pin.props 2>/dev/null | head -n 1)"
printf 'commit %s\n%s\nspec %s\n' "$commit" "$tree" "${spec:-unknown}"
