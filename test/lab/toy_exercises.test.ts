/**
 * The lab's small exercises (LAB.md 1-5, 11, 13's Newton-Schulz) at small sizes, against independent
 * values: hand-computed numbers, closed forms, and float64 loops of torch's update rules written here.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import * as race from '../../lab/exercises/race.js';
import * as quartic from '../../lab/exercises/quartic.js';
import * as bowl from '../../lab/exercises/bowl.js';
import * as schedules from '../../lab/exercises/schedules.js';
import * as batchSize from '../../lab/exercises/batch_size.js';
import * as worked from '../../lab/exercises/worked.js';
import { newtonSchulzCheck } from '../../lab/exercises/newer.js';

beforeAll(async () => {
  await wg.init();
});

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('exercise 11: worked numbers', () => {
  it('matches the hand-computed values', async () => {
    const res = await worked.run(wg);
    res.values.gd.forEach((v, i) => expect(v).toBeCloseTo([0.6, 1.08, 1.464][i], 5));
    expect(res.values.adam).toBeCloseTo(9.9, 5);
    res.values.momentum.forEach((v, i) => expect(v).toBeCloseTo([8, 4.6][i], 5));
    // SGDR: 0.05(1 + cos(pi t_cur / T_i)) with T = 10, 20, 40
    [0.05, 0.05 * (1 + Math.cos(Math.PI * 5 / 20)), 0.05 * (1 + Math.cos(Math.PI * 5 / 40))].forEach((v, i) => expect(res.values.sgdr[i]).toBeCloseTo(v, 6));
    expect(res.steps.gd[0].grad).toBeCloseTo(-6, 5); // g = 2(0 - 3)
  });
});

/** torch's update rules in float64 on Rosenbrock (x, y). */
function rosenRef(name: string, lr: number, start: [number, number], steps: number) {
  let [x, y] = start;
  const p = [x, y];
  const buf = [0, 0];
  const sq = [0, 0];
  const m = [0, 0];
  let len = 0;
  let first: number | null = null;
  for (let t = 1; t <= steps; t++) {
    [x, y] = p;
    const g = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];
    const prev = [...p];
    for (let i = 0; i < 2; i++) {
      if (name === 'SGD') p[i] -= lr * g[i];
      else if (name === 'Momentum') {
        buf[i] = t === 1 ? g[i] : 0.9 * buf[i] + g[i];
        p[i] -= lr * buf[i];
      } else if (name === 'RMSprop') {
        sq[i] = 0.99 * sq[i] + 0.01 * g[i] * g[i];
        p[i] -= (lr * g[i]) / (Math.sqrt(sq[i]) + 1e-8);
      } else {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        sq[i] = 0.999 * sq[i] + 0.001 * g[i] * g[i];
        p[i] -= (lr * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(sq[i] / (1 - 0.999 ** t)) + 1e-8);
      }
    }
    len += Math.hypot(p[0] - prev[0], p[1] - prev[1]);
    if (first === null && Math.hypot(p[0] - 1, p[1] - 1) < 0.1) first = t;
  }
  return { final: p, len, first };
}

describe('exercise 1: Rosenbrock race', () => {
  it('the closed-form gradient equals autograd', async () => {
    const x = wg.tensor([-2, 0.3, 1.5], [3], { requiresGrad: true });
    const y = wg.tensor([2, -0.7, 2.2], [3], { requiresGrad: true });
    const l = race.rosenbrockLoss(x, y);
    l.backward();
    const [ax, ay] = [Array.from(await x.grad!.toArray()), Array.from(await y.grad!.toArray())];
    race.setRosenbrockGrad(wg, x, y);
    const [fx, fy] = [Array.from(await x.grad!.toArray()), Array.from(await y.grad!.toArray())];
    ax.forEach((v, i) => expect(rel(fx[i], v)).toBeLessThan(1e-5));
    ay.forEach((v, i) => expect(rel(fy[i], v)).toBeLessThan(1e-5));
    for (const t of [x.grad, y.grad, x, y, l]) t?.dispose();
  });

  it('final positions, path lengths and steps to within 0.1 match float64 loops of torch rules', async () => {
    const configs = [{ optimizer: 'SGD', lr: 1e-3 }, { optimizer: 'Momentum', lr: 1e-3 }, { optimizer: 'RMSprop', lr: 1e-3 }, { optimizer: 'Adam', lr: 1e-2 }];
    const starts: [number, number][] = [[0.7, 0.4], [-1, 2]];
    const res = await race.run(wg, { steps: 60, every: 20, starts, configs });
    expect(res.runs).toHaveLength(8);
    for (const u of res.runs) {
      const ref = rosenRef(u.optimizer, u.lr, u.start, 60);
      expect(Math.abs(u.final[0] - ref.final[0])).toBeLessThan(2e-4);
      expect(Math.abs(u.final[1] - ref.final[1])).toBeLessThan(2e-4);
      expect(rel(u.pathLength!, ref.len)).toBeLessThan(1e-3);
      expect(u.stepsToWithin0_1).toBe(ref.first);
      expect(u.distance!).toBeCloseTo(Math.hypot(ref.final[0] - 1, ref.final[1] - 1), 3);
      expect(u.path).toHaveLength(4);
    }
    expect(res.runs.some((u) => u.stepsToWithin0_1 !== null)).toBe(true);
  });
});

