// The fused cross-entropy (and mseLoss) against PyTorch fixtures, against the composition
// −Σ q·logSoftmax(x) built from other ops, and against a float64 CPU reference; bad targets and shapes.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import fx from '../fixtures/autograd.json';
import { Ref, Rng, expectClose } from '../helpers/reference.js';
import { toGpu } from '../helpers/gpu.js';

const F = wg.nn.functional;
type FxTensor = { shape: number[]; data: number[] };
interface Case {
  name: string;
  op: string;
  args: { reduction?: 'mean' | 'sum' | 'none'; labelSmoothing?: number };
  inputs: FxTensor[];
  targets?: number[];
  output: FxTensor;
  upstream: FxTensor;
  grads: FxTensor[];
}
const cases = (fx as unknown as { cases: Case[] }).cases;
const up = (t: FxTensor) => wg.tensor(t.data, t.shape);
const targetsOf = (c: Case) => wg.tensor(Int32Array.from(c.targets!), [c.targets!.length]);

beforeAll(async () => {
  await wg.init();
});

/** Run `op` on the fixture inputs, backpropagate the fixture's upstream gradient, compare both. */
async function checkCase(c: Case, op: (...xs: wg.Tensor[]) => wg.Tensor, rtol = 1e-5): Promise<void> {
  const xs = c.inputs.map((t) => wg.tensor(t.data, t.shape, { requiresGrad: true }));
  const out = op(...xs);
  expect(out.shape).toEqual(c.output.shape);
  expectClose(await out.toArray(), c.output, { rtol, atol: 1e-6, label: `${c.name} output` });
  const u = up(c.upstream);
  const root = out.mul(u).sum();
  root.backward();
  root.dispose();
  for (const [i, g] of c.grads.entries()) {
    expectClose(await xs[i].grad!.toArray(), g, { rtol, atol: 1e-6, label: `${c.name} grad ${i}` });
  }
  for (const t of [...xs, ...xs.map((x) => x.grad!), u, out]) t.dispose();
}

describe('crossEntropy vs torch', () => {
  const ce = cases.filter((c) => c.op === 'crossEntropy');
  it('has all six reduction × labelSmoothing fixtures', () => {
    expect(ce.map((c) => `${c.args.reduction}/${c.args.labelSmoothing}`).sort()).toEqual(
      ['mean/0', 'mean/0.1', 'none/0', 'none/0.1', 'sum/0', 'sum/0.1'],
    );
  });
  for (const c of ce) {
    it(`${c.name} (int32 tensor targets)`, async () => {
      const t = targetsOf(c);
      await checkCase(c, (x) => F.crossEntropy(x, t, c.args));
      t.dispose();
    });
    it(`${c.name} (Int32Array targets)`, async () => {
      await checkCase(c, (x) => F.crossEntropy(x, Int32Array.from(c.targets!), c.args));
    });
  }
});

describe('mseLoss vs torch', () => {
  for (const c of cases.filter((c) => c.op === 'mseLoss')) {
    it(c.name, async () => {
      await checkCase(c, (a, b) => F.mseLoss(a, b, c.args as { reduction: 'mean' | 'sum' | 'none' }));
    });
  }
  it('refuses inputs of different shapes, naming both', () => {
    const a = wg.zeros([3, 4]);
    const b = wg.zeros([4]);
    expect(() => F.mseLoss(a, b)).toThrow(/mseLoss.*\[3, 4\].*\[4\]/);
    a.dispose();
    b.dispose();
  });
});

/** float64 reference: per-row −Σ_j q_j·logp_j. */
function referenceRows(x: Ref, t: number[], eps: number): Ref {
  const [N, C] = x.shape;
  const lp = x.logSoftmax(1);
  return new Ref(
    Float64Array.from({ length: N }, (_, i) => {
      let s = 0;
      for (let j = 0; j < C; j++) s -= ((j === t[i] ? 1 - eps : 0) + eps / C) * lp.data[i * C + j];
      return s;
    }),
    [N],
  );
}

describe('the fused kernel equals the composition', () => {
  const rng = new Rng(7);
  // C above the workgroup size (64) exercises the strided loops; the offset tests the max subtraction.
  const shapes: [number, number, number][] = [[37, 13, 0], [5, 300, 0], [9, 7, 1000]];
  for (const [N, C, offset] of shapes) {
    for (const eps of [0, 0.2]) {
      it(`[${N}, ${C}] logits${offset ? ` around ${offset}` : ''}, labelSmoothing ${eps}`, async () => {
        const xr = rng.randn([N, C], 3).map((v) => Math.fround(v + offset));
        const targets = Array.from({ length: N }, () => rng.int(0, C - 1));
        const u = rng.randn([N]);
        // fused
        const x1 = toGpu(xr, { requiresGrad: true });
        const fusedLoss = F.crossEntropy(x1, Int32Array.from(targets), { reduction: 'none', labelSmoothing: eps });
        // composition: q built on the CPU, −Σ_j q_ij · logSoftmax(x)_ij
        const q = new Float32Array(N * C);
        targets.forEach((t, i) => {
          for (let j = 0; j < C; j++) q[i * C + j] = (j === t ? 1 - eps : 0) + eps / C;
        });
        const qt = wg.tensor(q, [N, C]);
        const x2 = toGpu(xr, { requiresGrad: true });
        const composed = x2.logSoftmax(1).mul(qt).sum(1).neg();
        const fwd = await fusedLoss.toArray();
        expectClose(fwd, await composed.toArray(), { rtol: 1e-5, atol: 1e-5, label: 'fused vs composed loss' });
        expectClose(fwd, referenceRows(xr, targets, eps), { rtol: 1e-5, atol: 1e-5, label: 'fused vs float64 loss' });
        const ut = toGpu(u);
        const roots = [fusedLoss.mul(ut).sum(), composed.mul(ut).sum()];
        for (const r of roots) r.backward();
        expectClose(await x1.grad!.toArray(), await x2.grad!.toArray(), { rtol: 1e-4, atol: 1e-6, label: 'fused vs composed grad' });
        for (const t of [x1, x2, x1.grad!, x2.grad!, qt, ut, fusedLoss, composed, ...roots]) t.dispose();
      });
    }
  }

  it('accepts 1-D logits with a one-element target', async () => {
    const xr = new Rng(3).randn([6]);
    const x = toGpu(xr, { requiresGrad: true });
    const loss = F.crossEntropy(x, [4]);
    expect(loss.shape).toEqual([]);
    const none = F.crossEntropy(x, wg.tensor(Int32Array.of(4), []), { reduction: 'none' });
    expect(none.shape).toEqual([]);
    const want = referenceRows(xr.reshape([1, 6]), [4], 0).data[0];
    expect(await loss.item()).toBeCloseTo(want, 5);
    expect(await none.item()).toBeCloseTo(want, 5);
    loss.backward();
    const g = await x.grad!.toArray();
    const p = xr.softmax(0).data;
    expectClose(g, Array.from(p, (v, j) => v - (j === 4 ? 1 : 0)), { rtol: 1e-5, atol: 1e-6 });
    for (const t of [x, x.grad!, loss, none]) t.dispose();
  });
});

