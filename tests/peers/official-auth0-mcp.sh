#!/usr/bin/env bash
# Runs Auth0's official MCP server (@auth0/auth0-mcp-server, pinned in package.json) over stdio: the competitor the
# server benchmark compares against. Analytics off; an empty HOME; it reaches no host but $AUTH0_DOMAIN, and only
# when a tool is called. Extra arguments go to its `run` command (e.g. --read-only).
# Env: AUTH0_DOMAIN (default 127.0.0.1:4010), AUTH0_TOKEN (default a dummy), NODE_EXTRA_CA_CERTS for a local HTTPS stub.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server="$here/node_modules/@auth0/auth0-mcp-server/dist/index.js"
lib="$here/sysroot/usr/lib/x86_64-linux-gnu"
[ -f "$server" ] && [ -d "$lib" ] || { echo "peers are not installed: run bash $here/install.sh" >&2; exit 1; }
# Its HOME: an empty folder beside the peers, the same for every run. It writes nothing there (a folder per run was
# left behind in /tmp whenever the harness killed the server, as it stops every peer).
home="$here/.home"
mkdir -p "$home"
HOME="$home" AUTH0_MCP_ANALYTICS=false LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  AUTH0_TOKEN="${AUTH0_TOKEN:-not-a-real-token}" AUTH0_DOMAIN="${AUTH0_DOMAIN:-127.0.0.1:4010}" \
  node "$server" run "$@"
