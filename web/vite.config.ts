import { defineConfig } from 'vitest/config';

// Dev server: `npm run dev` proxies the API to a parleyd on PARLEY_URL (default localhost:8080).
const target = process.env.PARLEY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { target: 'es2021', outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/v1': { target, ws: true } } },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
