/**
 * npm run bench — webgrad against TensorFlow.js 4.22 (webgpu and cpu backends) and jax-js, all in ONE
 * headless Chromium page (bench/page.mjs), interleaved round by round. Builds webgrad if dist/ is
 * missing or older than src/, installs the peers into bench/peers/node_modules on first use (they are
 * not webgrad dependencies), prints a table and writes bench/results/latest.json.
 *
 *   --rows="mlp b64,add 4M"   only these rows (default: all)
 *   --rounds=5                timed runs per library per row (the median is reported)
 *   --base=DIR                also time another webgrad build (DIR holds its webgrad.browser.js),
 *                             e.g. a copy of dist/ from before a change: column "base"
 *   --out=FILE                where the JSON goes (default bench/results/latest.json)
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import { CHROME_FLAGS, findChrome } from '../scripts/chrome.mjs';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    base: { type: 'string' },
    out: { type: 'string', default: 'bench/results/latest.json' },
  },
});
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench: --rounds must be a positive integer (got ${args.rounds})`);
const root = process.cwd();
const base = args.base ? path.resolve(args.base) : null;
if (base && !fs.existsSync(path.join(base, 'webgrad.browser.js'))) throw new Error(`bench: --base=${args.base} has no webgrad.browser.js (pass a dist/ folder)`);

// build if needed
const newest = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true, recursive: true }).reduce((t, e) => (e.isFile() ? Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs) : t), 0);
const bundle = path.join(root, 'dist/webgrad.browser.js');
if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < newest(path.join(root, 'src'))) {
  console.log('bench: building webgrad (npm run build)');
  execSync('npm run build', { stdio: 'inherit' });
}
// peers on first use, from their lock file
if (!fs.existsSync(path.join(root, 'bench/peers/node_modules/@jax-js/jax/package.json'))) {
  console.log('bench: installing the peer libraries into bench/peers (first use)');
  execSync('npm ci --prefix bench/peers --ignore-scripts --no-audit --no-fund', { stdio: 'inherit' });
}
const peerVersion = (name) => JSON.parse(fs.readFileSync(path.join(root, 'bench/peers/node_modules', name, 'package.json'), 'utf8')).version;
const versions = { tfjs: peerVersion('@tensorflow/tfjs'), tfjsWebgpu: peerVersion('@tensorflow/tfjs-backend-webgpu'), jaxjs: peerVersion('@jax-js/jax') };

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json' };
const page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
import { runBench } from '/bench/page.mjs';
try { window.__result = await runBench(${JSON.stringify({ rows: args.rows?.split(',').map((s) => s.trim()), rounds, base: !!base })}); }
catch (e) { window.__error = String(e && e.stack || e); }
</script>`;
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/') return res.setHeader('Content-Type', 'text/html'), res.end(page);
  const rel = path.normalize(decodeURIComponent(url.pathname));
  const [dir, sub] = base && rel.startsWith('/base/') ? [base, rel.slice(5)] : [root, rel];
  const file = path.join(dir, sub);
  if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return (res.statusCode = 404), res.end('not found');
  res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const chrome = findChrome();
if (!chrome) throw new Error('bench: no Chrome/Chromium found: install it (apt-get install -y chromium) or set CHROME_PATH');
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgrad-bench-'));
const load = () => os.loadavg().map((x) => +x.toFixed(2));
const loadBefore = load();
const t0 = Date.now();
let browser;
let result;
let chromeVersion;
try {
  browser = await puppeteer.launch({ executablePath: chrome, headless: true, userDataDir, args: CHROME_FLAGS, protocolTimeout: 60 * 60_000 });
  chromeVersion = await browser.version();
  const tab = await browser.newPage();
  tab.on('console', (m) => console.log(m.text()));
  tab.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction('window.__result !== undefined || window.__error !== undefined', { timeout: 60 * 60_000, polling: 1000 });
  const error = await tab.evaluate('window.__error');
  if (error) throw new Error(`bench page: ${error}`);
  result = await tab.evaluate('window.__result');
} finally {
  await browser?.close().catch(() => {});
  server.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

const f = (v, d = 2) => (v === null || v === undefined ? '-' : v.toFixed(d));
const x = (v) => (v === null || v === undefined ? '-' : `${v.toFixed(2)}x`);
const lines = [
  `| row | webgrad ms | tfjs-webgpu ms | tfjs-cpu ms | jax-js ms |${base ? ' base ms | vs base |' : ''} vs tfjs | vs tfjs-cpu | vs jax-js | dispatches / submits / copies per step (webgrad; tfjs; jax-js) | checks |`,
  `|---|---:|---:|---:|---:|${base ? '---:|---:|' : ''}---:|---:|---:|---|---|`,
];
for (const r of result.rows) {
  const c = (n) => (r.perStep[n] ? `${r.perStep[n].dispatches}/${r.perStep[n].submits}/${r.perStep[n].copies}` : '-');
  const wgName = r.name.endsWith(' fused') ? 'webgrad:fused' : r.name.endsWith(' foreach') ? 'webgrad:foreach' : 'webgrad';
  const ok = Object.values(r.checks).every((v) => v.ok) ? 'agree' : 'DISAGREE';
  const changed = Object.entries(r.memoryBytes ?? {}).filter(([, [a, b]]) => a !== b).map(([n, [a, b]]) => `${n} ${b > a ? '+' : ''}${b - a} B`);
  const flat = Object.values(r.memoryFlat).every(Boolean) ? '' : ` (memory changed: ${changed.join(', ') || 'see memoryBytes'})`;
  lines.push(
    `| ${r.name} | ${f(r.webgrad)} | ${f(r.tfjs)} | ${f(r.tfjsCpu)} | ${f(r.jaxjs)} |${base ? ` ${f(r.base)} | ${x(r.ratioBase)} |` : ''} ${x(r.ratio)} | ${x(r.ratioCpu)} | ${x(r.ratioJax)} | ${c(wgName)}; ${c('tfjs')}; ${c('jaxjs')} | ${ok}${flat} |`,
  );
}
const table = lines.join('\n');
console.log(`\n${chromeVersion}, adapter ${result.adapter}${result.software ? ' (software)' : ''}; load ${loadBefore.join(' ')} -> ${load().join(' ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log('ratios: the other library\'s ms / webgrad\'s ms (higher is better for webgrad)\n');
console.log(table);
const bad = result.rows.filter((r) => !Object.values(r.checks).every((v) => v.ok));
if (bad.length) console.log(`\nDISAGREEMENT in: ${bad.map((r) => `${r.name} ${JSON.stringify(r.checks)}`).join('; ')}`);
fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
const meta = { date: new Date().toISOString(), browser: chromeVersion, adapter: result.adapter, software: result.software, cpus: os.cpus().length, loadBefore, loadAfter: load(), rounds, versions, seconds: (Date.now() - t0) / 1000 };
fs.writeFileSync(args.out, JSON.stringify(result.rows.map((r) => ({ ...r, meta })), null, 1) + '\n');
fs.writeFileSync(args.out.replace(/\.json$/, '.md'), `${meta.date}, ${meta.browser}, adapter ${meta.adapter}, load ${loadBefore.join(' ')}\n\n${table}\n`);
console.log(`\nwrote ${args.out}`);
process.exit(bad.length ? 1 : 0);
