// Creation functions and the ways data leaves the GPU (toArray, item, tolist).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

const read = async (t: wg.Tensor) => Array.from(await t.toArray());

describe('tensor()', () => {
  it('infers the shape of nested arrays; a number is 0-d', async () => {
    const a = wg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('float32');
    expect(await read(a)).toEqual([1, 2, 3, 4, 5, 6]);
    const b = wg.tensor([[[1], [2]], [[3], [4]]]);
    expect(b.shape).toEqual([2, 2, 1]);
    const s = wg.tensor(1.5);
    expect(s.shape).toEqual([]);
    expect(await s.item()).toBe(1.5);
    const e = wg.tensor([]);
    expect(e.shape).toEqual([0]);
    for (const t of [a, b, s, e]) t.dispose();
  });

  it('takes flat data (plain or typed array) with a shape', async () => {
    const a = wg.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    const b = wg.tensor(new Float32Array([0.5, 1.5]), [2, 1]);
    const c = wg.tensor(new Float64Array([0.1, 0.2]));
    expect(a.shape).toEqual([3, 2]);
    expect(b.shape).toEqual([2, 1]);
    expect(c.shape).toEqual([2]);
    expect(await read(c)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(await a.tolist()).toEqual([[1, 2], [3, 4], [5, 6]]);
    for (const t of [a, b, c]) t.dispose();
  });

  it('int32 by dtype or by Int32Array', async () => {
    const a = wg.tensor([1, 2, 3], [3], { dtype: 'int32' });
    const b = wg.tensor(new Int32Array([-4, 5]));
    expect(a.dtype).toBe('int32');
    expect(b.dtype).toBe('int32');
    expect(await a.toArray()).toBeInstanceOf(Int32Array);
    expect(await read(b)).toEqual([-4, 5]);
    expect(() => (a.requiresGrad = true)).toThrow(/only float32 tensors can require gradients/);
    for (const t of [a, b]) t.dispose();
  });

  it('requiresGrad option', () => {
    const a = wg.tensor([1, 2], [2], { requiresGrad: true });
    expect(a.requiresGrad).toBe(true);
    expect(a.grad).toBe(null);
    expect(a.isLeaf).toBe(true);
    a.dispose();
  });

  it('errors name the function and the problem', () => {
    expect(() => wg.tensor([[1, 2], [3]])).toThrow(/webgrad\.tensor: ragged nested array/);
    expect(() => wg.tensor([1, 2, 3], [2, 2])).toThrow(/webgrad\.tensor: 3 values do not fill shape \[2, 2\] \(4 elements\)/);
    expect(() => wg.tensor([1, 2], [-1, -2])).toThrow(/webgrad\.tensor: invalid shape/);
  });
});

describe('constants and ranges', () => {
  it('zeros, ones, full (float32 and int32), of any shape incl. 0-d and empty', async () => {
    const z = wg.zeros([2, 3]);
    const o = wg.ones([4]);
    const f = wg.full([2], 0.5);
    const fi = wg.full([3], 7, { dtype: 'int32' });
    const s = wg.full([], -2);
    const e = wg.zeros([0, 5]);
    expect(z.shape).toEqual([2, 3]);
    expect(await read(z)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await read(o)).toEqual([1, 1, 1, 1]);
    expect(await read(f)).toEqual([0.5, 0.5]);
    expect(fi.dtype).toBe('int32');
    expect(await read(fi)).toEqual([7, 7, 7]);
    expect(s.shape).toEqual([]);
    expect(await s.item()).toBe(-2);
    expect(e.shape).toEqual([0, 5]);
    expect(await read(e)).toEqual([]);
    for (const t of [z, o, f, fi, s, e]) t.dispose();
  });

  it('arange as torch.arange: (end), (start, end), (start, end, step), fractional and negative steps', async () => {
    const cases: [wg.Tensor, number[]][] = [
      [wg.arange(5), [0, 1, 2, 3, 4]],
      [wg.arange(2, 8, 2), [2, 4, 6]],
      [wg.arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75]],
      [wg.arange(5, 0, -2), [5, 3, 1]],
      [wg.arange(3, 3), []],
      [wg.arange(0), []],
    ];
    for (const [t, want] of cases) {
      expect(t.shape).toEqual([want.length]);
      expect(await read(t)).toEqual(want);
      t.dispose();
    }
    expect(() => wg.arange(0, 5, 0)).toThrow(/webgrad\.arange: step must not be 0/);
  });
});

