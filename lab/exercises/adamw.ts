/**
 * Exercise 7: Adam + L2 (weight decay added to the gradient, torch's Adam weightDecay) vs AdamW
 * (decoupled decay, torch's AdamW) on the same model. A fair experiment: three separate models from the
 * same initial weights, trained on the same batches in the same order (same loader seed), so they see
 * the same gradient noise; the third (no decay) is the reference. Measured: parameter norms over
 * training, held-out accuracy, and how uniformly each method shrinks the weights: the ratio
 * |w_decay| / |w_none| per weight, grouped by the reference run's Adam second moment v (weights with
 * small vs large gradients).
 */
import { type Wg, type Tensor, type Progress, type Claim, noop, r, fmt, options } from './common.js';
import { mnist, mlp, train, paramNorm } from './mnist.js';

export const meta = { id: 7, title: 'Adam + L2 vs AdamW (decoupled weight decay)' };

export interface Options {
  trainCount: number;
  testCount: number;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
}
export const defaults: Options = { trainCount: 8000, testCount: 2000, epochs: 10, batchSize: 64, lr: 1e-3, weightDecay: 0.1 };
export const quick: Partial<Options> = { trainCount: 2000, testCount: 1000, epochs: 3 };

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const data = await mnist(wg, o.trainCount, o.testCount);
  const methods = [
    { method: 'none', make: (p: Tensor[]) => new wg.optim.Adam(p, { lr: o.lr }) },
    { method: 'Adam + L2', make: (p: Tensor[]) => new wg.optim.Adam(p, { lr: o.lr, weightDecay: o.weightDecay }) },
    { method: 'AdamW', make: (p: Tensor[]) => new wg.optim.AdamW(p, { lr: o.lr, weightDecay: o.weightDecay }) },
  ];
  const runs = [];
  const finals: Float32Array[][] = [];
  let vRef: Float32Array[] = [];
  for (const m of methods) {
    const model = mlp(wg, 128, 0);
    const params = model.parameters();
    const opt = m.make(params);
    const norms: [number, number][] = [[0, await paramNorm(params)]];
    const res = await train(wg, model, opt, data, { epochs: o.epochs, batchSize: o.batchSize, seed: 0, progress, label: m.method, every: 5, onEpoch: async (e) => { norms.push([e, await paramNorm(params)]); } });
    finals.push(await Promise.all(params.map((p) => p.toArray() as Promise<Float32Array>)));
    if (m.method === 'none') vRef = await Promise.all(params.map((p) => (opt.state.get(p) as { v: Tensor }).v.toArray() as Promise<Float32Array>));
    const last = res.epochs[res.epochs.length - 1];
    runs.push({ method: m.method, weightDecay: m.method === 'none' ? 0 : o.weightDecay, finalValAccuracy: r(last.valAccuracy), finalTrainAccuracy: r(last.trainAccuracy), paramNorms: norms.map(([e, n]) => [e, r(n)]), epochs: res.epochs, losses: res.losses.map(([s, l]) => [s, r(l, 4)]) });
    opt.dispose();
    for (const p of params) p.dispose();
  }
  // shrinkage per weight relative to the no-decay run, by quartile of the reference v (weight matrices only)
  const idx = [0, 2];
  const allV = idx.flatMap((k) => Array.from(vRef[k]));
  const sorted = [...allV].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.floor(p * (sorted.length - 1))];
  const [q1, q3] = [q(0.25), q(0.75)];
  const shrink = (run: number) => {
    const groups = { lowV: [0, 0], highV: [0, 0] };
    for (const k of idx) {
      const w = finals[run][k];
      const ref = finals[0][k];
      const v = vRef[k];
      for (let i = 0; i < w.length; i++) {
        const g = v[i] <= q1 ? groups.lowV : v[i] >= q3 ? groups.highV : null;
        if (g) {
          g[0] += Math.abs(w[i]);
          g[1] += Math.abs(ref[i]);
        }
      }
    }
    return { lowV: r(groups.lowV[0] / groups.lowV[1]), highV: r(groups.highV[0] / groups.highV[1]) };
  };
  const uniformity = [1, 2].map((k) => ({ method: methods[k].method, ...shrink(k) }));
  const spread = (u: { lowV: number | null; highV: number | null }) => Math.abs(Math.log((u.lowV ?? 1) / (u.highV ?? 1)));
  const [l2, aw] = uniformity;
  const claims: Claim[] = [{
    claim: '"AdamW regularises more uniformly than Adam + L2" (fair experiment: separate models, same gradient noise).',
    setting: `MLP 784-128-10, lr ${o.lr}, weight decay ${o.weightDecay} for both, ${o.epochs} epochs on ${o.trainCount} digits; three models from the same init and batch order`,
    verdict: spread(aw) < spread(l2) ? 'holds' : 'does not hold',
    evidence: `|w| relative to the no-decay run, for weights whose gradient second moment v is in the lowest / highest quartile: Adam + L2 ${fmt(l2.lowV)} / ${fmt(l2.highV)}, AdamW ${fmt(aw.lowV)} / ${fmt(aw.highV)}. ` +
      `Adam + L2 divides the decay term by sqrt(v), so weights with small gradients shrink much more; AdamW's decay lr*lambda*w is the same for every weight. ` +
      `Final parameter norms: ${runs.map((u) => `${u.method} ${fmt(u.paramNorms[u.paramNorms.length - 1][1])}`).join(', ')}; held-out accuracy: ${runs.map((u) => `${u.method} ${fmt(u.finalValAccuracy)}`).join(', ')}.`,
  }];
  return { settings: o, runs, uniformity, claims };
}
