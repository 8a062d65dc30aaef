/**
 * Exercise 8: weight trajectories. A 2-layer net (784 → hidden (ReLU) → 10) trained on MNIST with SGD and
 * with Adam from the same initial weights; the flattened weights are snapshotted every few steps and
 * both trajectories are projected on their joint first two principal components
 * (wg.analysis.pca: Gram matrix on the GPU, float64 Jacobi eigen-solve).
 */
import { type Wg, type Tensor, type Progress, noop, r, options } from './common.js';
import { mnist, mlp, evaluate } from './mnist.js';

export const meta = { id: 8, title: 'Weight trajectories (PCA)' };

export interface Options {
  trainCount: number;
  testCount: number;
  hidden: number;
  steps: number;
  every: number;
  batchSize: number;
  sgdLr: number;
  adamLr: number;
}
export const defaults: Options = { trainCount: 8000, testCount: 2000, hidden: 32, steps: 500, every: 25, batchSize: 64, sgdLr: 0.1, adamLr: 1e-3 };
export const quick: Partial<Options> = { trainCount: 2000, testCount: 1000, steps: 150, every: 10 };

async function flat(params: Tensor[]): Promise<Float32Array> {
  const arrays = await Promise.all(params.map((p) => p.toArray()));
  const out = new Float32Array(arrays.reduce((s, a) => s + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const data = await mnist(wg, o.trainCount, o.testCount);
  const rows: Float32Array[] = [];
  const meta2: { optimizer: string; step: number; loss: number | null }[] = [];
  const finals = [];
  for (const name of ['SGD', 'Adam'] as const) {
    const model = mlp(wg, o.hidden, 0);
    const params = model.parameters();
    const opt = name === 'SGD' ? new wg.optim.SGD(params, { lr: o.sgdLr }) : new wg.optim.Adam(params, { lr: o.adamLr });
    const loader = new wg.nn.DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: 0, dropLast: true });
    rows.push(await flat(params));
    meta2.push({ optimizer: name, step: 0, loss: null });
    let step = 0;
    outer: for (;;) {
      for (const [x, y] of loader) {
        opt.zeroGrad();
        const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
        loss.backward();
        opt.step();
        step++;
        if (step % o.every === 0) {
          rows.push(await flat(params));
          meta2.push({ optimizer: name, step, loss: r(await loss.item(), 4) });
          progress(step, o.steps, name);
        }
        loss.dispose();
        if (step >= o.steps) break outer;
      }
    }
    const ev = await evaluate(wg, model, data.test);
    finals.push({ optimizer: name, lr: name === 'SGD' ? o.sgdLr : o.adamLr, valAccuracy: r(ev.accuracy), distanceFromInit: r(Math.sqrt(rows[rows.length - 1].reduce((s, v, i) => s + (v - rows[meta2.findIndex((m) => m.optimizer === name)][i]) ** 2, 0))) });
    opt.dispose();
    for (const p of params) p.dispose();
  }
  const res = await wg.analysis.pca(rows, 2);
  const points = meta2.map((m, i) => ({ ...m, pc1: r(res.scores[i][0]), pc2: r(res.scores[i][1]) }));
  return { settings: o, dimensions: rows[0].length, explained: res.explained.map((v) => r(v)), points, finals };
}
