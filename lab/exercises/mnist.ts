/**
 * MNIST helpers shared by exercises 6-10, 12 and 13: the embedded digits, the material's MLP
 * (784 → hidden (ReLU) → 10, torch's init), a training loop that reads the losses back once per epoch
 * (no wait inside an epoch), and held-out accuracy.
 */
import type { Wg, Tensor, Progress } from './common.js';
import { rowTransformer } from './mnist_transformer.js';

export interface Data {
  train: { x: Float32Array; y: Int32Array; n: number; xShape: [number, number] };
  test: { x: Float32Array; y: Int32Array; n: number; xShape: [number, number] };
}

const cache = new Map<string, Promise<Data>>();
/** `trainCount` training digits and `testCount` held-out ones (the embedded set has 10,000 in all). */
export function mnist(wg: Wg, trainCount: number, testCount: number): Promise<Data> {
  const key = `${trainCount}/${testCount}`;
  if (!cache.has(key)) cache.set(key, wg.nn.loadMnist({ trainCount, testCount }) as Promise<Data>);
  return cache.get(key)!;
}

export function mlp(wg: Wg, hidden = 128, seed = 0) {
  wg.manualSeed(seed);
  return new wg.nn.Sequential(new wg.nn.Linear(784, hidden), new wg.nn.ReLU(), new wg.nn.Linear(hidden, 10));
}
export type Model = ReturnType<typeof mlp>;

/**
 * A LeNet-style CNN on the flat [n, 784] batches: reshaped to [n, 1, 28, 28], conv 5×5 (6, padding 2) –
 * ReLU – max-pool 2 – conv 5×5 (16) – ReLU – max-pool 2 – 400 → 64 (ReLU) → 10.
 */
export function lenet(wg: Wg, seed = 0): Model {
  wg.manualSeed(seed);
  const nn = wg.nn;
  class Image extends nn.Module {
    forward(x: Tensor): Tensor {
      return x.reshape([-1, 1, 28, 28]);
    }
  }
  return new nn.Sequential(
    new Image(), new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 64), new nn.ReLU(), new nn.Linear(64, 10),
  );
}

/** The models the MNIST showdown can train, by key: each takes the flat [n, 784] batches. */
export const MODELS: Record<string, { label: string; make: (wg: Wg, seed: number, hidden: number) => Model }> = {
  mlp: { label: 'MLP 784 → hidden (ReLU) → 10', make: (wg, seed, hidden) => mlp(wg, hidden, seed) },
  lenet: { label: 'LeNet (conv-pool-conv-pool-400-64-10)', make: (wg, seed) => lenet(wg, seed) },
  transformer: { label: 'transformer over rows (d 32, 4 heads, 1 block)', make: (wg, seed) => rowTransformer(wg, { seed }) as unknown as Model },
};

/** Fraction of correct predictions and mean cross-entropy on (x, y), in chunks. */
export async function evaluate(wg: Wg, model: Model, split: Data['test'], chunk = 2000): Promise<{ accuracy: number; loss: number }> {
  let ok = 0;
  let lossSum = 0;
  for (let s = 0; s < split.n; s += chunk) {
    const n = Math.min(chunk, split.n - s);
    const x = wg.tensor(split.x.subarray(s * 784, (s + n) * 784), [n, 784]);
    const y = split.y.subarray(s, s + n);
    const [pred, loss] = wg.noGrad(() => {
      const logits = model.forward(x);
      const out = [logits.argmax(1), wg.nn.functional.crossEntropy(logits, Int32Array.from(y))];
      logits.dispose();
      return out;
    });
    const [p, l] = await Promise.all([pred.toArray(), loss.item()]);
    for (let i = 0; i < n; i++) ok += p[i] === y[i] ? 1 : 0;
    lossSum += l * n;
    for (const t of [x, pred, loss]) t.dispose();
  }
  return { accuracy: ok / split.n, loss: lossSum / split.n };
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  seed?: number;
  /** Called after each optimizer step (e.g. a scheduler's step). */
  afterStep?: () => void;
  /** Replaces the plain loss.backward() + opt.step() (e.g. SAM's closure, clipping). */
  stepFn?: (x: Tensor, y: Tensor) => Tensor | Promise<Tensor>;
  /** Keep one training-loss value every `every` steps (default 1). */
  every?: number;
  /** Called at each epoch's end (e.g. snapshots). */
  onEpoch?: (epoch: number) => Promise<void> | void;
  progress?: Progress;
  label?: string;
}

export interface TrainResult {
  /** [step, loss] pairs (training batches). */
  losses: [number, number][];
  /** Per epoch: held-out accuracy and loss, training accuracy and loss (on the first 1,000 training digits), seconds. */
  epochs: { epoch: number; valAccuracy: number; valLoss: number; trainAccuracy: number; trainLoss: number; seconds: number }[];
  seconds: number;
  stepsPerSecond: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function train(wg: Wg, model: Model, opt: any, data: Data, o: TrainOptions): Promise<TrainResult> {
  const loader = new wg.nn.DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: o.seed ?? 0, dropLast: true });
  const every = o.every ?? 1;
  const losses: [number, number][] = [];
  const epochs: TrainResult['epochs'] = [];
  const m = Math.min(data.train.n, 1000);
  const trainEval = { x: data.train.x.subarray(0, m * 784), y: data.train.y.subarray(0, m), n: m, xShape: [m, 784] as [number, number] };
  const t0 = performance.now();
  let stepNo = 0;
  const total = o.epochs * loader.length;
  for (let e = 1; e <= o.epochs; e++) {
    const pending: [number, Tensor][] = [];
    for (const [x, y] of loader) {
      stepNo++;
      let loss: Tensor;
      if (o.stepFn) loss = await o.stepFn(x, y);
      else {
        opt.zeroGrad();
        loss = wg.nn.functional.crossEntropy(model.forward(x), y);
        loss.backward();
        opt.step();
      }
      o.afterStep?.();
      if (stepNo % every === 0) pending.push([stepNo, loss]);
      else loss.dispose();
      if (stepNo % 10 === 0) o.progress?.(stepNo, total, o.label);
    }
    const values = await Promise.all(pending.map(([, t]) => t.item()));
    pending.forEach(([s, t], i) => {
      losses.push([s, values[i]]);
      t.dispose();
    });
    const val = await evaluate(wg, model, data.test);
    const tr = await evaluate(wg, model, trainEval);
    epochs.push({ epoch: e, valAccuracy: val.accuracy, valLoss: val.loss, trainAccuracy: tr.accuracy, trainLoss: tr.loss, seconds: (performance.now() - t0) / 1000 });
    await o.onEpoch?.(e);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { losses, epochs, seconds, stepsPerSecond: stepNo / seconds };
}

/** Global 2-norm of all parameters (float64 over the read-back values). */
export async function paramNorm(params: Tensor[]): Promise<number> {
  const arrays = await Promise.all(params.map((p) => p.toArray()));
  let s = 0;
  for (const a of arrays) for (const v of a) s += v * v;
  return Math.sqrt(s);
}
