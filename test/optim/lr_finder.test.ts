import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

/**
 * Linear regression with unit-variance features: the MSE loss mean((Xw − y)²) has Hessian ≈ 2I, so plain
 * gradient descent converges for lr < 1 (fastest near lr = 0.5) and diverges for lr > 1. The range test
 * must suggest an lr inside the converging range and stop once the loss blows up.
 */
describe('lrFinder (Leslie Smith range test)', () => {
  let x: wg.Tensor;
  let y: wg.Tensor;
  beforeAll(async () => {
    await wg.init();
    const n = 256;
    const g = new wg.Generator(3);
    const X = new Float32Array(n * 5).map(() => g.normal());
    const w = [1, -2, 0.5, 3, -1];
    const Y = new Float32Array(n).map((_, i) => w.reduce((s, wj, j) => s + wj * X[i * 5 + j], 0) + 0.1 * g.normal());
    x = wg.tensor(X, [n, 5]);
    y = wg.tensor(Y, [n, 1]);
  });

  const lossFn = (m: wg.nn.Module, [xb, yb]: [wg.Tensor, wg.Tensor]) => wg.nn.functional.mseLoss(m.forward(xb), yb);

  it('suggests an lr inside the known converging range, stops on divergence, and restores the model', async () => {
    wg.manualSeed(1);
    const model = new wg.nn.Linear(5, 1, { bias: false });
    const before = Array.from(await model.weight.toArray());
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.123 });
    const batches = [[x, y] as [wg.Tensor, wg.Tensor]];
    const r = await wg.optim.lrFinder(model, lossFn, batches, { startLr: 1e-4, endLr: 100, numIter: 80, optimizer: opt });
    expect(r.lrs.length).toBe(r.losses.length);
    expect(r.lrs[0]).toBeCloseTo(1e-4, 10);
    // exponential sweep: constant ratio between consecutive lrs
    const ratio = (100 / 1e-4) ** (1 / 79);
    expect(r.lrs[1] / r.lrs[0]).toBeCloseTo(ratio, 6);
    // divergence beyond lr = 1 stops the sweep well before endLr
    const last = r.lrs[r.lrs.length - 1];
    expect(last).toBeGreaterThan(1);
    expect(last).toBeLessThan(20);
    expect(r.losses[r.losses.length - 1]).toBeGreaterThan(4 * Math.min(...r.losses.slice(0, -1)));
    expect(r.suggestion).not.toBeNull();
    expect(r.suggestion!).toBeGreaterThan(3e-3);
    expect(r.suggestion!).toBeLessThan(1);
    // the model and the optimizer are as they were
    expect(Array.from(await model.weight.toArray())).toEqual(before);
    expect(opt.paramGroups[0].lr).toBe(0.123);
    expect(opt.state.size).toBe(0);
    // training with the suggestion converges
    for (let i = 0; i < 100; i++) {
      opt.paramGroups[0].lr = r.suggestion!;
      opt.zeroGrad();
      lossFn(model, batches[0]).backward();
      opt.step();
    }
    const final = await lossFn(model, batches[0]).item();
    expect(final).toBeLessThan(0.05); // noise variance is 0.01
  });

  it('validates its options', async () => {
    const model = new wg.nn.Linear(5, 1);
    await expect(wg.optim.lrFinder(model, lossFn, [[x, y]], { startLr: 1, endLr: 0.1 })).rejects.toThrow(/startLr < endLr/);
    await expect(wg.optim.lrFinder(model, lossFn, [], {})).rejects.toThrow(/empty/);
  });

  it('steepestDescent picks the steepest fall against log(lr)', () => {
    const lrs = Array.from({ length: 20 }, (_, i) => 10 ** (-5 + i / 4));
    const losses = lrs.map((lr) => 2 - Math.tanh(Math.log10(lr) + 2)); // steepest at lr = 1e-2
    const k = wg.optim.steepestDescent(lrs, losses)!;
    expect(Math.log10(lrs[k])).toBeCloseTo(-2, 0);
  });
});
