// npm run demo — what webgrad does, on whatever GPU it finds (or SwiftShader when there is none):
//  1. the engine: a timed matmul and a softmax, checked against the CPU;
//  2. the optimizer lab's report (scripts/report.mjs): LAB.md's 13 exercises run with webgrad's own
//     optimizers and schedulers, written to out/report.html, out/report.json and out/*.png.
//     Arguments pass through: npm run demo -- --full (the material's settings), -- --only 1,11.
import * as wg from '../dist/index.js';

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

// ---- 2. the optimizer lab report ----
console.log('2. the optimizer lab (LAB.md exercises 1-13), MNIST training included (exercise 6)');
await import('../scripts/report.mjs');
