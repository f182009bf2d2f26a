#!/usr/bin/env node
// alice-client.cjs: an MCP client on the official TypeScript SDK that stays connected and takes commands on stdin,
// one per line, answering each with one JSON line on stdout (the admin console tests drive it):
//   list                      -> {"step":"list","tools":[names]}
//   call NAME JSON            -> {"step":"call","tool":NAME,"isError":bool,"text":"..."}
//   wait-list-changed MS      -> {"step":"list_changed","count":N} once at least one arrived (waits up to MS), else {"step":"list_changed","count":0}
//   quit
// Usage: node alice-client.cjs URL   (MCP_HEADERS='{"X-API-Key":"..."}'; PEERS_SDK_DIR or PEERS_DIR locate the SDK)
const { createRequire } = require('node:module');
const path = require('node:path');
const readline = require('node:readline');
const sdkDir = process.env.PEERS_SDK_DIR || path.join(process.env.PEERS_DIR || path.join(require('os').homedir(), '.cache', 'auth0mcp-peers'), 'sdk');
const req = createRequire(path.join(sdkDir, 'package.json'));
const { Client } = req('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = req('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { ToolListChangedNotificationSchema } = req('@modelcontextprotocol/sdk/types.js');

async function main() {
  const url = process.argv[2];
  const headers = JSON.parse(process.env.MCP_HEADERS || '{}');
  const client = new Client({ name: 'alice-client', version: '0.0.1' });
  let changed = 0;
  let wake = null;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => { changed++; if (wake) { wake(); } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
  out({ step: 'connected' });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, ...rest] = line.trim().split(' ');
    try {
      if (command === 'list') {
        const tools = [];
        let cursor;
        do { const page = await client.listTools(cursor ? { cursor } : {}); tools.push(...page.tools.map((t) => t.name)); cursor = page.nextCursor; } while (cursor);
        out({ step: 'list', tools });
      } else if (command === 'call') {
        const [name, ...json] = rest;
        const res = await client.callTool({ name, arguments: JSON.parse(json.join(' ') || '{}') });
        out({ step: 'call', tool: name, isError: !!res.isError, text: (res.content || []).map((c) => c.text || '').join('\n').slice(0, 2000) });
      } else if (command === 'wait-list-changed') {
        if (changed === 0) { await new Promise((resolve) => { wake = resolve; setTimeout(resolve, Number(rest[0] || 20000)); }); }
        out({ step: 'list_changed', count: changed });
        changed = 0;
        wake = null;
      } else if (command === 'quit') {
        break;
      } else {
        out({ step: 'error', error: 'unknown command ' + command });
      }
    } catch (e) {
      out({ step: 'error', error: String((e && e.message) || e).slice(0, 500) });
    }
  }
  await client.close();
  process.exit(0);
}
main().catch((e) => { console.error(String((e && e.stack) || e)); process.exit(1); });
