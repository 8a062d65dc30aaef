// indexSelect, embedding, layerNorm, scaledDotProductAttention and MultiheadAttention against torch
// fixtures (test/fixtures/gen_attention.py), finite differences, and their errors.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import fx from '../fixtures/attention.json';
import { expectClose } from '../helpers/reference.js';
import { gradcheck } from '../../src/testing/index.js';
import { selectBackward, collect } from '../../src/tensor/index.js';

const F = wg.nn.functional;
type T = { shape: number[]; data: number[] };
interface Case { name: string; inputs: T[]; output: T; upstream: T; grads: T[] }
const up = (t: T) => wg.tensor(t.data, t.shape);
const leaf = (t: T) => wg.tensor(t.data, t.shape, { requiresGrad: true });
const tol = { rtol: 1e-4, atol: 2e-5 };

beforeAll(async () => {
  await wg.init();
});

/** Run op on the fixture's inputs, backpropagate its upstream gradient, compare output and grads; all freed after. */
async function check(c: Case, op: (...xs: wg.Tensor[]) => wg.Tensor): Promise<void> {
  const before = wg.memory().tensors;
  const xs = c.inputs.map(leaf);
  const out = op(...xs);
  expect(out.shape).toEqual(c.output.shape);
  expectClose(await out.toArray(), c.output, { ...tol, label: `${c.name} output` });
  const u = up(c.upstream);
  const root = out.mul(u).sum();
  root.backward();
  for (const [i, g] of c.grads.entries()) expectClose(await xs[i].grad!.toArray(), g, { ...tol, label: `${c.name} grad ${i}` });
  for (const t of [root, u, out, ...xs, ...xs.map((x) => x.grad!)]) t.dispose();
  expect(wg.memory().tensors).toBeLessThanOrEqual(before); // (less when garbage of earlier tests was finalized meanwhile)
}

describe('indexSelect and embedding', () => {
  for (const mode of ['owner', 'atomic'] as const) {
    for (const c of fx.indexSelect) {
      it(`${c.name} (${mode} backward)`, async () => {
        selectBackward.mode = mode;
        try {
          const idx = wg.tensor(Int32Array.from(c.index), [c.index.length]);
          await check(c, (x) => x.indexSelect(c.dim, idx));
          idx.dispose();
        } finally {
          selectBackward.mode = 'atomic';
        }
      });
    }
  }
  for (const c of fx.embedding) {
    it(c.name, async () => {
      const idx = wg.tensor(Int32Array.from(c.index.data), c.index.shape);
      await check(c, (w) => F.embedding(idx, w));
      idx.dispose();
      const m = new wg.nn.Embedding(c.inputs[0].shape[0], c.inputs[0].shape[1]);
      m.loadStateDict({ weight: c.inputs[0].data });
      expectClose(await m.forward(Int32Array.from(c.index.data)).toArray(), c.output, tol);
    });
  }
  it('copies int32 rows exactly, from a CPU index too', async () => {
    const x = wg.tensor(Int32Array.from([10, 11, 12, 13, 14, 15]), [3, 2]);
    const y = x.indexSelect(0, [2, 0, 2]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(await y.toArray())).toEqual([14, 15, 10, 11, 14, 15]);
  });
  it('names bad indices: on the CPU at once, on the GPU at the next readback', async () => {
    const w = wg.randn([4, 3], { seed: 1 });
    expect(() => F.embedding([0, 4], w)).toThrow(/webgrad\.embedding: index\[1\] = 4 is out of range for an embedding of 4 rows.*0\.\.3/);
    expect(() => w.indexSelect(1, wg.tensor([0, 1], [2]))).toThrow(/webgrad\.indexSelect: index must be an int32 tensor.*\.int\(\)/);
    expect(() => w.indexSelect(0, wg.tensor(Int32Array.from([0, 1]), [1, 2]))).toThrow(/0-D or 1-D/);
    const y = F.embedding(wg.tensor(Int32Array.from([1, -2, 3]), [3]), w);
    await expect(y.toArray()).rejects.toThrow(/webgrad\.embedding: index\[1\] = -2 is out of range for an embedding of 4 rows/);
    const z = w.sum();
    expect(await z.item()).toBeTypeOf('number'); // the flag was cleared by the failed readback
  });
  it('gradcheck', async () => {
    const idx = wg.tensor(Int32Array.from([2, 0, 2, 1]), [4]);
    const r = await gradcheck((x: wg.Tensor) => x.indexSelect(1, idx), [wg.randn([2, 3, 2], { seed: 3 })]);
    expect(r.ok, r.message).toBe(true);
  });
});

