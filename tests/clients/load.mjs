// Loads a package from the scratch folder scripts/npm-clients.sh installs into
// (DOCENT_NPM_CLIENTS), whatever folder the calling script lives in.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

// Node 18 (Debian bookworm's) has no global File; the openai package wants one, as its README says.
if (typeof globalThis.File === 'undefined') globalThis.File = (await import('node:buffer')).File;

const folder = process.env.DOCENT_NPM_CLIENTS;
if (!folder) throw new Error('DOCENT_NPM_CLIENTS is not set (the folder scripts/npm-clients.sh installed into)');
const require = createRequire(path.join(folder, 'package.json'));

export async function load(name) {
  return import(pathToFileURL(require.resolve(name)).href);
}
