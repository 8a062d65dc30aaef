/**
 * Run a module in a headless Chromium page with WebGPU (SwiftShader when there is no GPU) and return
 * what it leaves in `window.__result`. Used by the benchmarks; the test rig (test/browser/run.mjs) shares
 * the flags and the browser discovery.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { serve } from './serve.mjs';

// Flags and browser discovery live with the test runner (bin/chrome.mjs): one definition.
import { CHROME_FLAGS, findChrome } from '../bin/chrome.mjs';
export { CHROME_FLAGS, findChrome };

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
  const { origin, close } = await serve(root, { html });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgrad-chrome-'));
  let browser;
  try {
    browser = await puppeteer.launch({ executablePath: chrome, headless: true, userDataDir, args: [...CHROME_FLAGS], protocolTimeout: timeoutMs + 60_000 });
    const page = await browser.newPage();
    page.on('console', (m) => log(`[chrome] ${m.text()}`));
    page.on('pageerror', (e) => log(`[chrome error] ${e.message}`));
    await page.goto(`${origin}/`);
    await page.waitForFunction('window.__result !== undefined || window.__error !== undefined', { timeout: timeoutMs, polling: 500 });
    const error = await page.evaluate('window.__error');
    if (error) throw new Error(`in Chrome: ${error}`);
    return { version: await browser.version(), result: await page.evaluate('window.__result') };
  } finally {
    await browser?.close().catch(() => {});
    await close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}