describe('crossEntropy refuses bad targets', () => {
  it('a target out of range in a GPU tensor throws at the next readback, naming the row and value', async () => {
    const x = wg.tensor(new Rng(5).randn([3, 4]).data, [3, 4], { requiresGrad: true });
    const t = wg.tensor(Int32Array.of(1, 4, -100), [3]);
    const reads = wg.stats().readbacks;
    const loss = F.crossEntropy(x, t);
    loss.backward();
    expect(wg.stats().readbacks).toBe(reads); // nothing waits for the GPU before the user reads
    await expect(loss.item()).rejects.toThrow(/crossEntropy: target\[1\] = 4 is not a class index in \[0, 4\).*ignoreIndex \(-100\)/);
    expect(wg.stats().readbacks).toBe(reads + 1); // the flag came with the data: one readback
    // reported once; the valid rows' gradient is intact, the bad row's is NaN
    const g = await x.grad!.toArray();
    expect(g.slice(0, 4).every(Number.isFinite)).toBe(true);
    expect(g.slice(4, 8).every(Number.isNaN)).toBe(true);
    expect(Array.from(g.slice(8))).toEqual([0, 0, 0, 0]); // -100 is ignored
    const neg = wg.tensor(Int32Array.of(0, -1, 2), [3]);
    const l2 = F.crossEntropy(x, neg, { reduction: 'sum' });
    await expect(l2.toArray()).rejects.toThrow(/target\[1\] = -1 is not a class index/);
    for (const z of [x, x.grad!, t, loss, neg, l2]) z.dispose();
  });

  it('an Int32Array target out of range throws, naming the index and the range', () => {
    const x = wg.zeros([3, 4]);
    expect(() => F.crossEntropy(x, Int32Array.of(0, 4, 1))).toThrow(/target\[1\] = 4 .*\[0, 4\)/);
    expect(() => F.crossEntropy(x, [0, -1, 1])).toThrow(/target\[1\] = -1/);
    x.dispose();
  });

  it('shape mismatches name both shapes', () => {
    const x = wg.zeros([3, 4]);
    const t = wg.tensor(Int32Array.of(0, 1), [2]);
    expect(() => F.crossEntropy(x, t)).toThrow(/target of shape \[2\].*logits of shape \[3, 4\]/);
    expect(() => F.crossEntropy(x, Int32Array.of(0, 1))).toThrow(/\[2\].*\[3, 4\]/);
    const x3 = wg.zeros([2, 3, 4]);
    expect(() => F.crossEntropy(x3, Int32Array.of(0, 1))).toThrow(/\[2, 3, 4\].*reshape/);
    for (const z of [x, t, x3]) z.dispose();
  });

  it('float targets, bad reductions and smoothing are explained', () => {
    const x = wg.zeros([2, 3]);
    const tf = wg.tensor([0, 1]);
    expect(() => F.crossEntropy(x, tf)).toThrow(/int32 class indices.*dtype: 'int32'/);
    expect(() => F.crossEntropy(x, [0, 1], { reduction: 'avg' as 'mean' })).toThrow(/reduction must be/);
    expect(() => F.crossEntropy(x, [0, 1], { labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
    for (const z of [x, tf]) z.dispose();
  });
});

describe('crossEntropy memory', () => {
  it('leaves nothing behind under noGrad, nor after backward', async () => {
    const x = wg.randn([8, 5], { seed: 1, requiresGrad: true });
    const t = Int32Array.of(0, 1, 2, 3, 4, 0, 1, 2);
    const live = () => ({ tensors: wg.memory().tensors, bytes: wg.memory().bytes });
    const before = live();
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const l = wg.noGrad(() => F.crossEntropy(x, t, { reduction }));
      l.dispose();
    }
    expect(live()).toEqual(before);
    const l2 = F.crossEntropy(x, t, { labelSmoothing: 0.1 });
    l2.backward();
    l2.dispose();
    x.grad!.dispose();
    x.grad = null;
    expect(live()).toEqual(before);
    await wg.sync();
    x.dispose();
  });
});
