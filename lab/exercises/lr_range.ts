/**
 * Exercise 10: the LR range test (Leslie Smith 2017) with the library's lrFinder: an exponential sweep
 * from 1e-7 to 10, stopping when the smoothed loss passes 4x the best; plot loss vs lr (log axis), pick
 * the lr (steepest descent of the smoothed loss), then train with it, beside lr/10 and 10·lr.
 */
import { type Wg, type Progress, noop, r, options } from './common.js';
import { mnist, mlp, train } from './mnist.js';

export const meta = { id: 10, title: 'LR range test' };

export interface Options {
  trainCount: number;
  testCount: number;
  startLr: number;
  endLr: number;
  numIter: number;
  divergeThreshold: number;
  epochs: number;
  batchSize: number;
}
export const defaults: Options = { trainCount: 8000, testCount: 2000, startLr: 1e-7, endLr: 10, numIter: 100, divergeThreshold: 4, epochs: 3, batchSize: 64 };
export const quick: Partial<Options> = { trainCount: 2000, testCount: 1000, epochs: 1 };

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const data = await mnist(wg, o.trainCount, o.testCount);
  const model = mlp(wg, 128, 0);
  const loader = new wg.nn.DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: 0, dropLast: true });
  const finder = await wg.optim.lrFinder(model, (m, [x, y]) => wg.nn.functional.crossEntropy(m.forward(x), y), loader, { startLr: o.startLr, endLr: o.endLr, numIter: o.numIter, divergeThreshold: o.divergeThreshold });
  for (const p of model.parameters()) p.dispose();
  progress(1, 4, 'sweep');
  const picked = finder.suggestion ?? 1e-2;
  const trainings = [];
  for (const [k, lr] of [picked / 10, picked, picked * 10].entries()) {
    const m = mlp(wg, 128, 0);
    const opt = new wg.optim.SGD(m.parameters(), { lr, momentum: 0.9 });
    const res = await train(wg, m, opt, data, { epochs: o.epochs, batchSize: o.batchSize, every: 5 });
    const last = res.epochs[res.epochs.length - 1];
    trainings.push({ lr: r(lr), role: ['picked / 10', 'picked', 'picked x 10'][k], finalValAccuracy: r(last.valAccuracy), finalTrainLoss: r(last.trainLoss), losses: res.losses.map(([s, l]) => [s, r(l, 4)]) });
    opt.dispose();
    for (const p of m.parameters()) p.dispose();
    progress(2 + k, 4, `train lr ${lr.toExponential(1)}`);
  }
  const stopped = finder.lrs.length < o.numIter;
  return {
    settings: o,
    optimizer: 'SGD momentum 0.9',
    lrs: finder.lrs.map((v) => r(v)),
    losses: finder.losses.map((v) => r(v)),
    rawLosses: finder.rawLosses.map((v) => r(v)),
    suggestion: finder.suggestion === null ? null : r(finder.suggestion),
    stoppedEarlyAt: stopped ? r(finder.lrs[finder.lrs.length - 1]) : null,
    trainings,
  };
}
