// node openai_library_stream.mjs BASE_URL: the model `docent` with a generator behind it,
// streamed: the answer's text and reasoning as deltas, the `ask --json` object on the last chunk.
import { load } from './load.mjs';

const { default: OpenAI } = await load('openai');
const [baseURL] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 120000 });
const messages = [{ role: 'user', content: 'When was the Tarrow Point Light first lit?' }];
const stream = await client.chat.completions.create({ model: 'docent', messages, stream: true, max_tokens: 24, temperature: 0,
                                                      stream_options: { include_usage: true } });
const out = { content: '', reasoning: '', chunks: 0, finish_reason: null, docent: null, usage: null };
for await (const chunk of stream) {
  out.chunks += 1;
  if (chunk.usage) out.usage = chunk.usage;
  if (chunk.docent) out.docent = chunk.docent;
  const choice = chunk.choices[0];
  if (!choice) continue;
  out.content += choice.delta.content ?? '';
  out.reasoning += choice.delta.reasoning_content ?? '';
  if (choice.finish_reason) out.finish_reason = choice.finish_reason;
}
const models = await client.models.list();
out.models = models.data.map((m) => m.id);
console.log(JSON.stringify(out));