describe('layerNorm', () => {
  for (const c of fx.layerNorm) {
    it(c.name, async () => {
      await check(c, (x, w, b) => F.layerNorm(x, c.normalizedShape, w, b, { eps: c.eps }));
    });
  }
  it('nn.LayerNorm: parameters, init, and the affine-off form', async () => {
    const ln = new wg.nn.LayerNorm([5, 4]);
    expect(ln.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [5, 4]], ['bias', [5, 4]]]);
    expect(Array.from(await ln.weight!.toArray()).every((v) => v === 1)).toBe(true);
    const c = fx.layerNorm[2];
    const plain = new wg.nn.LayerNorm(9, { elementwiseAffine: false });
    expect(plain.parameters()).toEqual([]);
    expectClose(await plain.forward(up(c.inputs[0])).toArray(), c.output, tol);
  });
  it('gradcheck (weight and bias too)', async () => {
    const r = await gradcheck((x: wg.Tensor, w: wg.Tensor, b: wg.Tensor) => F.layerNorm(x, [3, 2], w, b),
      [wg.randn([2, 3, 2], { seed: 4 }), wg.randn([3, 2], { seed: 5 }), wg.randn([3, 2], { seed: 6 })]);
    expect(r.ok, r.message).toBe(true);
  });
  it('names bad shapes and dtypes', () => {
    const x = wg.randn([2, 3]);
    expect(() => F.layerNorm(x, [2])).toThrow(/webgrad\.layerNorm: normalizedShape \[2\] must be the trailing dims of the input \(shape \[2, 3\]\)/);
    expect(() => F.layerNorm(x, 3, wg.ones([4]))).toThrow(/weight must be float32 of shape \[3\]/);
    expect(() => F.layerNorm(x.int(), 3)).toThrow(/\.float\(\)/);
  });
});

describe('scaledDotProductAttention', () => {
  for (const c of fx.sdpa) {
    it(c.name, async () => {
      const mask = 'mask' in c && c.mask
        ? c.maskKind === 'bool' ? wg.tensor(Int32Array.from(c.mask.data), c.mask.shape) : wg.tensor(c.mask.data, c.mask.shape)
        : null;
      await check(c, (q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: c.isCausal }));
      mask?.dispose();
    });
  }
  it('gradcheck for q, k and v (causal, additive mask)', async () => {
    const mask = wg.randn([3, 4], { seed: 9 });
    const r = await gradcheck((q: wg.Tensor, k: wg.Tensor, v: wg.Tensor) => F.scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: true }),
      [wg.randn([1, 2, 3, 3], { seed: 10 }), wg.randn([1, 2, 4, 3], { seed: 11 }), wg.randn([1, 2, 4, 3], { seed: 12 })]);
    expect(r.ok, r.message).toBe(true);
  });
  it('the same tensor as q, k and v: gradients add up', async () => {
    const r = await gradcheck((x: wg.Tensor) => F.scaledDotProductAttention(x, x, x), [wg.randn([2, 3, 4], { seed: 13 })]);
    expect(r.ok, r.message).toBe(true);
  });
  it('−Infinity in an additive mask masks; a fully masked row is NaN, as torch', async () => {
    const q = wg.tensor([1, 2], [1, 2, 1]);
    const v = wg.tensor([10, 20], [1, 2, 1]);
    const mask = wg.tensor([0, -Infinity, -Infinity, -Infinity], [2, 2]);
    const y = Array.from(await F.scaledDotProductAttention(q, q, v, { attnMask: mask }).toArray());
    expect(y[0]).toBe(10);
    expect(Number.isNaN(y[1])).toBe(true);
  });
  it('names bad shapes and options', () => {
    const q = wg.randn([1, 2, 3, 4]);
    expect(() => F.scaledDotProductAttention(q, wg.randn([1, 2, 3, 5]), q)).toThrow(/webgrad\.scaledDotProductAttention: shapes do not fit \(query \[1, 2, 3, 4\], key \[1, 2, 3, 5\]/);
    expect(() => F.scaledDotProductAttention(q, q, q, { attnMask: wg.randn([2, 3]) })).toThrow(/attnMask of shape \[2, 3\] does not broadcast to the scores' shape \[1, 2, 3, 3\]/);
    expect(() => F.scaledDotProductAttention(q, q, q, { dropoutP: 0.1 })).toThrow(/dropoutP = 0.1 is not supported/);
    expect(() => F.scaledDotProductAttention(q.int(), q, q)).toThrow(/query is int32.*\.float\(\)/);
    expect(() => F.scaledDotProductAttention(q, q, q, { attnMask: wg.randn([3, 3], { requiresGrad: true }) })).toThrow(/attnMask is a constant/);
  });
});

