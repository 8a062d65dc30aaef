/**
 * Optimizer step benchmark: ms per step and effective GB/s for Adam, AdamW and SGD with momentum over
 * 1M, 4M and 16M parameters, fused (one dispatch per parameter tensor) vs foreach (one dispatch per
 * group, through an arena), with the parameters in 1 tensor or split into 64, plus an in-run baseline:
 * Adam composed of elementwise ops (about ten dispatches per tensor, as tfjs's Adam), to show what
 * fusing buys on the same adapter.
 *
 *   npx tsc -p tsconfig.json && node bench/optim.mjs [sizes] [--tensors=1,64] [--budget=ms] [--trials=5]
 *   node bench/optim.mjs 256K,1M          (SwiftShader is a CPU: use small sizes there)
 *
 * "Effective GB/s" counts the bytes the update must move, the same for every mode: Adam/AdamW read
 * p, g, m, v and write p, m, v (28 B per parameter); SGD+momentum reads p, g, buf and writes p, buf
 * (20 B). Foreach also copies gradients and parameters into its arena and parameters out (+24 B),
 * which this number deliberately does not credit. Gradients are set once (no backward in the loop).
 * Writes bench/results/optim-<adapter>.json and .md.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as wg from '../dist/index.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tensors: { type: 'string', default: '1,64' },
    budget: { type: 'string', default: '2000' },
    trials: { type: 'string', default: '5' },
  },
});
const parseSize = (s) => Math.round(parseFloat(s) * ({ K: 1 << 10, M: 1 << 20 }[s.slice(-1).toUpperCase()] ?? 1));
const sizes = (positionals[0] ?? '1M,4M,16M').split(',').map(parseSize);
const tensorCounts = flags.tensors.split(',').map(Number);
const budgetMs = Number(flags.budget);
const trials = Number(flags.trials);

const info = await wg.init();
const BYTES = { Adam: 28, AdamW: 28, 'SGD+momentum': 20, 'Adam (composed ops)': 28 };
const make = {
  Adam: (ps, foreach) => new wg.optim.Adam(ps, { lr: 1e-3, foreach }),
  AdamW: (ps, foreach) => new wg.optim.AdamW(ps, { lr: 1e-3, foreach }),
  'SGD+momentum': (ps, foreach) => new wg.optim.SGD(ps, { lr: 1e-2, momentum: 0.9, foreach }),
};

/**
 * Adam as a chain of tensor ops per parameter: the unfused baseline (about 14 dispatches per tensor).
 * The new parameter is a new tensor each step (swapped in), which is cheaper than copying it back.
 */
function composedAdam(ps) {
  const st = ps.map((p) => ({ p, g: p.grad, m: wg.zeros(p.shape), v: wg.zeros(p.shape) }));
  let t = 0;
  const [b1, b2, lr, eps] = [0.9, 0.999, 1e-3, 1e-8];
  return {
    step() {
      t++;
      wg.noGrad(() => {
        for (const s of st) {
          const m = s.m.mul(b1).add(s.g.mul(1 - b1));
          const v = s.v.mul(b2).add(s.g.mul(s.g).mul(1 - b2));
          const mh = m.div(1 - b1 ** t);
          const vh = v.div(1 - b2 ** t);
          const upd = mh.div(vh.sqrt().add(eps)).mul(lr);
          const next = s.p.sub(upd);
          for (const x of [mh, vh, upd, s.m, s.v]) x.dispose();
          if (!ps.includes(s.p)) s.p.dispose();
          Object.assign(s, { m, v, p: next });
        }
      });
    },
    dispose() {
      for (const s of st) {
        s.m.dispose();
        s.v.dispose();
        if (!ps.includes(s.p)) s.p.dispose();
      }
    },
  };
}

/** Best of `trials` timed runs (a software adapter shares the CPUs with everything else: the minimum
 * is the least disturbed), each as many steps as fit in budget / trials between wg.sync() calls. */
