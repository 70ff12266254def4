// Builds the renderer bundle (npm run build:renderer → dist/renderer), served by the web
// host in the browser target and loaded from disk by Electron.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src/renderer', import.meta.url)),
  // Relative asset paths, so the same bundle loads from http://127.0.0.1 and from file://.
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // Chromium supports module preload; the polyfill would only add code.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});
