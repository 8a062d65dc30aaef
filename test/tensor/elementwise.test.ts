// Elementwise ops against the float64 CPU reference: broadcasting edge cases, both the vec4 and the
// scalar kernel paths, 0-d and empty tensors, and values where float32 overflows.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { Ref, Rng } from '../helpers/reference.js';
import { toGpu, expectTensor } from '../helpers/gpu.js';

beforeAll(async () => {
  await wg.init();
});

type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
const BINARY: BinaryName[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];

// Pairs of shapes: broadcasting edge cases, sizes that are and are not multiples of 4 (the vec4 path
// needs both operands direct and n % 4 === 0), rank 8 (the most the broadcast kernel indexes).
const SHAPES: [number[], number[]][] = [
  [[7], [7]],
  [[16], [16]],
  [[3, 5], [3, 5]],
  [[3, 1], [1, 4]],
  [[2, 3, 4], [4]],
  [[], [2, 3]],
  [[2, 3], []],
  [[], []],
  [[1], [5]],
  [[5], [1]],
  [[2, 1, 4], [3, 1]],
  [[4, 1, 3], [1, 5, 1]],
  [[6, 1], [6, 1]],
  [[2, 1, 2, 1, 2, 1, 2, 3], [1, 2, 1, 2, 1, 2, 1, 3]],
  [[1, 1, 1, 1, 1, 1, 1, 5], [2, 3, 1, 2, 1, 1, 2, 1]],
];

const rng = new Rng(1);
/** Divisors and the like kept away from zero. */
const operand = (shape: number[]) => rng.awayFrom(shape, [0], 0.25);

