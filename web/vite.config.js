// Vite build of the cockpit web app: `npm run build:web` writes dist/web, which
// `pitwall serve` serves. `npx vite web` runs a dev server that forwards the API and the
// WebSocket to a `pitwall serve` on PITWALL_DEV_API (default http://127.0.0.1:8080).
import { defineConfig } from 'vite';

const api = process.env.PITWALL_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'web',
  base: '/',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // One small app: a single chunk loads fastest.
    chunkSizeWarningLimit: 200,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': api,
      '/data-docs': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});