describe('random', () => {
  it('randn with a seed is reproducible; different seeds differ', async () => {
    const a = wg.randn([100], { seed: 42 });
    const b = wg.randn([100], { seed: 42 });
    const c = wg.randn([100], { seed: 43 });
    expect(await read(a)).toEqual(await read(b));
    expect(await read(a)).not.toEqual(await read(c));
    for (const t of [a, b, c]) t.dispose();
  });

  it('manualSeed makes the default generator reproducible; a Generator can be passed', async () => {
    wg.manualSeed(7);
    const a = wg.rand([50]);
    wg.manualSeed(7);
    const b = wg.rand([50]);
    expect(await read(a)).toEqual(await read(b));
    const g1 = new wg.Generator(3);
    const g2 = new wg.Generator(3);
    const c = wg.randn([20], { generator: g1 });
    const d = wg.randn([20], { generator: g2 });
    expect(await read(c)).toEqual(await read(d));
    for (const t of [a, b, c, d]) t.dispose();
  });

  it('randn has mean ≈ 0 and std ≈ 1; rand and uniform stay in range with the right mean', async () => {
    const n = 20000;
    const stats = async (t: wg.Tensor) => {
      const v = await read(t);
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1));
      return { mean, std, min: Math.min(...v), max: Math.max(...v) };
    };
    const r = wg.randn([n], { seed: 1 });
    const sr = await stats(r);
    // standard errors: mean 1/√n ≈ 0.007, std ≈ 0.005; allow ~5 of them
    expect(Math.abs(sr.mean)).toBeLessThan(0.035);
    expect(Math.abs(sr.std - 1)).toBeLessThan(0.03);
    expect(sr.min).toBeLessThan(-3);
    expect(sr.max).toBeGreaterThan(3);
    const u = wg.rand([n], { seed: 2 });
    const su = await stats(u);
    expect(su.min).toBeGreaterThanOrEqual(0);
    expect(su.max).toBeLessThan(1);
    expect(Math.abs(su.mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(su.std - Math.sqrt(1 / 12))).toBeLessThan(0.01);
    const w = wg.uniform([n], -3, 5, { seed: 3 });
    const sw = await stats(w);
    expect(sw.min).toBeGreaterThanOrEqual(-3);
    expect(sw.max).toBeLessThan(5);
    expect(Math.abs(sw.mean - 1)).toBeLessThan(0.1);
    for (const t of [r, u, w]) t.dispose();
  });
});

describe('reading data back', () => {
  it('toArray returns a contiguous row-major copy; item a number; tolist nested arrays', async () => {
    const t = wg.tensor([[1, 2], [3, 4], [5, 6]]);
    const arr = await t.toArray();
    expect(arr).toBeInstanceOf(Float32Array);
    expect(Array.from(arr)).toEqual([1, 2, 3, 4, 5, 6]);
    arr[0] = 99; // a copy: the tensor is unchanged
    expect((await t.toArray())[0]).toBe(1);
    expect(await t.tolist()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const s = wg.tensor(3.25);
    expect(await s.item()).toBe(3.25);
    expect(await s.tolist()).toBe(3.25);
    const one = wg.tensor([[7]]);
    expect(await one.item()).toBe(7);
    await expect(t.item()).rejects.toThrow(/webgrad\.item: only one-element tensors .*\[3, 2\]/);
    for (const x of [t, s, one]) x.dispose();
  });
});
