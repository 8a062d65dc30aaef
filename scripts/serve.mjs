/**
 * The one static file server of the repository's scripts (test runner, benchmarks, example checks):
 * `sirv` serves `root` on 127.0.0.1 (a secure context, as WebGPU requires), with `html` at "/" when
 * given. Resolves to { server, origin, close() }.
 *
 *   const { origin, close } = await serve('dist', { html: '<script type=module src=/app.js></script>' });
 */
import http from 'node:http';
import sirv from 'sirv';

export async function serve(root, { html, port = 0, cache = false } = {}) {
  const files = sirv(root, { dev: !cache, dotfiles: false, etag: cache });
  const server = http.createServer((req, res) => {
    if (!cache) res.setHeader('Cache-Control', 'no-store');
    if (html !== undefined && (req.url === '/' || req.url?.startsWith('/?'))) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(html);
      return;
    }
    files(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const close = () =>
    new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  return { server, origin, close };
}
