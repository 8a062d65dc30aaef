/**
 * Exercise 9: the loss landscape around trained solutions along filter-normalised random directions
 * (Li et al. 2018; wg.analysis.filterNormalizedDirection and lossLandscape): a 2-D surface and 1-D
 * slices, for a small-batch and a large-batch solution of the same MLP from the same init. Sharpness is
 * summarised as the mean loss increase at α = ±0.5 along the 1-D direction.
 */
import { type Wg, type Progress, noop, r, options } from './common.js';
import { mnist, mlp, train } from './mnist.js';

export const meta = { id: 9, title: 'Loss landscape: small vs large batch' };

export interface Options {
  trainCount: number;
  testCount: number;
  evalCount: number;
  epochs: number;
  smallBatch: number;
  largeBatch: number;
  lr: number;
  grid: number;
  slice: number;
}
export const defaults: Options = { trainCount: 8000, testCount: 2000, evalCount: 1000, epochs: 10, smallBatch: 16, largeBatch: 1024, lr: 0.05, grid: 21, slice: 41 };
export const quick: Partial<Options> = { trainCount: 2000, testCount: 1000, evalCount: 500, epochs: 3, largeBatch: 500, grid: 9, slice: 21 };

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const data = await mnist(wg, o.trainCount, o.testCount);
  const n = Math.min(o.evalCount, data.train.n);
  const xe = wg.tensor(data.train.x.subarray(0, n * 784), [n, 784]);
  const ye = data.train.y.slice(0, n);
  const out = [];
  const ticks = 2 + 2 * 2;
  let done = 0;
  for (const batch of [o.smallBatch, o.largeBatch]) {
    const model = mlp(wg, 128, 0);
    const params = model.parameters();
    const opt = new wg.optim.SGD(params, { lr: o.lr, momentum: 0.9 });
    const res = await train(wg, model, opt, data, { epochs: o.epochs, batchSize: batch, every: 10 });
    progress(++done, ticks, `train batch ${batch}`);
    const loss = () => wg.nn.functional.crossEntropy(model.forward(xe), ye);
    const lin = (k: number) => Array.from({ length: k }, (_, i) => -1 + (2 * i) / (k - 1));
    const d1 = wg.analysis.filterNormalizedDirection(params, { seed: 1 });
    const d2 = wg.analysis.filterNormalizedDirection(params, { seed: 2 });
    const slice = await wg.analysis.lossLandscape(params, [d1], loss, { alphas: lin(o.slice) });
    progress(++done, ticks, `1-D slice batch ${batch}`);
    const surface = await wg.analysis.lossLandscape(params, [d1, d2], loss, { alphas: lin(o.grid) });
    progress(++done, ticks, `2-D surface batch ${batch}`);
    const l = slice.losses as number[];
    const centre = l[Math.floor(l.length / 2)];
    const at = (a: number) => l[slice.alphas.reduce((bi, v, i) => (Math.abs(v - a) < Math.abs(slice.alphas[bi] - a) ? i : bi), 0)];
    const last = res.epochs[res.epochs.length - 1];
    out.push({
      batchSize: batch,
      steps: res.losses.length * 10,
      valAccuracy: r(last.valAccuracy),
      trainLoss: r(centre),
      sharpness: r((at(0.5) + at(-0.5)) / 2 - centre),
      slice: { alphas: slice.alphas.map((v) => r(v)), losses: l.map((v) => r(v)) },
      surface: { alphas: surface.alphas.map((v) => r(v)), betas: surface.betas!.map((v) => r(v)), losses: (surface.losses as number[][]).map((row) => row.map((v) => r(v))) },
    });
    for (const t of [...d1, ...d2]) t.dispose();
    opt.dispose();
    for (const p of params) p.dispose();
  }
  xe.dispose();
  return { settings: o, solutions: out };
}