describe('exercise 2: quartic', () => {
  it('stationary points are the roots of 0.4x^3 - 6x + 1 (trigonometric closed form) and the runs match float64 loops', async () => {
    const res = await quartic.run(wg, { lessonLrs: [0.005], lessonBetas: [0.95], lessonSteps: 30 });
    // depressed cubic x^3 + px + q with p = -15, q = 2.5: x_k = 2 sqrt(-p/3) cos(acos(3q/(2p) sqrt(-3/p))/3 - 2 pi k/3)
    const [p, q] = [-15, 2.5];
    const closed = [0, 1, 2].map((k) => 2 * Math.sqrt(-p / 3) * Math.cos(Math.acos(((3 * q) / (2 * p)) * Math.sqrt(-3 / p)) / 3 - (2 * Math.PI * k) / 3)).sort((a, b) => a - b);
    res.stationary.forEach((s, i) => expect(s.x!).toBeCloseTo(closed[i], 5));
    expect(res.stationary.map((s) => s.kind)).toEqual(['minimum', 'maximum', 'minimum']);
    let x = -3;
    for (let t = 0; t < 20; t++) x -= 0.1 * (0.4 * x ** 3 - 6 * x + 1);
    expect(res.runs[0].finalX!).toBeCloseTo(x, 3);
    let [xm, v] = [-3, 0];
    for (let t = 0; t < 20; t++) {
      v = 0.9 * v + 0.1 * (0.4 * xm ** 3 - 6 * xm + 1);
      xm -= 0.1 * v;
    }
    expect(res.runs[1].recipe).toBe('material');
    expect(res.runs[1].finalX!).toBeCloseTo(xm, 3);
    expect(res.claims[0].verdict).toBe('does not hold');
  });
});

describe('exercise 3: ill-conditioned bowl', () => {
  it('Hessian eigenvalues, Adam first step and the bias-correction ratio match closed forms', async () => {
    const res = await bowl.run(wg, { steps: 10, longSteps: 100, gdLrs: [0.1, 2 / 11] });
    expect(res.eigenvalues[0]).toBeCloseTo(10, 3);
    expect(res.eigenvalues[1]).toBeCloseTo(1, 3);
    const first = res.perStep[0];
    expect(first.taken[0]!).toBeCloseTo(0.1, 5); // m_hat / sqrt(v_hat) = sign(g) at step 1
    expect(first.uncorrected[0]! / first.corrected[0]!).toBeCloseTo(0.1 / Math.sqrt(0.001), 3);
    // SGD at lr 0.1: x_t = 10 * 0.9^t, y = 0 after one step
    expect(res.sgd.positions[10][0]).toBeCloseTo(10 * 0.9 ** 10, 4);
    expect(res.sgd.positions[1][1]).toBeCloseTo(0, 6);
    // GD at the optimal fixed step 2/11: error factor 9/11 per step in both coordinates
    const opt = res.gd.find((g) => Math.abs(g.lr - 2 / 11) < 1e-9)!;
    expect(opt.rate!).toBeCloseTo(9 / 11, 4);
    expect(rel(opt.distance!, Math.hypot(10, 1) * (9 / 11) ** 10)).toBeLessThan(1e-3);
  });
});

describe('exercise 4: schedules', () => {
  it('positions and lr curves match closed forms; momentum forms match float64 loops', async () => {
    const res = await schedules.run(wg, { steps: 120, extraConstants: [0.9], variants: false, every: 1 });
    const c = res.runs.find((u) => u.schedule === 'constant')!;
    for (const t of [1, 5, 20, 60]) expect(c.xs[t]!).toBeCloseTo(5 * (1 - 0.8 ** t), 4);
    const lrAt: Record<string, (t: number) => number> = {
      step: (t) => 0.5 * 0.5 ** Math.floor(t / 100),
      exponential: (t) => 0.5 * 0.99 ** t,
      cosine: (t) => 0.25 * (1 + Math.cos((Math.PI * t) / 120)),
    };
    for (const [name, f] of Object.entries(lrAt)) {
      const u = res.runs.find((q) => q.schedule === name)!;
      for (const t of [0, 1, 50, 100, 119]) expect(u.lrs[t]).toBeCloseTo(f(t), 6);
    }
    const wu = res.runs.find((u) => u.schedule === 'warmup+cosine')!;
    expect(wu.lrs[0]).toBeCloseTo(0.5 * 0.02, 6);
    expect(res.runs.find((u) => u.schedule === 'step')!.firstStepWithin0_01).toBe(1);
    // the two momentum forms in float64
    const forms = (lrs: number[]) => {
      let [xa, va, xb, vb] = [0, 0, 0, 0];
      lrs.forEach((lr, t) => {
        const ga = 2 * (xa - 5);
        va = t === 0 ? ga : 0.9 * va + ga;
        xa -= lr * va;
        vb = 0.9 * vb + lr * 2 * (xb - 5);
        xb -= vb;
      });
      return [xa, xb];
    };
    const stepped = Array.from({ length: 200 }, (_, t) => (t < 50 ? 0.01 : 0.001));
    const [xa, xb] = forms(stepped);
    expect(res.momentumForms.stepped.a[200]!).toBeCloseTo(xa, 4);
    expect(res.momentumForms.stepped.b[200]!).toBeCloseTo(xb, 4);
    expect(res.momentumForms.constant.maxDiff!).toBeLessThan(1e-4);
  });
});

