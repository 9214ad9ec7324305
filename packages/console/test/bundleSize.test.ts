import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/**
 * Issue 11's first-load budgets, checked on the build `npm test` makes before it runs the tests: the gzip size of
 * the JavaScript a page loads before it shows anything (its module script, what that imports statically and the
 * modulepreload links), in kB of 1000 bytes, as Vite reports them.
 */
/**
 * Issue 11's targets: 120 kB for every console page and 40 kB for the end-user page, reached with the protocol's
 * schemas on `zod/mini` (each page keeps only the validators it uses; the end-user page went from 47.9 to 30.5 kB,
 * /devices from 138.7 to 121.8), the dock's windows and inbox loading beside the first screen, and the console's
 * small shared modules in one chunk (118.8 kB).
 */
const CONSOLE_LIMIT_KB = 120;
const END_USER_LIMIT_KB = 40;

const dist = fileURLToPath(new URL('../dist', import.meta.url));

interface ManifestChunk {
  file: string;
  imports?: string[];
  css?: string[];
}
type Manifest = Record<string, ManifestChunk>;

function readManifest(page: 'index' | 'enduser'): Manifest {
  const file = join(dist, '.vite', `manifest-${page}.json`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/** The JS files a manifest entry loads at once: its own and every static import's, transitively. */
function staticClosure(manifest: Manifest, key: string, into = new Set<string>()): Set<string> {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`no ${key} in the build's manifest`);
  if (into.has(chunk.file)) return into;
  into.add(chunk.file);
  for (const imported of chunk.imports ?? []) staticClosure(manifest, imported, into);
  return into;
}

/** The scripts an HTML file names: its module script and its modulepreload links. */
function scriptsOf(html: string): string[] {
  const names = [
    ...html.matchAll(/<(?:script type="module"[^>]* src|link rel="modulepreload"[^>]* href)="\/([^"]+)"/g),
  ];
  return names.map((match) => match[1] ?? '');
}

function gzipKb(files: Iterable<string>): number {
  let bytes = 0;
  for (const file of files) bytes += gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  return bytes / 1000;
}

describe('first-load size of the built pages (issue 11)', () => {
  const consoleManifest = readManifest('index');
  const consoleHtml = readFileSync(join(dist, 'index.html'), 'utf8');

  it('the HTML preloads exactly what its script imports statically', () => {
    expect(new Set(scriptsOf(consoleHtml))).toEqual(staticClosure(consoleManifest, 'index.html'));
    const endUser = readManifest('enduser');
    expect(new Set(scriptsOf(readFileSync(join(dist, 'enduser.html'), 'utf8')))).toEqual(
      staticClosure(endUser, 'enduser.html'),
    );
  });

  // Each screen's chunk loads as the page starts (preloadScreen in src/app/main.tsx), and on an operator's page the
  // signed-in console around it (preloadConsole in src/app/Gate.tsx); the sign-in page loads no console.
  for (const [path, chunks, limit] of [
    ['/sign-in', ['src/auth/SignInPage.tsx'], CONSOLE_LIMIT_KB],
    ['/devices', ['src/devices/DevicesPage.tsx', 'src/app/App.tsx'], CONSOLE_LIMIT_KB],
  ] as const) {
    it(`console ${path}: at most ${limit} kB of JS gzipped`, () => {
      const files = staticClosure(consoleManifest, 'index.html');
      for (const chunk of chunks) staticClosure(consoleManifest, chunk, files);
      const size = gzipKb(files);
      console.log(`console ${path}: ${size.toFixed(1)} kB gzip in ${files.size} files`);
      expect(size).toBeLessThanOrEqual(limit);
    });
  }

  it('the sign-in page loads none of the signed-in console', () => {
    const signIn = staticClosure(
      consoleManifest,
      'src/auth/SignInPage.tsx',
      staticClosure(consoleManifest, 'index.html'),
    );
    expect(signIn.has(consoleManifest['src/app/App.tsx']?.file ?? 'missing')).toBe(false);
  });

  it(`end-user page: at most ${END_USER_LIMIT_KB} kB of JS gzipped, and no React in it`, () => {
    const files = scriptsOf(readFileSync(join(dist, 'enduser.html'), 'utf8'));
    const size = gzipKb(files);
    console.log(`end-user page: ${size.toFixed(1)} kB gzip in ${files.length} files`);
    expect(size).toBeLessThanOrEqual(END_USER_LIMIT_KB);
    const code = files.map((file) => readFileSync(join(dist, file), 'utf8')).join('\n');
    // React DOM's production build carries this error text; preact/compat does not.
    expect(code).not.toContain('react.dev/errors');
  });

  it('every script and stylesheet has its brotli and gzip copy beside it', () => {
    const assets = [...Object.values(consoleManifest), ...Object.values(readManifest('enduser'))].flatMap(
      (chunk) => [chunk.file, ...(chunk.css ?? [])],
    );
    const large = assets.filter((file) => readFileSync(join(dist, file)).length >= 1024);
    expect(large.length).toBeGreaterThan(5);
    for (const file of large) {
      expect(existsSync(join(dist, `${file}.br`)), `${file}.br`).toBe(true);
      expect(existsSync(join(dist, `${file}.gz`)), `${file}.gz`).toBe(true);
    }
  });
});
