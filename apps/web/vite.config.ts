import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { serviceWorker } from './scripts/sw-plugin.ts';

// The API runs on the same origin in production; in development Vite proxies it to the server.
const api = process.env.PARTA_API_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react(), serviceWorker()],
  build: {
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': { target: api, ws: true, changeOrigin: true } },
  },
});
