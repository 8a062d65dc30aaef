// A 2-layer transformer learns to reverse 8 tokens over 16 symbols, in Node.
//   npm run example:transformer   (= npm run build && node examples/tiny_transformer.mjs [steps = 400])
// The model and the task are in examples/reverse_transformer.mjs (shared with the page
// examples/tiny_transformer.html and with test/nn/transformer.test.ts).
import * as wg from '../dist/index.js';
import { reverseTask } from './reverse_transformer.mjs';

await wg.init();
const { TinyTransformer, batch, heldOut, V } = reverseTask(wg);
wg.manualSeed(0);
const model = new TinyTransformer(32, 4, 2);
const opt = new wg.optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
const rng = new wg.Generator(1);
const t0 = Date.now();
const steps = Number(process.argv[2] ?? 400);
for (let step = 1; step <= steps; step++) {
  const { x, y } = batch(64, rng);
  opt.zeroGrad();
  const loss = wg.nn.functional.crossEntropy(model.forward(x).reshape([-1, V]), y);
  loss.backward();
  opt.step();
  if (step % 50 === 0) console.log(`step ${step}  loss ${(await loss.item()).toFixed(4)}  ${((Date.now() - t0) / 1000).toFixed(1)} s  (${wg.memory().tensors} tensors)`);
  for (const t of [loss, x, y]) t.dispose();
}
const { accuracy, example } = await heldOut(model);
console.log(`held-out token accuracy ${(100 * accuracy).toFixed(2)}%`);
console.log(`e.g. ${example}`);
