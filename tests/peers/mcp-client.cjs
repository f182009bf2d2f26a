#!/usr/bin/env node
// A scripted MCP client on the official TypeScript SDK (pinned in package.json): connects, lists every tool (following
// pages), optionally calls one tool, and prints one JSON line per step with its timing. Exit 1 when the list or the
// call failed or the call answered isError.
// Usage: node mcp-client.cjs --stdio "COMMAND ARGS" [TOOL] [JSON_ARGS]
//        node mcp-client.cjs --http URL [TOOL] [JSON_ARGS]
// Env:   MCP_HEADERS (JSON object of HTTP headers), MCP_TIMEOUT_MS (default 60000),
//        MCP_ELICIT=accept|decline|cancel (declare the elicitation capability and answer every elicitation/create so;
//        accept confirms with {"confirm": true}; each request's message is printed as an "elicitation" step).
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');

function transportFor(mode, target) {
  if (mode === '--stdio') {
    const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
    const [command, ...args] = target.split(' ').filter(Boolean);
    return new StdioClientTransport({ command, args, stderr: 'ignore', env: { ...process.env } });
  }
  if (mode === '--http') {
    const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const headers = JSON.parse(process.env.MCP_HEADERS || '{}');
    return new StreamableHTTPClientTransport(new URL(target), { requestInit: { headers } });
  }
  throw new Error('usage: mcp-client.cjs --stdio "COMMAND ARGS" | --http URL [TOOL] [JSON_ARGS]');
}

async function timed(step, fn) {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const fields = await fn();
    console.log(JSON.stringify({ step, ms: elapsed(), ...fields }));
    return true;
  } catch (error) {
    console.log(JSON.stringify({ step, ms: elapsed(), error: String((error && error.message) || error).slice(0, 500) }));
    return false;
  }
}

async function main() {
  const [mode, target, tool, json] = process.argv.slice(2);
  const timeout = Number(process.env.MCP_TIMEOUT_MS || 60000);
  const transport = transportFor(mode, target);
  const elicit = process.env.MCP_ELICIT;
  const client = new Client({ name: 'auth0mcp-test-client', version: '1.0.0' }, elicit ? { capabilities: { elicitation: {} } } : undefined);
  if (elicit) {
    const { ElicitRequestSchema } = require('@modelcontextprotocol/sdk/types.js');
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      console.log(JSON.stringify({ step: 'elicitation', message: request.params.message, action: elicit }));
      return elicit === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: elicit };
    });
  }
  let ok = await timed('initialize', async () => {
    await client.connect(transport, { timeout });
    return { server: client.getServerVersion(), protocol: transport.protocolVersion };
  });
  ok = ok && await timed('tools/list', async () => {
    const names = []; let cursor; let pages = 0; let bytes = 0;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout });
      bytes += Buffer.byteLength(JSON.stringify(page));
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor; pages++;
    } while (cursor && pages < 100);
    return { tools: names.length, pages, resultBytes: bytes, first: names.slice(0, 3) };
  });
  if (ok && tool) {
    ok = await timed('tools/call', async () => {
      const result = await client.callTool({ name: tool, arguments: JSON.parse(json || '{}') }, undefined, { timeout });
      if (result.isError) throw new Error('isError: ' + JSON.stringify(result.content).slice(0, 400));
      return { tool, isError: false, content: JSON.stringify(result.content).slice(0, 400) };
    });
  }
  await client.close();
  process.exit(ok ? 0 : 1);
}

main().catch((error) => { console.error(String((error && error.stack) || error)); process.exit(1); });
