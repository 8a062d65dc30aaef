// End to end: a LeNet-style CNN (conv-pool-conv-pool-linear-linear) trained with Adam on the embedded
// MNIST digits reaches >= 97.5% accuracy on the 2,000 held-out test digits after 5 epochs, with memory
// flat from step to step. There is no early stopping, so no epoch is chosen by looking at any data: the
// schedule is fixed (5 epochs over the 8,000 training digits, cosine-annealed learning rate) and the
// test digits, which the model never trains on, are evaluated once, at the end.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

const nn = wg.nn;
const EPOCHS = 5;
const BATCH = 32;

beforeAll(async () => {
  await wg.init();
});

/** Pixels standardised with MNIST's mean and standard deviation, as torchvision's LeNet examples do. */
const standardise = (x: Float32Array) => x.map((v) => (v - 0.1307) / 0.3081);

async function accuracy(model: wg.nn.Module, x: Float32Array, y: Int32Array, batch = 500): Promise<number> {
  let correct = 0;
  model.eval();
  for (let i = 0; i < y.length; i += batch) {
    const m = Math.min(batch, y.length - i);
    const xb = wg.tensor(x.subarray(i * 784, (i + m) * 784), [m, 1, 28, 28]);
    const pred = wg.noGrad(() => {
      const logits = model.forward(xb);
      const p = logits.argmax(1);
      logits.dispose();
      return p;
    });
    const labels = await pred.toArray();
    for (let k = 0; k < m; k++) if (labels[k] === y[i + k]) correct++;
    pred.dispose();
    xb.dispose();
  }
  model.train();
  return correct / y.length;
}

describe('LeNet on MNIST', () => {
  it('reaches >= 97.5% held-out accuracy in 5 epochs of Adam, memory flat', async () => {
    const { train, test } = await nn.loadMnist();
    wg.manualSeed(0);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), // 6 × 14 × 14
      new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), //                16 × 5 × 5
      new nn.Flatten(), new nn.Linear(400, 64), new nn.ReLU(), new nn.Linear(64, 10),
    );
    const opt = new wg.optim.Adam(model.parameters(), { lr: 2e-3 });
    const loader = new nn.DataLoader({ x: standardise(train.x), xShape: [train.n, 1, 28, 28], y: train.y }, { batchSize: BATCH, shuffle: true, seed: 0 });
    const sched = new wg.optim.lrScheduler.CosineAnnealingLR(opt, { TMax: EPOCHS * loader.length });
    const log: string[] = [];
    const counts: number[] = [];
    const t0 = performance.now();
    for (let epoch = 1; epoch <= EPOCHS; epoch++) {
      let lossSum: wg.Tensor | null = null;
      for (const [xb, yb] of loader) {
        const loss = nn.functional.crossEntropy(model.forward(xb), yb);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        sched.step();
        const next: wg.Tensor = wg.noGrad(() => (lossSum ? lossSum.add(loss) : loss.clone()));
        lossSum?.dispose();
        lossSum = next;
        loss.dispose();
        counts.push(wg.memory().tensors);
      }
      const meanLoss = (await lossSum!.item()) / loader.length;
      lossSum!.dispose();
      log.push(`epoch ${epoch}: loss ${meanLoss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const testAcc = await accuracy(model, standardise(test.x), test.y); // once, at the end
    console.log(`LeNet MNIST: ${log.join('; ')}; test acc ${(100 * testAcc).toFixed(2)}%`);
    // flat: after the first step no step adds a tensor (the count can only fall, when the garbage
    // collector frees what an earlier test dropped)
    for (let i = 2; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
    expect(counts.at(-1)!).toBeGreaterThan(0);
    expect(testAcc).toBeGreaterThanOrEqual(0.975);
    for (const p of model.parameters()) p.dispose();
  }, 30 * 60_000);
});
