import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web application: built into dist/web, which `winback serve` serves (src/server/static.ts).
// `npm run dev:web` serves it with hot reload and sends /api to a running `winback serve` (WINBACK_API, default :4400).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    proxy: { '/api': process.env.WINBACK_API ?? 'http://127.0.0.1:4400' },
  },
});
