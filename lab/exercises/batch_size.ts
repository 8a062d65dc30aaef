/**
 * Exercise 5: the batch-size trade-off on linear regression y = Xw + noise (n = 10,000, 5 features,
 * w = [1, −2, 0.5, 3, −1], noise sd 0.5), SGD on the MSE with batch sizes 1, 16, 64, 256, 1024 and
 * the full set. Measured: weight error per epoch, epochs to reach error < tol, the minibatch gradient's
 * variance at w = 0 (against the closed form σ²_sample/B computed in float64), wall time, and the
 * linear (lr ∝ B) and square-root (lr ∝ √B) lr scaling rules from a base lr at batch 16.
 */
import { type Wg, type Progress, type Claim, noop, r, fmt, options } from './common.js';

export const meta = { id: 5, title: 'Batch size trade-off (linear regression)' };

export interface Options {
  n: number;
  noise: number;
  batchSizes: (number | 'full')[];
  lr: number;
  epochs: number;
  /** Batch 1 runs this many steps at most (10,000 steps = one epoch). */
  maxStepsBatch1: number;
  tol: number;
  varianceBatches: number;
  baseBatch: number;
  seed: number;
}
export const defaults: Options = { n: 10000, noise: 0.5, batchSizes: [1, 16, 64, 256, 1024, 'full'], lr: 0.05, epochs: 5, maxStepsBatch1: 10000, tol: 0.05, varianceBatches: 40, baseBatch: 16, seed: 0 };
export const quick: Partial<Options> = { epochs: 3, maxStepsBatch1: 500 };
export const TRUE_W = [1, -2, 0.5, 3, -1];

/** The data set, made on the CPU from a seeded generator (Box-Muller). */
export function makeData(n: number, noise: number, seed: number): { x: Float32Array; y: Float32Array } {
  let s = seed * 2654435761 + 12345;
  const u = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const x = new Float32Array(n * 5);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let j = 0; j < 5; j++) {
      x[i * 5 + j] = g();
      t += x[i * 5 + j] * TRUE_W[j];
    }
    y[i] = t + noise * g();
  }
  return { x, y };
}

