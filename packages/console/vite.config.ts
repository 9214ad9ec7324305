import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
/** React's entry points, as the end-user page's build maps them onto preact/compat. */
const preactAliases = [
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react\/jsx-(dev-)?runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react$/, replacement: 'preact/compat' },
];
/**
 * The libraries every screen needs (React; on the end-user page, preact standing in for it): the `vendor` chunk.
 * The others (zod, TanStack Query) go with the chunks that use them, so a screen that needs none loads none.
 */
const library = /[\\/]node_modules[\\/](react|react-dom|scheduler|preact)[\\/]/;
const icon = /[\\/]lucide-react[\\/]dist[\\/]esm[\\/]icons[\\/]/;
/**
 * What only the administration screens use (the paged queries of the audit log), so it loads with them rather than
 * with every page.
 */
const adminOnly = /[\\/](useInfiniteQuery|infiniteQueryObserver)\.js$/;
/** What is worth compressing: text, and more than a packet. */
const compressible = /\.(js|css|html|svg)$/;

/**
 * Writes `<file>.br` and `<file>.gz` beside each text file of the build, so the servers send them as they are
 * (`preCompressed` of @fastify/static in the server, the agent's page server) without compressing per request.
 */
function precompress(): Plugin {
  return {
    name: 'parley-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? here('dist');
      for (const [name, output] of Object.entries(bundle)) {
        if (!compressible.test(name)) continue;
        const body = Buffer.from(output.type === 'chunk' ? output.code : output.source);
        if (body.length < 1024) continue;
        const file = join(dir, name);
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          }),
        );
      }
    },
  };
}

/**
 * Two pages, built one after the other into the same `dist/` (`npm run build`: `vite build`, then
 * `vite build --mode enduser`):
 * - `index.html`, the operator console: an SPA the server serves at every address that is not a file (`/devices`,
 *   `/chats/<id>`, `/sign-in`; see src/app/routes.ts). Libraries in `vendor`; each screen, the chat window and the
 *   dialogs load as chunks of their own when first shown.
 * - `enduser.html`, the end-user chat page the device agent serves at `/chat/<id>` on 127.0.0.1.
 * Each page is its own build: they are served from different origins, so a shared chunk would save no download,
 * and this way nothing of the console (its data layer, router, kit) ever reaches the end-user page. Both load
 * their assets from absolute `/assets/…` paths (`base: '/'`), so they work from any address.
 */
export default defineConfig(({ mode }) => {
  const endUser = mode === 'enduser';
  const input: Record<string, string> = endUser
    ? { enduser: here('enduser.html') }
    : { index: here('index.html') };
  return {
    root: here('.'),
    base: '/',
    plugins: [react(), precompress()],
    resolve: {
      alias: [
        { find: '@parley/protocol', replacement: here('../protocol/src/index.ts') },
        // The end-user page runs on preact/compat (the same React API in about a tenth of the bytes), so it loads
        // fast on any computer; the console keeps React. Its tests run the built page in a real browser.
        ...(endUser ? preactAliases : []),
      ],
    },
    build: {
      outDir: here('dist'),
      // The console's build comes first and clears dist/; the end-user page's adds to it.
      emptyOutDir: !endUser,
      target: 'es2022',
      modulePreload: { polyfill: false },
      // What each page loads, for the size check (test/bundleSize.test.ts); the server never serves dot folders.
      manifest: `.vite/manifest-${endUser ? 'enduser' : 'index'}.json`,
      rolldownOptions: {
        input,
        output: {
          // Name the chunks for what they are: the libraries, and the page's chat code.
          codeSplitting: {
            groups: [
              // Icons go with the code that shows them, so a screen's icons load with that screen.
              {
                name: 'vendor',
                test: (id) => library.test(id) && !icon.test(id) && !adminOnly.test(id),
              },
              ...(endUser
                ? [{ name: 'chat', test: /[\\/]src[\\/](chat|styles)[\\/]/ }]
                : // The console's small modules that many chunks share (buttons, fields, time, the protocol's smaller
                  // parts): one chunk, not a dozen of a few hundred bytes each, each its own gzip stream (/devices:
                  // 120.6 kB in 26 files before, 118.8 in 17).
                  [{ name: 'common', test: /[\\/]src[\\/]/, minShareCount: 3, maxModuleSize: 3000 }]),
            ],
          },
        },
      },
    },
    server: {
      proxy: {
        '/api': 'http://localhost:8080',
        '/ws': { target: 'ws://localhost:8080', ws: true },
      },
    },
  };
});
