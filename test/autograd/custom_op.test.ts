// wg.autograd.customOp: user-defined forward/backward recorded as one tape node. Gradients are checked
// against float64 central differences computed on the CPU and against the built-in composition.
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { assertClose } from '../../src/testing/index.js';

await wg.init();

const softplus = wg.autograd.customOp({
  name: 'softplus',
  forward: (ctx, x: wg.Tensor) => {
    ctx.save(x);
    return x.exp().add(1).log();
  },
  backward: (ctx, g) => {
    const [x] = ctx.saved;
    return [g.mul(x.sigmoid())];
  },
});

const X = [-3, -1.25, -0.5, 0, 0.3, 1.7, 2.5, 4];
/** d/dx Σ u·softplus(x), by float64 central differences of log(1 + e^x). */
const numericSoftplusGrad = (xs: number[], u: number[]) =>
  xs.map((x, i) => {
    const h = 1e-6;
    const f = (v: number) => Math.log1p(Math.exp(v));
    return (u[i] * (f(x + h) - f(x - h))) / (2 * h);
  });

describe('customOp', () => {
  it('softplus: forward and gradient match float64 references and the built-in composition', async () => {
    const x = wg.tensor(X, [2, 4], { requiresGrad: true });
    const u = [0.5, -1, 2, 1.5, -0.25, 1, 3, -2];
    const y = softplus(x);
    await assertClose(y, Float64Array.from(X, (v) => Math.log1p(Math.exp(v))), { atol: 1e-5, rtol: 1e-5 });
    y.backward(wg.tensor(u, [2, 4]));
    await assertClose(x.grad!, Float64Array.from(numericSoftplusGrad(X, u)), { atol: 1e-5, rtol: 1e-4 });

    const x2 = wg.tensor(X, [2, 4], { requiresGrad: true });
    x2.exp().add(1).log().backward(wg.tensor(u, [2, 4]));
    await assertClose(x.grad!, x2.grad!, { atol: 1e-6, rtol: 1e-5 });
  });

  it('is one node on the tape, and forward temporaries are freed', async () => {
    // (Tensor states are checked one by one: global counts move when the collector frees other tests' tensors.)
    const made: wg.Tensor[] = [];
    const tracked = wg.autograd.customOp({
      name: 'softplus',
      forward: (ctx, x: wg.Tensor) => {
        ctx.save(x);
        const e = x.exp();
        const e1 = e.add(1);
        made.push(e, e1);
        return e1.log();
      },
      backward: (ctx, g) => [g.mul(ctx.saved[0].sigmoid())],
    });
    const x = wg.tensor(X, [8], { requiresGrad: true });
    const y = tracked(x);
    expect(y.node?.op).toBe('customOp(softplus)');
    expect(y.node?.inputs).toEqual([x]);
    expect(y.requiresGrad).toBe(true);
    expect(made.map((t) => t.disposed)).toEqual([true, true]); // exp(x) and exp(x)+1 are gone
    const loss = y.sum();
    loss.backward();
    expect(y.disposed).toBe(true); // intermediates go after backward, as for built-in ops
    expect(x.disposed).toBe(false);
    await assertClose(x.grad!, Float64Array.from(X, (v) => 1 / (1 + Math.exp(-v))), { atol: 1e-6, rtol: 1e-5 });
  });

  it('frees tensors saved in forward after backward has used them', async () => {
    const saved: wg.Tensor[] = [];
    const sig = wg.autograd.customOp({
      name: 'sigmoidSaved',
      forward: (ctx, x: wg.Tensor) => {
        const s = x.sigmoid();
        ctx.save(s);
        saved.push(s);
        return s.mul(1); // a separate output: s itself is a saved temporary
      },
      backward: (ctx, g) => {
        const [s] = ctx.saved;
        return [g.mul(s).mul(s.neg().add(1))];
      },
    });
    const x = wg.tensor(X, [8], { requiresGrad: true });
    const y = sig(x);
    expect(saved[0].disposed).toBe(false); // kept for backward
    y.backward(wg.ones([8]));
    expect(saved[0].disposed).toBe(true);
    const s = X.map((v) => 1 / (1 + Math.exp(-v)));
    await assertClose(x.grad!, Float64Array.from(s, (v) => v * (1 - v)), { atol: 1e-6, rtol: 1e-5 });
    // Without grad there is no record and the saved temporary is freed at once.
    const z = wg.noGrad(() => sig(x));
    expect(z.node).toBeNull();
    expect(saved[1].disposed).toBe(true);
    expect(z.disposed).toBe(false);
  });

  it('takes several inputs and numbers; a broadcast gradient is reduced by the tape', async () => {
    // f(a, b, c) = c·a·b with b broadcast from [1, 3]; backward returns full-shape gradients.
    const scaledMul = wg.autograd.customOp({
      name: 'scaledMul',
      forward: (ctx, a: wg.Tensor, b: wg.Tensor, c: number) => {
        ctx.save(a, b);
        return a.mul(b).mul(c);
      },
      backward: (ctx, g) => {
        const [a, b] = ctx.saved;
        return [g.mul(b).mul(3), g.mul(a).mul(3), null];
      },
    });
    const A = [1, -2, 0.5, 3, 0.25, -1];
    const B = [2, -0.5, 4];
    const U = [1, 2, -1, 0.5, -3, 2];
    const a = wg.tensor(A, [2, 3], { requiresGrad: true });
    const b = wg.tensor(B, [1, 3], { requiresGrad: true });
    const y = scaledMul(a, b, 3);
    expect(y.shape).toEqual([2, 3]);
    await assertClose(y, [0, 1].map((r) => [0, 1, 2].map((c) => 3 * A[r * 3 + c] * B[c])));
    y.backward(wg.tensor(U, [2, 3]));
    // float64 references: dL/da = 3·u·b, dL/db = Σ_rows 3·u·a
    await assertClose(a.grad!, [0, 1].map((r) => [0, 1, 2].map((c) => 3 * U[r * 3 + c] * B[c])), { atol: 1e-5, rtol: 1e-5 });
    await assertClose(b.grad!, [[0, 1, 2].map((c) => 3 * (U[c] * A[c] + U[3 + c] * A[3 + c]))], { atol: 1e-5, rtol: 1e-5 });
  });

  it('accumulates when used twice and composes with built-in ops', async () => {
    const x = wg.tensor(X, [8], { requiresGrad: true });
    softplus(x).add(softplus(x.mul(2))).sum().backward();
    const h = 1e-6;
    const f = (v: number) => Math.log1p(Math.exp(v)) + Math.log1p(Math.exp(2 * v));
    await assertClose(x.grad!, X.map((v) => (f(v + h) - f(v - h)) / (2 * h)), { atol: 1e-5, rtol: 1e-4 });
  });

  it('returns a copy when forward returns its input, leaving the caller tensor a leaf', async () => {
    const id = wg.autograd.customOp({ name: 'identity', forward: (_ctx, x: wg.Tensor) => x, backward: (_ctx, g) => [g.mul(2)] });
    const x = wg.tensor([1, 2], [2], { requiresGrad: true });
    const y = id(x);
    expect(y).not.toBe(x);
    expect(x.isLeaf).toBe(true);
    y.sum().backward();
    await assertClose(x.grad!, [2, 2]);
  });

  it('names the op on a wrong gradient count, shape, type or definition', () => {
    const mk = (backward: (ctx: wg.autograd.CustomOpContext, g: wg.Tensor) => any) =>
      wg.autograd.customOp({ name: 'bad', forward: (_ctx, x: wg.Tensor, y: wg.Tensor) => x.add(y), backward });
    const x = wg.tensor([1, 2, 3], [3], { requiresGrad: true });
    const y = wg.tensor([1, 2, 3], [3], { requiresGrad: true });
    expect(() => mk((_c, g) => [g]).call(null, x, y).sum().backward()).toThrow(
      /webgrad\.customOp\(bad\): backward returned 1 gradient\(s\), but forward takes 2 argument\(s\)/,
    );
    expect(() => mk((_c, g) => [g, wg.ones([4])]).call(null, x, y).sum().backward()).toThrow(
      /webgrad\.customOp\(bad\): backward's gradient 1 has shape \[4\], but input 1 has shape \[3\]/,
    );
    expect(() => mk(() => [1, null]).call(null, x, y).sum().backward()).toThrow(/customOp\(bad\): backward's gradient 0 is number/);
    const noTensor = wg.autograd.customOp({ name: 'nt', forward: () => 3 as unknown as wg.Tensor, backward: () => [null] });
    expect(() => noTensor(x)).toThrow(/webgrad\.customOp\(nt\): forward must return a Tensor \(it returned number\)/);
    expect(() => wg.autograd.customOp({ name: '', forward: () => x, backward: () => [] })).toThrow(/customOp: give the op a name/);
    expect(() => wg.autograd.customOp({ name: 'f', forward: () => x } as never)).toThrow(/customOp\(f\): forward and backward must both be functions/);
  });
});
