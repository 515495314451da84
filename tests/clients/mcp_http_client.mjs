// The official MCP SDK's Streamable HTTP client against `docent serve`'s POST /mcp:
//   node mcp_http_client.mjs MCP_URL
import { load } from './load.mjs';

const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = await load('@modelcontextprotocol/sdk/client/streamableHttp.js');
const [url] = process.argv.slice(2);
const client = new Client({ name: 'docent-test-http', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
const out = { server: client.getServerVersion() };
out.tools = (await client.listTools()).tools.map((t) => t.name);
const search = await client.callTool({ name: 'search', arguments: { query: 'last tram Brennmoor', limit: 2 } });
out.search = search.structuredContent;
const ask = await client.callTool({ name: 'ask', arguments: { question: 'When did the last tram run in Brennmoor?' } });
out.ask = ask.structuredContent;
out.resources = (await client.listResources()).resources.length;
await client.close();
console.log(JSON.stringify(out));
