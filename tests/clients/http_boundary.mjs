// The server's HTTP boundary under bad input, over real sockets (node's own fetch and net):
//   node http_boundary.mjs BASE_URL MAX_BODY_BYTES
// Random and mutated JSON bodies, wrong types, a body over the limit, garbage instead of HTTP,
// a client that promises a body and leaves, wrong methods and paths. Prints a JSON tally; every
// answer must be an OpenAI-style error object (never a 5xx, never a dropped server).
import net from 'node:net';

const [baseURL, maxBody] = process.argv.slice(2);
const url = new URL(baseURL);
const tally = { requests: 0, statuses: {}, not_error_objects: [], server_errors: [] };
let seed = 20261202;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

async function post(path, body, headers = {}) {
  const response = await fetch(baseURL + path, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
  const text = await response.text();
  tally.requests += 1;
  tally.statuses[response.status] = (tally.statuses[response.status] ?? 0) + 1;
  let parsed = null;
  try { parsed = JSON.parse(text); } catch {}
  if (response.status >= 500) tally.server_errors.push({ path, status: response.status, text: text.slice(0, 200) });
  if (response.status >= 400 && !(parsed && parsed.error && typeof parsed.error.message === 'string' && parsed.error.type))
    tally.not_error_objects.push({ path, status: response.status, text: text.slice(0, 200) });
  return { status: response.status, body: parsed };
}

const valid = {
  '/chat/completions': { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 },
  '/embeddings': { model: 'no-such-model', input: ['a'] },
  '/search': { query: 'tide', limit: 3 },
  '/ask': { question: 'when?', extractive: true },
};
const junk = [null, true, -1, 1e308, 'x', '', [], {}, [[[]]], { a: { b: {} } }, '\u0000', 'é'.repeat(1000)];
const pieces = ['{', '}', '[', ']', '"', ':', ',', 'null', '1e999', '\\u12', '\u00ff', ' '];

for (const [path, body] of Object.entries(valid)) {
  // Wrong types for every field.
  for (const field of Object.keys(body))
    for (const value of junk) await post(path, JSON.stringify({ ...body, [field]: value }));
  // Mutated text.
  const text = JSON.stringify(body);
  for (let round = 0; round < 60; round++) {
    let mutated = text;
    for (let edit = 0; edit < 1 + Math.floor(random() * 6); edit++) {
      const at = Math.floor(random() * mutated.length);
      const piece = pieces[Math.floor(random() * pieces.length)];
      mutated = random() < 0.5 ? mutated.slice(0, at) + piece + mutated.slice(at + 1) : mutated.slice(0, at) + mutated.slice(at + 2);
    }
    await post(path, mutated);
  }
  // Random bytes, and nesting far deeper than any request.
  for (let round = 0; round < 20; round++)
    await post(path, Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256))));
  await post(path, '['.repeat(200000));
}

const huge = await post('/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'a'.repeat(Number(maxBody) + 1) }] }));
const wrongMethod = await fetch(baseURL + '/chat/completions').then((r) => r.status);
const wrongPath = await post('/nowhere', '{}');

// Not HTTP at all, and a body promised but never sent: the server answers or closes, and lives on.
function raw(bytes, wait = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.end(bytes));
    let answer = '';
    socket.on('data', (data) => { answer += data.toString('latin1'); });
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
    socket.on('error', () => resolve('(connection error)'));
    setTimeout(() => socket.destroy(), wait);
  });
}
const garbage = await raw('\u0001\u0002 GARBAGE \r\n\r\n');
const truncated = await raw('POST /v1/search HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{"query":');
const health = await fetch(baseURL.replace(/\/v1$/, '') + '/health').then((r) => r.status);
console.log(JSON.stringify({ ...tally, huge: huge.status, huge_error: huge.body?.error?.message ?? null, wrong_method: wrongMethod,
                             wrong_path: wrongPath.status, garbage, truncated, health_after: health }));