describe('MultiheadAttention', () => {
  for (const c of fx.mha) {
    it(`${c.name}: output, weights, every parameter's gradient`, async () => {
      const m = new wg.nn.MultiheadAttention(c.embedDim, c.numHeads, { bias: c.bias });
      const names = m.namedParameters().map(([n]) => n);
      const torchNames = Object.keys(c.params).map((n) => n.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()).replace('out_proj', 'outProj'));
      expect(names.sort()).toEqual(torchNames.sort());
      const sd: Record<string, number[]> = {};
      for (const [n, t] of Object.entries(c.params)) sd[n.replace('in_proj_weight', 'inProjWeight').replace('in_proj_bias', 'inProjBias').replace('out_proj', 'outProj')] = t.data;
      expect(m.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      const before = wg.memory().tensors;
      const xs = c.inputs.map(leaf);
      const [q, k] = [xs[0], xs[1] ?? xs[0]];
      const mask = 'mask' in c && c.mask ? up(c.mask as T) : null;
      const [out, w] = m.forward(q, k, k, { isCausal: c.isCausal, needWeights: true, attnMask: mask });
      expectClose(await out.toArray(), c.output, { ...tol, label: 'output' });
      expectClose(await w.toArray(), c.weights, { ...tol, label: 'weights' });
      const u = up(c.upstream);
      const root = out.mul(u).sum();
      root.backward();
      for (const [n, p] of m.namedParameters()) {
        const key = n.replace('inProjWeight', 'in_proj_weight').replace('inProjBias', 'in_proj_bias').replace('outProj', 'out_proj');
        expectClose(await p.grad!.toArray(), (c.paramGrads as Record<string, T>)[key], { ...tol, label: `grad ${n}` });
      }
      for (const [i, g] of c.grads.entries()) expectClose(await xs[i].grad!.toArray(), g, { ...tol, label: `input grad ${i}` });
      for (const t of [root, u, out, w, ...xs, ...xs.map((x) => x.grad!)]) t.dispose();
      mask?.dispose();
      m.zeroGrad();
      expect(wg.memory().tensors).toBeLessThanOrEqual(before);
    });
  }
  it('gradcheck with three different inputs (each read from its own projection) and a 3-D additive mask', async () => {
    const m = new wg.nn.MultiheadAttention(4, 2);
    const mask = wg.randn([2 * 2, 3, 2], { seed: 20 });
    const r = await gradcheck((q: wg.Tensor, k: wg.Tensor, v: wg.Tensor) => m.forward(q, k, v, { attnMask: mask }),
      [wg.randn([2, 3, 4], { seed: 21 }), wg.randn([2, 2, 4], { seed: 22 }), wg.randn([2, 2, 4], { seed: 23 })]);
    expect(r.ok, r.message).toBe(true);
  });
  it('a boolean mask (int32, nonzero masks, as torch) equals isCausal', async () => {
    const c = fx.mha[0];
    const m = new wg.nn.MultiheadAttention(c.embedDim, c.numHeads);
    const x = up(c.inputs[0]);
    const T = x.shape[1];
    const blocked = Int32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? 1 : 0));
    const a = await m.forward(x, x, x, { isCausal: true }).toArray();
    const b = await m.forward(x, x, x, { attnMask: wg.tensor(blocked, [T, T]) }).toArray();
    expectClose(b, a, tol);
  });
  it('init as torch, and errors name the module', async () => {
    const m = new wg.nn.MultiheadAttention(8, 2);
    const w = Array.from(await m.inProjWeight.toArray());
    const bound = Math.sqrt(6 / (8 + 24));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Array.from(await m.inProjBias!.toArray()).every((v) => v === 0)).toBe(true);
    expect(Array.from(await m.outProj.bias!.toArray()).every((v) => v === 0)).toBe(true);
    expect(() => new wg.nn.MultiheadAttention(10, 3)).toThrow(/embedDim \(10\) must be divisible by numHeads \(3\)/);
    expect(() => m.forward(wg.randn([2, 3, 7]))).toThrow(/nn\.MultiheadAttention\(8, 2\): query must be \[B, T, 8\]/);
    expect(() => m.forward(wg.randn([2, 3, 8]), undefined, undefined, { attnMask: wg.randn([4, 4]) })).toThrow(/does not broadcast/);
  });
  it('a training loop with it has flat memory', async () => {
    const m = new wg.nn.MultiheadAttention(8, 2);
    const ln = new wg.nn.LayerNorm(8);
    const emb = new wg.nn.Embedding(5, 8);
    const opt = new wg.optim.Adam([...m.parameters(), ...ln.parameters(), ...emb.parameters()], { lr: 1e-2 });
    const idx = wg.tensor(Int32Array.from([0, 1, 2, 3, 4, 0, 1, 2]), [2, 4]);
    const counts: number[] = [];
    const made: wg.Tensor[] = []; // what the steps create, counted alive (robust to other files' garbage being finalized)
    for (let step = 0; step < 4; step++) {
      const { result: loss, created } = collect(() => {
        opt.zeroGrad();
        const x = ln.forward(emb.forward(idx));
        const l = m.forward(x, x, x, { isCausal: true }).square().mean();
        l.backward();
        opt.step();
        return l;
      });
      made.push(...created);
      loss.dispose();
      counts.push(made.filter((t) => !t.disposed).length);
    }
    expect(counts[3]).toBe(counts[1]);
    expect(counts[2]).toBe(counts[1]);
  });
});
