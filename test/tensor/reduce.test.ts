// Reductions (sum, mean, max, argmax) and softmax/logSoftmax against the float64 reference: every dim,
// keepdim, everything at once, rows longer than a workgroup, column reductions, more rows than one
// dispatch dimension holds (> 65535 workgroups), and large values.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { Ref, Rng, expectClose } from '../helpers/reference.js';
import { toGpu, expectTensor } from '../helpers/gpu.js';

beforeAll(async () => {
  await wg.init();
});

const rng = new Rng(3);
const sumTol = (n: number) => ({ rtol: 1e-5, atol: 1e-6 * Math.sqrt(n) * 4 });

describe('sum and mean', () => {
  const shapes = [[5], [3, 4], [2, 3, 5], [2, 3, 4, 5], [1, 7, 1], [3, 200], [200, 3], [2, 130, 3]];
  for (const shape of shapes) {
    it(`[${shape}]: every dim (± keepdim), pairs of dims, and all`, async () => {
      const x = rng.randn(shape);
      const t = toGpu(x);
      const dimSets: (number | number[] | undefined)[] = [undefined, ...shape.map((_, i) => i), -1];
      if (shape.length >= 3) dimSets.push([0, 2], [1, -1], [0, 1, 2]);
      for (const dims of dimSets) {
        for (const keepdim of [false, true]) {
          for (const op of ['sum', 'mean'] as const) {
            const y = dims === undefined && !keepdim ? t[op]() : t[op](dims ?? null, keepdim);
            const want = x[op](dims, keepdim);
            await expectTensor(y, want, { ...sumTol(x.size), label: `${op}(${JSON.stringify(dims)}, ${keepdim}) of [${shape}]` });
            y.dispose();
          }
        }
      }
      t.dispose();
    });
  }

  it('0-d and size-1 inputs', async () => {
    const s = wg.tensor(2.5);
    const outs = [s.sum(), s.mean(), s.sum(0), s.sum(0, true), s.max(), s.max(0)];
    for (const o of outs) {
      expect(o.shape).toEqual([]);
      expect(await o.item()).toBe(2.5);
      o.dispose();
    }
    s.dispose();
  });

  it('empty tensors: sum is 0, mean is NaN (as torch)', async () => {
    const e = wg.zeros([0, 3]);
    const s0 = e.sum(0);
    const s1 = e.sum(1);
    const all = e.sum();
    const m = e.mean();
    expect(s0.shape).toEqual([3]);
    expect(Array.from(await s0.toArray())).toEqual([0, 0, 0]);
    expect(s1.shape).toEqual([0]);
    expect(await all.item()).toBe(0);
    expect(Number.isNaN(await m.item())).toBe(true);
    for (const t of [e, s0, s1, all, m]) t.dispose();
  });

  it('1e6 ones sum to exactly 1e6 (and mean to 1)', async () => {
    const x = wg.ones([1_000_000]);
    const s = x.sum();
    const m = x.mean();
    expect(await s.item()).toBe(1_000_000);
    expect(await m.item()).toBeCloseTo(1, 6);
    const r = x.reshape([1000, 1000]);
    const cols = r.sum(0);
    const rows = r.sum(1);
    expect((await cols.toArray()).every((v) => v === 1000)).toBe(true);
    expect((await rows.toArray()).every((v) => v === 1000)).toBe(true);
    for (const t of [x, s, m, r, cols, rows]) t.dispose();
  });

  it('a long random row sums to the float64 value within float32 accuracy', async () => {
    const x = rng.uniform([300_001], -1, 1);
    const t = toGpu(x);
    const s = t.sum();
    expectClose([await s.item()], [x.sum().data[0]], { rtol: 1e-5, atol: 2e-3 });
    t.dispose();
    s.dispose();
  });

  // One workgroup per row (rows longer than 32): 70000 rows need the 2-D grid (FLAT_WORKGROUP). Slow on
  // a CPU adapter (seconds per dispatch), so only the sum and the argmax (which also carries indices) are
  // checked. Short rows take one thread per row instead, checked on [70000, 2].
  it('more rows than 65535 workgroups: sum and argmax over dim 1 of [70000, 40] and [70000, 2]', async () => {
    const short = rng.randn([70000, 2]);
    const ts = toGpu(short);
    await expectTensor(ts.sum(1), short.sum(1), { ...sumTol(2), label: 'short rows' });
    await expectTensor(ts.argmax(1), short.argmax(1), { ...sumTol(2), label: 'short rows argmax' });
    ts.dispose();
    const x = rng.randn([70000, 40]);
    const t = toGpu(x);
    const checks: [string, wg.Tensor, Ref][] = [
      ['sum', t.sum(1), x.sum(1)],
      ['argmax', t.argmax(1), x.argmax(1)],
    ];
    for (const [name, y, want] of checks) {
      await expectTensor(y, want, { ...sumTol(70000), label: name });
      y.dispose();
    }
    t.dispose();
  });
});

