#!/usr/bin/env node
// Stands in for the OS opener in browser tests: `--open-with "node record-url.mjs FILE"` appends each URL to FILE.
// With `--fail` first, it then fails as an opener with no browser would.
import { appendFileSync } from 'node:fs';

const args = process.argv.slice(2);
const fail = args[0] === '--fail';
const [file, url] = fail ? args.slice(1) : args;
appendFileSync(file, `${url}\n`);
if (fail) {
  process.stderr.write('xdg-open: no method available for opening the chat\n');
  process.exit(3);
}
