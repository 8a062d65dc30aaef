import { defineConfig } from 'vitest/config';

// `npx vitest run` in Node. `npm test` runs the same files through `webgrad test` (bin/webgrad.mjs),
// in Node and in headless Chromium (vitest's browser mode), with the same settings as below.
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
