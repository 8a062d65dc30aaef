// The second wave of tensor ops beyond the torch fixtures: gradients against central differences,
// errors that name the op and the fix (a GPU-found gather index at the next readback), seeded
// randint/randperm, and a training loop through the new ops whose memory stays flat.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { gradcheck } from '../../src/testing/index.js';

beforeAll(async () => {
  await wg.init();
});

const rand = (shape: number[], seed: number) => wg.randn(shape, { seed });
const idx = (data: number[], shape: number[]) => wg.tensor(Int32Array.from(data), shape);

describe('gradients against finite differences', () => {
  const cases: [string, (...xs: wg.Tensor[]) => wg.Tensor, () => wg.Tensor[]][] = [
    ['permute · narrow · cat', (a, b) => wg.cat([a.permute([2, 0, 1]).narrow(1, 1, 2), b], 1).tanh(), () => [rand([3, 4, 2], 1), rand([2, 1, 4], 2)]],
    ['stack · split · chunk', (a) => wg.stack([...a.split([1, 2], 1), ...a.chunk(3, 1)].map((p) => p.sum(1)), 0).sin(), () => [rand([3, 3], 3)]],
    ['gather with repeats', (x) => x.gather(1, idx([0, 2, 2, 1, 0, 0], [2, 3])).mul(x.narrow(1, 0, 3)), () => [rand([2, 4], 4)]],
    ['where · maskedFill', (a, b) => wg.where(a.gt(0), a.mul(b), b.cos()).maskedFill(b.lt(-0.5), 3), () => [rand([3, 4], 5), rand([4], 6)]],
    ['logsumexp over two dims', (x) => x.logsumexp([0, 2]), () => [rand([2, 3, 4], 7)]],
    ['cumsum', (x) => x.cumsum(-2).square(), () => [rand([2, 5, 3], 8)]],
    ['var and std', (x) => wg.var(x, 1).add(x.std([0, 1], { correction: 0, keepdim: true }).sum()), () => [rand([3, 4], 9)]],
    ['norm p = 3 and 2', (x) => x.norm(3, 1).add(x.norm()), () => [rand([3, 4], 10)]],
    ['min and rsqrt', (x) => x.min(0).add(x.abs().add(0.5).rsqrt().min()), () => [rand([4, 3], 11)]],
    ['tril · triu', (x) => x.tril(-1).add(x.triu(2)).mul(x), () => [rand([2, 3, 4], 12)]],
  ];
  for (const [name, fn, inputs] of cases) {
    it(name, async () => {
      const xs = inputs();
      const r = await gradcheck(fn, xs);
      expect(r.ok, r.message).toBe(true);
      xs.forEach((x) => x.dispose());
    });
  }
});