describe('exercise 5: batch size', () => {
  it('full-batch runs equal float64 gradient descent on the same data; the per-sample variance is the float64 one', async () => {
    const n = 256;
    const res = await batchSize.run(wg, { n, batchSizes: ['full'], epochs: 3, varianceBatches: 4 });
    const { x, y } = batchSize.makeData(n, 0.5, 0);
    for (const rule of ['fixed', 'linear', 'sqrt'] as const) {
      const lr = rule === 'fixed' ? 0.05 : rule === 'linear' ? (0.05 * n) / 16 : 0.05 * Math.sqrt(n / 16);
      const w = [0, 0, 0, 0, 0];
      const errs: number[] = [];
      for (let e = 0; e < 3; e++) {
        const g = [0, 0, 0, 0, 0];
        for (let i = 0; i < n; i++) {
          let r = -y[i];
          for (let j = 0; j < 5; j++) r += x[i * 5 + j] * w[j];
          for (let j = 0; j < 5; j++) g[j] += (2 * r * x[i * 5 + j]) / n;
        }
        for (let j = 0; j < 5; j++) w[j] -= lr * g[j];
        errs.push(Math.sqrt(w.reduce((s, v, j) => s + (v - batchSize.TRUE_W[j]) ** 2, 0)));
      }
      const run = res.runs.find((u) => u.rule === rule)!;
      run.errors.forEach((e, i) => (Number.isFinite(errs[i]) && errs[i] < 1e6 ? expect(rel(e!, errs[i])).toBeLessThan(1e-3) : expect(e === null || e > 1e3).toBe(true)));
    }
    expect(res.sampleGradVariance).toBeCloseTo(batchSize.sampleGradVariance(x, y, [0, 0, 0, 0, 0]), 2);
    expect(res.variance[0].expected).toBe(0); // a full batch has no sampling variance
  });
});

describe('exercise 13: Newton-Schulz', () => {
  it("the GPU iteration's output matches a float64 quintic Newton-Schulz loop", async () => {
    const res = await newtonSchulzCheck(wg, [8, 4], [5]);
    const G = wg.randn([8, 4], { seed: 7 });
    const g = Array.from(await G.toArray());
    G.dispose();
    // float64: X = G/||G||, 5 times X = aX + (bA + cA^2)X with A = X Xᵀ, on the wide orientation (4x8)
    const [a, b, c] = [3.4445, -4.775, 2.0315];
    let X = Array.from({ length: 4 }, (_, i) => Array.from({ length: 8 }, (_, j) => g[j * 4 + i]));
    const nrm = Math.sqrt(g.reduce((s, v) => s + v * v, 0)) + 1e-7;
    X = X.map((r) => r.map((v) => v / nrm));
    const mm = (P: number[][], Q: number[][]) => P.map((r) => Q[0].map((_, j) => r.reduce((s, v, k) => s + v * Q[k][j], 0)));
    const T = (P: number[][]) => P[0].map((_, j) => P.map((r) => r[j]));
    for (let k = 0; k < 5; k++) {
      const A = mm(X, T(X));
      const B = A.map((r, i) => r.map((v, j) => b * v + c * mm(A, A)[i][j]));
      const BX = mm(B, X);
      X = X.map((r, i) => r.map((v, j) => a * v + BX[i][j]));
    }
    // singular values of X: sqrt of eigenvalues of X Xᵀ (4x4), by the analysis solver
    const S = mm(X, T(X));
    const sv = wg.analysis.symmetricEigen(S.flat(), 4).values.map((v) => Math.sqrt(v));
    const row = res.rows[0];
    expect(row.maxSingular!).toBeCloseTo(Math.max(...sv), 3);
    expect(row.minSingular!).toBeCloseTo(Math.min(...sv), 3);
  });
});
