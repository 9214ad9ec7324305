/**
 * Lighthouse (performance and accessibility) on the end-user page and the console's pages, as built by
 * `npm run build`, against a real server and a real agent:
 *
 *   npm run build && node --import tsx bench/lighthouse.ts [--json FILE]
 *
 * Lighthouse runs through `npx lighthouse@12.8.2` (not a dependency of the project: 200 packages that only this
 * script uses; `LIGHTHOUSE=path/to/lighthouse` runs another copy) and drives Debian's Chromium (/usr/bin/chromium,
 * or CHROMIUM_PATH) through its debugging port, in one profile, signed in for the console's screens. Mobile form
 * factor and throttling (Lighthouse's defaults) for every page. Exits 1 when a page misses issue 11's targets:
 * end-user page performance ≥ 95, accessibility 100 on every page.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { Harness, until } from '../e2e/support/harness.js';
import { ADMIN_PASSWORD } from '../packages/server/test/support/server.js';

const run = promisify(execFile);
const LIGHTHOUSE_VERSION = '12.8.2';
const PORT = 9333;

interface Score {
  page: string;
  performance: number;
  accessibility: number;
  /** Transferred JS, KiB (what Lighthouse counts: compressed over the wire). */
  scriptKiB: number;
}

interface LighthouseReport {
  categories: Record<'performance' | 'accessibility', { score: number | null }>;
  audits: Record<string, { details?: { items?: { resourceType?: string; transferSize?: number }[] } }>;
}

async function lighthouse(page: string, url: string, out: string): Promise<Score> {
  const command = process.env.LIGHTHOUSE ?? 'npx';
  const args = [
    ...(process.env.LIGHTHOUSE ? [] : ['--yes', `lighthouse@${LIGHTHOUSE_VERSION}`]),
    url,
    `--port=${PORT}`,
    '--disable-storage-reset',
    '--only-categories=performance,accessibility',
    '--output=json',
    `--output-path=${out}`,
    '--quiet',
  ];
  await run(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as LighthouseReport;
  const scripts = report.audits['resource-summary']?.details?.items?.find(
    (item) => item.resourceType === 'script',
  );
  return {
    page,
    performance: Math.round((report.categories.performance.score ?? 0) * 100),
    accessibility: Math.round((report.categories.accessibility.score ?? 0) * 100),
    scriptKiB: Math.round(((scripts?.transferSize ?? 0) / 1024) * 10) / 10,
  };
}

async function waitForDebugger(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/json/version`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('Chromium did not open its debugging port');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'string' } } });
  const out = mkdtempSync(join(tmpdir(), 'parley-lighthouse-'));
  const h = await Harness.start({ organization: 'Acme Corp' });
  let browser: ChildProcess | null = null;
  try {
    // A chat open on a real agent: its end-user page is what the end user's browser loads.
    const agent = await h.startAgent('PC-LIGHTHOUSE', 'jane');
    const operator = await h.signIn();
    await h.openChat(operator, 'PC-LIGHTHOUSE', 'jane');
    // The launch file the agent asked the OS to open; Lighthouse's browser is the first to load its page.
    await until(() => agent.openedUrls().length > 0, 15_000, 'the agent to open the end-user page');
    const launchFile = fileURLToPath(agent.openedUrls()[0] ?? '');
    const pageUrl = /http:\/\/127\.0\.0\.1:\d+\/chat\/[^"'#\s]+#k=[\w-]+/.exec(
      readFileSync(launchFile, 'utf8'),
    )?.[0];
    if (!pageUrl) throw new Error('no end-user page address in the launch file');

    browser = spawn(
      process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--remote-debugging-port=${PORT}`,
        `--user-data-dir=${join(out, 'profile')}`,
        'about:blank',
      ],
      { stdio: 'ignore' },
    );
    await waitForDebugger();
    const scores: Score[] = [];
    scores.push(await lighthouse('end-user page', pageUrl, join(out, 'enduser.json')));
    scores.push(await lighthouse('console /sign-in', `${h.url}/sign-in`, join(out, 'sign-in.json')));
    // Signed in, in the profile Lighthouse then uses (its storage is not reset).
    const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${PORT}`);
    const signIn = await (cdp.contexts()[0] ?? (await cdp.newContext())).newPage();
    await signIn.goto(`${h.url}/sign-in`);
    await signIn.getByLabel('Username').fill('admin');
    await signIn.getByLabel('Password').fill(ADMIN_PASSWORD);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await signIn.getByRole('heading', { level: 1 }).first().waitFor();
    // A first load each time: the session stays, the cached files go (hashed assets are cached for a year).
    const cache = await signIn.context().newCDPSession(signIn);
    for (const [page, path] of [
      ['console /devices', '/devices'],
      ['console /license', '/license'],
    ] as const) {
      await cache.send('Network.clearBrowserCache');
      scores.push(await lighthouse(page, `${h.url}${path}`, join(out, `${path.slice(1)}.json`)));
    }
    await signIn.close();

    console.log('| page | performance (mobile) | accessibility | JS transferred (KiB) |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const s of scores)
      console.log(`| ${s.page} | ${s.performance} | ${s.accessibility} | ${s.scriptKiB} |`);
    console.log(`reports: ${out}`);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(scores, null, 2)}\n`);
    const missed = scores.filter(
      (s) => s.accessibility < 100 || (s.page === 'end-user page' && s.performance < 95),
    );
    if (missed.length > 0) {
      console.log(`below issue 11's targets: ${missed.map((s) => s.page).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    browser?.kill();
    await h.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
