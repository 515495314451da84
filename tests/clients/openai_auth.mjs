// node openai_auth.mjs BASE_URL KEY: the models list with the right key, a wrong one, and (the
// client insists on some key) a plain request with none.
import { load } from './load.mjs';

const { default: OpenAI } = await load('openai');
const [baseURL, key] = process.argv.slice(2);
async function attempt(apiKey) {
  try {
    const models = await new OpenAI({ baseURL, apiKey, maxRetries: 0 }).models.list();
    return { ok: true, models: models.data.map((m) => m.id) };
  } catch (error) {
    return { ok: false, status: error.status, code: error.code ?? null, message: error.message };
  }
}
console.log(JSON.stringify({ right: await attempt(key), wrong: await attempt(key + 'x'), none: await fetch(baseURL + '/models').then(async (r) => ({ ok: r.ok, status: r.status, ...(await r.json()) })) }));
