// Load against a running `docent serve` on loopback: SEARCH_CLIENTS clients searching back to
// back and STREAM_CLIENTS streaming chat completions, all for SECONDS, while the server's RSS is
// sampled every second. Plain fetch, no packages. Stops by itself; prints one JSON report.
//   node bench/serve_load.mjs BASE_URL SERVER_PID MODEL [SECONDS] [SEARCH_CLIENTS] [STREAM_CLIENTS]
import fs from 'node:fs';

const [baseURL, pid, model, seconds = '30', searchClients = '32', streamClients = '4'] = process.argv.slice(2);
const queries = fs.readFileSync(new URL('../samples/questions.tsv', import.meta.url), 'utf8')
  .trim().split('\n').slice(1).map((line) => line.split('\t')[0]);
const until = Date.now() + Number(seconds) * 1000;

function rssMegabytes() {
  const match = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return match ? Number(match[1]) / 1024 : NaN;
}

const searches = { latencies: [], failures: 0, errors: {} };
const streams = { completed: 0, failures: 0, chunks: 0, latencies: [], first_chunk: [], errors: {} };
const note = (bucket, error) => { bucket.errors[error] = (bucket.errors[error] ?? 0) + 1; };

async function searcher(index) {
  let n = index;
  while (Date.now() < until) {
    const query = queries[n++ % queries.length];
    const started = performance.now();
    try {
      const response = await fetch(`${baseURL}/search`, { method: 'POST', body: JSON.stringify({ query, limit: 5 }) });
      const body = await response.json();
      if (!response.ok || !Array.isArray(body.results)) throw new Error(`HTTP ${response.status}`);
      searches.latencies.push(performance.now() - started);
    } catch (error) {
      searches.failures += 1;
      note(searches, String(error.message ?? error));
    }
  }
}

async function streamer(index) {
  while (Date.now() < until) {
    const started = performance.now();
    try {
      const response = await fetch(`${baseURL}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model, stream: true, max_tokens: 128, seed: index,
                               messages: [{ role: 'user', content: `Tell story number ${index}.` }] }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      let text = '', first = 0;
      for await (const piece of response.body) {
        if (!first) first = performance.now() - started;
        text += Buffer.from(piece).toString('utf8');
      }
      if (!text.includes('data: [DONE]')) throw new Error('stream ended without [DONE]');
      streams.chunks += text.split('\n\n').filter((event) => event.startsWith('data: {')).length;
      streams.completed += 1;
      streams.latencies.push(performance.now() - started);
      streams.first_chunk.push(first);
    } catch (error) {
      streams.failures += 1;
      note(streams, String(error.message ?? error));
    }
  }
}

const rss = [];
const sampler = setInterval(() => rss.push(rssMegabytes()), 1000);
rss.push(rssMegabytes());
const started = Date.now();
await Promise.all([
  ...Array.from({ length: Number(searchClients) }, (_, i) => searcher(i)),
  ...Array.from({ length: Number(streamClients) }, (_, i) => streamer(i)),
]);
clearInterval(sampler);
rss.push(rssMegabytes());
const elapsed = (Date.now() - started) / 1000;

const percentile = (values, p) => {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const third = Math.max(1, Math.floor(rss.length / 3));
const early = Math.max(...rss.slice(1, 1 + third)), late = Math.max(...rss.slice(-third));
console.log(JSON.stringify({
  seconds: elapsed,
  search: { clients: Number(searchClients), requests: searches.latencies.length, failures: searches.failures,
            per_second: searches.latencies.length / elapsed, p50_ms: percentile(searches.latencies, 50),
            p95_ms: percentile(searches.latencies, 95), errors: searches.errors },
  stream: { clients: Number(streamClients), completed: streams.completed, failures: streams.failures,
            chunks: streams.chunks, p50_s: percentile(streams.latencies, 50) / 1000,
            p95_s: percentile(streams.latencies, 95) / 1000, first_chunk_p50_s: percentile(streams.first_chunk, 50) / 1000,
            errors: streams.errors },
  rss_mb: { start: rss[0], early_max: early, late_max: late, end: rss[rss.length - 1], samples: rss.length },
}));
