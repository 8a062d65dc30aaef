/**
 * npm run bench:engine — matmul GFLOP/s at 256/512/1024/2048 and elementwise GB/s, in Node (Dawn) and in
 * headless Chrome, with the naive one-thread-per-output kernel as the in-run baseline. Writes
 * bench/results/engine-<date>.json and .md. Options: --sizes=256,1024  --node-only  --chrome-only
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import * as wg from '../dist/index.js';
import { runEngineBench } from './engine-core.mjs';
import { runInChrome } from '../scripts/chrome.mjs';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512,1024,2048' },
    'node-only': { type: 'boolean', default: false },
    'chrome-only': { type: 'boolean', default: false },
  },
});
const sizes = args.sizes.split(',').map(Number);
const opts = { sizes, variants: ['auto', 'naive'] };
const runs = [];

if (!args['chrome-only']) {
  console.log('== Node (webgpu/Dawn) ==');
  const r = await runEngineBench(wg, { ...opts, log: console.log });
  runs.push({ env: `Node ${process.version} + webgpu (Dawn)`, ...r });
}
if (!args['node-only']) {
  console.log('== headless Chrome ==');
  const { version, result } = await runInChrome(`
    const wg = await import('/dist/webgrad.browser.js');
    const { runEngineBench } = await import('/bench/engine-core.mjs');
    window.__result = await runEngineBench(wg, ${JSON.stringify(opts)});`);
  for (const row of result.rows) console.log(`matmul/add ${row.size} ${row.variant}: ${row.ms.toFixed(2)} ms ${row.gflops ? row.gflops.toFixed(2) + ' GFLOP/s' : row.gbs.toFixed(2) + ' GB/s'}`);
  runs.push({ env: version, ...result });
}

const ratio = (run, size) => {
  const auto = run.rows.find((r) => r.size === size && r.variant.startsWith('auto'));
  const naive = run.rows.find((r) => r.size === size && r.variant === 'naive');
  return auto && naive ? (auto.gflops / naive.gflops).toFixed(1) + 'x' : '-';
};
const lines = ['# Engine benchmark', '', `Date: ${new Date().toISOString()}`, ''];
for (const run of runs) {
  lines.push(`## ${run.env}`, '', `Adapter: ${run.adapter}${run.software ? ' (software)' : ''}`, '');
  lines.push('| op | size | kernel | ms | GFLOP/s or GB/s | vs naive |', '|---|---|---|---|---|---|');
  for (const r of run.rows) {
    const perf = r.gflops !== undefined ? `${r.gflops.toFixed(2)} GFLOP/s` : `${r.gbs.toFixed(2)} GB/s`;
    lines.push(`| ${r.kind} | ${r.size} | ${r.variant} | ${r.ms.toFixed(2)} | ${perf} | ${r.variant.startsWith('auto') ? ratio(run, r.size) : ''} |`);
  }
  lines.push('');
}
const md = lines.join('\n');
console.log('\n' + md);
fs.mkdirSync('bench/results', { recursive: true });
const stamp = new Date().toISOString().slice(0, 10);
fs.writeFileSync(`bench/results/engine-${stamp}.json`, JSON.stringify(runs, null, 2));
fs.writeFileSync(`bench/results/engine-${stamp}.md`, md + '\n');
console.log(`wrote bench/results/engine-${stamp}.{json,md}`);