describe('max and argmax', () => {
  const shapes = [[7], [3, 4], [2, 3, 5], [3, 130], [130, 3], [2, 70, 3]];
  for (const shape of shapes) {
    it(`[${shape}]: every dim, keepdim, and over everything`, async () => {
      const x = rng.randn(shape);
      const t = toGpu(x);
      for (let d = -1; d < shape.length; d++) {
        for (const keepdim of [false, true]) {
          const m = t.max(d, keepdim);
          const a = t.argmax(d, keepdim);
          await expectTensor(m, x.max(d, keepdim), { rtol: 0, atol: 0, label: `max(${d}, ${keepdim})` });
          expect(a.dtype).toBe('int32');
          await expectTensor(a, x.argmax(d, keepdim), { rtol: 0, atol: 0, label: `argmax(${d}, ${keepdim})` });
          m.dispose();
          a.dispose();
        }
      }
      const m = t.max();
      const a = t.argmax();
      expect(m.shape).toEqual([]);
      expect(a.shape).toEqual([]);
      expect(await m.item()).toBe(x.max().data[0]);
      expect(await a.item()).toBe(x.argmax().data[0]);
      for (const y of [t, m, a]) y.dispose();
    });
  }

  it('argmax returns the first index of tied maxima, as torch', async () => {
    const x = wg.tensor([[1, 5, 5, 2], [7, 7, 7, 7], [-3, -1, -1, -2]]);
    const rows = x.argmax(1);
    const cols = wg.tensor([[1, 2], [1, 2], [0, 2]]).argmax(0);
    expect(Array.from(await rows.toArray())).toEqual([1, 0, 1]);
    expect(Array.from(await cols.toArray())).toEqual([0, 0]);
    const long = wg.full([200], 3);
    const la = long.argmax();
    expect(await la.item()).toBe(0);
    for (const t of [x, rows, cols, long, la]) t.dispose();
  });

  it('max over everything shares the gradient evenly among tied maxima (torch); over a dim it goes to the first', async () => {
    const x = wg.tensor([[1, 3, 0], [3, 2, 3]], [2, 3], { requiresGrad: true });
    const m = x.max();
    m.backward();
    expect(Array.from(await x.grad!.toArray())).toEqual([0, 1 / 3, 0, 1 / 3, 0, 1 / 3].map(Math.fround));
    x.grad!.dispose();
    x.grad = null;
    const r = x.max(1).sum();
    r.backward();
    expect(Array.from(await x.grad!.toArray())).toEqual([0, 1, 0, 1, 0, 0]);
    for (const t of [m, r, x.grad!, x]) t.dispose();
  });

  it('-Inf entries and all-negative rows', async () => {
    const x = wg.tensor([[-Infinity, -5, -Infinity], [-Infinity, -Infinity, -1e30]]);
    const m = x.max(1);
    const a = x.argmax(1);
    expect(Array.from(await m.toArray())).toEqual([-5, -1e30].map(Math.fround));
    expect(Array.from(await a.toArray())).toEqual([1, 2]);
    for (const t of [x, m, a]) t.dispose();
  });

  it('an empty dimension is an error naming the op', () => {
    const e = wg.zeros([3, 0]);
    expect(() => e.max(1)).toThrow(/webgrad\.max: .*empty dimension.*\[3, 0\]/);
    expect(() => e.argmax(1)).toThrow(/webgrad\.argmax: .*empty dimension/);
    e.dispose();
  });

  it('a bad dim names the op and the valid range', () => {
    const x = wg.zeros([2, 3]);
    expect(() => x.sum(2)).toThrow(/webgrad\.sum: dim 2 is out of range for a tensor of rank 2 \(expected -2\.\.1\)/);
    expect(() => x.max(-3)).toThrow(/webgrad\.max: dim -3/);
    expect(() => x.softmax(5)).toThrow(/webgrad\.softmax: dim 5/);
    x.dispose();
  });
});

describe('softmax and logSoftmax', () => {
  const shapes = [[5], [3, 4], [2, 3, 5], [2, 3, 4, 5], [3, 300], [300, 3]];
  for (const shape of shapes) {
    it(`[${shape}], every dim`, async () => {
      const x = rng.randn(shape, 3);
      const t = toGpu(x);
      for (let d = -shape.length; d < shape.length; d++) {
        const s = t.softmax(d);
        const l = t.logSoftmax(d);
        await expectTensor(s, x.softmax(d), { rtol: 1e-5, atol: 1e-7, label: `softmax(${d})` });
        await expectTensor(l, x.logSoftmax(d), { rtol: 1e-5, atol: 1e-5, label: `logSoftmax(${d})` });
        s.dispose();
        l.dispose();
      }
      t.dispose();
    });
  }

  it('logits of ±1e4 stay finite and exact', async () => {
    const x = Ref.of([[1e4, -1e4, 0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]]);
    const t = toGpu(x);
    const s = t.softmax(-1);
    const l = t.logSoftmax(-1);
    await expectTensor(s, x.softmax(-1), { rtol: 1e-6, atol: 1e-7 });
    await expectTensor(l, x.logSoftmax(-1), { rtol: 1e-6, atol: 1e-3 });
    expect((await s.toArray()).every(Number.isFinite)).toBe(true);
    expect((await l.toArray()).every(Number.isFinite)).toBe(true);
    for (const y of [t, s, l]) y.dispose();
  });

  it('more than 65535 rows, and 0-d input', async () => {
    const x = rng.randn([70000, 3]);
    const t = toGpu(x);
    const s = t.softmax(1);
    await expectTensor(s, x.softmax(1), { rtol: 1e-5, atol: 1e-7 });
    const z = wg.tensor(4);
    const zs = z.softmax(0);
    const zl = z.logSoftmax(-1);
    expect(await zs.item()).toBe(1);
    expect(await zl.item()).toBe(0);
    for (const y of [t, s, z, zs, zl]) y.dispose();
  });

  it('requires dim, naming the op', () => {
    const x = wg.zeros([2, 2]);
    expect(() => (x as unknown as { softmax: () => wg.Tensor }).softmax()).toThrow(/webgrad\.softmax: dim is required/);
    x.dispose();
  });
});
