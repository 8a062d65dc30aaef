// A training loop's memory is flat: after 1,000 steps webgrad holds exactly the tensors and bytes it
// held after 10 (design principle 11). Tiny shapes keep it fast on a software adapter.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

const nn = wg.nn;

beforeAll(async () => {
  await wg.init();
});

describe('memory', () => {
  it('stays flat over 1,000 training steps (DataLoader, Dropout, crossEntropy, backward, SGD with momentum, eval)', async () => {
    wg.manualSeed(0);
    const n = 40;
    const x = Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: n }, (_, i) => i % 4);
    const loader = new nn.DataLoader({ x, xShape: [n, 8], y }, { batchSize: 8, shuffle: true, seed: 1 });
    const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(16, 4));
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const probe = wg.tensor(x.subarray(0, 16), [2, 8]);
    let step = 0;
    let at10: ReturnType<typeof wg.memory> | null = null;
    let at1000: ReturnType<typeof wg.memory> | null = null;
    let first = 0;
    let last = 0;
    while (step < 1000) {
      for (const [xb, yb] of loader) {
        const loss = nn.functional.crossEntropy(model.forward(xb), yb);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        step++;
        if (step === 1) first = await loss.item();
        if (step === 1000) last = await loss.item();
        // The loss is the one tensor of a step that the program holds (to read it, as above), so
        // backward() leaves it alive; torch frees it when the variable is reassigned, which JavaScript
        // reports only at an unpredictable garbage collection. Disposing it keeps the counts exact.
        loss.dispose();
        if (step % 100 === 0) {
          // an evaluation pass under noGrad, as a training loop would do between epochs
          model.eval();
          wg.noGrad(() => model.forward(probe)).dispose();
          model.train();
        }
        // measured at the same point of a step: the current batch is alive in both
        if (step === 10 || step === 1000) {
          await wg.sync();
          if (step === 10) at10 = wg.memory();
          else at1000 = wg.memory();
        }
        if (step === 1000) break;
      }
    }
    expect({ tensors: at1000!.tensors, bytes: at1000!.bytes }).toEqual({ tensors: at10!.tensors, bytes: at10!.bytes });
    // the pool reuses buffers instead of growing (allow for size classes touched only later)
    expect(at1000!.pooledBytes).toBeLessThanOrEqual(at10!.pooledBytes + 64 * 1024);
    expect(last).toBeLessThan(first); // and it did train
    // after the loop only the parameters and the probe remain: the loader freed its last batch
    expect(wg.memory().tensors).toBe(at10!.tensors - 2);
    probe.dispose();
  });
});
