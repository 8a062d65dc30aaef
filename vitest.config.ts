import { defineConfig } from 'vitest/config';

// The same test files also run in headless Chrome: see test/browser/run.mjs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // GPU tests (Dawn via the `webgpu` package, or a software adapter) can be slow.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // One process, one file at a time, shared module state: tests share one GPU device.
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    isolate: false,
  },
});