describe('binary ops with broadcasting', () => {
  for (const [sa, sb] of SHAPES) {
    it(`${BINARY.join('/')} [${sa}] with [${sb}]`, async () => {
      const a = operand(sa);
      const b = operand(sb);
      const ta = toGpu(a);
      const tb = toGpu(b);
      for (const op of BINARY) {
        const y = ta[op](tb);
        await expectTensor(y, a[op](b), { rtol: 1e-6, atol: 1e-7, label: `${op} [${sa}] [${sb}]` });
        y.dispose();
      }
      ta.dispose();
      tb.dispose();
    });
  }

  it('accepts numbers on either side', async () => {
    const a = operand([3, 5]);
    const t = toGpu(a);
    const cases: [wg.Tensor, Ref][] = [
      [t.add(2.5), a.add(2.5)],
      [t.sub(-1.5), a.sub(-1.5)],
      [t.mul(3), a.mul(3)],
      [t.div(0.5), a.div(0.5)],
      [wg.sub(2, t), Ref.of(2).sub(a)],
      [wg.div(1, t), Ref.of(1).div(a)],
      [wg.maximum(t, 0.3), a.maximum(0.3)],
      [wg.minimum(0.3, t), Ref.of(0.3).minimum(a)],
    ];
    for (const [y, want] of cases) {
      await expectTensor(y, want, { rtol: 1e-6, atol: 1e-7 });
      y.dispose();
    }
    t.dispose();
  });

  it('comparisons give 0/1 floats, broadcast', async () => {
    const a = Ref.of([[1, 2, 3], [4, 5, 6]]);
    const b = Ref.of([2, 5, 3]);
    const ta = toGpu(a);
    const tb = toGpu(b);
    for (const op of ['gt', 'lt', 'ge', 'le', 'eq'] as const) {
      const y = ta[op](tb);
      await expectTensor(y, a[op](b), { rtol: 0, atol: 0, label: op });
      y.dispose();
    }
    ta.dispose();
    tb.dispose();
  });

  it('rejects shapes that do not broadcast, naming the op and both shapes', () => {
    const a = wg.zeros([2, 3]);
    const b = wg.zeros([4]);
    expect(() => a.add(b)).toThrow(/webgrad\.add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
    expect(() => a.mul(wg.zeros([3, 3]))).toThrow(/mul.*\[2, 3\].*\[3, 3\]/);
    a.dispose();
    b.dispose();
  });

  it('rank 9 with broadcasting is rejected with an error naming the op and the limit', () => {
    const a = wg.zeros([1, 1, 1, 1, 1, 1, 1, 1, 2]);
    const b = wg.zeros([2, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(() => a.add(b)).toThrow(/webgrad\.add:.*rank 9.*at most 8/);
    a.dispose();
    b.dispose();
  });

  it('rank 9 without broadcasting works (no strides needed)', async () => {
    const a = rng.randn([1, 2, 1, 2, 1, 2, 1, 2, 3]);
    const t = toGpu(a);
    const y = t.mul(t);
    await expectTensor(y, a.mul(a), { rtol: 1e-6 });
    t.dispose();
    y.dispose();
  });
});

type UnaryCase = [name: string, gpu: (t: wg.Tensor) => wg.Tensor, cpu: (r: Ref) => Ref, data: (s: number[]) => Ref];
const normal = (s: number[]) => rng.randn(s, 2);
const positive = (s: number[]) => rng.uniform(s, 0.05, 4);
const UNARY: UnaryCase[] = [
  ['neg', (t) => t.neg(), (r) => r.neg(), normal],
  ['exp', (t) => t.exp(), (r) => r.exp(), normal],
  ['log', (t) => t.log(), (r) => r.log(), positive],
  ['sqrt', (t) => t.sqrt(), (r) => r.sqrt(), positive],
  ['abs', (t) => t.abs(), (r) => r.abs(), normal],
  ['relu', (t) => t.relu(), (r) => r.relu(), normal],
  ['tanh', (t) => t.tanh(), (r) => r.tanh(), (s) => rng.randn(s, 4)],
  ['sigmoid', (t) => t.sigmoid(), (r) => r.sigmoid(), (s) => rng.randn(s, 4)],
  ['gelu none', (t) => t.gelu(), (r) => r.gelu(), (s) => rng.randn(s, 3)],
  ['gelu tanh', (t) => t.gelu({ approximate: 'tanh' }), (r) => r.gelu({ approximate: 'tanh' }), (s) => rng.randn(s, 3)],
  ['square', (t) => t.square(), (r) => r.square(), normal],
  ['clamp(-0.5, 1)', (t) => t.clamp(-0.5, 1), (r) => r.clamp(-0.5, 1), normal],
  ['clamp(null, 0.2)', (t) => t.clamp(null, 0.2), (r) => r.clamp(null, 0.2), normal],
  ['clamp(0.1)', (t) => t.clamp(0.1), (r) => r.clamp(0.1), normal],
  ['clone', (t) => t.clone(), (r) => r.clone(), normal],
  ['pow 2', (t) => t.pow(2), (r) => r.pow(2), normal],
  ['pow 3', (t) => t.pow(3), (r) => r.pow(3), normal],
  ['pow -1', (t) => t.pow(-1), (r) => r.pow(-1), (s) => rng.awayFrom(s, [0], 0.3)],
  ['pow -2', (t) => t.pow(-2), (r) => r.pow(-2), (s) => rng.awayFrom(s, [0], 0.3)],
  ['pow 0', (t) => t.pow(0), (r) => r.pow(0), normal],
  ['pow 1', (t) => t.pow(1), (r) => r.pow(1), normal],
  ['pow 0.5', (t) => t.pow(0.5), (r) => r.pow(0.5), positive],
  ['pow 1.5', (t) => t.pow(1.5), (r) => r.pow(1.5), positive],
  ['pow -0.5', (t) => t.pow(-0.5), (r) => r.pow(-0.5), positive],
];

describe('unary ops', () => {
  // [7]: scalar path; [16]: vec4 path; [3,5]; []: 0-d; [1000]: more than one workgroup's worth
  const shapes = [[7], [16], [3, 5], [], [1000]];
  for (const [name, gpu, cpu, data] of UNARY) {
    it(name, async () => {
      for (const s of shapes) {
        const x = data(s);
        const t = toGpu(x);
        const y = gpu(t);
        // WGSL's exp/log/pow are accurate to a few ULP, not correctly rounded
        await expectTensor(y, cpu(x), { rtol: 1e-5, atol: 1e-6, label: `${name} [${s}]` });
        t.dispose();
        y.dispose();
      }
    });
  }

  it('pow of a negative base: integer exponents keep the sign, fractional ones give NaN (as torch)', async () => {
    const x = Ref.of([-2, -0.5, 3]);
    const t = toGpu(x);
    for (const p of [3, 2, -1, -3]) {
      const y = t.pow(p);
      await expectTensor(y, x.pow(p), { rtol: 1e-6, label: `pow ${p}` });
      y.dispose();
    }
    const y = t.pow(0.5);
    const v = await y.toArray();
    expect(Number.isNaN(v[0]) && Number.isNaN(v[1])).toBe(true);
    expect(v[2]).toBeCloseTo(Math.sqrt(3), 6);
    y.dispose();
    t.dispose();
  });
});

describe('empty and 0-d tensors', () => {
  it('ops on shape [0] and [0, 3] give empty results of the right shape', async () => {
    const a = wg.zeros([0]);
    const b = wg.zeros([0, 3]);
    const c = wg.ones([3]);
    const outs = [a.add(a), a.exp(), b.add(c), b.mul(2), b.relu(), b.transpose(0, 1), wg.zeros([0, 3]).gelu()];
    expect(outs.map((o) => o.shape)).toEqual([[0], [0], [0, 3], [0, 3], [0, 3], [3, 0], [0, 3]]);
    for (const o of outs) {
      expect((await o.toArray()).length).toBe(0);
      o.dispose();
    }
    for (const t of [a, b, c]) t.dispose();
  });

  it('0-d tensors broadcast with anything and stay 0-d with each other', async () => {
    const s = wg.tensor(3);
    expect(s.shape).toEqual([]);
    const y = s.mul(s).add(1);
    expect(y.shape).toEqual([]);
    expect(await y.item()).toBe(10);
    const z = s.add(wg.ones([2, 2]));
    expect(await z.tolist()).toEqual([[4, 4], [4, 4]]);
    for (const t of [s, y, z]) t.dispose();
  });
});

describe('large values', () => {
  it('exp overflows to +Inf and underflows to 0 where float32 torch does', async () => {
    const x = Ref.of([100, 88, 89, -100, -104, 0]);
    const t = toGpu(x);
    const y = t.exp();
    await expectTensor(y, x.exp().f32(), { rtol: 1e-5 });
    const v = await y.toArray();
    expect(v[0]).toBe(Infinity);
    expect(v[2]).toBe(Infinity);
    t.dispose();
    y.dispose();
  });

  it('tanh, sigmoid, gelu saturate without NaN for |x| up to 1e4', async () => {
    const x = Ref.of([-1e4, -100, -30, 30, 100, 1e4]);
    const t = toGpu(x);
    for (const [name, y, want] of [
      ['tanh', t.tanh(), x.tanh()],
      ['sigmoid', t.sigmoid(), x.sigmoid()],
      ['gelu', t.gelu(), x.gelu()],
      ['gelu tanh', t.gelu({ approximate: 'tanh' }), x.gelu({ approximate: 'tanh' })],
    ] as [string, wg.Tensor, Ref][]) {
      await expectTensor(y, want, { rtol: 1e-5, atol: 1e-30, label: name }); // WGSL exp: a few ULP
      y.dispose();
    }
    t.dispose();
  });

  it('log(0) is -Inf and 1/0 is +Inf, as in torch', async () => {
    const z = wg.zeros([4]);
    const l = z.log();
    const r = wg.div(1, z);
    expect(Array.from(await l.toArray())).toEqual([-Infinity, -Infinity, -Infinity, -Infinity]);
    expect(Array.from(await r.toArray())).toEqual([Infinity, Infinity, Infinity, Infinity]);
    for (const t of [z, l, r]) t.dispose();
  });
});

describe('int32 tensors', () => {
  it('keep their dtype and exact values through creation and readback', async () => {
    const big = [0, -1, 2 ** 31 - 1, -(2 ** 31), 16777217];
    const t = wg.tensor(big, [5], { dtype: 'int32' });
    expect(t.dtype).toBe('int32');
    const v = await t.toArray();
    expect(v).toBeInstanceOf(Int32Array);
    expect(Array.from(v)).toEqual(big);
    const u = wg.tensor(new Int32Array([3, 4]));
    expect(u.dtype).toBe('int32');
    for (const x of [t, u]) x.dispose();
  });

  it('copies (clone, transpose, expand, reshape) keep int32 values exact, beyond 2^24 too', async () => {
    const vals = [16777217, -16777219, 2 ** 30 + 1, 7, 2 ** 31 - 1, -5];
    const t = wg.tensor(vals, [2, 3], { dtype: 'int32' });
    const c = t.clone();
    const tr = t.transpose(0, 1);
    const ex = t.reshape([1, 2, 3]).expand([2, 2, 3]);
    expect(c.dtype).toBe('int32');
    expect(tr.dtype).toBe('int32');
    expect(ex.dtype).toBe('int32');
    expect(Array.from(await c.toArray())).toEqual(vals);
    expect(Array.from(await tr.toArray())).toEqual([vals[0], vals[3], vals[1], vals[4], vals[2], vals[5]]);
    expect(Array.from(await ex.toArray())).toEqual([...vals, ...vals]);
    for (const x of [t, c, tr, ex]) x.dispose();
  });

  it('mix with float32 operands as float32 values', async () => {
    const i = wg.tensor([1, 2, 3], [3], { dtype: 'int32' });
    const f = wg.tensor([0.5, 0.5, 0.5]);
    const y = f.add(i);
    expect(y.dtype).toBe('float32');
    expect(Array.from(await y.toArray())).toEqual([1.5, 2.5, 3.5]);
    for (const x of [i, f, y]) x.dispose();
  });
});
