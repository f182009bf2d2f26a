#!/usr/bin/env bash
# Lists the generic types the Native AOT server builds at run time (the type loader's TryBuildGenericType) between its
# start, the first tools/list page and a first tools/call (a POST to a closed local port: refused at once, and not
# retried): each costs time, and each belongs in src/Auth0Mcp.Server/AotStartupTypes.rd.xml, which makes ILC compile it
# ahead. Needs gdb (Debian: apt-get install gdb) and a publish with its .dbg file (build/publish-aot.sh). Prints one
# line per built type, then the count, and exits 1 when there is any (build/test.sh runs it on the publish it tests),
# 2 when it cannot run.
# Usage: bash build/aot-startup-types.sh [path to the AOT auth0-mcp, default build/out/aot/auth0-mcp]
set -euo pipefail
cd "$(dirname "$0")/.."
exe="$(realpath "${1:-build/out/aot/auth0-mcp}")"
command -v gdb >/dev/null || { echo "aot-startup-types: gdb is missing (Debian: apt-get install gdb)" >&2; exit 2; }
[ -x "$exe" ] || { echo "aot-startup-types: no executable at $exe (bash build/publish-aot.sh)" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
export AUTH0_MCP_STORE="$work/governance.db" AUTH0_MCP_USER=probe AUTH0_TOKEN=probe-token AUTH0_MCP_BASE_URL=http://127.0.0.1:1
unset AUTH0_DOMAIN AUTH0_CLIENT_ID AUTH0_CLIENT_SECRET
# Governance on, every tool approved for the caller: the start-up the server benchmark measures.
"$exe" tools approve '*' --actor probe >/dev/null
"$exe" profiles create probe --toolsets all-approved --users probe --policy auto --actor probe >/dev/null
printf '%s\n' \
  '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}' \
  '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"auth0_roles_create","arguments":{"body":{"name":"probe"}}}}' > "$work/in.jsonl"
# The breakpoint prints the generic definition and its arguments: MethodTable symbols ("vtable for X" in gdb's words).
cat > "$work/gdb" <<GDB
set pagination off
set confirm off
handle SIGUSR1 SIGUSR2 SIG34 SIG35 SIGPIPE nostop noprint pass
break S_P_TypeLoader_Internal_Runtime_TypeLoader_TypeBuilder__TryBuildGenericType
commands
silent
info symbol \$rdi
set \$n = *(long*)(\$rsi+8)
set \$i = 0
while \$i < \$n
  info symbol *(long*)(\$rsi+16+8*\$i)
  set \$i = \$i + 1
end
echo ----\n
continue
end
run serve < $work/in.jsonl > $work/out.jsonl
quit
GDB
timeout 300 gdb -q -batch -x "$work/gdb" "$exe" > "$work/gdb.log" 2>&1 || true
grep -q '"tools"' "$work/out.jsonl" && grep -q '"id":3' "$work/out.jsonl" \
  || { echo "aot-startup-types: the server did not answer tools/list and tools/call (gdb log: $work/gdb.log)" >&2; trap - EXIT; exit 1; }
awk '/^vtable for /{ sub(/^vtable for /, ""); sub(/ in section.*/, ""); line = line (line == "" ? "" : " <- ") $0 }
     /^----/{ print line; line = ""; n++ } END { print n + 0 " generic type(s) built at run time" (n ? ": add them to src/Auth0Mcp.Server/AotStartupTypes.rd.xml" : ""); exit (n ? 1 : 0) }' "$work/gdb.log"
