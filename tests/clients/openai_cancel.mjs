// node openai_cancel.mjs BASE_URL MODEL: starts a long streamed generation; while it runs, a
// second request finds the model's line full (the server runs with --queue 0); then the client
// leaves the first (aborts the request) and asks for a short completion, which must be served:
// the server has stopped the abandoned generation.
import { load } from './load.mjs';

const { default: OpenAI } = await load('openai');
const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 30000 });
const messages = [{ role: 'user', content: 'Once upon a time' }];
const controller = new AbortController();
const stream = await client.chat.completions.create(
  { model, messages, temperature: 0, max_tokens: 1000000, stream: true }, { signal: controller.signal });
let chunks = 0, busy = null;
try {
  for await (const chunk of stream) {
    if (++chunks === 5) {
      busy = await client.chat.completions.create({ model, messages, max_tokens: 4 })
        .then(() => ({ status: 200 }), (error) => ({ status: error.status, code: error.code ?? null }));
      controller.abort();
    }
  }
} catch (error) {
  // The abort ends the iteration with an error by design.
}
// The server notices the departure at its next token; until then the model is still busy
// (and with --queue 0 nothing may wait), so the short request is retried for up to 20 s.
const started = Date.now();
let after = null, retries = 0;
while (!after) {
  try {
    after = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 4 });
  } catch (error) {
    if (error.status !== 503 || Date.now() - started > 20000) throw error;
    retries += 1;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
console.log(JSON.stringify({ chunks_before_leaving: chunks, busy, next_seconds: (Date.now() - started) / 1000, retries,
                             next_finish: after.choices[0].finish_reason }));
