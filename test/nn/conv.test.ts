// conv2d, maxPool2d and avgPool2d against PyTorch fixtures (test/fixtures/gen_conv.py): forward values and
// the gradients of sum(y · upstream) for input, weight and bias; finite differences on small cases; the
// errors for bad shapes and int32 input; the modules' init, names and flat memory in a training loop.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { gradcheck } from '../../src/testing/index.js';
import fx from '../fixtures/conv.json';
import { expectClose } from '../helpers/reference.js';

const F = wg.nn.functional;
type T = { shape: number[]; data: number[] };
type Case = { name: string; op: string; x: T; w?: T; b?: T; y: T; up: T; dx: T; dw?: T; db?: T; kernelSize?: number | [number, number]; options: any };
const cases = (fx as { cases: Case[] }).cases;
const gpu = (t: T, requiresGrad = false) => wg.tensor(Float32Array.from(t.data), t.shape, { requiresGrad });
const tol = { rtol: 1e-4, atol: 1e-4 };

beforeAll(async () => {
  await wg.init();
});

async function check(c: Case): Promise<void> {
  const x = gpu(c.x, true);
  const w = c.w ? gpu(c.w, true) : null;
  const b = c.b ? gpu(c.b, true) : null;
  const opts = Object.fromEntries(Object.entries(c.options).filter(([, v]) => v !== null));
  const y =
    c.op === 'conv2d' ? F.conv2d(x, w!, b, opts) : c.op === 'maxPool2d' ? F.maxPool2d(x, c.kernelSize!, opts) : F.avgPool2d(x, c.kernelSize!, opts);
  expect(y.shape).toEqual(c.y.shape);
  expectClose(await y.toArray(), c.y, { ...tol, label: `${c.name}: y` });
  const up = gpu(c.up);
  const loss = y.mul(up).sum();
  loss.backward();
  expectClose(await x.grad!.toArray(), c.dx, { ...tol, label: `${c.name}: dx` });
  if (w) expectClose(await w.grad!.toArray(), c.dw!, { ...tol, label: `${c.name}: dw` });
  if (b) expectClose(await b.grad!.toArray(), c.db!, { ...tol, label: `${c.name}: db` });
  for (const t of [x, w, b]) if (t) { t.grad?.dispose(); t.dispose(); }
  for (const t of [y, up, loss]) t.dispose();
}

describe('conv2d against torch', () => {
  for (const c of cases.filter((c) => c.op === 'conv2d')) it(c.name, () => check(c));
  it('has the awkward cases', () => {
    const names = cases.map((c) => c.name).join('|');
    for (const n of ['stride 2', 'dilation 2', 'groups 2', 'depthwise', '1x1', 'non-square', 'same']) expect(names).toContain(n);
  });
});

describe('pooling against torch', () => {
  for (const c of cases.filter((c) => c.op !== 'conv2d')) it(c.name, () => check(c));
});

describe('conv2d and pooling: finite differences', () => {
  it('conv2d with stride, padding, dilation and groups', async () => {
    const x = wg.randn([2, 4, 6, 5], { seed: 1 });
    const w = wg.randn([6, 2, 3, 2], { seed: 2 });
    const b = wg.randn([6], { seed: 3 });
    const r = await gradcheck((x, w, b) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }), [x, w, b]);
    expect(r.ok, r.message).toBe(true);
    for (const t of [x, w, b]) t.dispose();
  });
  it('a 3-D [C, H, W] input is a batch of one', async () => {
    const x = wg.randn([3, 5, 5], { seed: 4 });
    const w = wg.randn([2, 3, 3, 3], { seed: 5 });
    const r = await gradcheck((x, w) => F.conv2d(x, w, null, { padding: 1 }), [x, w]);
    expect(r.ok, r.message).toBe(true);
    const y = F.conv2d(x, w, null, { padding: 1 });
    expect(y.shape).toEqual([2, 5, 5]);
    for (const t of [x, w, y]) t.dispose();
  });
  it('avgPool2d and maxPool2d (distinct values, so the max is unique)', async () => {
    const x = wg.tensor(Float32Array.from({ length: 2 * 7 * 6 }, (_, i) => Math.sin(i * 7.3) * 3), [1, 2, 7, 6]);
    const ra = await gradcheck((x) => F.avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 1] }), [x]);
    expect(ra.ok, ra.message).toBe(true);
    const rm = await gradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), [x]);
    expect(rm.ok, rm.message).toBe(true);
    x.dispose();
  });
});

