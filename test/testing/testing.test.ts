// webgrad/testing: gradcheck must pass a correct rule and point at the element where a wrong one
// fails; assertClose must pass within tolerance and name the worst elements by multi-index.
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { assertClose, closeMismatch, gradcheck } from '../../src/testing/index.js';

await wg.init();

const softplusWith = (rule: (g: wg.Tensor, x: wg.Tensor) => wg.Tensor) =>
  wg.autograd.customOp({
    name: 'softplus',
    forward: (ctx, x: wg.Tensor) => {
      ctx.save(x);
      return x.exp().add(1).log();
    },
    backward: (ctx, g) => [rule(g, ctx.saved[0])],
  });

const X = [[-2, -0.7, 0.1], [0.4, 1.3, 2.2]];

describe('gradcheck', () => {
  it('passes a correct rule with a small error and leaves the inputs alone', async () => {
    const softplus = softplusWith((g, x) => g.mul(x.sigmoid()));
    const x = wg.tensor(X);
    const before = wg.memory().tensors;
    const r = await gradcheck((t: wg.Tensor) => softplus(t).sum(), [x]);
    expect(r.ok).toBe(true);
    expect(r.maxError).toBeLessThan(1e-3);
    expect(r.message).toMatch(/^gradcheck passed: max \|analytic - numeric\| = .* over 6 element\(s\)/);
    // the worst element's values are d softplus / dx = sigmoid(x) in float64
    const [i, j] = r.worst!.index;
    expect(r.worst!.analytic).toBeCloseTo(1 / (1 + Math.exp(-X[i][j])), 5);
    expect(x.grad).toBeNull();
    expect(x.requiresGrad).toBe(false);
    // everything gradcheck made is freed (at most: the collector may free other tests' dropped tensors meanwhile)
    expect(wg.memory().tensors).toBeLessThanOrEqual(before);
  });

  it('points at the one element where a wrong rule is wrong', async () => {
    // correct except at [1, 0], where the rule forgets the sigmoid factor
    const mask = wg.tensor([[0, 0, 0], [1, 0, 0]]);
    const wrong = softplusWith((g, x) => g.mul(x.sigmoid()).add(g.mul(mask).mul(x.sigmoid().neg().add(1))));
    const r = await gradcheck((t: wg.Tensor) => wrong(t).sum(), [wg.tensor(X)]);
    expect(r.ok).toBe(false);
    expect(r.worst).toMatchObject({ input: 0, index: [1, 0], flatIndex: 3 });
    expect(r.worst!.analytic).toBeCloseTo(1, 5); // sigmoid + (1 - sigmoid)
    expect(r.worst!.numeric).toBeCloseTo(1 / (1 + Math.exp(-0.4)), 2);
    expect(r.message).toMatch(/^gradcheck failed: 1 of 6 element\(s\) differ; worst: input 0 at \[1, 0\]/);
  });

  it('reports the worst element of a rule that is wrong everywhere (sigmoid(-x) for sigmoid(x))', async () => {
    const wrong = softplusWith((g, x) => g.mul(x.neg().sigmoid()));
    const r = await gradcheck((t: wg.Tensor) => wrong(t).sum(), [wg.tensor(X)]);
    // float64: |sigmoid(-x) - sigmoid(x)| / (atol + rtol·sigmoid(x)) is largest at x = 2.2, i.e. [1, 2]
    const flat = X.flat();
    const ratio = flat.map((v) => Math.abs(1 / (1 + Math.exp(v)) - 1 / (1 + Math.exp(-v))) / (1e-3 + 1e-2 / (1 + Math.exp(-v))));
    const expected = ratio.indexOf(Math.max(...ratio));
    expect(r.ok).toBe(false);
    expect(r.worst!.flatIndex).toBe(expected);
    expect(r.worst!.index).toEqual([Math.floor(expected / 3), expected % 3]);
    expect(r.maxError).toBeCloseTo(Math.abs(1 / (1 + Math.exp(2.2)) - 1 / (1 + Math.exp(-2.2))), 2);
  });

  it('checks several inputs and uses a random upstream gradient for non-scalar outputs', async () => {
    const a = wg.tensor([[0.5, -1], [2, 0.3]]);
    const b = wg.tensor([[1.5, 0.2], [-0.7, 1]]);
    const good = await gradcheck((p: wg.Tensor, q: wg.Tensor) => p.matmul(q).tanh(), [a, b]);
    expect(good.ok).toBe(true);
    // a rule that drops b's gradient: the worst element is in input 1
    const noGradB = wg.autograd.customOp({
      name: 'mm',
      forward: (ctx, p: wg.Tensor, q: wg.Tensor) => {
        ctx.save(p, q);
        return p.matmul(q);
      },
      backward: (ctx, g) => [g.matmul(ctx.saved[1].transpose(0, 1)), null],
    });
    const bad = await gradcheck((p: wg.Tensor, q: wg.Tensor) => noGradB(p, q), [a, b]);
    expect(bad.ok).toBe(false);
    expect(bad.worst!.input).toBe(1);
    expect(bad.worst!.analytic).toBe(0);
  });

  it('refuses bad arguments with a clear message', async () => {
    await expect(gradcheck((t: wg.Tensor) => t, [])).rejects.toThrow(/gradcheck: no float32 tensor among the inputs/);
    await expect(gradcheck((t: wg.Tensor) => t.sum(), [wg.tensor([1])], { eps: 0 })).rejects.toThrow(/gradcheck: eps must be positive/);
    await expect(gradcheck(() => 3 as unknown as wg.Tensor, [wg.tensor([1])])).rejects.toThrow(/gradcheck: fn must return a Tensor/);
  });
});

