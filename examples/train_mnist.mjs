// Train a 784-128-10 MLP on MNIST digits with SGD, in Node.   npm run build && node examples/train_mnist.mjs
// (examples/train_mnist.html is the same program as a page.)
import * as wg from '../dist/index.js';
import { createProgress } from '../scripts/progress.mjs';

await wg.init();
const { train, test } = await wg.nn.loadMnist(); // 8,000 training and 2,000 test digits, 28×28 in [0, 1]
const loader = new wg.nn.DataLoader(train, { batchSize: 64, shuffle: true });
const model = new wg.nn.Sequential(new wg.nn.Linear(784, 128), new wg.nn.ReLU(), new wg.nn.Linear(128, 10));
const opt = new wg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
const xTest = wg.tensor(test.x, [test.n, 784]);
// Memory: the loader frees each batch and backward() the graph; the few tensors dropped below (a loss,
// the logits) go with garbage collection, or at once with .dispose().

for (let epoch = 1; epoch <= 3; epoch++) {
  const bar = createProgress(`epoch ${epoch}`, loader.length);
  let step = 0;
  for (const [x, y] of loader) {
    const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    bar.update(++step);
  }
  bar.stop();
  const logits = wg.noGrad(() => model.forward(xTest));
  const predicted = await logits.argmax(1).toArray();
  const accuracy = predicted.filter((c, i) => c === test.y[i]).length / test.n;
  console.log(`epoch ${epoch}: test accuracy ${(100 * accuracy).toFixed(1)}%`);
}
