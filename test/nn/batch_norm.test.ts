// batchNorm and BatchNorm1d/2d against torch 1.13 (fixtures from test/fixtures/gen_norm.py): values,
// gradients and running statistics in train and eval; three module steps with momentum 0.1, 0.3 and
// null; the state dict (names, wg.save/wg.load exact); a BatchNorm MLP that trains and evaluates with
// its running statistics; flat memory; errors that name the op.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import fx from '../fixtures/norm.json';
import { expectClose } from '../helpers/expect_close.js';
import { collect } from '../../src/tensor/index.js';
import { gradcheck } from '../../src/testing/index.js';

const F = wg.nn.functional;
type FxTensor = { shape: number[]; data: number[] };
interface BnCase {
  name: string; training: boolean; momentum: number; eps: number; x: FxTensor; weight?: FxTensor; bias?: FxTensor;
  runningMean?: FxTensor; runningVar?: FxTensor; y: FxTensor; upstream: FxTensor; dx: FxTensor;
  dweight?: FxTensor; dbias?: FxTensor; runningMeanAfter?: FxTensor; runningVarAfter?: FxTensor;
}
interface ModuleCase {
  name: string; dims: 1 | 2; numFeatures: number; momentum: number | null; affine: boolean;
  steps: { x: FxTensor; y: FxTensor }[]; evalX: FxTensor; evalY: FxTensor; state: Record<string, FxTensor>;
}
const bnCases = (fx as unknown as { batchNorm: BnCase[] }).batchNorm;
const moduleCases = (fx as unknown as { modules: ModuleCase[] }).modules;
const up = (t: FxTensor, o: { requiresGrad?: boolean } = {}) => wg.tensor(t.data, t.shape, o);
const alive = (ts: wg.Tensor[]) => {
  const live = ts.filter((t) => !t.disposed);
  return { tensors: live.length, bytes: live.reduce((n, t) => n + t.size * 4, 0) };
};
const tol = (name: string) => (name.includes('large mean') ? { rtol: 1e-3, atol: 2e-3 } : { rtol: 1e-4, atol: 2e-5 });

beforeAll(async () => {
  await wg.init();
});

describe('batchNorm vs torch 1.13', () => {
  it('the fixture covers train and eval, [N, C], [N, C, L], [N, C, H, W], N = 1, affine off, no running stats', () => {
    expect(bnCases.filter((c) => c.training).length).toBeGreaterThanOrEqual(8);
    expect(bnCases.filter((c) => !c.training).length).toBeGreaterThanOrEqual(7);
    for (const r of [2, 3, 4]) expect(bnCases.some((c) => c.x.shape.length === r)).toBe(true);
    expect(bnCases.some((c) => c.x.shape[0] === 1 && c.training)).toBe(true);
    expect(bnCases.some((c) => !c.weight) && bnCases.some((c) => !c.runningMean)).toBe(true);
  });
  for (const c of bnCases) {
    it(c.name, async () => {
      const x = up(c.x, { requiresGrad: true });
      const w = c.weight ? up(c.weight, { requiresGrad: true }) : null;
      const b = c.bias ? up(c.bias, { requiresGrad: true }) : null;
      const rm = c.runningMean ? up(c.runningMean) : null;
      const rv = c.runningVar ? up(c.runningVar) : null;
      const before = wg.memory().tensors;
      const y = F.batchNorm(x, rm, rv, w, b, { training: c.training, momentum: c.momentum, eps: c.eps });
      const t = tol(c.name);
      expectClose(await y.toArray(), c.y, { ...t, label: `${c.name} y` });
      const g = up(c.upstream);
      const root = y.mul(g).sum();
      root.backward();
      expectClose(await x.grad!.toArray(), c.dx, { ...t, label: `${c.name} dx` });
      if (w) expectClose(await w.grad!.toArray(), c.dweight!, { ...t, label: `${c.name} dweight` });
      if (b) expectClose(await b.grad!.toArray(), c.dbias!, { ...t, label: `${c.name} dbias` });
      if (rm) expectClose(await rm.toArray(), c.runningMeanAfter!, { ...t, label: `${c.name} runningMean` });
      if (rv) expectClose(await rv.toArray(), c.runningVarAfter!, { ...t, label: `${c.name} runningVar` });
      for (const v of [y, g, root]) v.dispose();
      // what is left: the gradients backward() wrote (the op's saved statistics are freed)
      expect(wg.memory().tensors - before).toBe(1 + (w ? 2 : 0));
      for (const v of [x, w, b, rm, rv, x.grad, w?.grad, b?.grad]) v?.dispose();
    });
  }
});

