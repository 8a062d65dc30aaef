/**
 * Exercise 6: the MNIST showdown. MLP 784 → 128 (ReLU) → 10 (or LeNet: option model), batch 64, the material's optimizers and
 * lrs (SGD 0.01, Momentum 0.01/0.9, RMSprop 1e-3, Adam 1e-3, plus AdamW 1e-3 and Nesterov 0.01/0.9),
 * the same initial weights and batch order for all; training-loss and validation-accuracy curves; the LR
 * finder on Adam; cosine vs step decay with the best optimizer; the generalisation gap (train − val).
 */
import { type Wg, type Progress, noop, r, options } from './common.js';
import { mnist, train, MODELS } from './mnist.js';
import { makeOptimizer } from './race.js';

export const meta = { id: 6, title: 'MNIST showdown' };

export interface Options {
  trainCount: number;
  testCount: number;
  epochs: number;
  batchSize: number;
  hidden: number;
  /** A key of MODELS: 'mlp' (784 → hidden → 10), 'lenet', or 'transformer' (each image row a token, see mnist_transformer.ts). */
  model: string;
  optimizers: { name: string; lr: number }[];
}
export const defaults: Options = {
  trainCount: 8000, testCount: 2000, epochs: 10, batchSize: 64, hidden: 128, model: 'mlp',
  optimizers: [
    { name: 'SGD', lr: 0.01 }, { name: 'Momentum', lr: 0.01 }, { name: 'Nesterov', lr: 0.01 },
    { name: 'RMSprop', lr: 1e-3 }, { name: 'Adam', lr: 1e-3 }, { name: 'AdamW', lr: 1e-3 },
  ],
};
export const quick: Partial<Options> = { trainCount: 2000, testCount: 1000, epochs: 2 };


export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const data = await mnist(wg, o.trainCount, o.testCount);
  const runs = [];
  if (!MODELS[o.model]) throw new Error(`showdown: unknown model '${o.model}' (models: ${Object.keys(MODELS).join(', ')})`);
  for (const { name, lr } of o.optimizers) {
    const model = MODELS[o.model].make(wg, 0, o.hidden);
    const opt = makeOptimizer(wg, name, model.parameters(), lr);
    const res = await train(wg, model, opt, data, { epochs: o.epochs, batchSize: o.batchSize, progress, label: name, every: 5 });
    const last = res.epochs[res.epochs.length - 1];
    runs.push({ optimizer: name, lr, finalValAccuracy: r(last.valAccuracy), finalTrainAccuracy: r(last.trainAccuracy), gap: r(last.trainAccuracy - last.valAccuracy), finalValLoss: r(last.valLoss), seconds: r(res.seconds, 3), stepsPerSecond: r(res.stepsPerSecond, 4), losses: res.losses.map(([s, l]) => [s, r(l, 4)]), epochs: res.epochs.map((e) => ({ ...e, seconds: r(e.seconds, 3) })) });
    opt.dispose();
    for (const p of model.parameters()) p.dispose();
  }
  // the LR finder on Adam (restores the model afterwards)
  const fmodel = MODELS[o.model].make(wg, 0, o.hidden);
  const loader = new wg.nn.DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: 0, dropLast: true });
  const fopt = new wg.optim.Adam(fmodel.parameters(), { lr: 1e-3 });
  const finder = await wg.optim.lrFinder(fmodel, (m, [x, y]) => wg.nn.functional.crossEntropy(m.forward(x), y), loader, { startLr: 1e-6, endLr: 1, numIter: 60, optimizer: fopt });
  fopt.dispose();
  for (const p of fmodel.parameters()) p.dispose();
  progress(1, 1, 'LR finder');
  // cosine vs step decay with the best optimizer
  const best = [...runs].sort((a, b) => (b.finalValAccuracy ?? 0) - (a.finalValAccuracy ?? 0))[0];
  const schedules = [];
  for (const kind of ['cosine', 'step'] as const) {
    const model = MODELS[o.model].make(wg, 0, o.hidden);
    const opt = makeOptimizer(wg, best.optimizer, model.parameters(), best.lr);
    const total = o.epochs * loader.length;
    const S = wg.optim.lrScheduler;
    const sched = kind === 'cosine' ? new S.CosineAnnealingLR(opt, { TMax: total }) : new S.StepLR(opt, { stepSize: Math.max(1, Math.floor(total / 3)), gamma: 0.1 });
    const res = await train(wg, model, opt, data, { epochs: o.epochs, batchSize: o.batchSize, afterStep: () => sched.step(), progress, label: `${best.optimizer} + ${kind}`, every: 5 });
    const last = res.epochs[res.epochs.length - 1];
    schedules.push({ schedule: kind, optimizer: best.optimizer, lr: best.lr, finalValAccuracy: r(last.valAccuracy), gap: r(last.trainAccuracy - last.valAccuracy), losses: res.losses.map(([s, l]) => [s, r(l, 4)]), epochs: res.epochs });
    opt.dispose();
    for (const p of model.parameters()) p.dispose();
  }
  return {
    settings: o,
    runs,
    lrFinder: { optimizer: 'Adam', lrs: finder.lrs.map((v) => r(v)), losses: finder.losses.map((v) => r(v)), suggestion: finder.suggestion === null ? null : r(finder.suggestion) },
    best: best.optimizer,
    schedules,
  };
}
