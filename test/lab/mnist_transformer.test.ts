// The showdown's transformer over image rows: its parameters, its output, that a few Adam steps on
// real digits lower the loss with flat memory, and that evaluation under noGrad leaves nothing behind.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { mnist, evaluate, type Model } from '../../lab/exercises/mnist.js';
import { rowTransformer } from '../../lab/exercises/mnist_transformer.js';

beforeAll(async () => {
  await wg.init();
});

describe('lab: transformer over MNIST rows', () => {
  it('has torch-named parameters and learns from a few batches with flat memory', async () => {
    const data = await mnist(wg, 256, 64);
    const model = rowTransformer(wg, { d: 16, heads: 2, layers: 1 });
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('blocks.0.attn.inProjWeight');
    expect(names).toContain('pos.weight');
    const opt = new wg.optim.Adam(model.parameters(), { lr: 3e-3 });
    const x = wg.tensor(data.train.x.subarray(0, 64 * 784), [64, 784]);
    const y = wg.tensor(data.train.y.subarray(0, 64), [64]);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let s = 0; s < 12; s++) {
      opt.zeroGrad();
      const logits = model.forward(x);
      expect(logits.shape).toEqual([64, 10]);
      const loss = wg.nn.functional.crossEntropy(logits, y);
      loss.backward();
      opt.step();
      losses.push(await loss.item());
      loss.dispose();
      counts.push(wg.memory().tensors);
    }
    expect(losses[11]).toBeLessThan(0.95 * losses[0]);
    expect(counts[11]).toBe(counts[2]);
    const first = await evaluate(wg, model as unknown as Model, data.test); // frees the last batch's row view
    const before = wg.memory().tensors;
    const again = await evaluate(wg, model as unknown as Model, data.test);
    expect(again.loss).toBeCloseTo(first.loss, 5);
    expect(wg.memory().tensors).toBe(before);
    for (const t of [x, y]) t.dispose();
  }, 300_000);
});
