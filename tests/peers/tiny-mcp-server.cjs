#!/usr/bin/env node
// The smallest useful MCP server on the official TypeScript SDK, over stdio: a floor for start-up and per-call cost in
// the server benchmark. Tools: echo {text}.
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { z } = require('zod');

const server = new McpServer({ name: 'tiny-mcp-server', version: '1.0.0' });
server.registerTool('echo', { description: 'Returns the text it is given', inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: 'text', text }] }));
server.connect(new StdioServerTransport());
