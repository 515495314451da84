// Runs an exported docent ONNX model with ONNX Runtime (onnxruntime-node) on given token ids and
// writes its outputs as JSON, so the C++ tests can compare them with the engine's.
//   node ort_run.mjs --ort DIR --model model.onnx --kind decoder --tokens 1,2,3 --prefill 2 --out out.json
// Decoders: the first --prefill tokens run as one prompt, the rest one token at a time through
// the KV cache; "logits" holds one row per token. Encoders: one sequence, attention mask all
// ones, token types 0; "last_hidden_state" rows and "sentence_embedding". --optimization basic
// keeps ORT from rewriting DequantizeLinear -> MatMul into its int8-activation kernels (level
// "all", the default, does), so the graph's own arithmetic is compared.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

function parseArguments(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument '${argv[i]}'`);
    options[argv[i].slice(2)] = argv[i + 1];
  }
  for (const required of ['ort', 'model', 'kind', 'tokens', 'out'])
    if (!(required in options)) throw new Error(`missing --${required}`);
  return options;
}

function rows(tensor) {
  const [, count, width] = tensor.dims;
  const out = [];
  for (let i = 0; i < count; ++i) out.push(Array.from(tensor.data.subarray(i * width, (i + 1) * width)));
  return out;
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const require = createRequire(path.join(path.resolve(options.ort), 'package.json'));
  const ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(options.model, {
    executionProviders: ['cpu'], graphOptimizationLevel: options.optimization ?? 'all',
    intraOpNumThreads: Number(options.threads ?? 1), interOpNumThreads: 1,
  });
  const tokens = options.tokens.split(',').map(Number);
  const ids = (list) => new ort.Tensor('int64', BigInt64Array.from(list.map(BigInt)), [1, list.length]);
  const result = {};
  if (options.kind === 'encoder') {
    const ones = new Array(tokens.length).fill(1), zeros = new Array(tokens.length).fill(0);
    const out = await session.run({ input_ids: ids(tokens), attention_mask: ids(ones), token_type_ids: ids(zeros) });
    result.last_hidden_state = rows(out.last_hidden_state);
    result.sentence_embedding = Array.from(out.sentence_embedding.data);
  } else {
    const config = JSON.parse(fs.readFileSync(path.join(path.dirname(options.model), 'config.json'), 'utf8'));
    const layers = config.num_hidden_layers, kvHeads = config.num_key_value_heads;
    const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
    let past = {};
    for (let layer = 0; layer < layers; ++layer)
      for (const part of ['key', 'value'])
        past[`past_key_values.${layer}.${part}`] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
    const prefill = Math.max(1, Math.min(tokens.length, Number(options.prefill ?? tokens.length)));
    result.logits = [];
    let position = 0;
    for (let start = 0; start < tokens.length;) {
      const count = start === 0 ? prefill : 1;
      const chunk = tokens.slice(start, start + count);
      const positions = chunk.map((_, i) => position + i);
      const out = await session.run({ input_ids: ids(chunk), position_ids: ids(positions), ...past });
      result.logits.push(...rows(out.logits));
      past = {};
      for (let layer = 0; layer < layers; ++layer)
        for (const part of ['key', 'value']) past[`past_key_values.${layer}.${part}`] = out[`present.${layer}.${part}`];
      start += count;
      position += count;
    }
  }
  fs.writeFileSync(options.out, JSON.stringify(result));
}

main().catch((error) => {
  console.error(`ort_run: ${error.message}`);
  process.exit(1);
});