function makeModule(c: ModuleCase): wg.nn.BatchNorm1d {
  const Ctor = c.dims === 1 ? wg.nn.BatchNorm1d : wg.nn.BatchNorm2d;
  const m = new Ctor(c.numFeatures, { momentum: c.momentum, affine: c.affine });
  if (c.affine) m.loadStateDict({ weight: c.state.weight.data, bias: c.state.bias.data }, { strict: false });
  return m;
}

describe('batchNorm kernels and finite differences', () => {
  it('forward is two dispatches and backward two, in train and eval', () => {
    const x = wg.randn([4, 3, 5], { seed: 7, requiresGrad: true });
    const [w, b] = [wg.ones([3], { requiresGrad: true }), wg.zeros([3], { requiresGrad: true })];
    const [rm, rv] = [wg.zeros([3]), wg.ones([3])];
    for (const training of [true, false]) {
      const d0 = wg.stats().dispatches;
      const y = F.batchNorm(x, rm, rv, w, b, { training });
      const d1 = wg.stats().dispatches;
      const g = wg.ones([4, 3, 5]);
      const d1b = wg.stats().dispatches;
      y.backward(g);
      g.dispose();
      const d2 = wg.stats().dispatches;
      expect([d1 - d0, d2 - d1b]).toEqual([2, 2]);
      y.dispose();
      for (const p of [x, w, b]) { p.grad!.dispose(); p.grad = null; }
    }
    for (const t of [x, w, b, rm, rv]) t.dispose();
  });

  it('gradients match central differences (x, weight, bias; train and eval)', async () => {
    const x = wg.randn([3, 2, 4], { seed: 11 });
    const w = wg.tensor([0.7, 1.3], [2]);
    const b = wg.tensor([0.2, -0.4], [2]);
    const [rm, rv] = [wg.tensor([0.1, -0.2], [2]), wg.tensor([0.9, 1.4], [2])];
    for (const training of [true, false]) {
      // training normalises with the batch's statistics (no running buffers to update between evaluations)
      const f = (xx: wg.Tensor, ww: wg.Tensor, bb: wg.Tensor) =>
        F.batchNorm(xx, training ? null : rm, training ? null : rv, ww, bb, { training }).pow(3).sum(); // cubes: in training Σ y² does not depend on x
      const r = await gradcheck(f, [x, w, b], { eps: 1e-2, atol: 2e-2, rtol: 2e-2 });
      expect(r.ok, r.message).toBe(true);
    }
    // a weight without a bias, a 2-D input
    const x2 = wg.randn([5, 2], { seed: 12 });
    const r2 = await gradcheck((xx: wg.Tensor, ww: wg.Tensor) => F.batchNorm(xx, null, null, ww, null, { training: true }).pow(3).sum(), [x2, w], { eps: 1e-2, atol: 2e-2, rtol: 2e-2 });
    expect(r2.ok, r2.message).toBe(true);
    x2.dispose();
    for (const t of [x, w, b, rm, rv]) t.dispose();
  });
});

