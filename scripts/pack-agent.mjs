#!/usr/bin/env node
// `npm run build`'s last step: packs the built device agent into one self-contained npm package,
// packages/agent/pack/parley-agent.tgz, with packages/agent/pack/parley-agent.json ({version, file, sha256, bytes}).
// The server serves both (GET /downloads/parley-agent.tgz, GET /api/agent-package), and the console's Add device
// dialog shows the commands that install it. Everything the agent loads is inside (its libraries, the protocol and
// the built end-user page), so a device needs Node.js and npm, not the registry. Skipped when its inputs are the
// same as for the last pack.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const agentDir = join(root, 'packages', 'agent');
const protocolDir = join(root, 'packages', 'protocol');
const consoleDist = join(root, 'packages', 'console', 'dist');
const out = join(agentDir, 'pack');
const FILE = 'parley-agent.tgz';
const LIBRARIES = ['commander', 'ws', 'zod'];

/** @param {string} path @returns {string[]} */
function filesOf(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesOf(join(path, name)));
}

/** The end-user page's files in the console's build: enduser.html, the favicon and the assets it loads. */
function endUserFiles() {
  const manifest = JSON.parse(readFileSync(join(consoleDist, '.vite', 'manifest-enduser.json'), 'utf8'));
  const assets = new Set();
  for (const chunk of Object.values(manifest)) {
    for (const file of [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]) {
      for (const suffix of ['', '.br', '.gz'])
        if (existsSync(join(consoleDist, file + suffix))) assets.add(file + suffix);
    }
  }
  return ['enduser.html', 'favicon.svg', ...[...assets].sort()];
}

const agentPackage = JSON.parse(readFileSync(join(agentDir, 'package.json'), 'utf8'));
const inputs = [
  join(agentDir, 'package.json'),
  join(agentDir, 'bin'),
  join(agentDir, 'dist'),
  join(agentDir, 'service'),
  join(protocolDir, 'dist'),
  join(root, 'package-lock.json'),
  ...endUserFiles().map((file) => join(consoleDist, file)),
].flatMap(filesOf);
const hash = createHash('sha256');
for (const file of inputs)
  hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
const inputsHash = hash.digest('hex');

const infoFile = join(out, 'parley-agent.json');
const previous = existsSync(infoFile) ? JSON.parse(readFileSync(infoFile, 'utf8')) : null;
if (previous?.inputsHash === inputsHash && existsSync(join(out, FILE))) {
  process.stdout.write('agent package: up to date\n');
  process.exit(0);
}

const stage = join(out, 'stage');
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
/** Runtime files only: no type declarations, no source maps, no tests. */
const runtime = (source) => !/\.(d\.[cm]?ts|map|tsbuildinfo)$/.test(source) && !/\.test\.js$/.test(source);
for (const part of ['bin', 'dist', 'service'])
  cpSync(join(agentDir, part), join(stage, part), { recursive: true, filter: runtime });

const modules = join(stage, 'node_modules');
const protocolPackage = JSON.parse(readFileSync(join(protocolDir, 'package.json'), 'utf8'));
cpSync(join(protocolDir, 'dist'), join(modules, '@parley', 'protocol', 'dist'), {
  recursive: true,
  filter: runtime,
});
writeFileSync(
  join(modules, '@parley', 'protocol', 'package.json'),
  `${JSON.stringify(protocolPackage, null, 2)}\n`,
);
for (const file of endUserFiles())
  cpSync(join(consoleDist, file), join(modules, '@parley', 'console', 'dist', file));
const consolePackage = {
  name: '@parley/console',
  version: agentPackage.version,
  private: true,
  type: 'module',
  exports: { './package.json': './package.json' },
};
writeFileSync(
  join(modules, '@parley', 'console', 'package.json'),
  `${JSON.stringify(consolePackage, null, 2)}\n`,
);
const versions = {};
for (const name of LIBRARIES) {
  // As Node finds it from the agent: its own node_modules, else the workspace's.
  const from = [join(agentDir, 'node_modules', name), join(root, 'node_modules', name)].find((dir) =>
    existsSync(dir),
  );
  if (!from) throw new Error(`${name} is not installed: run npm ci`);
  cpSync(from, join(modules, name), { recursive: true, filter: runtime });
  versions[name] = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')).version;
}

const bundled = ['@parley/console', '@parley/protocol', ...LIBRARIES];
const manifest = {
  name: agentPackage.name,
  version: agentPackage.version,
  description: 'Parley device agent: enrollment, logged-on user detection, the end-user chat page',
  type: 'module',
  bin: agentPackage.bin,
  engines: { node: '>=20.19' },
  dependencies: {
    ...versions,
    '@parley/console': agentPackage.version,
    '@parley/protocol': protocolPackage.version,
  },
  bundleDependencies: bundled,
};
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const packed = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: stage, encoding: 'utf8' }),
)[0];
renameSync(join(out, packed.filename), join(out, FILE));
rmSync(stage, { recursive: true, force: true });
const body = readFileSync(join(out, FILE));
const info = {
  version: agentPackage.version,
  file: FILE,
  sha256: createHash('sha256').update(body).digest('hex'),
  bytes: body.length,
  inputsHash,
};
writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
process.stdout.write(
  `agent package: ${relative(root, join(out, FILE))} (${(body.length / 1e6).toFixed(1)} MB, sha256 ${info.sha256})\n`,
);
