// Bundle the library for pages: dist/webgrad.browser.js (ESM, no Node-only code paths taken).
// Code split: what is imported dynamically (the ~29 MB of embedded MNIST digits behind
// wg.nn.loadMnist()) goes to dist/chunks/ and is fetched only when first used.
import { build } from 'esbuild';

await build({
  entryPoints: { 'webgrad.browser': 'src/index.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['webgpu', 'node:*'],
  sourcemap: true,
  logLevel: 'warning',
});
console.log('dist/webgrad.browser.js');
