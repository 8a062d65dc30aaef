// The op runner (src/tensor/ops/op.ts): one declaration per op; the runner checks inputs, frees forward's
// temporaries, keeps what forward saved until the rule has run, records the rule, and computes workgroups.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { defineOp, workgroups, runElementwise, fused, type Tensor } from '../../src/tensor/index.js';

beforeAll(async () => {
  await wg.init();
});

// x·e^x written as a primitive with its own rule, through temporaries: d = e^x (1 + x)
const xexp = defineOp({
  name: 'xexp',
  forward: (ctx, x: Tensor) => {
    const e = x.exp(); // a temporary the rule needs
    const one = wg.ones([1]); // a temporary it does not
    ctx.save(e);
    const y = e.mul(x).mul(one);
    return y;
  },
  backward: (ctx, g, x) => [fused('a * b * (T(1.0) + c)', g, ctx.saved[0], x)],
});
// the same as a composition (gradient flows through the ops it calls)
const xexpComposite = defineOp({ name: 'xexpComposite', forward: (_ctx, x: Tensor) => x.exp().mul(x).mul(1) });
const twice = defineOp({
  name: 'twice',
  forward: (_ctx, x: Tensor) => runElementwise('twice', 'a * T(2.0)', [x]),
  backward: (_ctx, g) => [g.mul(2)],
});

describe('defineOp', () => {
  it('a primitive frees its unsaved temporaries at once and its saved ones after backward', async () => {
    const x = wg.tensor([0.5, -1, 2], [3], { requiresGrad: true });
    const before = wg.memory().tensors;
    const y = xexp(x);
    expect(y.node?.op).toBe('xexp');
    expect(wg.memory().tensors - before).toBe(2); // y and the saved e^x
    const loss = y.sum();
    loss.backward();
    const xs = [0.5, -1, 2];
    const g = Array.from(await x.grad!.toArray());
    xs.forEach((v, i) => expect(g[i]).toBeCloseTo(Math.exp(v) * (1 + v), 4));
    loss.dispose();
    y.dispose();
    x.grad!.dispose();
    x.grad = null;
    expect(wg.memory().tensors).toBe(before);
    x.dispose();
  });

  it('without grad nothing is recorded and nothing but the output stays', () => {
    const x = wg.tensor([1, 2, 3], [3]);
    const before = wg.memory().tensors;
    const y = xexp(x);
    expect(y.node).toBeNull();
    expect(wg.memory().tensors - before).toBe(1);
    y.dispose();
    const z = xexpComposite(x);
    expect(wg.memory().tensors - before).toBe(1);
    z.dispose();
    x.dispose();
  });

  it('a composite keeps only its tape and agrees with the primitive', async () => {
    const x = wg.tensor([0.3, 1.5], [2], { requiresGrad: true });
    const before = wg.memory().tensors;
    const loss = xexpComposite(x).sum();
    loss.backward();
    const g = Array.from(await x.grad!.toArray());
    [0.3, 1.5].forEach((v, i) => expect(g[i]).toBeCloseTo(Math.exp(v) * (1 + v), 4));
    loss.dispose();
    x.grad!.dispose();
    expect(wg.memory().tensors).toBe(before);
    x.dispose();
  });

  it('names the op when an input is disposed, and nests inside other ops', async () => {
    const x = wg.tensor([1, 2], [2], { requiresGrad: true });
    const dead = wg.ones([2]);
    dead.dispose();
    expect(() => twice(dead)).toThrow(/webgrad\.twice: .*disposed/);
    const before = wg.memory().tensors;
    const loss = twice(xexp(twice(x))).sum();
    loss.backward();
    const g = Array.from(await x.grad!.toArray());
    [1, 2].forEach((v, i) => expect(g[i]).toBeCloseTo(4 * Math.exp(2 * v) * (1 + 2 * v), 2));
    loss.dispose();
    x.grad!.dispose();
    expect(wg.memory().tensors).toBe(before);
    x.dispose();
  });
});

describe('ops on the table', () => {
  it('forward keeps what only the rule needs just when the call is recorded (max and its arg-max)', async () => {
    const x = wg.tensor([1, 5, 2, 7, 0, 3], [2, 3], { requiresGrad: true });
    const before = wg.memory().tensors;
    const m0 = wg.noGrad(() => x.max(1));
    expect(wg.memory().tensors - before).toBe(1); // no arg-max without a record
    m0.dispose();
    const m = x.max(1);
    expect(wg.memory().tensors - before).toBe(2); // the values and the saved arg-max
    const loss = m.sum();
    loss.backward();
    expect(Array.from(await x.grad!.toArray())).toEqual([0, 1, 0, 1, 0, 0]);
    loss.dispose();
    m.dispose();
    x.grad!.dispose();
    expect(wg.memory().tensors).toBe(before);
    x.dispose();
  });

  it("frees a rule's temporaries when it returns, and matmul's int32 promotion copies after the rule", async () => {
    const w = wg.tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
    const i = wg.tensor([1, 0, 2, 1], [2, 2], { dtype: 'int32' });
    const before = wg.memory().tensors;
    const y = i.matmul(w); // int32 @ float32: the float copy of i lives until the rule has used it
    expect(wg.memory().tensors - before).toBe(2);
    const loss = y.logSoftmax(1).mean(); // both rules make temporaries
    loss.backward();
    // y = [[1, 2], [5, 8]]; dL/dy = (1 − 2·softmax(y)) / 4 per row = ±a, ±b; dW = Iᵀ·dL/dy
    const a = (1 - 2 / (1 + Math.exp(1))) / 4;
    const b2 = (1 - 2 / (1 + Math.exp(3))) / 4;
    const dW = Array.from(await w.grad!.toArray());
    [a + 2 * b2, -(a + 2 * b2), b2, -b2].forEach((v, k) => expect(dW[k]).toBeCloseTo(v, 5));
    loss.dispose();
    y.dispose();
    w.grad!.dispose();
    expect(wg.memory().tensors).toBe(before);
    for (const t of [w, i]) t.dispose();
  });
});

describe('workgroups', () => {
  it('is the one place that turns work into workgroup counts', () => {
    expect(workgroups({ threads: 257, size: 64 })).toEqual([5, 1]);
    expect(workgroups({ groups: 70000 })).toEqual([35000, 2]);
    expect(workgroups({ tiles: [100, 33, 3], size: [16, 16] })).toEqual([7, 3, 3]);
    expect(workgroups({ gridStride: 1 << 24, size: 256, cap: 64 })).toEqual([64]);
    expect(workgroups({ threads: 0, size: 64 })).toEqual([0, 1]);
  });
});
