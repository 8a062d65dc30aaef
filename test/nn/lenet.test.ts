// End to end: a LeNet-style CNN (conv-pool-conv-pool-linear-linear) trained with Adam on the embedded
// MNIST digits reaches >= 97.5% accuracy on the 2,000 held-out test digits after 5 epochs, with memory
// flat from step to step. There is no early stopping, so no epoch is chosen by looking at any data: the
// schedule is fixed (5 epochs over the 8,000 training digits, cosine-annealed learning rate) and the
// test digits, which the model never trains on, are evaluated once, at the end.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { accuracy, trainEpoch } from './train_helpers.js';
import { lenet, standardise } from '../../examples/lenet_model.mjs';

const nn = wg.nn;
const EPOCHS = 5;
const BATCH = 32;

beforeAll(async () => {
  await wg.init();
});


describe('LeNet on MNIST', () => {
  it('reaches >= 97.5% held-out accuracy in 5 epochs of Adam, memory flat', async () => {
    const { train, test } = await nn.loadMnist();
    wg.manualSeed(0);
    const model: wg.nn.Module = lenet(wg); // examples/lenet_model.mjs
    const opt = new wg.optim.Adam(model.parameters(), { lr: 2e-3 });
    const loader = new nn.DataLoader({ x: standardise(train.x), xShape: [train.n, 1, 28, 28], y: train.y }, { batchSize: BATCH, shuffle: true, seed: 0 });
    const sched = new wg.optim.lrScheduler.CosineAnnealingLR(opt, { TMax: EPOCHS * loader.length });
    const log: string[] = [];
    const counts: number[] = [];
    const t0 = performance.now();
    for (let epoch = 1; epoch <= EPOCHS; epoch++) {
      const meanLoss = await trainEpoch(model, opt, loader, () => {
        sched.step();
        counts.push(wg.memory().tensors);
      });
      log.push(`epoch ${epoch}: loss ${meanLoss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const testAcc = await accuracy(model, standardise(test.x), test.y, 500, [1, 28, 28]); // once, at the end
    console.log(`LeNet MNIST: ${log.join('; ')}; test acc ${(100 * testAcc).toFixed(2)}%`);
    // flat: after the first step no step adds a tensor (the count can only fall, when the garbage
    // collector frees what an earlier test dropped)
    for (let i = 2; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
    expect(counts.at(-1)!).toBeGreaterThan(0);
    expect(testAcc).toBeGreaterThanOrEqual(0.975);
    for (const p of model.parameters()) p.dispose();
  }, 30 * 60_000);
});
