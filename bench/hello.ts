/**
 * The console's hello at fleet size (issue 12, P-37): the server's CPU per console hello (connect, hello, welcome)
 * and per hello followed by a `devices.watch` of one page of rows (50 devices), at each fleet size.
 *
 *   npm run build && node --import tsx bench/hello.ts [--fleets 100,100000] [--hellos 300]
 *
 * The devices are seeded into the SQLite file (one transaction) before the server starts; the server is its own
 * process, whose CPU (utime + stime from /proc) is read before and after the hellos, one at a time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { openStore } from '../packages/server/src/store/open.js';
import { Socket, signIn, wsBaseOf } from './client.js';
import { ADMIN_PASSWORD, codeVersion, freePort, spawnParley, waitHealthy } from './parley.js';
import { readCpuMs } from './util.js';

const { values } = parseArgs({
  options: {
    fleets: { type: 'string', default: '100,100000' },
    hellos: { type: 'string', default: '300' },
  },
});
const fleets = (values.fleets ?? '').split(',').map(Number);
const hellos = Number(values.hellos);
const PAGE = 50;

async function seed(file: string, devices: number): Promise<void> {
  const store = await openStore({ kind: 'sqlite', file });
  const at = new Date().toISOString();
  await store.transaction(async (tx) => {
    for (let i = 0; i < devices; i++)
      await tx.devices.create(
        { id: `fleet-${i}`, name: `PC-${String(i).padStart(6, '0')}`, os: 'linux', credentialHash: 'c' },
        at,
      );
  });
  await store.close();
}

/** One console: connect, hello, welcome; with `watch`, then a devices.watch of `watch` ids and its whole answer. */
async function hello(url: string, cookie: string, watch: readonly string[] | null): Promise<number> {
  const console = await Socket.connect(`${wsBaseOf(url)}/ws/console`, { origin: url, cookie });
  console.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
  const frames = await console.collect((f) => f.type === 'welcome', 'hello');
  let deviceFrames = frames.filter((f) => f.type?.startsWith('device')).length;
  if (watch) {
    console.send({ type: 'devices.watch', deviceIds: watch, listChanges: true });
    await console.next((f) => f.type === 'devices.watched' && f.more === false, 'watch');
    deviceFrames++;
  }
  console.close();
  await console.closed;
  return deviceFrames;
}

async function cpuOf(pid: number): Promise<number> {
  const ms = await readCpuMs(pid);
  if (ms === null) throw new Error('the server is gone');
  return ms;
}

const rows: string[] = [];
for (const fleet of fleets) {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-hello-'));
  try {
    await seed(join(dataDir, 'parley.db'), fleet);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawnParley({ port, dataDir, database: {}, licensed: {} });
    try {
      await waitHealthy(child, url, 60_000);
      const pid = child.process.pid ?? 0;
      const cookie = await signIn(url, 'admin', ADMIN_PASSWORD);
      const page = Array.from({ length: PAGE }, (_, i) => `fleet-${Math.floor((i * fleet) / PAGE)}`);
      for (const watch of [null, page]) {
        for (let i = 0; i < 30; i++) await hello(url, cookie, watch);
        const before = await cpuOf(pid);
        let frames = 0;
        for (let i = 0; i < hellos; i++) frames += await hello(url, cookie, watch);
        const ms = ((await cpuOf(pid)) - before) / hellos;
        const what = watch ? `hello + devices.watch of ${PAGE}` : 'hello';
        rows.push(
          `| ${fleet.toLocaleString('en')} | ${what} | ${ms.toFixed(2)} | ${(frames / hellos).toFixed(0)} |`,
        );
        process.stderr.write(`${rows.at(-1)}\n`);
      }
    } finally {
      await child.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

console.log(`code ${codeVersion()}, ${hellos} consoles one after another per row\n`);
console.log('| devices | per console | server CPU ms | device frames |');
console.log('| ------: | ----------- | ------------: | ------------: |');
for (const row of rows) console.log(row);
