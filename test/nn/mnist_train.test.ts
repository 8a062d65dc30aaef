// End to end: a 784-128-10 MLP trained with plain SGD on the embedded MNIST digits (8,000 training,
// 2,000 held out, batch 64) reaches at least 90% held-out accuracy within 5 epochs. It stops after the
// first epoch that gets there, which keeps it short on software adapters (one epoch is usually enough).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { accuracy } from './train_helpers.js';

const nn = wg.nn;

beforeAll(async () => {
  await wg.init();
});

describe('MNIST', () => {
  it('an MLP reaches ≥ 90% test accuracy within 5 epochs of SGD', async () => {
    const { train, test } = await nn.loadMnist();
    wg.manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.3 });
    const loader = new nn.DataLoader({ x: train.x, xShape: [train.n, 784], y: train.y }, { batchSize: 64, shuffle: true, seed: 0 });
    const history: { epoch: number; loss: number; acc: number; seconds: number }[] = [];
    const t0 = performance.now();
    for (let epoch = 1; epoch <= 5; epoch++) {
      let lossSum: wg.Tensor | null = null;
      for (const [xb, yb] of loader) {
        const loss = nn.functional.crossEntropy(model.forward(xb), yb);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        // accumulate the epoch's loss on the GPU: no readback inside the loop
        const next: wg.Tensor = wg.noGrad(() => (lossSum ? lossSum.add(loss) : loss.clone()));
        lossSum?.dispose();
        lossSum = next;
        loss.dispose();
      }
      const meanLoss = (await lossSum!.item()) / loader.length;
      lossSum!.dispose();
      const acc = await accuracy(model, test.x, test.y);
      history.push({ epoch, loss: meanLoss, acc, seconds: (performance.now() - t0) / 1000 });
      if (acc >= 0.9) break;
    }
    console.log(`MNIST MLP: ${history.map((h) => `epoch ${h.epoch}: loss ${h.loss.toFixed(3)}, test acc ${(100 * h.acc).toFixed(1)}% (${h.seconds.toFixed(1)} s)`).join('; ')}`);
    expect(history.at(-1)!.acc).toBeGreaterThanOrEqual(0.9);
    expect(history[0].loss).toBeLessThan(2.3); // below chance level (ln 10) already in the first epoch
    for (const p of model.parameters()) p.dispose();
  });
});
