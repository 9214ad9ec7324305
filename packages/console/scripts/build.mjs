#!/usr/bin/env node
// `npm run build -w @parley/console`: the console's and the end-user page's Vite builds, skipped when nothing they
// are made from changed since the last build (a hash of their inputs is kept in dist/.inputs-hash), so `npm start`
// restarts in seconds. `--force` builds anyway.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const consoleDir = fileURLToPath(new URL('..', import.meta.url));
const root = join(consoleDir, '..', '..');
const dist = join(consoleDir, 'dist');
const hashFile = join(dist, '.inputs-hash');

/** Everything a build reads: the pages' sources, the shared protocol, the config and the locked dependencies. */
const INPUTS = [
  join(consoleDir, 'src'),
  join(consoleDir, 'public'),
  join(consoleDir, 'index.html'),
  join(consoleDir, 'enduser.html'),
  join(consoleDir, 'vite.config.ts'),
  join(consoleDir, 'package.json'),
  join(root, 'packages', 'protocol', 'src'),
  join(root, 'packages', 'protocol', 'package.json'),
  join(root, 'package-lock.json'),
];

/** @param {string} path @param {string[]} into */
function filesOf(path, into) {
  if (!existsSync(path)) return into;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) filesOf(join(path, name), into);
  } else into.push(path);
  return into;
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesOf(input, []))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const hash = inputsHash();
const built =
  existsSync(join(dist, 'index.html')) &&
  existsSync(join(dist, 'enduser.html')) &&
  existsSync(hashFile) &&
  readFileSync(hashFile, 'utf8') === hash;
if (built && !process.argv.includes('--force')) {
  process.stdout.write('console: up to date (nothing it is built from changed)\n');
} else {
  const configFile = join(consoleDir, 'vite.config.ts');
  await build({ configFile, mode: 'production' });
  await build({ configFile, mode: 'enduser' });
  writeFileSync(hashFile, hash);
}