describe('BatchNorm1d / BatchNorm2d vs torch 1.13', () => {
  for (const c of moduleCases) {
    it(`${c.name}: three training steps, running stats, numBatchesTracked, eval`, async () => {
      const m = makeModule(c);
      for (const [i, s] of c.steps.entries()) {
        const x = up(s.x);
        const y = m.forward(x);
        expectClose(await y.toArray(), s.y, { rtol: 1e-4, atol: 2e-5, label: `step ${i}` });
        x.dispose();
        y.dispose();
      }
      const sd = m.stateDict();
      expect(Object.keys(sd)).toEqual(Object.keys(c.state)); // torch's names (camelCase) and order
      for (const [k, v] of Object.entries(c.state)) {
        expect(sd[k].shape).toEqual(v.shape);
        expectClose(await sd[k].toArray(), v.data, { rtol: 1e-5, atol: 1e-6, label: k });
      }
      expect(sd.numBatchesTracked.dtype).toBe('int32');
      expect(m.parameters().length).toBe(c.affine ? 2 : 0);
      m.eval();
      const xe = up(c.evalX);
      const ye = m.forward(xe);
      expectClose(await ye.toArray(), c.evalY, { rtol: 1e-4, atol: 2e-5, label: 'eval' });
      expect(await sd.numBatchesTracked.item()).toBe(3); // eval does not count
      for (const t of [xe, ye, ...Object.values(sd)]) t.dispose();
    });
  }

  it('stateDict round-trips through wg.save / wg.load exactly, into a fresh module', async () => {
    const c = moduleCases[2];
    const m = makeModule(c);
    for (const s of c.steps) {
      const x = up(s.x);
      wg.noGrad(() => m.forward(x)).dispose();
      x.dispose();
    }
    const bytes = await wg.save({ model: m.stateDict() });
    const loaded = (await wg.load(bytes)) as { model: Record<string, wg.Tensor> };
    const fresh = new wg.nn.BatchNorm2d(c.numFeatures, { momentum: 0.3 });
    const r = fresh.loadStateDict(loaded.model);
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const a = m.stateDict();
    const b = fresh.stateDict();
    for (const k of Object.keys(a)) {
      expect(b[k].dtype).toBe(a[k].dtype);
      expect(Array.from(await b[k].toArray())).toEqual(Array.from(await a[k].toArray()));
    }
    expect(await b.numBatchesTracked.item()).toBe(3);
    expect(fresh.buffers().length).toBe(3);
    expect(fresh.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
  });

  it('buffers carry dotted names in a model and are not optimised', () => {
    const model = new wg.nn.Sequential(new wg.nn.Linear(3, 4), new wg.nn.BatchNorm1d(4));
    expect(Object.keys(model.stateDict())).toEqual([
      '0.weight', '0.bias', '1.weight', '1.bias', '1.runningMean', '1.runningVar', '1.numBatchesTracked',
    ]);
    expect(model.namedBuffers().map(([n]) => n)).toEqual(['1.runningMean', '1.runningVar', '1.numBatchesTracked']);
    expect(model.parameters().length).toBe(4);
    const noStats = new wg.nn.BatchNorm1d(4, { trackRunningStats: false, affine: false });
    expect(Object.keys(noStats.stateDict())).toEqual([]);
  });
});

describe('a BatchNorm MLP', () => {
  it('trains, keeps memory flat (only the optimizer state outlives a step), and evaluates with its running statistics', async () => {
    wg.manualSeed(3);
    const n = 32;
    const xs = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 1.7) * 3 + 5); // far from zero mean
    const ys = Int32Array.from({ length: n }, (_, i) => (xs[i * 4] + xs[i * 4 + 1] > 10 ? 1 : 0));
    const x = wg.tensor(xs, [n, 4]);
    const bn = new wg.nn.BatchNorm1d(16);
    const model = new wg.nn.Sequential(new wg.nn.Linear(4, 16), bn, new wg.nn.ReLU(), new wg.nn.Linear(16, 2));
    const opt = new wg.optim.SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
    const step = () => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), ys);
      loss.backward();
      opt.step();
      return loss;
    };
    const item = async (t: wg.Tensor) => { const v = await t.item(); t.dispose(); return v; };
    const first = await item(step());
    // collect() lists the tensors the steps create (and keeps them reachable, so a leak stays visible)
    const early = collect(() => { for (let k = 0; k < 10; k++) step().dispose(); }).created;
    const at10 = alive(early);
    const late = collect(() => { for (let k = 0; k < 28; k++) step().dispose(); }).created;
    expect(alive([...early, ...late])).toEqual(at10);
    expect(await item(step())).toBeLessThan(first * 0.5);
    expect(await bn.numBatchesTracked!.item()).toBe(40);

    model.eval();
    // eval uses the running statistics: a row alone gives what it gives in the batch, and the layer
    // computes (h − runningMean)/√(runningVar + eps)·γ + β
    const h = wg.noGrad(() => model[0].forward(x));
    const out = wg.noGrad(() => bn.forward(h));
    const [hv, ov, rm, rv, gw, gb] = await Promise.all([h, out, bn.runningMean!, bn.runningVar!, bn.weight!, bn.bias!].map((t) => t.toArray()));
    const expected = Array.from(hv, (v, i) => ((v - rm[i % 16]) / Math.sqrt(rv[i % 16] + 1e-5)) * gw[i % 16] + gb[i % 16]);
    expectClose(ov, expected, { rtol: 1e-4, atol: 1e-5, label: 'eval output' });
    const row = wg.tensor(xs.slice(8, 12), [1, 4]);
    const one = wg.noGrad(() => model.forward(row));
    const all = wg.noGrad(() => model.forward(x));
    expectClose(await one.toArray(), (await all.toArray()).slice(4, 6), { rtol: 1e-4, atol: 1e-5, label: 'one row in eval' });
    for (const t of [h, out, row, one, all, x]) t.dispose();
  });
});

