/**
 * Optimizers torch 1.13 lacks, against float64 references of the published algorithms written here
 * (sharing no code with src/): Lion (Chen et al. 2023, Algorithm 2), Muon (Keller Jordan's muon.py:
 * lerp momentum, Nesterov, quintic Newton–Schulz, √max(1, rows/cols) scale; AdamW for non-matrices),
 * and SAM / ASAM (Foret et al. 2021; Kwon et al. 2021; davda54/sam) around SGD.
 * Tolerances: Lion and SAM are a few f32 roundings per step (1e-5). Muon's Newton–Schulz runs 5
 * iterations of three float32 matrix products each, and the quintic amplifies rounding of small
 * singular values, so 2e-4 absolute on parameters of size ~1 (the reference itself runs in bfloat16).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { Rng } from '../helpers/rng.js';
import { expectClose } from '../helpers/expect_close.js';

beforeAll(async () => {
  await wg.init();
});

const f32 = (xs: ArrayLike<number>) => Float32Array.from(xs);

describe('Lion (float64 reference)', () => {
  it('matches Algorithm 2 over 5 steps, with weight decay, fused and foreach', async () => {
    for (const foreach of [false, true]) {
      const rng = new Rng(7);
      const shapes = [[7], [3, 4]];
      const lr = 0.01, b1 = 0.9, b2 = 0.99, wd = 0.1;
      const ref = shapes.map((s) => ({ p: [...rng.randn(s).data], m: new Array<number>(s.reduce((a, b) => a * b, 1)).fill(0) }));
      const params = shapes.map((s, i) => wg.tensor(f32(ref[i].p), s, { requiresGrad: true }));
      const opt = new wg.optim.Lion(params, { lr, betas: [b1, b2], weightDecay: wd, foreach });
      for (let step = 0; step < 5; step++) {
        shapes.forEach((s, i) => {
          const g = [...rng.randn(s).data];
          params[i].grad?.dispose();
          params[i].grad = wg.tensor(f32(g), s);
          const r = ref[i];
          for (let j = 0; j < g.length; j++) {
            const c = b1 * r.m[j] + (1 - b1) * g[j];
            expect(Math.abs(c), 'interpolation away from 0 (sign is well defined in f32)').toBeGreaterThan(1e-5);
            r.p[j] = r.p[j] - lr * (Math.sign(c) + wd * r.p[j]);
            r.m[j] = b2 * r.m[j] + (1 - b2) * g[j];
          }
        });
        opt.step();
        for (const [i, p] of params.entries()) expectClose(await p.toArray(), ref[i].p, { rtol: 1e-5, atol: 1e-6, label: `Lion step ${step + 1} param ${i}` });
      }
      opt.dispose();
      params.forEach((p) => (p.grad?.dispose(), p.dispose()));
    }
  });
});

// ---- Muon ----
type Mat = { r: number; c: number; d: number[] };
const matmul = (a: Mat, b: Mat, tb = false): Mat => {
  const [r, k, c] = [a.r, a.c, tb ? b.r : b.c];
  const d = new Array<number>(r * c).fill(0);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) for (let q = 0; q < k; q++) d[i * c + j] += a.d[i * k + q] * (tb ? b.d[j * b.c + q] : b.d[q * c + j]);
  return { r, c, d };
};
const transpose = (a: Mat): Mat => ({ r: a.c, c: a.r, d: Array.from({ length: a.d.length }, (_, k) => a.d[(k % a.r) * a.c + Math.floor(k / a.r)]) });
function newtonSchulz64(g: Mat, steps: number): Mat {
  const [a, b, c] = [3.4445, -4.775, 2.0315];
  const tall = g.r > g.c;
  let X = tall ? transpose(g) : g;
  const norm = Math.sqrt(X.d.reduce((s, v) => s + v * v, 0));
  X = { ...X, d: X.d.map((v) => v / (norm + 1e-7)) };
  for (let k = 0; k < steps; k++) {
    const A = matmul(X, X, true);
    const AA = matmul(A, A);
    const B = { ...A, d: A.d.map((v, i) => b * v + c * AA.d[i]) };
    const BX = matmul(B, X);
    X = { ...X, d: X.d.map((v, i) => a * v + BX.d[i]) };
  }
  return tall ? transpose(X) : X;
}

describe('Muon (float64 reference)', () => {
  it('Newton–Schulz on the GPU matches float64 and nearly orthogonalises', async () => {
    const rng = new Rng(3);
    for (const [r, c] of [[4, 6], [6, 4], [5, 5]]) {
      const G = { r, c, d: [...rng.randn([r, c]).data] };
      const out = wg.optim.newtonSchulz5(wg.tensor(f32(G.d), [r, c]));
      expect(out.shape).toEqual([r, c]);
      const want = newtonSchulz64(G, 5);
      expectClose(await out.toArray(), want.d, { rtol: 1e-4, atol: 2e-5, label: `NS5 ${r}x${c}` });
      // singular values of the result lie in roughly [0.7, 1.2]: X Xᵀ (the smaller Gram) has eigenvalues there
      const small = r <= c ? matmul(want, want, true) : matmul(transpose(want), transpose(want), true);
      const trace = Array.from({ length: small.r }, (_, i) => small.d[i * small.r + i]).reduce((s, v) => s + v, 0) / small.r;
      expect(trace).toBeGreaterThan(0.5);
      expect(trace).toBeLessThan(1.45);
      out.dispose();
    }
  });

  it('matches muon.py over 3 steps: matrices by Muon, the bias by AdamW', async () => {
    const rng = new Rng(11);
    const o = { lr: 0.02, momentum: 0.95, nesterov: true, nsSteps: 5, weightDecay: 0.1, adamwLr: 3e-3, adamwBetas: [0.9, 0.95] as [number, number], adamwEps: 1e-10 };
    const shapes = [[6, 4], [3, 5], [5]];
    const ref = shapes.map((s) => ({ p: [...rng.randn(s).data], buf: new Array<number>(s.reduce((a, b) => a * b, 1)).fill(0), m: [] as number[], v: [] as number[] }));
    const params = shapes.map((s, i) => wg.tensor(f32(ref[i].p), s, { requiresGrad: true }));
    const opt = new wg.optim.Muon(params, o);
    for (let t = 1; t <= 3; t++) {
      shapes.forEach((s, i) => {
        const g = [...rng.randn(s).data];
        params[i].grad?.dispose();
        params[i].grad = wg.tensor(f32(g), s);
        const r = ref[i];
        if (s.length === 2) {
          r.buf = r.buf.map((b, j) => b + (1 - o.momentum) * (g[j] - b));
          const u = g.map((x, j) => x + o.momentum * (r.buf[j] - x));
          const O = newtonSchulz64({ r: s[0], c: s[1], d: u }, o.nsSteps);
          const scale = Math.sqrt(Math.max(1, s[0] / s[1]));
          r.p = r.p.map((w, j) => w * (1 - o.lr * o.weightDecay) - o.lr * scale * O.d[j]);
        } else {
          const [b1, b2] = o.adamwBetas;
          if (!r.m.length) (r.m = g.map(() => 0)), (r.v = g.map(() => 0));
          r.p = r.p.map((w, j) => {
            w *= 1 - o.adamwLr * o.weightDecay;
            r.m[j] = b1 * r.m[j] + (1 - b1) * g[j];
            r.v[j] = b2 * r.v[j] + (1 - b2) * g[j] * g[j];
            const mh = r.m[j] / (1 - b1 ** t);
            const vh = r.v[j] / (1 - b2 ** t);
            return w - (o.adamwLr * mh) / (Math.sqrt(vh) + o.adamwEps);
          });
        }
      });
      opt.step();
      for (const [i, p] of params.entries()) expectClose(await p.toArray(), ref[i].p, { rtol: 1e-4, atol: 2e-4, label: `Muon step ${t} param ${i}` });
    }
    expect(() => new wg.optim.Muon(params, { foreach: true })).toThrow(/Muon: foreach and skipNonFinite are not available/);
    opt.dispose();
    params.forEach((p) => (p.grad?.dispose(), p.dispose()));
  });
});

// ---- SAM ----
/** f(w) = Σ c·w² + w³/3 over two tensors; ∇f = 2c·w + w². */
const C = 0.7;
const grad64 = (w: number[]) => w.map((x) => 2 * C * x + x * x);

