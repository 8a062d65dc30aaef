/**
 * nn.utils.clipGradNorm / clipGradValue against a float64 reference of torch's definitions:
 * total = (Σ_k Σ_i |g_ki|^p)^(1/p) (max |g| for p = ∞), g ← g · min(1, maxNorm / (total + 1e-6)).
 * The norm is reduced on the GPU in float32 (1e-5 relative). Sizes cover the vec4 and scalar kernels.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { Rng } from '../helpers/rng.js';
import { expectClose } from '../helpers/expect_close.js';

beforeAll(async () => {
  await wg.init();
});

const SHAPES = [[5], [2, 3], [16], [300]];

function setup(seed: number, scale = 1) {
  const rng = new Rng(seed);
  const grads = SHAPES.map((s) => [...rng.randn(s, scale).data]);
  const params = SHAPES.map((s, i) => {
    const p = wg.zeros(s);
    p.requiresGrad = true;
    p.grad = wg.tensor(Float32Array.from(grads[i]), s);
    return p;
  });
  return { grads, params };
}

function norm64(grads: number[][], p: number): number {
  const all = grads.flat().map(Math.abs);
  return p === Infinity ? Math.max(...all) : all.reduce((s, x) => s + x ** p, 0) ** (1 / p);
}

describe('clipGradNorm', () => {
  for (const p of [2, 1, 3, Infinity]) {
    it(`normType ${p}: returns the total norm (0-d, on the GPU) and scales every gradient`, async () => {
      const { grads, params } = setup(p === Infinity ? 9 : p);
      const total = norm64(grads, p);
      const maxNorm = total / 3;
      const readbacks = wg.stats().readbacks;
      const norm = wg.nn.utils.clipGradNorm(params, maxNorm, p);
      expect(wg.stats().readbacks, 'nothing read back').toBe(readbacks);
      expect(norm.shape).toEqual([]);
      expect(Math.abs((await norm.item()) - total)).toBeLessThan(1e-5 * total);
      const coef = maxNorm / (total + 1e-6);
      for (const [i, prm] of params.entries()) {
        expectClose(await prm.grad!.toArray(), grads[i].map((g) => g * coef), { rtol: 1e-5, atol: 1e-7, label: `grad ${i}` });
      }
      norm.dispose();
      params.forEach((q) => (q.grad!.dispose(), q.dispose()));
    });
  }

  it('leaves gradients within the bound unchanged, skips params without grad, accepts one tensor', async () => {
    const { grads, params } = setup(21);
    params[1].grad!.dispose();
    params[1].grad = null;
    const total = norm64(grads.filter((_, i) => i !== 1), 2);
    const norm = wg.nn.utils.clipGradNorm(params, total * 2);
    expect(Math.abs((await norm.item()) - total)).toBeLessThan(1e-5 * total);
    for (const i of [0, 2, 3]) expect(Array.from(await params[i].grad!.toArray())).toEqual(grads[i]);
    const one = wg.nn.utils.clipGradNorm(params[0], 0.5);
    expect(Math.abs((await one.item()) - norm64([grads[0]], 2))).toBeLessThan(1e-5 * norm64([grads[0]], 2));
    expect(() => wg.nn.utils.clipGradNorm(params, -1)).toThrow(/clipGradNorm: maxNorm must be a number >= 0/);
    expect(() => wg.nn.utils.clipGradNorm(params, 1, 0)).toThrow(/clipGradNorm: normType must be > 0 or Infinity/);
    for (const t of [norm, one]) t.dispose();
    params.forEach((q) => (q.grad?.dispose(), q.dispose()));
  });

  it('clips before an optimizer step without any readback in the loop', async () => {
    const w = wg.tensor([3, 4], { requiresGrad: true });
    const opt = new wg.optim.SGD([w], { lr: 1 });
    const readbacks = wg.stats().readbacks;
    w.grad = wg.tensor([30, 40]); // norm 50
    const norm = wg.nn.utils.clipGradNorm([w], 5);
    opt.step();
    expect(wg.stats().readbacks).toBe(readbacks);
    expect(await norm.item()).toBeCloseTo(50, 4);
    expectClose(await w.toArray(), [0, 0], { atol: 1e-5 }); // 3 − 3, 4 − 4
    opt.zeroGrad();
    norm.dispose();
  });
});

describe('clipGradValue', () => {
  it('clamps every gradient element to [−c, c] in place', async () => {
    const { grads, params } = setup(33, 2);
    const g0 = params.map((q) => q.grad);
    wg.nn.utils.clipGradValue(params, 0.75);
    for (const [i, prm] of params.entries()) {
      expect(prm.grad).toBe(g0[i]);
      expectClose(await prm.grad!.toArray(), grads[i].map((g) => Math.min(0.75, Math.max(-0.75, g))), { rtol: 0, atol: 0 });
    }
    expect(() => wg.nn.utils.clipGradValue(params, -1)).toThrow(/clipGradValue: clipValue must be a number >= 0/);
    params.forEach((q) => (q.grad!.dispose(), q.dispose()));
  });
});
