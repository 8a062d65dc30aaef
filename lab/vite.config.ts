import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The page imports `webgrad` by its package name, as an application would. Until the package's exports
// map has a `browser` condition, the name points at the browser bundle that `npm run build` writes.
const browserBundle = fileURLToPath(new URL('../dist/webgrad.browser.js', import.meta.url));
// webgrad/testing (imported by the custom-op exercise as its source path): its browser build shares the
// library's chunks, so gradcheck works on the page's own tensors.
const testingBundle = fileURLToPath(new URL('../dist/testing.browser.js', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // relative URLs: lab/dist works from any folder of any static server
  base: './',
  resolve: {
    alias: [
      { find: /^webgrad$/, replacement: browserBundle },
      { find: /^webgrad\/testing$|^.*\/src\/testing\/index\.js$/, replacement: testingBundle },
    ],
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // the embedded MNIST digits are one large lazily loaded chunk
    chunkSizeWarningLimit: 40_000,
  },
});
