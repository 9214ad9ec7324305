#!/usr/bin/env node
// Stands in for the OS opener in browser tests: `--open-with "node record-url.mjs FILE"` appends each URL to FILE.
// With `--fail` first, it then fails as an opener with no browser would; with `--linger`, it stays 5 s, as a
// launcher that waits for the browser does (so a test can watch its command line).
import { appendFileSync } from 'node:fs';

const args = process.argv.slice(2);
const mode = args[0]?.startsWith('--') ? args.shift() : null;
const [file, url] = args;
appendFileSync(file, `${url}\n`);
if (mode === '--fail') {
  process.stderr.write('xdg-open: no method available for opening the chat\n');
  process.exit(3);
}
if (mode === '--linger') setTimeout(() => {}, 5000);
