/**
 * The optimizer contract (torch's, trimmed): construction and validation errors, param groups,
 * zeroGrad, step with and without a closure, lr changes between steps, and the lab's worked numbers.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

const param = (v: number[]) => wg.tensor(v, { requiresGrad: true });

/** Minimise f by `steps` optimizer steps, returning w after each. */
async function trace(opt: wg.optim.Optimizer<{ lr: number }>, w: wg.Tensor, f: (w: wg.Tensor) => wg.Tensor, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    const loss = f(w);
    loss.backward();
    loss.dispose();
    opt.step();
    out.push(await w.item());
  }
  return out;
}

describe('lab exercise 11: worked numbers', () => {
  it('3 steps of gradient descent on (w − 3)² from 0, lr 0.1: 0.6, 1.08, 1.464', async () => {
    const w = param([0]);
    const ws = await trace(new wg.optim.SGD([w], { lr: 0.1 }), w, (w) => w.sub(3).square().sum(), 3);
    ws.forEach((v, i) => expect(v).toBeCloseTo([0.6, 1.08, 1.464][i], 6));
  });
  it('one Adam step on w² from 10, lr 0.1: 9.9 (the first step moves every coordinate by ≈ lr)', async () => {
    const w = param([10]);
    const [v] = await trace(new wg.optim.Adam([w], { lr: 0.1 }), w, (w) => w.square().sum(), 1);
    expect(v).toBeCloseTo(9.9, 6);
  });
  it('2 steps of momentum on w² from 10, beta 0.9, lr 0.1: 8, then 4.6 (buf = 20, then 0.9·20 + 16 = 34)', async () => {
    const w = param([10]);
    const ws = await trace(new wg.optim.SGD([w], { lr: 0.1, momentum: 0.9 }), w, (w) => w.square().sum(), 2);
    expect(ws[0]).toBeCloseTo(8, 5);
    expect(ws[1]).toBeCloseTo(4.6, 5);
  });
});

describe('construction and validation', () => {
  it('fills defaults, keeps group overrides, and lists torch-style param groups', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new wg.optim.Adam([{ params: [a] }, { params: [b], lr: 0.5, betas: [0.8, 0.9] }], { lr: 0.01 });
    expect(opt.paramGroups).toHaveLength(2);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.5, betas: [0.8, 0.9] });
    expect(opt.paramGroups[1].params[0]).toBe(b);
    opt.addParamGroup({ params: [param([4])], eps: 1e-6 });
    expect(opt.paramGroups[2]).toMatchObject({ lr: 0.01, eps: 1e-6 });
    const sgd = new wg.optim.SGD([a], { lr: 0.1 });
    expect(sgd.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
  });

  it('rejects bad options with the optimizer, the option and the fix', () => {
    const p = () => [param([1])];
    expect(() => new wg.optim.Adam(p(), { lr: -1 })).toThrow(/webgrad\.optim\.Adam: lr must be >= 0 \(got -1\)/);
    expect(() => new wg.optim.Adam(p(), { betas: [1, 0.9] })).toThrow(/Adam: betas\[0\] must be in \[0, 1\) \(got 1\)/);
    expect(() => new wg.optim.AdamW(p(), { eps: -1e-8 })).toThrow(/AdamW: eps must be >= 0/);
    expect(() => new wg.optim.SGD(p(), { lr: 0.1, nesterov: true })).toThrow(/SGD: nesterov requires momentum > 0 and dampening 0/);
    expect(() => new wg.optim.SGD(p(), {} as { lr: number })).toThrow(/SGD: lr is required/);
    expect(() => new wg.optim.Adam(p(), { weight_decay: 0.1 } as Record<string, number>)).toThrow(/unknown option 'weight_decay'; options are camelCase here: use 'weightDecay'/);
    expect(() => new wg.optim.Adam(p(), { lrr: 0.1 } as Record<string, number>)).toThrow(/unknown option 'lrr'; known options: lr, betas/);
    expect(() => new wg.optim.Adam([{ params: p(), weight_decay: 0.1 }])).toThrow(/'weight_decay' is torch's spelling/);
    expect(() => new wg.optim.RMSprop(p(), { alpha: -0.5 })).toThrow(/RMSprop: alpha must be >= 0/);
    expect(() => new wg.optim.Adadelta(p(), { rho: 1.5 })).toThrow(/Adadelta: rho must be in \[0, 1\]/);
    expect(() => new wg.optim.Adagrad(p(), { lrDecay: -1 })).toThrow(/Adagrad: lrDecay must be >= 0/);
    expect(() => new wg.optim.NAdam(p(), { momentumDecay: -1 })).toThrow(/NAdam: momentumDecay must be >= 0/);
    expect(() => new wg.optim.Adam(p(), { foreach: 'yes' as unknown as boolean })).toThrow(/Adam: foreach must be true or false/);
  });

  it('rejects bad parameters', () => {
    const a = param([1]);
    expect(() => new wg.optim.Adam([])).toThrow(/Adam: got an empty parameter list/);
    expect(() => new wg.optim.Adam([a, a])).toThrow(/appears in more than one place/);
    expect(() => new wg.optim.Adam([{ params: [a] }, { params: [a] }])).toThrow(/appears in more than one place/);
    expect(() => new wg.optim.Adam([a.mul(2)])).toThrow(/Adam: params\[0\] \(shape \[1\]\) is not a leaf tensor/);
    expect(() => new wg.optim.Adam([wg.tensor([1], { dtype: 'int32' })])).toThrow(/only float32 tensors can be optimized/);
  });

  it('checks gradients and lr at step time, leaving state untouched on error', () => {
    const a = param([1, 2, 3]);
    const opt = new wg.optim.Adam([a], { lr: 0.1 });
    a.grad = wg.tensor([1, 2]);
    expect(() => opt.step()).toThrow(/Adam: a parameter of shape \[3\] has a gradient of shape \[2\]/);
    expect(opt.state.size).toBe(0);
    a.grad = wg.tensor([1, 2, 3]);
    opt.paramGroups[0].lr = -0.1;
    expect(() => opt.step()).toThrow(/Adam: lr must be >= 0 \(got -0.1\)/);
  });
});

