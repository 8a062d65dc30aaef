/**
 * crossEntropy forward + backward on small classification batches (the shape of a training step's
 * loss): ms per step, averaged over repeats after a warm-up. A script, not a test.
 *
 *   npm run build && node bench/cross_entropy.mjs [N,C ...]      (default 256,10 1024,10 256,1000)
 */
import * as wg from '../dist/index.js';

const shapes = (process.argv.slice(2).length ? process.argv.slice(2) : ['256,10', '1024,10', '256,1000']).map((s) => s.split(',').map(Number));
await wg.init();

async function timeIt([N, C], reps) {
  const x = wg.randn([N, C], { seed: 1, requiresGrad: true });
  const t = wg.tensor(Int32Array.from({ length: N }, (_, i) => (i * 7) % C), [N], { dtype: 'int32' });
  const step = () => {
    const loss = wg.nn.functional.crossEntropy(x, t);
    loss.backward();
    loss.dispose();
  };
  for (let i = 0; i < 5; i++) step();
  await x.grad.toArray();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) step();
  await x.grad.toArray();
  const ms = (performance.now() - t0) / reps;
  x.grad.dispose();
  x.dispose();
  t.dispose();
  return ms;
}

for (const shape of shapes) {
  const ms = await timeIt(shape, 50);
  console.log(`crossEntropy fwd+bwd [${shape.join(', ')}]: ${ms.toFixed(3)} ms/step`);
}
