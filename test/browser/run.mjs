#!/usr/bin/env node
// Runs the vitest test files inside headless Chromium (WebGPU via SwiftShader when there is no GPU).
//
//   node test/browser/run.mjs [filter ...]     (npm run test:browser -- [filter ...])
//
// Filters are substrings of the test file path (e.g. `tensor` or `test/optim/adam`). Files whose first
// lines contain `// @node-only` are not run here. Each test file is an esbuild entry point (the
// `vitest` import is aliased to vitest-shim.ts); shared code lands in shared chunks, so all files in
// one run share module state, as in Node with `isolate: false`.
//
// Environment:
//   CHROME_PATH                    browser binary (default: /usr/bin/chromium, then google-chrome paths)
//   CHROME_FLAGS                   extra Chromium flags, space separated
//   BROWSER_TEST_TIMEOUT_MS        guard for the whole run (default 40 min)
//   BROWSER_TEST_TEST_TIMEOUT_MS   default per-test and per-hook timeout (default 5 min)
import { build } from 'esbuild';
import { serve as serveDir } from '../../scripts/serve.mjs';
import puppeteer from 'puppeteer-core';
import { SourceMap } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROME_FLAGS, findChrome } from '../../scripts/chrome.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bundleDir = path.join(here, '.bundle');
const shim = path.join(here, 'vitest-shim.ts');
const harness = path.join(here, 'harness.ts');

const MIN = 60_000;
const overallTimeout = Number(process.env.BROWSER_TEST_TIMEOUT_MS ?? 40 * MIN);
const testTimeout = Number(process.env.BROWSER_TEST_TEST_TIMEOUT_MS ?? 5 * MIN);

// Chromium flags and discovery are shared with the benchmarks and the demo (scripts/chrome.mjs).

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const green = paint(32);
const red = paint(31);
const dim = paint(2);
const yellow = paint(33);
// Diffs come from the page already coloured; strip that when the terminal gets no colours.
const plain = (s) => (color ? s : String(s).replace(/\x1b\[[0-9;]*m/g, ''));


function collectFiles(filters) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.ts')) out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(path.join(root, 'test'));
  return out
    .sort()
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .filter((f) => {
      const head = fs.readFileSync(path.join(root, f), 'utf8').split('\n').slice(0, 10);
      return !head.some((line) => /^\s*\/\/\s*@node-only\b/.test(line));
    });
}

async function bundle(files) {
  fs.rmSync(bundleDir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: [harness, ...files.map((f) => path.join(root, f))],
    outdir: bundleDir,
    outbase: root,
    entryNames: '[dir]/[name]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'linked',
    logLevel: 'warning',
    // Node-only code paths in the library import these dynamically and are never taken in the page.
    external: ['webgpu', 'node:*', 'fs', 'fs/promises', 'path', 'url', 'module', 'os', 'worker_threads', 'child_process'],
    plugins: [
      {
        name: 'vitest-shim',
        setup(b) {
          b.onResolve({ filter: /^vitest$/ }, () => ({ path: shim }));
        },
      },
    ],
  });
}

function serve() {
  const page = `<!doctype html><meta charset="utf-8"><title>webgrad browser tests</title><link rel="icon" href="data:,">
<script type="module" src="/test/browser/harness.js"></script>`;
  return serveDir(bundleDir, { html: page }).then((s) => s.server);
}