describe('larger shapes against a CPU reference', () => {
  it('permute, cat, narrow, cumsum and gather over more elements than a workgroup walks at once', async () => {
    const [A, B, C] = [17, 130, 9];
    const x = wg.arange(A * B * C).reshape([A, B, C]);
    const xs = await x.toArray();
    const at = (i: number, j: number, k: number) => xs[(i * B + j) * C + k];
    const p = await x.permute([2, 0, 1]).toArray(); // [C, A, B]
    let bad = 0;
    for (let k = 0; k < C; k++) for (let i = 0; i < A; i++) for (let j = 0; j < B; j++) bad += p[(k * A + i) * B + j] === at(i, j, k) ? 0 : 1;
    expect(bad).toBe(0);
    const c = await wg.cat([x, x.narrow(1, 7, 100).mul(-1)], 1).toArray(); // [A, 230, C]
    bad = 0;
    for (let i = 0; i < A; i++) for (let j = 0; j < 230; j++) for (let k = 0; k < C; k++) {
      bad += c[(i * 230 + j) * C + k] === (j < B ? at(i, j, k) : -at(i, j - B + 7, k)) ? 0 : 1;
    }
    expect(bad).toBe(0);
    const ones = wg.onesLike(wg.zeros([3, 5000], { dtype: 'int32' }));
    const cs = await ones.cumsum(1).toArray();
    expect(cs[4999] === 5000 && cs[2 * 5000 + 1234] === 1235).toBe(true);
    const index = wg.randint(0, B, [A, 300, C], { seed: 5 });
    const ix = await index.toArray();
    const g = await x.gather(1, index).toArray();
    bad = 0;
    for (let i = 0; i < A; i++) for (let j = 0; j < 300; j++) for (let k = 0; k < C; k++) {
      const f = (i * 300 + j) * C + k;
      bad += g[f] === at(i, ix[f], k) ? 0 : 1;
    }
    expect(bad).toBe(0);
  });
  it('cumsum over long lines (a workgroup per line), forward and reverse (its gradient), along rows and columns', async () => {
    for (const [shape, dim] of [[[2, 3001], 1], [[700, 3], 0], [[5, 600, 2], 1]] as [number[], number][]) {
      const x = wg.randn(shape, { seed: 21, requiresGrad: true });
      const u = wg.randn(shape, { seed: 22 });
      const y = x.cumsum(dim).keep(); // read after backward()
      const loss = y.mul(u).sum();
      loss.backward();
      const [xs, us, ys, gs] = await Promise.all([x, u, y, x.grad!].map((t) => t.toArray()));
      const R = shape[dim];
      const inner = shape.slice(dim + 1).reduce((p, d) => p * d, 1);
      let worst = 0;
      for (let o = 0; o < xs.length / R; o++) {
        const base = Math.floor(o / inner) * R * inner + (o % inner);
        let f = 0;
        let b = 0;
        for (let r = 0; r < R; r++) {
          f += xs[base + r * inner];
          b += us[base + (R - 1 - r) * inner];
          worst = Math.max(worst, Math.abs(ys[base + r * inner] - f), Math.abs(gs[base + (R - 1 - r) * inner] - b));
        }
      }
      expect(worst, `cumsum of [${shape}] along ${dim}`).toBeLessThan(2e-4 * Math.sqrt(R));
      for (const t of [x, u, y, loss]) t.dispose();
    }
  });
});

describe('gather gradient, both ways', () => {
  it('an index long along dim (float atomics) and a short one (a loop per element) agree with a CPU scatter-add', async () => {
    for (const [V, D, N] of [[200, 8, 1000], [7, 3, 5]]) {
      const x = wg.randn([V, D], { seed: 31, requiresGrad: true });
      const index = wg.randint(0, V, [N, D], { seed: 32 });
      const u = wg.randn([N, D], { seed: 33 });
      const loss = x.gather(0, index).mul(u).sum();
      loss.backward();
      const [ix, us, gs] = await Promise.all([index, u, x.grad!].map((t) => t.toArray()));
      const want = new Float64Array(V * D);
      for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) want[ix[n * D + d] * D + d] += us[n * D + d];
      let worst = 0;
      want.forEach((w, i) => (worst = Math.max(worst, Math.abs(w - gs[i]))));
      expect(worst, `gather backward, x [${V}, ${D}], index [${N}, ${D}]`).toBeLessThan(1e-4);
      for (const t of [x, index, u, loss]) t.dispose();
    }
  });
});

