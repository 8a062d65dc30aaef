// The README's training loop, run as written (on small synthetic data): live tensors and bytes stay flat
// from one epoch to the next, with no garbage collection involved.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { README_LOOP } from './readme_loop.js';

beforeAll(async () => {
  await wg.init();
});

describe("README's training loop", () => {
  it('keeps wg.memory() flat across epochs', async () => {
    const n = 64 * 3 + 10; // three full batches and a short one
    const train = {
      x: Float32Array.from({ length: n * 12 }, (_, i) => Math.sin(i * 0.7)),
      xShape: [n, 12],
      y: Int32Array.from({ length: n }, (_, i) => i % 10),
    };
    const model = new wg.nn.Sequential(new wg.nn.Linear(12, 16), new wg.nn.ReLU(), new wg.nn.Linear(16, 10));
    const opt = new wg.optim.Adam(model.parameters(), { lr: 1e-3 });
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const epoch = new Function('wg', 'model', 'opt', 'train', README_LOOP) as (...a: unknown[]) => void;
    epoch(wg, model, opt, train);
    await model.parameters()[0].toArray();
    const after1 = wg.memory();
    for (let e = 0; e < 3; e++) epoch(wg, model, opt, train);
    await model.parameters()[0].toArray();
    const after4 = wg.memory();
    expect(after4.tensors).toBe(after1.tensors);
    expect(after4.bytes).toBe(after1.bytes);
    opt.zeroGrad();
    for (const p of model.parameters()) p.dispose();
    for (const s of opt.state.values()) for (const v of Object.values(s)) if (v instanceof wg.Tensor) v.dispose();
  });
});
