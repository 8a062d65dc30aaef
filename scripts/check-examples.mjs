// The starter examples as a user gets them: copy examples/node and examples/vite-app into fresh
// directories, point their `webgrad` dependency at the packed tarball (instead of file:../..), install,
// then run the Node one (train, save a checkpoint, load it, same loss) and build the Vite one and
// train it in headless Chromium (the loss must fall by half). Exits non-zero on any failure.
//
//   node scripts/check-examples.mjs [node|vite-app]     (WEBGRAD_TARBALL=path to check a given tarball)
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROME_FLAGS, findChrome } from './chrome.mjs';
import { freshDir, npmRun, packTarball, root, sh } from './package-tools.mjs';
import { serve } from './serve.mjs';

const only = process.argv[2];
const tarball = packTarball();

/** Copy examples/<name> (without installs or builds) to a fresh dir and install it against the tarball. */
function prepare(name) {
  const dir = freshDir(`example-${name}`);
  fs.cpSync(path.join(root, 'examples', name), dir, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|dist)$/.test(src) && !src.endsWith('.safetensors'),
  });
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  if (pkg.dependencies?.webgrad !== 'file:../..') throw new Error(`examples/${name}/package.json should depend on webgrad via file:../..`);
  pkg.dependencies.webgrad = `file:${tarball}`;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  npmRun(['install'], dir);
  return dir;
}

async function checkNode() {
  const dir = prepare('node');
  sh('npm', ['start'], { cwd: dir, env: { ...process.env, STEPS: '200' } });
  console.log('examples/node: OK');
}

async function checkVite() {
  const dir = prepare('vite-app');
  sh('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: dir });
  const chrome = findChrome();
  if (!chrome) throw new Error('No Chrome/Chromium found: install it (apt-get install -y chromium) or set CHROME_PATH');
  const { origin, close } = await serve(path.join(dir, 'dist'));
  const userDataDir = fs.mkdtempSync(path.join(freshDir('example-chrome'), 'profile-'));
  let browser;
  try {
    browser = await puppeteer.launch({ executablePath: chrome, headless: true, userDataDir, args: CHROME_FLAGS });
    const page = await browser.newPage();
    page.on('console', (m) => console.log(`[chrome] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`[chrome error] ${e.message}`));
    await page.goto(`${origin}/?steps=200`);
    await page.waitForFunction('window.__result !== undefined || window.__error !== undefined', { timeout: 10 * 60_000, polling: 500 });
    const error = await page.evaluate('window.__error');
    if (error) throw new Error(`examples/vite-app in Chromium: ${error}`);
    const { losses, accuracy } = await page.evaluate('window.__result');
    const points = await page.evaluate(() => document.querySelectorAll('#chart canvas').length);
    console.log(`examples/vite-app: loss ${losses[0].toFixed(4)} -> ${losses.at(-1).toFixed(4)}, accuracy ${(100 * accuracy).toFixed(1)}%, ${points} chart canvas`);
    if (!(losses.at(-1) < losses[0] / 2)) throw new Error(`examples/vite-app: training did not halve the loss (${losses[0]} -> ${losses.at(-1)})`);
    if (points < 1) throw new Error('examples/vite-app: the loss chart was not drawn');
  } finally {
    await browser?.close().catch(() => {});
    await close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log('examples/vite-app: OK');
}

try {
  if (!only || only === 'node') await checkNode();
  if (!only || only === 'vite-app') await checkVite();
  console.log('\ncheck-examples: OK');
} catch (e) {
  console.error(`\ncheck-examples: FAILED: ${e.message}`);
  process.exit(1);
}
