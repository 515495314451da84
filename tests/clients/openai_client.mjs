// Drives `docent serve` with the official openai package:
//   node openai_client.mjs BASE_URL CHAT_MODEL REASONING_MODEL EMBEDDING_MODEL
// Prints one JSON object of what came back; the C++ test (tests/cli/test_serve.cpp) checks it
// against the CLI's own output.
import { load } from './load.mjs';

const { default: OpenAI } = await load('openai');
const [baseURL, chatModel, reasoningModel, embeddingModel] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.DOCENT_TEST_API_KEY || 'unused', maxRetries: 0, timeout: 60000 });
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const messages = [{ role: 'user', content: 'Tell me about lighthouses.' }];
const plain = await client.chat.completions.create({ model: chatModel, messages, temperature: 0, max_tokens: 12, seed: 7 });
out.chat = {
  content: plain.choices[0].message.content,
  reasoning: plain.choices[0].message.reasoning_content ?? null,
  finish_reason: plain.choices[0].finish_reason,
  usage: plain.usage,
  object: plain.object,
};

const stream = await client.chat.completions.create({
  model: chatModel, messages, temperature: 0, max_tokens: 12, seed: 7, stream: true, stream_options: { include_usage: true },
});
const streamed = { content: '', reasoning: '', chunks: 0, finish_reason: null, usage: null };
for await (const chunk of stream) {
  streamed.chunks += 1;
  if (chunk.usage) streamed.usage = chunk.usage;
  const choice = chunk.choices[0];
  if (!choice) continue;
  streamed.content += choice.delta.content ?? '';
  streamed.reasoning += choice.delta.reasoning_content ?? '';
  if (choice.finish_reason) streamed.finish_reason = choice.finish_reason;
}
out.stream = streamed;

const reasoning = await client.chat.completions.create({ model: reasoningModel, messages, temperature: 0, max_tokens: 12 });
out.reasoning = {
  content: reasoning.choices[0].message.content,
  reasoning: reasoning.choices[0].message.reasoning_content ?? null,
  usage: reasoning.usage,
};

const stop = await client.chat.completions.create({ model: chatModel, messages, temperature: 0, max_tokens: 12, stop: ['e'] });
out.stop = { content: stop.choices[0].message.content, finish_reason: stop.choices[0].finish_reason };

const texts = ['the lighthouse keeper', 'a tide table for Merrow Sound'];
const base64 = await client.embeddings.create({ model: embeddingModel, input: texts });  // the client asks for base64
const floats = await client.embeddings.create({ model: embeddingModel, input: texts, encoding_format: 'float' });
out.embeddings = { base64: base64.data.map((d) => Array.from(d.embedding)), float: floats.data.map((d) => d.embedding), usage: floats.usage };

const library = await client.chat.completions.create({
  model: 'docent', messages: [{ role: 'user', content: 'When was the Tarrow Point Light first lit?' }],
});
out.library = { content: library.choices[0].message.content, docent: library.docent };

async function failure(request) {
  try {
    await request();
    return { thrown: false };
  } catch (error) {
    return { thrown: true, name: error.constructor.name, status: error.status, code: error.code ?? null, param: error.param ?? null,
             type: error.type ?? null, message: error.message };
  }
}
out.errors = {
  unknown_model: await failure(() => client.chat.completions.create({ model: 'no-such-model', messages })),
  unknown_field: await failure(() => client.chat.completions.create({ model: chatModel, messages, colour: 'blue' })),
  wrong_type: await failure(() => client.chat.completions.create({ model: chatModel, messages, temperature: 'hot' })),
  embeddings_of_a_chat_model: await failure(() => client.embeddings.create({ model: chatModel, input: 'x' })),
};
console.log(JSON.stringify(out));
