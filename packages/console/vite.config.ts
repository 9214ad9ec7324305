import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const library = /node_modules|[\\/]protocol[\\/]src[\\/]/;
const icon = /[\\/]lucide-react[\\/]dist[\\/]esm[\\/]icons[\\/]/;
/**
 * What only the administration screens use (the paged queries of the audit log), so it loads with them rather than
 * with every page.
 */
const adminOnly = /[\\/](useInfiniteQuery|infiniteQueryObserver)\.js$/;

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
    plugins: [react()],
    resolve: {
      alias: { '@parley/protocol': here('../protocol/src/index.ts') },
    },
    build: {
      outDir: here('dist'),
      // The console's build comes first and clears dist/; the end-user page's adds to it.
      emptyOutDir: !endUser,
      target: 'es2022',
      modulePreload: { polyfill: false },
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
              ...(endUser ? [{ name: 'chat', test: /[\\/]src[\\/](chat|styles)[\\/]/ }] : []),
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
