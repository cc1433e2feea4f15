import { defineConfig } from 'vitest/config';

// The browser tests: one file at a time, each starting its own parleyd and chromium.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
