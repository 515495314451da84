// Drives `docent mcp` with the official MCP TypeScript SDK over stdio:
//   node mcp_client.mjs DOCENT_BINARY LIBRARY
// Prints one JSON object of what came back; tests/cli/test_mcp.cpp checks it.
import { load } from './load.mjs';

const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = await load('@modelcontextprotocol/sdk/client/stdio.js');
const { LATEST_PROTOCOL_VERSION } = await load('@modelcontextprotocol/sdk/types.js');
const [binary, library] = process.argv.slice(2);

const transport = new StdioClientTransport({ command: binary, args: ['--library', library, 'mcp'], stderr: 'pipe' });
const received = [];
transport.onmessage = (message) => received.push(message);  // the SDK chains its own handler after this one
let stderr = '';
transport.stderr?.on('data', (chunk) => { stderr += chunk; });
const client = new Client({ name: 'docent-test', version: '1.0.0' });
await client.connect(transport);
const out = { sdk_protocol_version: LATEST_PROTOCOL_VERSION };
out.initialize = received.find((m) => m.result && m.result.protocolVersion)?.result ?? null;
out.server = client.getServerVersion();

const tools = await client.listTools();
out.tools = tools.tools.map((t) => ({ name: t.name, input: t.inputSchema, has_output_schema: Boolean(t.outputSchema) }));

// callTool validates structuredContent against each tool's outputSchema (the SDK throws if not).
const search = await client.callTool({ name: 'search', arguments: { query: 'Tarrow Point Light', limit: 3 } });
out.search = { structured: search.structuredContent, text: search.content[0]?.text, isError: search.isError ?? false };
const first = search.structuredContent?.results?.[0];
if (first) {
  const passage = await client.callTool({ name: 'get_passage', arguments: { chunk_id: first.chunk_id } });
  out.passage = passage.structuredContent;
}
const documents = await client.callTool({ name: 'list_documents', arguments: {} });
out.documents = documents.structuredContent.documents;
const ask = await client.callTool({ name: 'ask', arguments: { question: 'When was the Tarrow Point Light first lit?' } });
out.ask = ask.structuredContent;
const bad = await client.callTool({ name: 'search', arguments: { query: 'light', limit: 'ten' } });
out.bad_arguments = { isError: bad.isError ?? false, text: bad.content[0]?.text };
try {
  await client.callTool({ name: 'no_such_tool', arguments: {} });
  out.unknown_tool = { thrown: false };
} catch (error) {
  out.unknown_tool = { thrown: true, code: error.code, message: error.message };
}

const resources = await client.listResources();
out.resources = resources.resources;
const pdf = resources.resources.find((r) => r.name.endsWith('.pdf'));
if (pdf) {
  const read = await client.readResource({ uri: pdf.uri });
  out.read = { uri: pdf.uri, pages: read.contents.length, first: read.contents[0] };
}
try {
  await client.readResource({ uri: 'docent://documents/999999' });
  out.missing_resource = { thrown: false };
} catch (error) {
  out.missing_resource = { thrown: true, code: error.code };
}
await client.ping();
await client.close();
out.stderr = stderr;
console.log(JSON.stringify(out));
