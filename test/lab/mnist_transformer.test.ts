// The showdown's transformer over image rows: its parameters, its output, that a few Adam steps on
// real digits lower the loss with flat memory, and that evaluation under noGrad leaves nothing behind.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { mnist, evaluate, type Model } from '../../lab/exercises/mnist.js';
import { rowTransformer } from '../../lab/exercises/mnist_transformer.js';
import { collect } from '../../src/tensor/index.js';

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
    const made: wg.Tensor[] = []; // what the steps create, counted alive (wg.memory() also sees other files' garbage go)
    for (let s = 0; s < 12; s++) {
      const { result: loss, created } = collect(() => {
        opt.zeroGrad();
        const logits = model.forward(x);
        expect(logits.shape).toEqual([64, 10]);
        const l = wg.nn.functional.crossEntropy(logits, y);
        l.backward();
        opt.step();
        return l;
      });
      made.push(...created);
      losses.push(await loss.item());
      loss.dispose();
      counts.push(made.filter((t) => !t.disposed).length);
    }
    expect(losses[11]).toBeLessThan(0.95 * losses[0]);
    expect(counts[11]).toBe(counts[2]);
    const first = await evaluate(wg, model as unknown as Model, data.test);
    expect(made.filter((t) => !t.disposed).length).toBe(counts[11] - 1); // evaluation freed the last batch's row view
    const { result: again, created } = collect(() => evaluate(wg, model as unknown as Model, data.test));
    expect((await again).loss).toBeCloseTo(first.loss, 5);
    expect(created.filter((t) => !t.disposed)).toEqual([]);
    for (const t of [x, y]) t.dispose();
  }, 300_000);
});
