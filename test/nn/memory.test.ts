// A training loop's memory is flat (design principle 11): after 1,000 steps exactly the same tensors
// and bytes are alive as after 10. Tiny shapes keep it fast on a software adapter.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { collect } from '../../src/tensor/index.js';

const nn = wg.nn;

beforeAll(async () => {
  await wg.init();
});

/** Tensors of `ts` that are still alive, and their bytes. */
const alive = (ts: wg.Tensor[]) => {
  const live = ts.filter((t) => !t.disposed);
  return { tensors: live.length, bytes: live.reduce((s, t) => s + t.size * 4, 0) };
};

describe('memory', () => {
  it('stays flat over 1,000 training steps (DataLoader, Dropout, crossEntropy, backward, SGD with momentum, eval)', async () => {
    wg.manualSeed(0);
    const n = 40;
    const x = Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: n }, (_, i) => i % 4);
    const loader = new nn.DataLoader({ x, xShape: [n, 8], y }, { batchSize: 8, shuffle: true, seed: 1 });
    const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(16, 4));
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const xAll = wg.tensor(x, [n, 8]);
    const fullLoss = async () => {
      model.eval();
      const l = wg.noGrad(() => nn.functional.crossEntropy(model.forward(xAll), y));
      model.train();
      const v = await l.item();
      l.dispose();
      return v;
    };
    const before = await fullLoss();

    let batches = loader[Symbol.iterator]();
    /** One training step, written as a torch user would (plus loss.dispose(), see below). */
    const step = (k: number) => {
      let next = batches.next();
      if (next.done) next = (batches = loader[Symbol.iterator]()).next();
      const [xb, yb] = next.value!;
      const loss = nn.functional.crossEntropy(model.forward(xb), yb);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      // The loss is the one tensor of a step that the program holds (to read it), so backward()
      // leaves it alive; torch frees it when the variable is reassigned, which JavaScript reports only
      // at an unpredictable garbage collection. Disposing it makes the counts exact.
      loss.dispose();
      if (k % 100 === 0) {
        // an evaluation pass under noGrad, as a loop does between epochs: frees its own intermediates
        model.eval();
        wg.noGrad(() => model.forward(xAll)).dispose();
        model.train();
      }
    };
    // collect() lists every tensor the steps create (and keeps the objects reachable, so a leak stays
    // visible instead of being freed by a garbage collection at some unknown time).
    const first = collect(() => { for (let k = 1; k <= 10; k++) step(k); }).created;
    const at10 = alive(first);
    const global10 = wg.memory();
    const rest = collect(() => { for (let k = 11; k <= 1000; k++) step(k); }).created;
    const at1000 = alive([...first, ...rest]);
    const global1000 = wg.memory();

    expect(at1000).toEqual(at10);
    // Everything else in the process: unchanged, or lower where an earlier test's dropped tensors were
    // garbage-collected meanwhile (nothing here can make it grow).
    expect(global1000.tensors).toBeLessThanOrEqual(global10.tensors);
    expect(global1000.bytes).toBeLessThanOrEqual(global10.bytes);
    expect(global1000.pooledBytes).toBeLessThanOrEqual(global10.pooledBytes + 64 * 1024); // the pool reuses
    batches.return?.(); // ends the loader's iteration: frees its last batch
    opt.zeroGrad();
    // only the optimizer's state remains: four momentum buffers (fused mode), or the group's arena of
    // parameters, gradients and momentum (foreach, which the default mode picks for this small model)
    expect(alive([...first, ...rest]).tensors).toBe(opt.usesForeach(opt.paramGroups[0]) ? 3 : 4);
    expect(await fullLoss()).toBeLessThan(before); // and it did train
    xAll.dispose();
    opt.dispose?.();
  });
});
