// webgrad in Node: train a small classifier on two interleaved spirals, save a checkpoint, load it into
// a fresh model and check that it gives the same loss.   npm install && npm start
//
// In Node webgrad runs on Dawn, the `webgpu` package (an optional peer of webgrad: install it next to
// it). With no GPU it uses a software adapter (SwiftShader); DEBUG=webgrad prints which one.
import fs from 'node:fs';
import cliProgress from 'cli-progress';
import * as wg from 'webgrad';

await wg.init();

// Data: 3 spirals of 200 points each, drawn from webgrad's seeded generator so every run is the same.
const CLASSES = 3;
const PER_CLASS = 200;
const n = CLASSES * PER_CLASS;
const noise = await wg.randn([n, 2], { seed: 1 }).toArray();
const xs = new Float32Array(n * 2);
const ys = new Int32Array(n);
for (let c = 0; c < CLASSES; c++) {
  for (let i = 0; i < PER_CLASS; i++) {
    const k = c * PER_CLASS + i;
    const r = i / PER_CLASS;
    const angle = (c * 2 * Math.PI) / CLASSES + 4 * r;
    xs[2 * k] = r * Math.sin(angle) + 0.05 * noise[2 * k];
    xs[2 * k + 1] = r * Math.cos(angle) + 0.05 * noise[2 * k + 1];
    ys[k] = c;
  }
}
const x = wg.tensor(xs, [n, 2]);
const y = wg.tensor(ys, [n], { dtype: 'int32' });

const makeModel = () =>
  new wg.nn.Sequential(new wg.nn.Linear(2, 64), new wg.nn.ReLU(), new wg.nn.Linear(64, 64), new wg.nn.ReLU(), new wg.nn.Linear(64, CLASSES));

wg.manualSeed(0);
const model = makeModel();
const opt = new wg.optim.Adam(model.parameters(), { lr: 1e-2 });
const steps = Number(process.env.STEPS ?? 300);

const bar = new cliProgress.SingleBar({ format: 'train [{bar}] {value}/{total} loss {loss}', stream: process.stderr, noTTYOutput: false }, cliProgress.Presets.shades_classic);
bar.start(steps, 0, { loss: '-' });
let first = NaN;
for (let step = 1; step <= steps; step++) {
  opt.zeroGrad();
  const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  if (step === 1 || step % 25 === 0) {
    const value = await loss.item(); // reading the loss waits for the GPU: do it now and then
    if (step === 1) first = value;
    bar.update(step, { loss: value.toFixed(4) });
  }
  loss.dispose();
}
bar.stop();

// Evaluate, save, load into a new model, evaluate again: the numbers must be identical.
const evaluate = async (m) =>
  wg.noGrad(() => wg.nn.functional.crossEntropy(m.forward(x), y)).item();
const trained = await evaluate(model);
const logits = wg.noGrad(() => model.forward(x));
const predicted = await logits.argmax(1).toArray();
const accuracy = predicted.filter((c, i) => c === ys[i]).length / n;

const bytes = await wg.save({ model: model.stateDict(), optim: opt.stateDict() });
fs.writeFileSync('checkpoint.safetensors', bytes);

const restored = makeModel();
const checkpoint = await wg.load(new Uint8Array(fs.readFileSync('checkpoint.safetensors')));
restored.loadStateDict(checkpoint.model);
const reloaded = await evaluate(restored);

console.log(`loss ${first.toFixed(4)} -> ${trained.toFixed(4)} after ${steps} Adam steps, accuracy ${(100 * accuracy).toFixed(1)}%`);
console.log(`checkpoint.safetensors: ${bytes.length} bytes; loss after loading it: ${reloaded.toFixed(4)}`);
if (reloaded !== trained) {
  console.error(`the loaded model's loss ${reloaded} differs from the trained model's ${trained}`);
  process.exit(1);
}
if (!(trained < first / 2)) {
  console.error(`training did not halve the loss (${first} -> ${trained})`);
  process.exit(1);
}
console.log('ok: the checkpoint reproduces the trained model');
