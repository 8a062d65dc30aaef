// End to end: a 784-128-10 MLP trained with plain SGD on the embedded MNIST digits, batch 64. The 8,000
// training digits are split into 7,000 to fit and 1,000 for validation; training stops after the first
// epoch (of at most 5) whose validation accuracy reaches 92%, which keeps it short on software adapters.
// The 2,000 test digits play no part in that choice: they are evaluated once, at the end (>= 90%).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { accuracy, trainEpoch } from './train_helpers.js';

const nn = wg.nn;

beforeAll(async () => {
  await wg.init();
});

describe('MNIST', () => {
  it('an MLP reaches ≥ 90% test accuracy within 5 epochs of SGD, the epoch chosen on a validation split', async () => {
    const { train, test } = await nn.loadMnist();
    const FIT = 7000;
    const fit = { x: train.x.subarray(0, FIT * 784), y: train.y.subarray(0, FIT) };
    const val = { x: train.x.subarray(FIT * 784), y: train.y.subarray(FIT) };
    expect(val.y.length).toBe(train.n - FIT);
    wg.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.3 });
    const loader = new nn.DataLoader({ x: fit.x, xShape: [FIT, 784], y: fit.y }, { batchSize: 64, shuffle: true, seed: 0 });
    const history: { epoch: number; loss: number; valAcc: number; seconds: number }[] = [];
    const t0 = performance.now();
    for (let epoch = 1; epoch <= 5; epoch++) {
      const meanLoss = await trainEpoch(model, opt, loader); // the loss summed on the GPU: no readback inside the loop
      const valAcc = await accuracy(model, val.x, val.y);
      history.push({ epoch, loss: meanLoss, valAcc, seconds: (performance.now() - t0) / 1000 });
      if (valAcc >= 0.92) break;
    }
    const testAcc = await accuracy(model, test.x, test.y); // once, after the choice
    console.log(
      `MNIST MLP: ${history.map((h) => `epoch ${h.epoch}: loss ${h.loss.toFixed(3)}, validation acc ${(100 * h.valAcc).toFixed(1)}% (${h.seconds.toFixed(1)} s)`).join('; ')}; ` +
        `test acc ${(100 * testAcc).toFixed(1)}%`,
    );
    expect(history.at(-1)!.valAcc).toBeGreaterThanOrEqual(0.92);
    expect(testAcc).toBeGreaterThanOrEqual(0.9);
    expect(history[0].loss).toBeLessThan(2.3); // below chance level (ln 10) already in the first epoch
    for (const p of model.parameters()) p.dispose();
  });
});
