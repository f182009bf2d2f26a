#!/usr/bin/env bash
# Installs the pinned test peers (package.json + package-lock.json here) with `npm ci`: idempotent, a no-op when
# node_modules already matches the lock file. `install.sh --corpus` also installs the OpenAPI corpus (corpus/).
# Auth0's official MCP server imports keytar, which needs libsecret even when it is not used: the Debian package's
# library is unpacked (not installed) into sysroot/ here. Needs node >= 20 and npm; everything else comes from npm
# and Debian's archive. Prints one line per step on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# No install-time analytics from the peers' install scripts: @scarf/scarf (under @stoplight/prism-cli) posts the
# machine's platform and the package chain to scarf.sh on every npm ci unless told not to (package.json's
# scarfSettings says so too, for an npm ci run by hand). DO_NOT_TRACK is the variable other such scripts read.
export SCARF_ANALYTICS=false DO_NOT_TRACK=1

npm_ci() { # npm_ci DIR: install DIR's lock file unless node_modules was installed from the same lock
  local dir="$1" stamp="$1/node_modules/.installed-lock.sha256" want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "peers: $(basename "$dir") up to date" >&2; return 0
  fi
  echo "peers: npm ci in $dir (first run takes a few minutes)" >&2
  (cd "$dir" && timeout 1200 npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$stamp"
}

npm_ci "$here"
if [ "${1:-}" = "--corpus" ]; then npm_ci "$here/corpus"; fi

lib="$here/sysroot/usr/lib/x86_64-linux-gnu"
if [ ! -e "$lib/libsecret-1.so.0" ]; then
  echo "peers: unpacking libsecret-1-0 into $here/sysroot (for the official Auth0 MCP server)" >&2
  debs="$(mktemp -d)"
  (cd "$debs" && { apt-get download libsecret-1-0 >/dev/null 2>&1 || { apt-get update -qq >&2 && apt-get download libsecret-1-0 >&2; }; })
  for f in "$debs"/*.deb; do dpkg-deb -x "$f" "$here/sysroot"; done
  rm -rf "$debs"
fi
echo "peers: node $("$here/node_modules/.bin/node" --version) (Node 22 for the conformance suite), prism $("$here/node_modules/.bin/prism" --version)" >&2
