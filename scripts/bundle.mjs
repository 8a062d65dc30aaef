// Bundle the library for pages: dist/webgrad.browser.js (ESM, no Node-only code paths taken).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/index.ts'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: 'dist/webgrad.browser.js',
  external: ['webgpu', 'node:*'],
  sourcemap: true,
  logLevel: 'warning',
});
console.log('dist/webgrad.browser.js');