describe('conv2d and pooling: hand-computed values', () => {
  it('max ties go to the first maximum; padding never wins', async () => {
    const x = wg.tensor([[[[1, 1], [1, 1]]]], { requiresGrad: true });
    const y = F.maxPool2d(x, 2, { stride: 1, padding: 1 });
    expectClose(await y.toArray(), [1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const s = y.sum();
    s.backward();
    // windows rows oh−1..oh, cols ow−1..ow: x[0,0] is first in (0,0), (0,1), (1,0), (1,1); x[0,1] in
    // (0,2), (1,2); x[1,0] in (2,0), (2,1); x[1,1] only in (2,2)
    expectClose(await x.grad!.toArray(), [4, 2, 2, 1]);
    for (const t of [x.grad!, x, y, s]) t.dispose();
  });
  it('an empty batch gives an empty output and zero weight gradients', async () => {
    const x = wg.zeros([0, 2, 4, 4]);
    x.requiresGrad = true;
    const w = wg.randn([3, 2, 3, 3], { seed: 6 });
    w.requiresGrad = true;
    const y = F.conv2d(x, w);
    expect(y.shape).toEqual([0, 3, 2, 2]);
    const s = y.sum();
    s.backward();
    expectClose(await w.grad!.toArray(), new Array(54).fill(0));
    for (const t of [x, w, w.grad!, x.grad, y, s]) t?.dispose();
  });
  it('avgPool2d counts padding as zeros (torch default)', async () => {
    const x = wg.tensor([[[[4, 8], [12, 16]]]]);
    const y = F.avgPool2d(x, 2, { stride: 2, padding: 1 });
    expectClose(await y.toArray(), [1, 2, 3, 4]);
    for (const t of [x, y]) t.dispose();
  });
});

describe('conv2d and pooling: errors name the op and the shapes', () => {
  it('refuses bad shapes, options and int32 input', () => {
    const temps: wg.Tensor[] = [];
    const keep = (t: wg.Tensor) => (temps.push(t), t);
    const x = keep(wg.zeros([1, 3, 5, 5]));
    const w = keep(wg.zeros([4, 2, 3, 3]));
    expect(() => F.conv2d(x, w)).toThrow(/webgrad\.conv2d: input \[1, 3, 5, 5\] has 3 channels but weight \[4, 2, 3, 3\] expects 2/);
    const w3 = keep(wg.zeros([4, 3, 7, 3]));
    expect(() => F.conv2d(x, w3)).toThrow(/webgrad\.conv2d: the kernel \(7x3.*larger than the padded input \(5x5\)/);
    expect(() => keep(F.conv2d(x, w3, null, { padding: 1 }))).not.toThrow();
    const w2 = keep(wg.zeros([4, 1, 3, 3]));
    expect(() => F.conv2d(x, w2, null, { groups: 2 })).toThrow(/webgrad\.conv2d: groups=2 must divide both the input channels \(3/);
    expect(() => F.conv2d(x, w3, null, { padding: 1, stride: 0 })).toThrow(/webgrad\.conv2d: stride must be an integer ≥ 1/);
    expect(() => F.conv2d(x, w3, null, { padding: 'same', stride: 2 })).toThrow(/'same' needs stride 1/);
    expect(() => F.conv2d(x, w3, null, { pading: 1 } as any)).toThrow(/unknown option 'pading'/);
    expect(() => F.conv2d(x, w3, keep(wg.zeros([3])))).toThrow(/bias must have shape \[4\]/);
    expect(() => F.conv2d(keep(wg.zeros([3, 5])), w3)).toThrow(/input must be 4-D/);
    const xi = keep(wg.tensor([1, 2, 3, 4], [1, 1, 2, 2], { dtype: 'int32' }));
    expect(() => F.conv2d(xi, keep(wg.zeros([1, 1, 1, 1])))).toThrow(/webgrad\.conv2d: input is int32.*x\.float\(\)/);
    expect(() => F.maxPool2d(xi, 2)).toThrow(/webgrad\.maxPool2d: input is int32.*x\.float\(\)/);
    expect(() => F.avgPool2d(xi, 2)).toThrow(/webgrad\.avgPool2d: input is int32.*x\.float\(\)/);
    expect(() => F.maxPool2d(x, 6)).toThrow(/webgrad\.maxPool2d: the kernel \(6x6.*larger than the padded input \(5x5\) of shape \[1, 3, 5, 5\]/);
    expect(() => F.maxPool2d(x, 2, { padding: 2 })).toThrow(/at most half the kernel size/);
    expect(() => new wg.nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(/groups=2 must divide inChannels \(3\)/);
    const conv = new wg.nn.Conv2d(3, 4, 3);
    temps.push(...conv.parameters());
    expect(() => conv.forward(keep(wg.zeros([1, 2, 5, 5])))).toThrow(/nn\.Conv2d\(3, 4\): expected input \[N, 3, H, W\].*\[1, 2, 5, 5\]/);
    for (const t of temps) t.dispose();
  });
});

describe('nn.Conv2d, MaxPool2d, AvgPool2d', () => {
  it('has torch names, shapes and init bounds', async () => {
    wg.manualSeed(0);
    const conv = new wg.nn.Conv2d(4, 6, [3, 2], { groups: 2, padding: 1 });
    expect(conv.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [6, 2, 3, 2]], ['bias', [6]]]);
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    for (const p of conv.parameters()) {
      const v = Array.from(await p.toArray());
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound * 0.5);
    }
    const noBias = new wg.nn.Conv2d(1, 2, 3, { bias: false });
    expect(noBias.bias).toBeNull();
    const x = wg.zeros([1, 4, 6, 5]);
    // under noGrad: a recorded max-pool would keep its saved argmax until a backward() (or the GC)
    const [h, y, z] = wg.noGrad(() => {
      const h = conv.forward(x);
      const y = new wg.nn.MaxPool2d(2).forward(h);
      return [h, y, new wg.nn.AvgPool2d(3, { stride: 1 }).forward(y)];
    });
    expect(y.shape).toEqual([1, 6, 3, 3]);
    expect(z.shape).toEqual([1, 6, 1, 1]);
    for (const t of [x, h, y, z, ...conv.parameters(), ...noBias.parameters()]) t.dispose();
  });

  it('a conv net training loop has flat memory', async () => {
    wg.manualSeed(1);
    const nn = wg.nn;
    const model = new nn.Sequential(
      new nn.Conv2d(1, 3, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(3, 4, 3, { groups: 1 }), new nn.AvgPool2d(2), new nn.Flatten(), new nn.Linear(4, 3),
    );
    const opt = new wg.optim.Adam(model.parameters(), { lr: 0.01 });
    const x = wg.randn([5, 1, 8, 8], { seed: 2 });
    const t = wg.tensor([0, 1, 2, 1, 0], [5], { dtype: 'int32' });
    const counts: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      const loss = F.crossEntropy(model.forward(x), t);
      loss.backward();
      opt.step();
      opt.zeroGrad();
      losses.push(await loss.item());
      loss.dispose();
      counts.push(wg.memory().tensors);
    }
    // flat: after the first step no step adds a tensor (the count can only fall, when the garbage
    // collector frees what an earlier test dropped)
    for (let i = 2; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
    expect(counts.at(-1)!).toBeGreaterThan(0);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    opt.dispose();
    for (const p of model.parameters()) p.dispose();
    x.dispose();
    t.dispose();
  });
});
