/**
 * Run a module in a headless Chromium page with WebGPU (SwiftShader when there is no GPU) and return
 * what it leaves in `window.__result`. Used by the benchmarks; the test rig (test/browser/run.mjs) shares
 * the flags and the browser discovery.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

// Flags and browser discovery live with the test runner (bin/chrome.mjs): one definition.
import { CHROME_FLAGS, findChrome } from '../bin/chrome.mjs';
export { CHROME_FLAGS, findChrome };

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json', '.html': 'text/html', '.json': 'application/json' };

/** Serve `root` on 127.0.0.1 (WebGPU needs a secure context) with `html` at "/". */
function serve(root, html) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      return res.end(html);
    }
    const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.statusCode = 404;
      return res.end('not found');
    }
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Load `moduleSource` (JS that imports from /dist/... and /bench/... and sets window.__result) in a page
 * served from the repository root; resolve with window.__result. Page console lines go to `log`.
 */
export async function runInChrome(moduleSource, { timeoutMs = 20 * 60_000, log = console.log } = {}) {
  const chrome = findChrome();
  if (!chrome) throw new Error('No Chrome/Chromium found: install it (apt-get install -y chromium) or set CHROME_PATH');
  const root = process.cwd();
  const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
try { ${moduleSource} } catch (e) { window.__error = String(e && e.stack || e); }
</script>`;
  const server = await serve(root, html);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgrad-chrome-'));
  let browser;
  try {
    browser = await puppeteer.launch({ executablePath: chrome, headless: true, userDataDir, args: [...CHROME_FLAGS], protocolTimeout: timeoutMs + 60_000 });
    const page = await browser.newPage();
    page.on('console', (m) => log(`[chrome] ${m.text()}`));
    page.on('pageerror', (e) => log(`[chrome error] ${e.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction('window.__result !== undefined || window.__error !== undefined', { timeout: timeoutMs, polling: 500 });
    const error = await page.evaluate('window.__error');
    if (error) throw new Error(`in Chrome: ${error}`);
    return { version: await browser.version(), result: await page.evaluate('window.__result') };
  } finally {
    await browser?.close().catch(() => {});
    server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}
