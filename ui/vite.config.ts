// Build: `vite build` writes index.html + hashed assets under assets/ to NINEVOLT_UI_OUT
// (CMake points it into the build dir; ui/scripts/embed.mjs turns it into C++).
// Dev: `npm run dev` serves the UI with hot reload and proxies the API to a running
// `9volt server` (NINEVOLT_SERVER, default http://127.0.0.1:8080).
import { defineConfig } from 'vite';

// Node's process, without pulling @types/node in for two lines.
declare const process: { env: Record<string, string | undefined> };

const server = process.env.NINEVOLT_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // Relative asset URLs: the UI works under any prefix (a load balancer, a proxy path).
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.NINEVOLT_UI_OUT ?? 'dist',
    emptyOutDir: true,
    target: 'es2020',
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': { target: server, changeOrigin: true },
      '/status': { target: server, changeOrigin: true },
    },
  },
});
