// nllLoss, binaryCrossEntropyWithLogits, l1Loss, smoothL1Loss, huberLoss, leakyRelu and silu against
// torch 1.13 (fixtures from test/fixtures/gen_norm.py), every reduction, with gradients; finite
// differences for the target's gradient of the smooth losses; the small modules; errors that name the op.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import fx from '../fixtures/norm.json';
import { expectClose } from '../helpers/expect_close.js';
import { gradcheck } from '../../src/testing/index.js';
import { collect } from '../../src/tensor/index.js';

const F = wg.nn.functional;
type FxTensor = { shape: number[]; data: (number | null)[] };
type Reduction = 'mean' | 'sum' | 'none';
interface LossCase {
  name: string; kind: string; reduction: Reduction; input?: FxTensor; inputs?: FxTensor[]; target?: number[];
  weight?: number[]; ignoreIndex?: number; posWeight?: FxTensor; beta?: number; delta?: number; slope?: number;
  loss: FxTensor; upstream: FxTensor; grads: FxTensor[];
}
const cases = (fx as unknown as { losses: LossCase[] }).losses;
const nums = (t: FxTensor) => t.data.map((v) => (v === null ? NaN : v));
const up = (t: FxTensor, o: { requiresGrad?: boolean } = {}) => wg.tensor(nums(t), t.shape, o);

beforeAll(async () => {
  await wg.init();
});

function apply(c: LossCase, xs: wg.Tensor[], gpuTarget: boolean): { out: wg.Tensor; owned: wg.Tensor[] } {
  const reduction = c.reduction;
  switch (c.kind) {
    case 'nll': {
      const oneD = c.input!.shape.length === 1;
      const t = gpuTarget ? wg.tensor(Int32Array.from(c.target!), oneD ? [] : [c.target!.length], { dtype: 'int32' }) : Int32Array.from(c.target!);
      const out = F.nllLoss(xs[0], t, { reduction, ignoreIndex: c.ignoreIndex, ...(c.weight ? { weight: c.weight } : {}) });
      return { out, owned: t instanceof wg.Tensor ? [t] : [] };
    }
    case 'bce': {
      const posWeight = c.posWeight ? up(c.posWeight) : undefined;
      return { out: F.binaryCrossEntropyWithLogits(xs[0], xs[1], { reduction, posWeight }), owned: posWeight ? [posWeight] : [] };
    }
    case 'l1': return { out: F.l1Loss(xs[0], xs[1], { reduction }), owned: [] };
    case 'smoothL1': return { out: F.smoothL1Loss(xs[0], xs[1], { reduction, beta: c.beta }), owned: [] };
    case 'huber': return { out: F.huberLoss(xs[0], xs[1], { reduction, delta: c.delta }), owned: [] };
    case 'leakyRelu': return { out: F.leakyRelu(xs[0], c.slope), owned: [] };
    case 'silu': return { out: F.silu(xs[0]), owned: [] };
  }
  throw new Error(`unknown kind ${c.kind}`);
}

