// Train a LeNet-style CNN on MNIST digits with Adam, in Node.   npm run example:lenet
// (examples/lenet.html is the same program as a page; test/nn/lenet.test.ts checks it reaches 97.5%.)
// conv 5x5 (6) - ReLU - maxpool 2 - conv 5x5 (16) - ReLU - maxpool 2 - linear 400→64 - ReLU - linear 64→10
import * as wg from '../dist/index.js';
import { createProgress } from '../scripts/progress.mjs';

const EPOCHS = 5;
await wg.init();
const { train, test } = await wg.nn.loadMnist(); // 8,000 training and 2,000 test digits, 28×28 in [0, 1]
const standardise = (x) => x.map((v) => (v - 0.1307) / 0.3081); // MNIST's pixel mean and std
const loader = new wg.nn.DataLoader({ x: standardise(train.x), xShape: [train.n, 1, 28, 28], y: train.y }, { batchSize: 32, shuffle: true, seed: 0 });
const xTest = wg.tensor(standardise(test.x), [test.n, 1, 28, 28]);

wg.manualSeed(0);
const nn = wg.nn;
const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), // 6 × 14 × 14
  new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), //                16 × 5 × 5
  new nn.Flatten(), new nn.Linear(400, 64), new nn.ReLU(), new nn.Linear(64, 10),
);
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
  model.eval();
  const classes = wg.noGrad(() => {
    const logits = model.forward(xTest);
    const c = logits.argmax(1);
    logits.dispose();
    return c;
  });
  const predicted = await classes.toArray();
  classes.dispose();
  model.train();
  const accuracy = predicted.filter((c, i) => c === test.y[i]).length / test.n;
  const seconds = (performance.now() - t0) / 1000;
  console.log(`epoch ${epoch}: loss ${(lossSum / loader.length).toFixed(4)}, test accuracy ${(100 * accuracy).toFixed(2)}% (${seconds.toFixed(1)} s)`);
}