describe('step, zeroGrad and param groups', () => {
  it('zeroGrad drops (and frees) gradients, or zeros them in place', async () => {
    const a = param([1, 2, 3, 4, 5]);
    const opt = new wg.optim.SGD([a], { lr: 0.1 });
    a.grad = wg.tensor([1, 1, 1, 1, 1]);
    const g = a.grad;
    opt.zeroGrad({ setToNone: false });
    expect(a.grad).toBe(g);
    expect(Array.from(await g.toArray())).toEqual([0, 0, 0, 0, 0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(g.disposed).toBe(true);
  });

  it('a new group.lr takes effect at the next step', async () => {
    const w = param([1]);
    const opt = new wg.optim.SGD([w], { lr: 0.1 });
    w.grad = wg.tensor([1]);
    opt.step();
    opt.paramGroups[0].lr = 0.5;
    opt.step();
    expect(await w.item()).toBeCloseTo(1 - 0.1 - 0.5, 6);
  });

  it('step(closure) evaluates the closure first and resolves to its loss (a Tensor or a number)', async () => {
    const w = param([2]);
    const opt = new wg.optim.SGD([w], { lr: 0.25 });
    const closure = () => {
      opt.zeroGrad();
      const loss = w.square().sum();
      loss.backward();
      return loss;
    };
    expect(await opt.step(closure)).toBeCloseTo(4, 6); // loss before the update
    expect(await w.item()).toBeCloseTo(1, 6); // 2 − 0.25·4
    expect(await opt.step(async () => (closure().dispose(), 7))).toBe(7);
    expect(await opt.step()).toBeUndefined();
  });

  it('skips parameters without a gradient (no update, no state)', async () => {
    const a = param([1, 2]);
    const b = param([3, 4]);
    const opt = new wg.optim.Adam([a, b], { lr: 0.1 });
    a.grad = wg.tensor([1, 1]);
    opt.step();
    expect(Array.from(await b.toArray())).toEqual([3, 4]);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.get(a)!.step).toBe(1);
  });
});
