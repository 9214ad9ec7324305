#!/usr/bin/env node
// Stands in for the OS opener in browser tests: `--open-with "node record-url.mjs FILE"` appends each URL to FILE.
import { appendFileSync } from 'node:fs';

const [file, url] = process.argv.slice(2);
appendFileSync(file, `${url}\n`);
