/**
 * The MNIST-based exercises (LAB.md 6-10, 12, 13) at tiny sizes: the evaluation against a float64
 * forward pass of the read-back weights, the LR sweep against its closed-form lr sequence, PCA's shared
 * starting point, the landscape's centre against the trained loss, and the monitored gradient norms
 * against the float64 combination of the per-layer norms.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { mnist, mlp, evaluate } from '../../lab/exercises/mnist.js';
import * as showdown from '../../lab/exercises/showdown.js';
import * as adamw from '../../lab/exercises/adamw.js';
import * as trajectories from '../../lab/exercises/trajectories.js';
import * as landscape from '../../lab/exercises/landscape.js';
import * as lrRange from '../../lab/exercises/lr_range.js';
import * as clipping from '../../lab/exercises/clipping.js';

beforeAll(async () => {
  await wg.init();
});

const tiny = { trainCount: 192, testCount: 64 };

describe('lab MNIST helpers', () => {
  it('evaluate() equals a float64 forward pass of the same weights', async () => {
    const data = await mnist(wg, tiny.trainCount, tiny.testCount);
    const model = mlp(wg, 16, 3);
    const [W1, b1, W2, b2] = await Promise.all(model.parameters().map((p) => p.toArray()));
    const ev = await evaluate(wg, model, data.test, 40);
    let ok = 0;
    let loss = 0;
    for (let s = 0; s < data.test.n; s++) {
      const x = data.test.x.subarray(s * 784, (s + 1) * 784);
      const h = Array.from({ length: 16 }, (_, j) => Math.max(0, b1[j] + x.reduce((a, v, k) => a + v * W1[j * 784 + k], 0)));
      const z = Array.from({ length: 10 }, (_, c) => b2[c] + h.reduce((a, v, j) => a + v * W2[c * 16 + j], 0));
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
      loss += lse - z[data.test.y[s]];
      ok += z.indexOf(m) === data.test.y[s] ? 1 : 0;
    }
    expect(ev.accuracy).toBeCloseTo(ok / data.test.n, 6);
    expect(ev.loss).toBeCloseTo(loss / data.test.n, 4);
    for (const p of model.parameters()) p.dispose();
  });
});

describe('exercise 6 and 10: showdown and LR range test', () => {
  it('trains every optimizer, and the LR sweeps follow lr_i = start (end/start)^(i/(n-1))', async () => {
    const res = await showdown.run(wg, { ...tiny, epochs: 1, optimizers: [{ name: 'SGD', lr: 0.01 }, { name: 'Adam', lr: 1e-3 }] });
    expect(res.runs.map((u) => u.optimizer)).toEqual(['SGD', 'Adam']);
    for (const u of res.runs) expect(u.gap).toBeCloseTo(u.finalTrainAccuracy! - u.finalValAccuracy!, 5);
    res.lrFinder.lrs.forEach((lr, i) => expect(lr! / (1e-6 * (1 / 1e-6) ** (i / 59))).toBeCloseTo(1, 4));
    const lr = await lrRange.run(wg, { ...tiny, numIter: 30, epochs: 1 });
    lr.lrs.forEach((v, i) => expect(v! / (1e-7 * (10 / 1e-7) ** (i / 29))).toBeCloseTo(1, 4));
    if (lr.stoppedEarlyAt !== null) expect(lr.losses[lr.losses.length - 1]!).toBeGreaterThan(4 * Math.min(...lr.losses.slice(0, -1).map((v) => v!)));
    expect(lr.trainings.map((t) => t.lr! / lr.trainings[1].lr!)).toEqual([0.1, 1, 10].map((v) => expect.closeTo(v, 5)));
  });
});

describe('exercise 7: Adam + L2 vs AdamW', () => {
  it('starts all three models at the same weights and shrinks the decayed ones', async () => {
    const res = await adamw.run(wg, { ...tiny, epochs: 1, weightDecay: 0.1 });
    const start = res.runs.map((u) => u.paramNorms[0][1]);
    expect(start[1]).toBeCloseTo(start[0]!, 5);
    expect(start[2]).toBeCloseTo(start[0]!, 5);
    const model = mlp(wg, 128, 0);
    const init = await Promise.all(model.parameters().map((p) => p.toArray()));
    expect(start[0]!).toBeCloseTo(Math.sqrt(init.reduce((s, a) => s + a.reduce((t, v) => t + v * v, 0), 0)), 3);
    for (const p of model.parameters()) p.dispose();
    for (const u of res.uniformity) {
      expect(u.lowV!).toBeLessThan(1);
      expect(u.highV!).toBeLessThan(1);
    }
  });
});

describe('exercise 8 and 9: trajectories and landscape', () => {
  it('both trajectories start at the same point in PCA space; the landscape centre is the trained loss', async () => {
    const tr = await trajectories.run(wg, { ...tiny, steps: 6, every: 2, hidden: 8 });
    expect(tr.points).toHaveLength(8);
    const [s0, a0] = tr.points.filter((p) => p.step === 0);
    expect(a0.pc1!).toBeCloseTo(s0.pc1!, 4);
    expect(a0.pc2!).toBeCloseTo(s0.pc2!, 4);
    expect(tr.explained[0]! + tr.explained[1]!).toBeLessThanOrEqual(1 + 1e-9);
    const ls = await landscape.run(wg, { ...tiny, evalCount: 64, epochs: 1, smallBatch: 32, largeBatch: 96, grid: 3, slice: 5 });
    for (const s of ls.solutions) {
      expect(s.slice.losses[2]!).toBeCloseTo(s.surface.losses[1][1]!, 4);
      expect(s.trainLoss).toBe(s.slice.losses[2]);
    }
  });
});

describe('exercise 12: clipping and monitoring', () => {
  it('the global norm equals the float64 combination of the per-layer norms, and the bad batch raises a warning', async () => {
    const res = await clipping.run(wg, { ...tiny, steps: 12, badStep: 10, window: 8, batchSize: 16 });
    for (const u of res.runs) {
      for (const q of u.records) {
        const fromLayers = Math.sqrt(Object.values(q.layers).reduce((s: number, v) => s + (v ?? 0) ** 2, 0));
        expect(Math.abs(q.norm! - fromLayers) / fromLayers).toBeLessThan(1e-3);
      }
    }
    expect(res.runs[0].warnings.map((w) => w.step)).toContain(10);
  });
});

describe('exercise 6 with the LeNet and transformer models', () => {
  it('trains a LeNet and a transformer over rows on the flat digits, and names the models when one is unknown', async () => {
    for (const model of ['lenet', 'transformer']) {
      const res = await showdown.run(wg, { trainCount: 384, testCount: 64, epochs: 1, model, optimizers: [{ name: 'Adam', lr: 1e-3 }] });
      expect(res.runs.map((u) => u.optimizer)).toEqual(['Adam']);
      expect(res.settings.model).toBe(model);
      for (const [, l] of res.runs[0].losses) expect(Number.isFinite(l)).toBe(true);
      expect(res.runs[0].losses[0][1]).toBeLessThan(3); // near ln 10 at the start: torch's inits
    }
    await expect(showdown.run(wg, { ...tiny, model: 'resnet' })).rejects.toThrow(/unknown model 'resnet' \(models: mlp, lenet, transformer\)/);
  });
});