describe('losses and activations vs torch 1.13', () => {
  it('the fixture covers every loss with every reduction, weights, ignoreIndex and posWeight', () => {
    for (const kind of ['nll', 'bce', 'l1', 'smoothL1', 'huber']) {
      for (const r of ['mean', 'sum', 'none']) expect(cases.some((c) => c.kind === kind && c.reduction === r)).toBe(true);
    }
    expect(cases.some((c) => c.kind === 'nll' && c.weight && c.target!.includes(c.ignoreIndex!))).toBe(true);
    expect(cases.some((c) => c.kind === 'bce' && c.posWeight)).toBe(true);
    expect(cases.some((c) => c.kind === 'leakyRelu') && cases.some((c) => c.kind === 'silu')).toBe(true);
  });
  for (const c of cases) {
    for (const gpuTarget of c.kind === 'nll' ? [true, false] : [true]) {
      it(`${c.name}${c.kind === 'nll' ? (gpuTarget ? ' (GPU targets)' : ' (CPU targets)') : ''}`, async () => {
        const xs = (c.inputs ?? [c.input!]).map((t) => up(t, { requiresGrad: true }));
        const { result: { out, owned }, created } = collect(() => apply(c, xs, gpuTarget));
        expect(out.shape).toEqual(c.loss.shape);
        expectClose(await out.toArray(), { shape: c.loss.shape, data: nums(c.loss) }, { rtol: 1e-5, atol: 2e-6, label: `${c.name} value` });
        const g = up(c.upstream);
        const root = out.mul(g).sum();
        root.backward();
        for (const [i, x] of xs.entries()) {
          expectClose(await x.grad!.toArray(), { shape: c.grads[i].shape, data: nums(c.grads[i]) }, { rtol: 1e-5, atol: 2e-6, label: `${c.name} grad ${i}` });
        }
        for (const t of [out, g, root, ...owned]) t.dispose();
        expect(created.filter((t) => !t.disposed)).toEqual([]); // nothing of the loss outlives backward()
        for (const x of xs) { x.grad!.dispose(); x.dispose(); }
      });
    }
  }

  it('gradients of the smooth losses and bce match finite differences (input and target)', async () => {
    const a = wg.tensor([0.3, -1.2, 2.5, 0.05, -0.7, 1.4], [2, 3]);
    const b = wg.tensor([0.1, 0.4, -0.5, 0.9, -0.6, 1.0], [2, 3]);
    const pw = wg.tensor([0.5, 2, 3], [3]);
    const fns = [
      (x: wg.Tensor, y: wg.Tensor) => F.smoothL1Loss(x, y, { beta: 0.7 }),
      (x: wg.Tensor, y: wg.Tensor) => F.huberLoss(x, y, { delta: 0.8, reduction: 'sum' }),
      (x: wg.Tensor, y: wg.Tensor) => F.binaryCrossEntropyWithLogits(x, y.sigmoid(), { posWeight: pw }),
      (x: wg.Tensor) => F.silu(x).sum(),
      (x: wg.Tensor) => F.leakyRelu(x, 0.3).sum(),
    ];
    for (const [i, f] of fns.entries()) {
      const r = await gradcheck(f, [a, b], { eps: 1e-2, atol: 2e-2, rtol: 2e-2 });
      expect(r.ok, `function ${i}: ${r.message}`).toBe(true);
    }
    for (const t of [a, b, pw]) t.dispose();
  });
});

