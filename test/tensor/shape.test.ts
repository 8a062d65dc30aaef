// Shape ops against the reference: transpose (every pair of dims), reshape/flatten (views), expand.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { Rng } from '../helpers/reference.js';
import { toGpu, expectTensor } from '../helpers/gpu.js';

beforeAll(async () => {
  await wg.init();
});

const rng = new Rng(4);
const exact = { rtol: 0, atol: 0 };

describe('transpose', () => {
  for (const shape of [[3, 4], [2, 3, 5], [2, 3, 4, 5], [1, 7, 1, 3, 2]]) {
    it(`[${shape}], every pair of dims (negative ones too)`, async () => {
      const x = rng.randn(shape);
      const t = toGpu(x);
      for (let a = -shape.length; a < shape.length; a++) {
        for (let b = 0; b < shape.length; b++) {
          const y = t.transpose(a, b);
          await expectTensor(y, x.transpose(a, b), { ...exact, label: `transpose(${a}, ${b})` });
          y.dispose();
        }
      }
      const y = t.T;
      await expectTensor(y, x.T, exact);
      y.dispose();
      t.dispose();
    });
  }

  it('of a 1-D or 0-d tensor is the identity', async () => {
    const v = wg.tensor([1, 2, 3]);
    const y = v.transpose(0, 0);
    expect(await y.tolist()).toEqual([1, 2, 3]);
    for (const t of [v, y]) t.dispose();
  });
});

describe('reshape and flatten', () => {
  it('reshape is a view with the same data, -1 is inferred', async () => {
    const x = rng.randn([2, 3, 4]);
    const t = toGpu(x);
    for (const s of [[6, 4], [24], [4, -1], [-1], [2, 12], [1, 2, 1, 12, 1], [2, 3, 4]]) {
      const y = t.reshape(s);
      await expectTensor(y, x.reshape(s), { ...exact, label: `reshape([${s}])` });
      y.dispose();
    }
    const f = t.flatten();
    const f1 = t.flatten(1);
    expect(f.shape).toEqual([24]);
    expect(f1.shape).toEqual([2, 12]);
    for (const y of [t, f, f1]) y.dispose();
  });

  it('to and from 0-d, and empty tensors', async () => {
    const s = wg.tensor([5]);
    const z = s.reshape([]);
    expect(z.shape).toEqual([]);
    expect(await z.item()).toBe(5);
    const back = z.reshape([1, 1]);
    expect(back.shape).toEqual([1, 1]);
    const e = wg.zeros([0, 4]);
    const e3 = e.reshape([2, 0, 3]);
    expect(e3.shape).toEqual([2, 0, 3]);
    for (const t of [s, z, back, e, e3]) t.dispose();
  });

  it('errors name the op and both shapes', () => {
    const x = wg.zeros([2, 3]);
    expect(() => x.reshape([4, 2])).toThrow(/webgrad\.reshape: cannot reshape a tensor of shape \[2, 3\] \(6 elements\) into \[4, 2\]/);
    expect(() => x.reshape([-1, -1])).toThrow(/webgrad\.reshape: only one dimension may be -1/);
    expect(() => x.reshape([4, -1])).toThrow(/webgrad\.reshape: .*\[2, 3\].*\[4, -1\]/);
    x.dispose();
  });
});

describe('expand', () => {
  it('broadcasts to a larger shape, -1 keeps a size', async () => {
    const cases: [number[], number[]][] = [
      [[3, 1], [3, 4]],
      [[1], [5]],
      [[], [2, 3]],
      [[4], [2, 3, 4]],
      [[2, 1, 3], [2, 5, 3]],
      [[3, 1], [-1, 6]],
      [[1, 3], [2, 2, 3]],
    ];
    for (const [from, to] of cases) {
      const x = rng.randn(from);
      const t = toGpu(x);
      const y = t.expand(to);
      await expectTensor(y, x.expand(to), { ...exact, label: `[${from}] -> [${to}]` });
      for (const z of [t, y]) z.dispose();
    }
  });

  it('errors name the op and both shapes', () => {
    const x = wg.zeros([3, 2]);
    expect(() => x.expand([3, 4])).toThrow(/webgrad\.expand: .*\[3, 2\].*\[3, 4\]/);
    expect(() => x.expand([3])).toThrow(/webgrad\.expand/);
    x.dispose();
  });
});
