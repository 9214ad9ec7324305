import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Two pages: `index.html`, the operator console (an SPA the server serves at `/`, routes `/` and `/chats/<id>`), and
 * `enduser.html`, the end-user chat page the device agent serves at `/chat/<id>` on 127.0.0.1. Both load
 * their assets from absolute `/assets/…` paths (`base: '/'`), so they work from any route.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  resolve: {
    alias: { '@parley/protocol': here('../protocol/src/index.ts') },
  },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: {
        index: here('index.html'),
        enduser: here('enduser.html'),
      },
      output: {
        // Both pages share React, the protocol and the chat components: name those chunks for what they are.
        // Libraries go by the pages that use them (entriesAware): `vendor~index~enduser` for both, `vendor~index` for
        // the console's alone (the query library, its icons), so the end-user page loads only what it runs.
        codeSplitting: {
          groups: [
            {
              name: 'vendor',
              test: /node_modules|[\\/]protocol[\\/]src[\\/]/,
              entriesAware: true,
              entriesAwareMergeThreshold: 4096,
            },
            { name: 'chat', test: /[\\/]src[\\/](chat|styles)[\\/]/ },
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
});
