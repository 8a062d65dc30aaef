// Train a LeNet-style CNN on MNIST digits with Adam, in Node.   npm run example:lenet
// (examples/lenet.html is the same program as a page; test/nn/lenet.test.ts checks it reaches 97.5%.)
// The network is in examples/lenet_model.mjs.
import * as wg from '../dist/index.js';
import { createProgress } from '../scripts/progress.mjs';
import { lenet, standardise, testAccuracy } from './lenet_model.mjs';

const EPOCHS = 5;
await wg.init();
const { train, test } = await wg.nn.loadMnist(); // 8,000 training and 2,000 test digits, 28×28 in [0, 1]
const loader = new wg.nn.DataLoader({ x: standardise(train.x), xShape: [train.n, 1, 28, 28], y: train.y }, { batchSize: 32, shuffle: true, seed: 0 });
const xTest = wg.tensor(standardise(test.x), [test.n, 1, 28, 28]);

wg.manualSeed(0);
const nn = wg.nn;
const model = lenet(wg);
const opt = new wg.optim.Adam(model.parameters(), { lr: 2e-3 });
const sched = new wg.optim.lrScheduler.CosineAnnealingLR(opt, { TMax: EPOCHS * loader.length });

for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const t0 = performance.now();
  const bar = createProgress(`epoch ${epoch}`, loader.length);
  let lossSum = 0;
  let step = 0;
  for (const [x, y] of loader) {
    const loss = nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    sched.step();
    lossSum += await loss.item(); // one readback per step, for the log line
    loss.dispose();
    bar.update(++step);
  }
  bar.stop();
  const accuracy = await testAccuracy(wg, model, xTest, test.y);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`epoch ${epoch}: loss ${(lossSum / loader.length).toFixed(4)}, test accuracy ${(100 * accuracy).toFixed(2)}% (${seconds.toFixed(1)} s)`);
}