/** Per-sample gradient variance of the MSE at w (float64): trace of Cov(∇ℓ_i), ℓ_i = (x_iᵀw − y_i)². */
export function sampleGradVariance(x: Float32Array, y: Float32Array, w: number[]): number {
  const n = y.length;
  const mean = new Float64Array(5);
  const sq = new Float64Array(5);
  for (let i = 0; i < n; i++) {
    let e = -y[i];
    for (let j = 0; j < 5; j++) e += x[i * 5 + j] * w[j];
    for (let j = 0; j < 5; j++) {
      const g = 2 * e * x[i * 5 + j];
      mean[j] += g / n;
      sq[j] += (g * g) / n;
    }
  }
  let v = 0;
  for (let j = 0; j < 5; j++) v += sq[j] - mean[j] ** 2;
  return v;
}

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const { x, y } = makeData(o.n, o.noise, o.seed);
  const dataset = { x, xShape: [o.n, 5], y, yShape: [o.n, 1] };
  const sizes = o.batchSizes.map((b) => (b === 'full' ? o.n : b));
  const werr = (w: ArrayLike<number>) => Math.sqrt(TRUE_W.reduce((s, t, j) => s + (w[j] - t) ** 2, 0));
  const lrFor = (B: number, rule: 'fixed' | 'linear' | 'sqrt') => (rule === 'fixed' ? o.lr : rule === 'linear' ? (o.lr * B) / o.baseBatch : o.lr * Math.sqrt(B / o.baseBatch));
  const jobs = (['fixed', 'linear', 'sqrt'] as const).flatMap((rule) => sizes.map((B) => ({ B, rule })));
  const runs = [];
  let done = 0;
  for (const { B, rule } of jobs) {
    const lr = lrFor(B, rule);
    const w = wg.zeros([5, 1], { requiresGrad: true });
    const opt = new wg.optim.SGD([w], { lr });
    const loader = new wg.nn.DataLoader(dataset, { batchSize: B, shuffle: true, seed: o.seed });
    const errors: number[] = [];
    let steps = 0;
    const t0 = performance.now();
    for (let e = 1; e <= o.epochs && steps < (B === 1 ? o.maxStepsBatch1 : Infinity); e++) {
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        const loss = wg.nn.functional.mseLoss(xb.matmul(w), yb);
        loss.backward();
        opt.step();
        loss.dispose();
        if (++steps >= (B === 1 ? o.maxStepsBatch1 : Infinity)) break;
      }
      errors.push(werr(await w.toArray()));
    }
    const seconds = (performance.now() - t0) / 1000;
    const reached = errors.findIndex((v) => v < o.tol);
    runs.push({ batchSize: B, rule, lr: r(lr), steps, epochsRun: r(steps / loader.length, 3), errors: errors.map((v) => r(v)), finalError: r(errors[errors.length - 1]), epochsToTol: reached < 0 ? null : reached + 1, seconds: r(seconds, 3), stepsPerSecond: r(steps / seconds, 4) });
    w.grad?.dispose();
    w.dispose();
    opt.dispose();
    progress(++done, jobs.length + sizes.length, `batch ${B} (${rule})`);
  }
  // gradient variance of the minibatch gradient at w = 0, measured on the GPU, vs σ²/B (float64)
  const sigma2 = sampleGradVariance(x, y, [0, 0, 0, 0, 0]);
  const variance: { batchSize: number; measured: number | null; expected: number | null; batches: number }[] = [];
  for (const B of sizes) {
    const loader = new wg.nn.DataLoader(dataset, { batchSize: B, shuffle: true, seed: o.seed + 1 });
    const w = wg.zeros([5, 1], { requiresGrad: true });
    const grads: number[][] = [];
    for (const [xb, yb] of loader) {
      w.grad?.dispose();
      w.grad = null;
      const loss = wg.nn.functional.mseLoss(xb.matmul(w), yb);
      loss.backward();
      loss.dispose();
      grads.push(Array.from(await w.grad!.toArray()));
      if (grads.length >= Math.min(o.varianceBatches, loader.length)) break;
    }
    const k = grads.length;
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const m = grads.reduce((s, g) => s + g[j], 0) / k;
      v += k > 1 ? grads.reduce((s, g) => s + (g[j] - m) ** 2, 0) / (k - 1) : 0;
    }
    // sampling without replacement: σ²/B · (n − B)/(n − 1)
    variance.push({ batchSize: B, measured: k > 1 ? r(v) : null, expected: r((sigma2 / B) * ((o.n - B) / (o.n - 1))), batches: k });
    w.grad?.dispose();
    w.dispose();
    progress(++done, jobs.length + sizes.length, `variance B=${B}`);
  }
  const fixed = runs.filter((u) => u.rule === 'fixed');
  const lin = runs.filter((u) => u.rule === 'linear');
  const unstable = lin.filter((u) => u.finalError === null || u.finalError > 1);
  const bestPerSecond = [...fixed].filter((u) => u.epochsToTol !== null).sort((a, b) => (a.seconds! * a.epochsToTol!) / a.epochsRun! - (b.seconds! * b.epochsToTol!) / b.epochsRun!)[0];
  const largeDiverge = fixed.some((u, i) => i > 0 && (u.finalError === null || u.finalError > 10 * (fixed[0].finalError ?? Infinity)) && variance[i].expected! < variance[0].expected!);
  const sweet = !!bestPerSecond && bestPerSecond.batchSize >= 16 && bestPerSecond.batchSize <= 64;
  const claims: Claim[] = [{
    claim: '"Larger batches are more unstable"; "the sweet spot is batch 16-64".',
    setting: `linear regression n = ${o.n}, SGD lr ${o.lr} for every batch size, up to ${o.epochs} epochs (batch 1: at most ${o.maxStepsBatch1} steps); then the same with lr scaled linearly and by sqrt from batch ${o.baseBatch}`,
    verdict: largeDiverge && sweet ? 'holds' : largeDiverge || sweet ? 'holds in part' : 'does not hold',
    evidence: `At a fixed lr the minibatch gradient variance falls as 1/B (measured ${variance.map((v) => `B=${v.batchSize}: ${fmt(v.measured)}`).join(', ')}; closed form sigma^2/B: ${variance.map((v) => fmt(v.expected)).join(', ')}), so larger batches are less noisy, not less stable; ` +
      `final weight errors: ${fixed.map((u) => `B=${u.batchSize}: ${fmt(u.finalError)}`).join(', ')}. Instability comes from the lr: with the linear rule ${unstable.length ? unstable.map((u) => `B=${u.batchSize} (lr ${u.lr}) diverges`).join(', ') : 'no batch size diverged'}; the stability limit is lr < 2/lambda_max of the Hessian 2X^TX/n (about 1 here). ` +
      `The fastest to error < ${o.tol} in wall time here: ${bestPerSecond ? `batch ${bestPerSecond.batchSize}` : 'none reached it'}; the best batch depends on the hardware's throughput per step and the lr. No fixed-lr run diverged${largeDiverge ? ' except as listed' : ''}; large batches at a fixed lr are slow per epoch (fewer steps), not unstable.`,
  }];
  return { settings: o, runs, variance, sampleGradVariance: r(sigma2), claims };
}