describe('SAM (float64 reference)', () => {
  for (const adaptive of [false, true]) {
    it(`${adaptive ? 'ASAM' : 'SAM'} around SGD, 3 steps, two tensors (global norm)`, async () => {
      const rng = new Rng(adaptive ? 5 : 4);
      const shapes = [[5], [2, 3]];
      const rho = adaptive ? 0.5 : 0.05, lr = 0.1;
      const ref = shapes.map((s) => [...rng.uniform(s, -1, 1).data]);
      const params = shapes.map((s, i) => wg.tensor(f32(ref[i]), s, { requiresGrad: true }));
      const opt = new wg.optim.SAM(params, wg.optim.SGD, { rho, adaptive, lr });
      const f = () => params.map((w) => w.square().mul(C).add(w.mul(w).mul(w).mul(1 / 3)).sum()).reduce((a, b) => a.add(b));
      let calls = 0;
      const closure = () => {
        opt.zeroGrad();
        const loss = f();
        loss.backward();
        calls++;
        return loss;
      };
      for (let step = 0; step < 3; step++) {
        const f0 = ref.flat().reduce((s, x) => s + C * x * x + (x * x * x) / 3, 0);
        const g = ref.map(grad64);
        const tw = ref.map((w) => w.map((x) => (adaptive ? Math.abs(x) : 1)));
        const norm = Math.sqrt(g.flat().reduce((s, x, k) => s + (tw.flat()[k] * x) ** 2, 0));
        const e = g.map((gi, i) => gi.map((x, j) => (rho * tw[i][j] ** 2 * x) / (norm + 1e-12)));
        const g2 = ref.map((w, i) => grad64(w.map((x, j) => x + e[i][j])));
        ref.forEach((w, i) => w.forEach((x, j) => (w[j] = x - lr * g2[i][j])));
        const loss = await opt.step(closure);
        expect(Math.abs(loss - f0), 'step resolves to the loss at w').toBeLessThan(1e-5 * Math.max(1, Math.abs(f0)));
        for (const [i, p] of params.entries()) expectClose(await p.toArray(), ref[i], { rtol: 1e-5, atol: 1e-6, label: `step ${step + 1} param ${i}` });
      }
      expect(calls).toBe(6);
      opt.zeroGrad();
      opt.dispose();
      params.forEach((p) => p.dispose());
    });
  }

  it('shares param groups with the base optimizer and needs a closure', async () => {
    const w = wg.tensor([1, 2], { requiresGrad: true });
    const opt = new wg.optim.SAM([w], wg.optim.SGD, { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups[0]).toBe(opt.baseOptimizer.paramGroups[0]);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9, rho: 0.05, adaptive: false });
    opt.paramGroups[0].lr = 0.01;
    expect(opt.baseOptimizer.paramGroups[0].lr).toBe(0.01);
    expect(() => opt.step()).toThrow(/SAM: step\(\) needs a closure/);
    expect(() => new wg.optim.SAM([w], wg.optim.SGD, { lr: 0.1, rho: -1 })).toThrow(/SAM: rho must be >= 0/);
    w.dispose();
  });
});
