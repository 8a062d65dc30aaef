// nn.init (torch's fans, gains and bounds, checked by the statistics of large draws) and Dropout
// (expectation, mask values, gradient through the mask, train/eval, seeding).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { expectClose } from '../helpers/reference.js';

const nn = wg.nn;
const init = nn.init;

beforeAll(async () => {
  await wg.init();
});

async function stats(t: wg.Tensor) {
  const v = Array.from(await t.toArray());
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  return { v, mean, std, min: Math.min(...v), max: Math.max(...v) };
}

describe('nn.init', () => {
  it('computes fans as torch (receptive field included) and refuses 1-D tensors', () => {
    const w = wg.zeros([16, 8, 3, 3]);
    expect(init.calculateFanInAndFanOut(w)).toEqual({ fanIn: 72, fanOut: 144 });
    const b = wg.zeros([5]);
    expect(() => init.kaimingUniform(b)).toThrow(/fewer than 2 dimensions.*\[5\]/);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    w.dispose();
    b.dispose();
  });

  it('fills in place, keeping the tensor object and its buffer', async () => {
    const t = wg.zeros([200, 100]);
    const buf = t.buffer();
    expect(init.kaimingUniform(t, { nonlinearity: 'relu' })).toBe(t);
    expect(t.buffer()).toBe(buf);
    const s = await stats(t);
    const bound = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(100);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 2);
    t.dispose();
  });

  it('kaimingNormal (fan_out), xavierUniform and xavierNormal have the right spread', async () => {
    const t = wg.zeros([300, 200]);
    init.kaimingNormal(t, { mode: 'fan_out', nonlinearity: 'relu' });
    let s = await stats(t);
    expect(Math.abs(s.mean)).toBeLessThan(0.003);
    expect(s.std / (Math.SQRT2 / Math.sqrt(300))).toBeCloseTo(1, 1);
    init.xavierUniform(t, { gain: 2 });
    s = await stats(t);
    const a = 2 * Math.sqrt(6 / 500);
    expect(s.max).toBeLessThanOrEqual(a);
    expect(s.max).toBeGreaterThan(0.99 * a);
    init.xavierNormal(t);
    s = await stats(t);
    expect(s.std / Math.sqrt(2 / 500)).toBeCloseTo(1, 1);
    t.dispose();
  });

  it('uniform, normal, constant, zeros, ones; a generator makes draws reproducible', async () => {
    const t = wg.zeros([1000]);
    init.uniform(t, 2, 3);
    let s = await stats(t);
    expect(s.min >= 2 && s.max < 3).toBe(true);
    init.normal(t, 5, 0.1, { generator: new wg.Generator(3) });
    s = await stats(t);
    expect(s.mean).toBeCloseTo(5, 1);
    const first = await t.toArray();
    init.normal(t, 5, 0.1, { generator: new wg.Generator(3) });
    expect(await t.toArray()).toEqual(first);
    init.constant(t, 0.25);
    expect((await t.toArray()).every((v) => v === 0.25)).toBe(true);
    init.ones(t);
    expect((await t.toArray()).every((v) => v === 1)).toBe(true);
    init.zeros(t);
    expect((await t.toArray()).every((v) => v === 0)).toBe(true);
    t.dispose();
  });
});

describe('Dropout', () => {
  const n = 40000;
  for (const p of [0.1, 0.5, 0.8]) {
    it(`p = ${p}: values are 0 or 1/(1−p), E[y] = x, the kept fraction is 1−p`, async () => {
      const x = wg.ones([n], { requiresGrad: true });
      const y = nn.functional.dropout(x, p, true, { generator: new wg.Generator(42) });
      const v = await y.toArray();
      const kept = v.filter((e) => e !== 0);
      expect(kept.every((e) => Math.abs(e - 1 / (1 - p)) < 1e-6)).toBe(true);
      // binomial: 5 standard deviations
      const sd = Math.sqrt(p * (1 - p) / n);
      expect(Math.abs(kept.length / n - (1 - p))).toBeLessThan(5 * sd);
      const mean = v.reduce((s, e) => s + e, 0) / n;
      expect(Math.abs(mean - 1)).toBeLessThan((5 * sd) / (1 - p));
      // the gradient goes through the same mask: dy/dx = m/(1−p) = y (x is all ones)
      const u = wg.randn([n], { seed: 9 });
      const root = y.mul(u).sum();
      root.backward();
      const uv = await u.toArray();
      expectClose(await x.grad!.toArray(), Float32Array.from(v, (e, i) => e * uv[i]), { rtol: 1e-6, atol: 0 });
      for (const t of [x, x.grad!, u, y, root]) t.dispose();
    });
  }

  it('is the identity in eval mode and for p = 0; p = 1 drops everything', async () => {
    const x = wg.randn([10], { seed: 1 });
    const d = new nn.Dropout(0.5);
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(new nn.Dropout(0).forward(x)).toBe(x);
    d.train();
    const y = d.forward(x);
    expect(y).not.toBe(x);
    const all = nn.functional.dropout(x, 1);
    expect((await all.toArray()).every((v) => v === 0)).toBe(true); // ±0, as x·0 in torch
    expect(() => new nn.Dropout(1.5)).toThrow(/p must be a probability/);
    for (const t of [x, y, all]) t.dispose();
  });

  it('a seeded layer draws reproducible masks; successive calls differ', async () => {
    const x = wg.ones([64]);
    const a = new nn.Dropout({ p: 0.5, seed: 7 });
    const b = new nn.Dropout({ p: 0.5, seed: 7 });
    const [a1, b1, a2] = [a.forward(x), b.forward(x), a.forward(x)];
    expect(await a1.toArray()).toEqual(await b1.toArray());
    expect(await a1.toArray()).not.toEqual(await a2.toArray());
    for (const t of [x, a1, b1, a2]) t.dispose();
  });

  it('leaves no tensors behind, with or without backward', async () => {
    const x = wg.ones([32], { requiresGrad: true });
    const live = () => wg.memory().tensors;
    const before = live();
    wg.noGrad(() => nn.functional.dropout(x, 0.5)).dispose();
    expect(live()).toBe(before);
    const y = nn.functional.dropout(x, 0.5).sum();
    y.backward();
    y.dispose();
    x.grad!.dispose();
    x.grad = null;
    expect(live()).toBe(before);
    x.dispose();
  });
});
