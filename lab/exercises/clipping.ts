/**
 * Exercise 12: gradient clipping and monitoring. The MLP trained with SGD at a high lr, with and without
 * global-norm clipping at 1.0 (wg.nn.utils.clipGradNorm), from the same init and batches. Every step the
 * per-layer gradient norms are recorded (wg.analysis.layerGradNorms) and a warning is raised when the
 * global norm exceeds `spikeFactor` x the median of the previous `window` steps. One batch (step
 * `badStep`) has its pixels multiplied by `badScale`, a corrupted input of the kind a monitor must catch.
 */
import { type Wg, type Progress, noop, r, options } from './common.js';
import { mnist, mlp, evaluate } from './mnist.js';

export const meta = { id: 12, title: 'Gradient clipping and monitoring' };

export interface Options {
  trainCount: number;
  testCount: number;
  steps: number;
  batchSize: number;
  lr: number;
  maxNorm: number;
  spikeFactor: number;
  window: number;
  badStep: number;
  badScale: number;
}
export const defaults: Options = { trainCount: 8000, testCount: 2000, steps: 300, batchSize: 64, lr: 0.2, maxNorm: 1, spikeFactor: 3, window: 20, badStep: 100, badScale: 20 };
export const quick: Partial<Options> = { trainCount: 2000, testCount: 1000, steps: 80, badStep: 40 };

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const data = await mnist(wg, o.trainCount, o.testCount);
  const runs = [];
  for (const clip of [false, true]) {
    const model = mlp(wg, 128, 0);
    const opt = new wg.optim.SGD(model.parameters(), { lr: o.lr, momentum: 0.9 });
    const loader = new wg.nn.DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: 0, dropLast: true });
    const records: { step: number; loss: number | null; norm: number | null; layers: Record<string, number | null> }[] = [];
    const warnings: { step: number; norm: number | null; median: number | null }[] = [];
    let step = 0;
    outer: for (;;) {
      for (const [xb, y] of loader) {
        step++;
        const x = step === o.badStep ? xb.mul(o.badScale) : xb;
        opt.zeroGrad();
        const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
        loss.backward();
        const layers = await wg.analysis.layerGradNorms(model);
        const total = wg.nn.utils.clipGradNorm(model.parameters(), clip ? o.maxNorm : 1e30);
        opt.step();
        const [l, norm] = await Promise.all([loss.item(), total.item()]);
        for (const t of [loss, total]) t.dispose();
        if (x !== xb) x.dispose();
        const prev = records.slice(-o.window).map((q) => q.norm ?? 0).sort((a, b) => a - b);
        const median = prev.length ? prev[Math.floor(prev.length / 2)] : null;
        if (median !== null && prev.length >= 5 && !(norm <= o.spikeFactor * median)) warnings.push({ step, norm: r(norm), median: r(median) });
        records.push({ step, loss: r(l, 5), norm: r(norm, 5), layers: Object.fromEntries(Object.entries(layers).map(([k, v]) => [k, r(v, 5)])) });
        if (step % 10 === 0) progress(step, o.steps, clip ? 'clipped' : 'unclipped');
        if (step >= o.steps) break outer;
      }
    }
    const ev = await evaluate(wg, model, data.test);
    runs.push({ clip: clip ? o.maxNorm : null, valAccuracy: r(ev.accuracy), finalLoss: records[records.length - 1].loss, maxNorm: r(Math.max(...records.map((q) => q.norm ?? 0))), warnings, records });
    opt.dispose();
    for (const p of model.parameters()) p.dispose();
  }
  return { settings: o, runs };
}
