// Loads a package from the scratch folder scripts/npm-clients.sh installs into
// (DOCENT_NPM_CLIENTS), whatever folder the calling script lives in.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const folder = process.env.DOCENT_NPM_CLIENTS;
if (!folder) throw new Error('DOCENT_NPM_CLIENTS is not set (the folder scripts/npm-clients.sh installed into)');
const require = createRequire(path.join(folder, 'package.json'));

export async function load(name) {
  return import(pathToFileURL(require.resolve(name)).href);
}