describe('small modules', () => {
  it('LeakyReLU, SiLU and Softmax are their functional forms', async () => {
    const x = wg.tensor([-2, -0.5, 0, 0.5, 3, -1], [2, 3]);
    const ys = [new wg.nn.LeakyReLU(0.2).forward(x), new wg.nn.SiLU().forward(x), new wg.nn.Softmax(1).forward(x)];
    const xv = [-2, -0.5, 0, 0.5, 3, -1];
    expectClose(await ys[0].toArray(), xv.map((v) => (v > 0 ? v : 0.2 * v)));
    expectClose(await ys[1].toArray(), xv.map((v) => v / (1 + Math.exp(-v))));
    const soft = [0, 3].flatMap((r) => {
      const e = xv.slice(r, r + 3).map(Math.exp);
      const s = e.reduce((p, q) => p + q);
      return e.map((v) => v / s);
    });
    expectClose(await ys[2].toArray(), soft);
    expect(String(new wg.nn.LeakyReLU(0.2))).toBe('LeakyReLU(negativeSlope=0.2)');
    for (const t of [x, ...ys]) t.dispose();
  });

  it("ModuleList is indexable, iterable, grows, and registers torch's names", () => {
    const list = new wg.nn.ModuleList([new wg.nn.Linear(2, 3), new wg.nn.ReLU()]);
    list.append(new wg.nn.Linear(3, 1)).extend([new wg.nn.BatchNorm1d(1)]);
    expect(list.length).toBe(4);
    expect(list[0]).toBeInstanceOf(wg.nn.Linear);
    expect(list.at(-1)).toBeInstanceOf(wg.nn.BatchNorm1d);
    expect([...list].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear', 'BatchNorm1d']);
    class Net extends wg.nn.Module {
      layers = list;
      forward(x: wg.Tensor): wg.Tensor {
        for (const m of this.layers) x = m.forward(x);
        return x;
      }
    }
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias', 'layers.3.weight', 'layers.3.bias']);
    expect(Object.keys(list.stateDict())).toContain('3.runningMean');
    net.eval();
    expect(list[3].training).toBe(false);
    expect(() => list.at(4)).toThrow(/ModuleList\.at: index 4 is out of range for a list of 4/);
    expect(() => list.forward(wg.ones([1]))).toThrow(/ModuleList: a ModuleList has no forward/);
    expect(() => list.append(3 as never)).toThrow(/ModuleList\.append: expected a Module/);
    expect(new wg.nn.Identity().forward(wg.ones([2])).shape).toEqual([2]);
  });

  it('functional dropout is the dropout op: identity when not training', async () => {
    const x = wg.ones([64]);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    const y = F.dropout(x, 0.5, true, { generator: new wg.Generator(1) });
    const v = Array.from(await y.toArray());
    expect(v.every((e) => e === 0 || e === 2)).toBe(true);
    expect(v.filter((e) => e === 0).length).toBeGreaterThan(10);
    for (const t of [x, y]) t.dispose();
  });
});

describe('loss errors', () => {
  it('name the op, the shapes or values, and the fix', () => {
    const a = wg.randn([3, 4], { seed: 2 });
    const b = wg.randn([3, 5], { seed: 3 });
    const ai = a.int();
    expect(() => F.l1Loss(a, b)).toThrow(/webgrad\.l1Loss: input \[3, 4\] and target \[3, 5\] differ in shape/);
    expect(() => F.huberLoss(ai, a)).toThrow(/webgrad\.huberLoss: input is int32 .*\.float\(\)/);
    expect(() => F.huberLoss(a, a, { delta: 0 })).toThrow(/huberLoss: delta must be a positive number \(got 0\)/);
    expect(() => F.smoothL1Loss(a, a, { beta: -1 })).toThrow(/smoothL1Loss: beta must be a non-negative number/);
    expect(() => F.smoothL1Loss(a, a, { reduction: 'avg' as never })).toThrow(/smoothL1Loss: reduction must be 'mean', 'sum' or 'none'/);
    expect(() => F.binaryCrossEntropyWithLogits(a, a, { pos_weight: a } as never)).toThrow(/unknown option 'pos_weight'; use 'posWeight'/);
    expect(() => F.binaryCrossEntropyWithLogits(a, a, { posWeight: b })).toThrow(/binaryCrossEntropyWithLogits: shapes \[3, 4\] and \[3, 5\] cannot be broadcast/);
    expect(() => F.nllLoss(a, [0, 1, 4])).toThrow(/webgrad\.nllLoss: target\[2\] = 4 is not a class index in \[0, 4\) \(input of shape \[3, 4\]\)/);
    expect(() => F.nllLoss(a, [0, 1, 2], { labelSmoothing: 0.1 } as never)).toThrow(/nllLoss: unknown option 'labelSmoothing'/);
    expect(() => F.nllLoss(ai, [0, 1, 2])).toThrow(/nllLoss: input must be float32 \(got int32\); convert with \.float\(\)/);
    expect(() => F.leakyRelu(ai)).toThrow(/leakyRelu: input is int32 .*\.float\(\)/);
    expect(() => F.silu(ai)).toThrow(/silu: input is int32 .*\.float\(\)/);
    for (const t of [a, b, ai]) t.dispose();
  });

  it('reports a GPU target out of range at the next readback', async () => {
    const lp = wg.randn([2, 3], { seed: 4 }).logSoftmax(1);
    const t = wg.tensor([1, 7], [2], { dtype: 'int32' });
    const loss = F.nllLoss(lp, t);
    await expect(loss.item()).rejects.toThrow(/webgrad\.nllLoss: target\[1\] = 7 is not a class index in \[0, 3\)/);
    for (const x of [lp, t, loss]) x.dispose();
  });
});