describe('errors name the op, the shapes and the fix', () => {
  const x = () => wg.zeros([2, 3]);
  const cases: [string, () => unknown, RegExp][] = [
    ['permute repeats a dim', () => x().permute([0, 0]), /webgrad\.permute: dims \[0,0\] are not a permutation of the 2 dims .*\[2, 3\]/],
    ['permute bad dim', () => x().permute([0, 2]), /webgrad\.permute: dim 2 is out of range/],
    ['cat mismatched shapes', () => wg.cat([x(), wg.zeros([2, 4])]), /webgrad\.cat: tensors of shapes \[2, 3\], \[2, 4\] cannot be joined along dim 0; all sizes must match except in dim 0/],
    ['cat of nothing', () => wg.cat([]), /webgrad\.cat: expected a non-empty list/],
    ['stack of a number', () => wg.stack([x(), 1 as unknown as wg.Tensor]), /webgrad\.stack: expected a non-empty list of tensors/],
    ['stack of different shapes', () => wg.stack([x(), wg.zeros([3, 2])]), /webgrad\.stack: all tensors must have the same shape \(got \[2, 3\], \[3, 2\]\)/],
    ['narrow past the end', () => x().narrow(1, 2, 2), /webgrad\.narrow: start 2 and length 2 do not fit in dim 1 of size 3/],
    ['split sizes', () => x().split([1, 1], 1), /webgrad\.split: sizes \[1,1\] must be non-negative integers summing to 3/],
    ['chunk 0', () => x().chunk(0), /webgrad\.chunk: chunks must be a positive integer/],
    ['unsqueeze dim', () => x().unsqueeze(3), /webgrad\.unsqueeze: dim 3 is out of range for a tensor of rank 3/],
    ['squeeze dim', () => x().squeeze(-3), /webgrad\.squeeze: dim -3 is out of range/],
    ['flatten order', () => x().flatten(1, 0), /webgrad\.flatten: startDim 1 comes after endDim 0/],
    ['gather float index', () => x().gather(1, wg.zeros([2, 3])), /webgrad\.gather: index must be an int32 tensor \(got float32\); convert with index\.int\(\)/],
    ['gather index too big', () => x().gather(1, idx([0, 0, 0], [3, 1])), /webgrad\.gather: index of shape \[3, 1\] does not fit input of shape \[2, 3\]/],
    ['where of two numbers', () => wg.where(x(), 1, 2), /webgrad\.where: at least one of a and b must be a Tensor/],
    ['maskedFill mask too big', () => x().maskedFill(wg.zeros([4, 3]), 1), /webgrad\.maskedFill: shapes \[2, 3\] and \[4, 3\] cannot be broadcast/],
    ['maskedFill mask that widens', () => x().maskedFill(wg.zeros([2, 2, 3]), 1), /webgrad\.maskedFill: mask of shape \[2, 2, 3\] does not broadcast to the input's shape \[2, 3\]/],
    ['min of an empty dim', () => wg.zeros([2, 0]).min(1), /webgrad\.min: cannot take the minimum of an empty dimension/],
    ['argmin of nothing', () => wg.zeros([0]).argmin(), /webgrad\.argmin: cannot take the minimum of an empty tensor/],
    ['logsumexp without dim', () => (x().logsumexp as (d?: number) => wg.Tensor)(), /webgrad\.logsumexp: dim is required/],
    ['var of int32', () => idx([1, 2], [2]).var(), /webgrad\.var: needs a float32 tensor \(got int32 .*x\.float\(\)\.var/],
    ['std of int32', () => idx([1, 2], [2]).std(), /webgrad\.std: .*x\.float\(\)/],
    ['norm of int32', () => idx([1, 2], [2]).norm(), /webgrad\.norm: .*x\.float\(\)/],
    ['var with torch\'s unbiased', () => x().var(1, { unbiased: false } as wg.VarOptions), /webgrad\.var: unknown option 'unbiased'/],
    ['tril of a vector', () => wg.zeros([3]).tril(), /webgrad\.tril: needs a tensor of at least 2 dims \(got shape \[3\]\)/],
    ['cumsum dim', () => x().cumsum(2), /webgrad\.cumsum: dim 2 is out of range/],
    ['randint range', () => wg.randint(3, 3, [2]), /webgrad\.randint: needs integers low < high/],
    ['linspace steps', () => wg.linspace(0, 1, -1), /webgrad\.linspace: steps must be a non-negative integer/],
    ['eye size', () => wg.eye(2.5), /webgrad\.eye: n must be a non-negative integer/],
  ];
  for (const [name, fn, re] of cases) it(name, () => expect(fn).toThrow(re));

  it('a gather index out of range on the GPU is reported at the next readback, then the flag re-arms', async () => {
    const src = wg.arange(10).reshape([2, 5]);
    for (const bad of [5, -1]) {
      const y = src.gather(1, idx([0, bad, 2, 4], [2, 2]));
      await expect(y.toArray()).rejects.toThrow(new RegExp(`webgrad\\.gather: index ${bad} at flat position 1 of the index is out of range for dim 1 of size 5 .*\\[0, 5\\)`));
      y.dispose();
    }
    const ok = src.gather(1, idx([4, 3, 0, 0], [2, 2]));
    expect(Array.from(await ok.toArray())).toEqual([4, 3, 5, 5]);
  });
});

describe('randint and randperm', () => {
  it('are int32, in range, deterministic per seed', async () => {
    const a = await wg.randint(-3, 4, [5, 41], { seed: 7 }).toArray();
    const b = await wg.randint(-3, 4, [5, 41], { seed: 7 }).toArray();
    const c = await wg.randint(-3, 4, [5, 41], { seed: 8 }).toArray();
    expect(a).toBeInstanceOf(Int32Array);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(new Set(a)).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3])); // every value of [-3, 4) and nothing else
    const wide = await wg.randint(-(2 ** 31), 2 ** 31, [64], { seed: 1 }).toArray();
    expect(wide.some((v) => v < -(2 ** 30)) && wide.some((v) => v > 2 ** 30)).toBe(true);
  });
  it('randperm is a permutation of 0..n-1, deterministic per seed', async () => {
    for (const n of [0, 1, 2, 37]) {
      const p = Array.from(await wg.randperm(n, { seed: 3 }).toArray());
      expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(Array.from(await wg.randperm(n, { seed: 3 }).toArray())).toEqual(p);
    }
    const a = Array.from(await wg.randperm(37, { seed: 3 }).toArray());
    expect(Array.from(await wg.randperm(37, { seed: 4 }).toArray())).not.toEqual(a);
    expect(a).not.toEqual(Array.from({ length: 37 }, (_, i) => i));
  });
});

