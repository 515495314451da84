// ONNX Runtime (CPU) speed of a model exported by `docent models export --format onnx`, the peer
// of bench/engine for the speed comparison. Prints ONE JSON object on stdout.
//   node bench/ort/ort_bench.mjs --model M.onnx --kind decoder --threads 2 --prefill 64,512 --decode 128 --contexts 0,1024,4096
//   node bench/ort/ort_bench.mjs --model M.onnx --kind encoder --threads 2 --passages 64 --tokens 256 [--batch 1]
// ONNX Runtime is found in --ort DIR, else $DOCENT_ORT_DIR, else $XDG_CACHE_HOME/docent/ort
// (bench/ort/setup.sh's default).
// Token ids are random (speed does not depend on them). Intra-op threads = --threads, inter-op 1,
// graph optimization level "all". Decoder contexts are built in --window token runs (not timed),
// then --decode tokens are timed one at a time; context 0 means after a 1-token prompt.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

function parseArguments(argv) {
  const options = {
    kind: 'decoder', threads: '2', prefill: '64,512', decode: '128', contexts: '0,1024,4096', passages: '64', tokens: '256',
    batch: '1', window: '512', seed: '1',
  };
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument '${argv[i]}'`);
    options[argv[i].slice(2)] = argv[i + 1];
  }
  if (!options.model) throw new Error('missing --model');
  return options;
}

const numbers = (text) => text.split(',').filter((x) => x !== '').map(Number);
const now = () => Number(process.hrtime.bigint()) / 1e9;

function defaultOrtFolder() {
  const cache = (process.env.XDG_CACHE_HOME ?? '').startsWith('/') ? process.env.XDG_CACHE_HOME
                                                                     : path.join(process.env.HOME ?? '/', '.cache');
  return path.join(cache, 'docent', 'ort');
}

function randomTokens(count, vocabulary, state) {
  const out = new Array(count);
  for (let i = 0; i < count; ++i) {
    state.value = (state.value * 1103515245 + 12345) % 2147483648;  // small LCG: reproducible ids
    out[i] = 1 + (state.value % (vocabulary - 1));
  }
  return out;
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const ortFolder = path.resolve(options.ort ?? process.env.DOCENT_ORT_DIR ?? defaultOrtFolder());
  const require = createRequire(path.join(ortFolder, 'package.json'));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch {
    throw new Error(`onnxruntime-node not found in ${ortFolder} (run bench/ort/setup.sh)`);
  }
  const threads = Number(options.threads);
  const config = JSON.parse(fs.readFileSync(path.join(path.dirname(options.model), 'config.json'), 'utf8'));
  const loadStart = now();
  const session = await ort.InferenceSession.create(options.model, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const result = {
    runtime: 'onnxruntime-node', version: ort.env.versions.node, model: options.model, kind: options.kind, threads,
    load_seconds: now() - loadStart,
  };
  const ids = (list) => new ort.Tensor('int64', BigInt64Array.from(list.map(BigInt)), [1, list.length]);
  const random = { value: Number(options.seed) };

  if (options.kind === 'encoder') {
    const passages = Number(options.passages), length = Number(options.tokens), batch = Number(options.batch);
    const feeds = (count) => {
      const tokens = randomTokens(count * length, config.vocab_size, random);
      const tensor = (values) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [count, length]);
      return { input_ids: tensor(tokens), attention_mask: tensor(tokens.map(() => 1)), token_type_ids: tensor(tokens.map(() => 0)) };
    };
    await session.run(feeds(1));  // warm-up
    const start = now();
    for (let done = 0; done < passages; done += batch) await session.run(feeds(Math.min(batch, passages - done)));
    const seconds = now() - start;
    Object.assign(result, { passages, tokens_per_passage: length, batch, seconds, chunks_per_second: passages / seconds,
                            tokens_per_second: (passages * length) / seconds });
    console.log(JSON.stringify(result));
    return;
  }

  const layers = config.num_hidden_layers, kvHeads = config.num_key_value_heads;
  const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
  const window = Number(options.window);
  const emptyPast = () => {
    const past = {};
    for (let layer = 0; layer < layers; ++layer)
      for (const part of ['key', 'value'])
        past[`past_key_values.${layer}.${part}`] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
    return past;
  };
  // One run: returns the next cache and the seconds it took.
  const run = async (tokens, past, position) => {
    const positions = tokens.map((_, i) => position + i);
    const start = now();
    const out = await session.run({ input_ids: ids(tokens), position_ids: ids(positions), ...past });
    const seconds = now() - start;
    const next = {};
    for (let layer = 0; layer < layers; ++layer)
      for (const part of ['key', 'value']) next[`past_key_values.${layer}.${part}`] = out[`present.${layer}.${part}`];
    return { past: next, seconds, logitsShape: out.logits.dims };
  };
  const vocabulary = config.vocab_size;
  const first = await run(randomTokens(8, vocabulary, random), emptyPast(), 0);  // warm-up
  result.logits_shape_for_8_tokens = first.logitsShape;

  result.prefill = [];
  for (const length of numbers(options.prefill)) {
    const { seconds } = await run(randomTokens(length, vocabulary, random), emptyPast(), 0);
    result.prefill.push({ tokens: length, seconds, tokens_per_second: length / seconds });
  }
  const ttft = await run(randomTokens(64, vocabulary, random), emptyPast(), 0);
  result.time_to_first_token_seconds_64 = ttft.seconds;

  result.decode = [];
  const decodeCount = Number(options.decode);
  for (const context of numbers(options.contexts)) {
    const promptLength = Math.max(1, context);
    let past = emptyPast(), position = 0;
    const prompt = randomTokens(promptLength, vocabulary, random);
    for (let start = 0; start < prompt.length; start += window) {
      const chunk = prompt.slice(start, start + window);
      ({ past } = await run(chunk, past, position));
      position += chunk.length;
    }
    let total = 0;
    for (const token of randomTokens(decodeCount, vocabulary, random)) {
      const step = await run([token], past, position);
      past = step.past;
      total += step.seconds;
      position += 1;
    }
    result.decode.push({ context, tokens: decodeCount, seconds: total, tokens_per_second: decodeCount / total });
  }
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(`ort_bench: ${error.message}`);
  process.exit(1);
});
