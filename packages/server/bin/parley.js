#!/usr/bin/env node
// `parley`, as npm links it at install time: a committed file that runs the build in ../dist, so the link exists
// on a fresh clone before anything is built.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'parley: not built yet; run `npm run build` (or `npm start`) in the repository first\n',
  );
  process.exit(1);
}
await import(cli.href);
