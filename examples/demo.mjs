// npm run demo — what webgrad does, on whatever GPU it finds (or SwiftShader when there is none):
//  1. the engine: a timed matmul and a softmax, checked against the CPU;
//  2. the optimizer lab's worked numbers (LAB.md exercise 11), computed by the fused GPU optimizers;
//  3. an MLP learning the real MNIST digits with Adam and a cosine schedule, LR finder first.
import * as wg from '../dist/index.js';
import { createProgress } from '../scripts/progress.mjs';

const fmt = (x, d = 4) => Number(x).toFixed(d);
const info = await wg.init();
console.log(`webgrad on ${info.adapter}${info.software ? ' (software adapter: correct, but slow)' : ''}\n`);

// ---- 1. the engine ----
{
  const n = 512;
  const a = wg.randn([n, n], { seed: 1 });
  const b = wg.randn([n, n], { seed: 2 });
  a.matmul(b).dispose();
  await wg.sync(); // compile + warm up
  const reps = 5;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) a.matmul(b).dispose();
  await wg.sync();
  const ms = (performance.now() - t0) / reps;
  const c = a.matmul(b);
  const [A, B, C] = await Promise.all([a.toArray(), b.toArray(), c.toArray()]);
  let dot = 0;
  for (let k = 0; k < n; k++) dot += A[7 * n + k] * B[k * n + 11];
  console.log(`1. matmul ${n}x${n}x${n}: ${fmt(ms, 1)} ms = ${fmt((2 * n ** 3) / (ms * 1e6), 2)} GFLOP/s; C[7,11] = ${fmt(C[7 * n + 11])} (CPU: ${fmt(dot)})`);
  const logits = wg.tensor([[1, 2, 3], [1000, 1000, 1001]]);
  console.log(`   softmax of [[1,2,3],[1000,1000,1001]] = ${Array.from(await logits.softmax(-1).toArray(), (x) => fmt(x, 3)).join(' ')}\n`);
  for (const t of [a, b, c, logits]) t.dispose();
}

// ---- 2. worked numbers a learner can check by hand ----
{
  const trace = async (Opt, options, f, w0, steps) => {
    const w = wg.tensor([w0], { requiresGrad: true });
    const opt = new Opt([w], options);
    const out = [];
    for (let i = 0; i < steps; i++) {
      opt.zeroGrad();
      f(w).backward();
      opt.step();
      out.push(fmt(await w.item()));
    }
    return out.join(', ');
  };
  console.log('2. worked numbers (LAB exercise 11)');
  console.log(`   GD on (w-3)^2 from 0, lr 0.1, 3 steps:        ${await trace(wg.optim.SGD, { lr: 0.1 }, (w) => w.sub(3).pow(2).sum(), 0, 3)}   (by hand: 0.6, 1.08, 1.464)`);
  console.log(`   Adam on w^2 from 10, lr 0.1, 1 step:           ${await trace(wg.optim.Adam, { lr: 0.1 }, (w) => w.pow(2).sum(), 10, 1)}   (by hand: 9.9)`);
  console.log(`   momentum 0.9 on w^2 from 10, lr 0.1, 2 steps:  ${await trace(wg.optim.SGD, { lr: 0.1, momentum: 0.9 }, (w) => w.pow(2).sum(), 10, 2)}   (by hand: 8, 4.6)`);
  const sgdr = wg.optim.lrScheduler.previewSchedule((opt) => new wg.optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { T0: 10, TMult: 2 }), { steps: 36, lr: 0.1 });
  console.log(`   SGDR T0=10, TMult=2, lr 0.1 at t = 5, 15, 35:  ${[5, 15, 35].map((t) => fmt(sgdr[t][0])).join(', ')}   (by hand: 0.05, 0.0854, 0.0962)\n`);
}

// ---- 3. MNIST ----
{
  const { train, test } = await wg.nn.loadMnist();
  const epochs = Number(process.env.DEMO_EPOCHS ?? 3);
  console.log(`3. MNIST: ${train.n} training and ${test.n} held-out digits, MLP 784-128-10, batch 64, ${epochs} epochs`);
  wg.manualSeed(0);
  const model = new wg.nn.Sequential(new wg.nn.Linear(784, 128), new wg.nn.ReLU(), new wg.nn.Linear(128, 10));
  const loader = new wg.nn.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0, dropLast: true });
  const lossFn = (m, [x, y]) => wg.nn.functional.crossEntropy(m.forward(x), y);

  const finder = await wg.optim.lrFinder(model, lossFn, loader, { startLr: 1e-6, endLr: 1, numIter: 60, optimizer: new wg.optim.Adam(model.parameters(), { lr: 1e-3 }) });
  const lr = finder.suggestion ?? 1e-3;
  console.log(`   LR finder (Adam, lr 1e-6 -> 1 over ${finder.lrs.length} steps): steepest descent of the smoothed loss at lr = ${lr.toExponential(2)}; training with it`);

  const opt = new wg.optim.Adam(model.parameters(), { lr });
  const sched = new wg.optim.lrScheduler.CosineAnnealingLR(opt, { TMax: epochs * loader.length });
  const xTest = wg.tensor(test.x, [test.n, 784]);
  const yTest = test.y;
  const accuracy = async () => {
    const pred = await wg.noGrad(() => model.forward(xTest).argmax(1)).toArray();
    let ok = 0;
    for (let i = 0; i < test.n; i++) ok += pred[i] === yTest[i] ? 1 : 0;
    return ok / test.n;
  };
  const t0 = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let last = 0;
    const bar = createProgress(`   epoch ${epoch}`, loader.length);
    let step = 0;
    for (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      sched.step();
      last = loss;
      bar.update(++step);
    }
    bar.stop();
    const lossValue = await last.item();
    console.log(`   epoch ${epoch}: last batch loss ${fmt(lossValue)}, held-out accuracy ${fmt(100 * (await accuracy()), 2)}%, lr ${sched.getLastLr()[0].toExponential(2)}, ${fmt((performance.now() - t0) / 1000, 1)} s`);
  }
  const m = wg.memory();
  console.log(`   memory: ${m.tensors} live tensors, ${(m.bytes / 1024).toFixed(0)} KiB live, ${(m.pooledBytes / 1024).toFixed(0)} KiB pooled; ${wg.stats().compiles} kernels compiled`);
}