async function timeSteps(opt) {
  opt.step(); // warm-up: compile, create state
  await wg.sync();
  let best = Infinity;
  let steps = 0;
  const d0 = wg.stats().dispatches;
  for (let t = 0; t < trials; t++) {
    let iters = 0;
    const t0 = performance.now();
    do {
      opt.step();
      iters++;
      if (iters % 4 === 0) await wg.sync();
    } while (performance.now() - t0 < budgetMs / trials || iters < 2);
    await wg.sync();
    best = Math.min(best, (performance.now() - t0) / iters);
    steps += iters;
  }
  return { ms: best, dispatchesPerStep: (wg.stats().dispatches - d0) / steps, iters: steps };
}

const rows = [];
console.log(`adapter: ${info.adapter}${info.software ? ' (software)' : ''}`);
console.log('optimizer            params   tensors  mode      ms/step   GB/s   dispatches/step');
for (const n of sizes) {
  for (const count of tensorCounts) {
    const per = Math.ceil(n / count);
    const ps = Array.from({ length: count }, (_, i) => {
      const p = wg.randn([Math.min(per, n - i * per)], { seed: i });
      p.requiresGrad = true;
      p.grad = wg.randn(p.shape, { seed: 1000 + i });
      return p;
    });
    const runs = [];
    for (const name of Object.keys(make)) for (const foreach of [false, true]) runs.push({ name, mode: foreach ? 'foreach' : 'fused', build: () => make[name](ps, foreach) });
    runs.push({ name: 'Adam (composed ops)', mode: 'unfused', build: () => composedAdam(ps) });
    for (const r of runs) {
      const opt = r.build();
      const { ms, dispatchesPerStep, iters } = await timeSteps(opt);
      opt.dispose();
      const gbs = (BYTES[r.name] * n) / (ms * 1e6);
      rows.push({ optimizer: r.name, params: n, tensors: count, mode: r.mode, ms, gbs, dispatchesPerStep, iters });
      console.log(`${r.name.padEnd(20)} ${String(n).padStart(8)} ${String(count).padStart(8)}  ${r.mode.padEnd(8)} ${ms.toFixed(3).padStart(9)} ${gbs.toFixed(2).padStart(7)} ${String(dispatchesPerStep).padStart(8)}`);
    }
    for (const p of ps) (p.grad.dispose(), p.dispose());
  }
}

const words = info.adapter.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
const slug = words.filter((w, i) => words.indexOf(w) === i).join('-').slice(0, 48) || 'unknown';
const load = os.loadavg().map((x) => +x.toFixed(2));
const out = { date: new Date().toISOString(), env: `Node ${process.version} + webgpu (Dawn)`, adapter: info.adapter, software: info.software, cpus: os.cpus().length, load, budgetMs, trials, rows };
fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
fs.writeFileSync(new URL(`./results/optim-${slug}.json`, import.meta.url), JSON.stringify(out, null, 2) + '\n');
const md = [
  '# Optimizer step benchmark',
  '',
  `Date: ${out.date}  `,
  `Environment: ${out.env}  `,
  `Adapter: ${info.adapter}${info.software ? ' (software)' : ''}  `,
  `Host: ${out.cpus} CPUs, load average ${load.join(' / ')} at the end (a software adapter shares these CPUs: other load skews the numbers)`,
  '',
  `ms/step: the best of ${trials} timed runs of ~${budgetMs / trials} ms each.`,
  '',
  'Effective GB/s = bytes the update must move (Adam/AdamW 28 B, SGD+momentum 20 B per parameter) / time per step;',
  "foreach's arena copies (+24 B per parameter) are not credited. The composed-ops row is Adam written as",
  'separate elementwise ops (the unfused baseline).',
  '',
  '| optimizer | params | tensors | mode | ms/step | effective GB/s | dispatches/step |',
  '|---|---:|---:|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.optimizer} | ${r.params} | ${r.tensors} | ${r.mode} | ${r.ms.toFixed(3)} | ${r.gbs.toFixed(2)} | ${r.dispatchesPerStep} |`),
  '',
];
fs.writeFileSync(new URL(`./results/optim-${slug}.md`, import.meta.url), md.join('\n'));
console.log(`wrote bench/results/optim-${slug}.json and .md`);