describe('memory', () => {
  it('a training loop through the new ops keeps the same tensors and bytes at every step', async () => {
    const w = wg.randn([6, 4], { seed: 1, requiresGrad: true });
    const x = wg.randn([5, 6], { seed: 2 }).narrow(0, 1, 3); // a constant: made once, outside the loop
    const index = wg.randint(0, 6, [3, 6], { seed: 3 });
    const opt = new wg.optim.SGD([w], { lr: 0.01 });
    const seen: { tensors: number; bytes: number }[] = [];
    for (let step = 0; step < 5; step++) {
      opt.zeroGrad();
      const h = wg.cat([w.permute([1, 0]), x], 0).tril(1).sin(); // [7, 6]
      const [p, q] = h.split([3, 4], 0);
      const pos = p.gt(0); // comparisons and argmin are not on the tape: the loop frees them
      const y = wg.where(pos, p, q.narrow(0, 0, 3).cos()).cumsum(0); // [3, 6]
      const neg = y.lt(0);
      const filled = y.maskedFill(neg, 0);
      const am = filled.argmin();
      const amf = am.float();
      const loss = y.logsumexp(1).std().add(y.norm(3)).add(y.gather(1, index).min()).add(y.var(0).sum())
        .add(wg.stack(y.chunk(2, 1), 0).square().mean()).add(amf);
      loss.backward();
      opt.step();
      loss.dispose();
      for (const t of [pos, neg, filled, am, amf]) t.dispose();
      const m = wg.memory();
      seen.push({ tensors: m.tensors, bytes: m.bytes });
    }
    // ≤, not =: a garbage collection may free earlier tests' dropped tensors meanwhile (a leak only adds)
    expect(seen.slice(1).every((m) => m.tensors <= seen[1].tensors && m.bytes <= seen[1].bytes), JSON.stringify(seen)).toBe(true);
    expect(Number.isFinite(await w.sum().item())).toBe(true);
  });
});