// Map `http://127.0.0.1:PORT/test/x.test.js:L:C` stack frames back to the TypeScript sources.
const maps = new Map();
function mapStack(stack, origin) {
  if (!stack) return stack;
  const re = new RegExp(`${origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^\\s)]+?):(\\d+):(\\d+)`, 'g');
  return stack.replace(re, (whole, rel, line, col) => {
    const js = path.join(bundleDir, rel);
    if (!maps.has(js)) {
      try {
        maps.set(js, new SourceMap(JSON.parse(fs.readFileSync(js + '.map', 'utf8'))));
      } catch {
        maps.set(js, null);
      }
    }
    const map = maps.get(js);
    const entry = map?.findEntry(Number(line) - 1, Number(col) - 1);
    if (!entry?.originalSource) return whole;
    const src = path.relative(root, path.resolve(path.dirname(js), entry.originalSource));
    return `${src}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function indent(text, prefix = '    ') {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

async function main() {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const files = collectFiles(filters);
  const counts = { passed: 0, failed: 0 };
  const summary = () => console.log(`Browser: ${counts.passed} passed, ${counts.failed} failed`);
  if (files.length === 0) {
    console.error(red(`No test files matched${filters.length ? ` the filters ${JSON.stringify(filters)}` : ''}.`));
    summary();
    return 1;
  }

  const chrome = findChrome();
  if (!chrome) {
    console.error(red('No Chromium found: set CHROME_PATH or install chromium (apt-get install -y chromium).'));
    summary();
    return 1;
  }

  const t0 = performance.now();
  try {
    await bundle(files);
  } catch (err) {
    console.error(red(`Bundling failed: ${err.message}`));
    summary();
    return 1;
  }
  console.log(dim(`Bundled ${files.length} test file(s) in ${formatMs(performance.now() - t0)}`));

  let server;
  let browser;
  let userDataDir;
  let guard;
  const failures = [];
  cleanup = () => closeAll(browser, server, userDataDir, false);
  let abort;
  let abortedRun = false;
  let running; // name of the test or hook the page is in, for abort messages
  let ready = false;
  // Rejected when the page crashes or fails to load, the browser goes away, or the run takes too long.
  const aborted = new Promise((_, reject) => (abort = reject));
  aborted.catch(() => {});
  guard = setTimeout(() => abort(new Error(`Browser tests did not finish within ${overallTimeout} ms (BROWSER_TEST_TIMEOUT_MS)`)), overallTimeout);
  try {
    server = await serve();
    const origin = `http://127.0.0.1:${server.address().port}`;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgrad-chrome-'));
    browser = await puppeteer.launch({
      executablePath: chrome,
      headless: true, // --headless=new
      userDataDir,
      args: [...CHROME_FLAGS], // a copy: puppeteer moves --enable-features out of the array it is given
      protocolTimeout: overallTimeout + MIN,
      timeout: 2 * MIN,
    });
    console.log(dim(`${await browser.version()} (${chrome}) --headless=new ${CHROME_FLAGS.join(' ')}`));

    const page = await browser.newPage();
    page.on('error', (err) => abort(new Error(`The page crashed: ${err.message}`)));
    browser.on('disconnected', () => abort(new Error('The browser disconnected')));

    page.on('console', (msg) => {
      const type = msg.type();
      const text = mapStack(msg.text(), origin);
      // Everything on stdout, so page output stays in order with the test results in CI logs.
      console.log(type === 'error' ? red(text) : type === 'warn' || type === 'warning' ? yellow(text) : text);
    });
    page.on('pageerror', (err) => {
      const text = mapStack(err.stack ?? String(err), origin);
      console.error(red(`[page error] ${text}`));
      if (!ready) abort(new Error('The test page failed to load (see the page error above)'));
    });

    let done;
    const finished = new Promise((resolve) => (done = resolve));
    await page.exposeFunction('__rigReport', (event) => {
      if (event.type === 'done') return done();
      if (event.type === 'file') return;
      if (event.type === 'current') return void (running = event.name);
      const ok = event.type === 'test' && event.ok;
      const time = event.type === 'test' ? ` ${dim(`(${formatMs(event.duration)})`)}` : '';
      if (ok) {
        counts.passed++;
        console.log(`${green('✓')} ${event.name}${time}`);
        return;
      }
      counts.failed++;
      failures.push(event.name);
      console.log(`${red('✗')} ${event.name}${time}`);
      for (const e of event.errors) {
        const head = `${e.name && !String(e.message).startsWith(e.name) ? `${e.name}: ` : ''}${e.message}`;
        console.log(red(indent(plain(head))));
        if (e.diff) console.log(indent(plain(e.diff)));
        const stack = mapStack(e.stack, origin);
        // V8 stacks start with "Name: message"; print only the frames, without the rig's own.
        const frames = (stack ?? '')
          .split('\n')
          .filter((l) => /^\s+at /.test(l) && !/(test\/browser\/(vitest-shim|harness)\.ts|node_modules\/|<anonymous>)/.test(l));
        if (frames.length) console.log(dim(indent(frames.map((l) => l.trim()).join('\n'), '      ')));
      }
    });

    await Promise.race([page.goto(`${origin}/`, { waitUntil: 'load' }), aborted]);
    await Promise.race([page.waitForFunction('window.__rigReady === true', { timeout: MIN }), aborted]);
    ready = true;

    const gpu = await Promise.race([
      page.evaluate(async () => {
        if (!isSecureContext) return { error: 'the page is not a secure context' };
        if (!navigator.gpu) return { error: 'navigator.gpu is undefined' };
        const adapter = await navigator.gpu.requestAdapter();
        if (!adapter) return { error: 'navigator.gpu.requestAdapter() returned null' };
        const info = adapter.info ?? {};
        return { adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown' };
      }),
      aborted,
    ]);
    if (gpu.error) {
      console.error(
        red(
          `WebGPU is not available in the page: ${gpu.error}.\n` +
            `Chromium was started with: --headless=new ${CHROME_FLAGS.join(' ')}\n` +
            'WebGPU needs --enable-unsafe-webgpu (Linux), a page served over http://127.0.0.1 (secure context), ' +
            'and a Vulkan loader (libvulkan1) for SwiftShader. Extra flags can be passed in CHROME_FLAGS ' +
            '(e.g. --use-webgpu-adapter=swiftshader).',
        ),
      );
      counts.failed++;
      summary();
      return 1;
    }
    console.log(dim(`WebGPU adapter: ${gpu.adapter}`));

    await Promise.race([
      page.evaluate((files, opts) => window.__rigRun(files, opts), files, { testTimeout, hookTimeout: testTimeout }),
      aborted,
    ]);
    await Promise.race([finished, aborted]);
  } catch (err) {
    counts.failed++;
    failures.push('(rig)');
    abortedRun = true;
    console.log(red(`Browser test run aborted: ${err?.message ?? err}${running ? `\n    while running: ${running}` : ''}`));
  } finally {
    clearTimeout(guard);
    await closeAll(browser, server, userDataDir, !abortedRun);
  }

  const total = counts.passed + counts.failed;
  console.log('');
  if (failures.length) console.log(red(`Failed:\n${failures.map((f) => `  ${f}`).join('\n')}`));
  console.log(dim(`${files.length} test file(s) in ${formatMs(performance.now() - t0)}`));
  summary();
  if (total === 0) {
    console.error(red('No tests ran.'));
    return 1;
  }
  return counts.failed > 0 ? 1 : 0;
}

async function closeAll(browser, server, userDataDir, graceful = true) {
  if (browser) {
    const proc = browser.process();
    const exited = proc && proc.exitCode === null && proc.signalCode === null ? new Promise((r) => proc.once('exit', r)) : null;
    if (graceful) await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
    if (exited && proc.exitCode === null && proc.signalCode === null) {
      // puppeteer starts Chromium in its own process group: end the renderer and GPU processes too.
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        proc.kill('SIGKILL');
      }
    }
    if (exited) await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    browser.disconnect?.().catch?.(() => {});
  }
  if (server) {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(() => r()));
  }
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

let cleanup;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(red(`\nInterrupted (${signal})`));
    Promise.resolve(cleanup?.()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

// Last resort if closing the browser itself hangs.
setTimeout(() => {
  console.error(red('Browser test rig hung; exiting.'));
  console.log('Browser: 0 passed, 1 failed');
  process.exit(1);
}, overallTimeout + 3 * MIN).unref();

main().then(
  (code) => process.exit(code), // stdout/stderr writes are synchronous for files and pipes on Linux
  (err) => {
    console.error(red(`Browser test rig failed: ${err?.stack ?? err}`));
    console.log('Browser: 0 passed, 1 failed');
    process.exit(1);
  },
);