describe('assertClose', () => {
  it('passes within atol + rtol·|expected| for tensors, typed arrays, nested arrays and numbers', async () => {
    await assertClose(wg.tensor([[1, 2], [3, 4]]), [[1, 2], [3, 4 + 1e-6]]);
    await assertClose(new Float32Array([1, 2]), wg.tensor([1.0001, 2]), { atol: 2e-4 });
    await assertClose(wg.tensor([NaN, Infinity]), [NaN, Infinity]);
    await assertClose(3, 3.05, { atol: 0.1 });
  });

  it('names the worst elements by multi-index, worst first', async () => {
    const actual = wg.tensor([[[1, 2, 3], [4, 5, 6]]]);
    const expected = [[[1, 2.5, 3], [4, 5, 9]]];
    const err = await assertClose(actual, expected).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/^assertClose: 2 of 6 elements differ .* worst at \[0, 1, 2\] \(flat 5\): actual 6, expected 9, \|diff\| 3/);
    const rows = err!.message.split('\n').slice(2).map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toEqual([['[0, 1, 2]', '6', '9', '3'], ['[0, 0, 1]', '2', '2.5', '0.5']]);
  });

  it('refuses different shapes, NaN against a number, and non-numeric input', async () => {
    await expect(assertClose(wg.tensor([[1, 2]]), [1, 2])).rejects.toThrow(/assertClose: actual has shape \[1, 2\], expected has shape \[2\]/);
    await expect(assertClose([NaN], [1])).rejects.toThrow(/worst at \[0\] \(flat 0\): actual NaN, expected 1/);
    await expect(assertClose(Float32Array.of(1, 2), [1])).rejects.toThrow(/2 values, expected 1/);
    await expect(assertClose([[1], [2, 3]], [1])).rejects.toThrow(/ragged or non-numeric/);
  });

  it('closeMismatch applies the tolerance exactly at the boundary', () => {
    expect(closeMismatch([1.5], [1], [1], { atol: 0.5, rtol: 0 })).toBeNull();
    expect(closeMismatch([1.5 + 1e-9], [1], [1], { atol: 0.5, rtol: 0 })).toMatch(/1 of 1 elements differ/);
    expect(closeMismatch([110], [100], [1], { atol: 0, rtol: 0.1 })).toBeNull();
    expect(closeMismatch([-Infinity], [Infinity], [1])).toMatch(/actual -Infinity, expected Infinity/);
  });
});