describe('batchNorm errors', () => {
  it('names the op, the shapes and the fix', () => {
    const x = wg.randn([4, 3], { seed: 1 });
    const rm = wg.zeros([3]);
    const rv = wg.ones([3]);
    expect(() => F.batchNorm(x.int(), rm, rv, null, null, { training: true })).toThrow(/webgrad\.batchNorm: input is int32 .*\.float\(\)/);
    expect(() => F.batchNorm(x, wg.zeros([4]), rv)).toThrow(/batchNorm: runningMean must be a float32 tensor of shape \[3\].*\[4\]/);
    expect(() => F.batchNorm(wg.randn([1, 3]), rm, rv, null, null, { training: true })).toThrow(/batchNorm: expected more than 1 value per channel when training, got input of shape \[1, 3\]/);
    expect(() => F.batchNorm(x, null, null)).toThrow(/batchNorm: evaluation .*runningMean and runningVar/);
    expect(() => F.batchNorm(x, rm, rv, null, null, { training: true, momentum: null })).toThrow(/batchNorm: momentum null .*numBatchesTracked/);
    expect(() => F.batchNorm(x, rm, rv, null, null, { training: true, momentum: 1.5 })).toThrow(/batchNorm: momentum must be/);
    expect(() => F.batchNorm(x, rm, rv, null, null, { trainig: true } as never)).toThrow(/batchNorm: unknown option 'trainig'/);
    expect(() => new wg.nn.BatchNorm2d(3).forward(x)).toThrow(/nn\.BatchNorm2d\(3\): expected a 4-D input \(got shape \[4, 3\]\)/);
    expect(() => new wg.nn.BatchNorm1d(5).forward(x)).toThrow(/nn\.BatchNorm1d\(5\): expected 5 channels in dim 1 \(got shape \[4, 3\]\)/);
    const wrongGrad = wg.zeros([3], { requiresGrad: true });
    expect(() => F.batchNorm(x, wrongGrad, rv)).toThrow(/runningMean is a buffer .*detach\(\)/);
    for (const t of [x, rm, rv, wrongGrad]) t.dispose();
  });
});
