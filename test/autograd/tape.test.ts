// Tape semantics: accumulation, noGrad/enableGrad, detach, keep(), and the errors a user meets.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

const read = async (t: wg.Tensor | null) => {
  if (!t) throw new Error('expected a tensor, got null');
  return Array.from(await t.toArray());
};
const leaf = (data: number[], shape = [data.length]) => wg.tensor(data, shape, { requiresGrad: true });

describe('accumulation', () => {
  it('a tensor used several times gets the sum of its gradients', async () => {
    const x = leaf([1, -2, 3]);
    const y = x.mul(x).add(x).add(x.exp()).sum(); // d/dx = 2x + 1 + e^x
    y.backward();
    const g = await read(x.grad);
    [1, -2, 3].forEach((v, i) => expect(g[i]).toBeCloseTo(2 * v + 1 + Math.exp(v), 4));
    for (const t of [x, x.grad!, y]) t.dispose();
  });

  it('gradients accumulate into .grad across two backward calls on two graphs', async () => {
    const x = leaf([1, 2]);
    const l1 = x.mul(2).sum();
    l1.backward();
    expect(await read(x.grad)).toEqual([2, 2]);
    const first = x.grad;
    const l2 = x.mul(x).sum();
    l2.backward();
    expect(await read(x.grad)).toEqual([4, 6]); // 2 + 2x
    expect(first!.disposed).toBe(true); // the old grad tensor was replaced and freed, not leaked
    for (const t of [x, x.grad!, l1, l2]) t.dispose();
  });

  it('a user-assigned grad is accumulated into; setting it to null starts over', async () => {
    const x = leaf([1, 2]);
    x.grad = wg.tensor([10, 20]);
    const l = x.sum();
    l.backward();
    expect(await read(x.grad)).toEqual([11, 21]);
    x.grad!.dispose();
    x.grad = null;
    const l2 = x.sum();
    l2.backward();
    expect(await read(x.grad)).toEqual([1, 1]);
    for (const t of [x, x.grad!, l, l2]) t.dispose();
  });

  it('leaves without requiresGrad get no grad; number operands are fine', async () => {
    const x = leaf([1, 2]);
    const w = wg.tensor([3, 4]);
    const l = x.mul(w).mul(2).add(1).sum();
    l.backward();
    expect(await read(x.grad)).toEqual([6, 8]);
    expect(w.grad).toBeNull();
    expect(w.requiresGrad).toBe(false);
    for (const t of [x, x.grad!, w, l]) t.dispose();
  });

  it('backward with an explicit upstream gradient (non-scalar output), which stays the caller\'s', async () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(x);
    const up = wg.tensor([1, 0.5, -1]);
    y.backward(up);
    expect(await read(x.grad)).toEqual([2, 2, -6]);
    expect(up.disposed).toBe(false);
    expect(await read(up)).toEqual([1, 0.5, -1]);
    for (const t of [x, x.grad!, y, up]) t.dispose();
  });

  it('a [1]-shaped loss needs no upstream gradient', async () => {
    const x = leaf([2]);
    const y = x.mul(3);
    y.backward();
    expect(await read(x.grad)).toEqual([3]);
    for (const t of [x, x.grad!, y]) t.dispose();
  });
});

describe('noGrad, enableGrad, detach', () => {
  it('noGrad records nothing', () => {
    const x = leaf([1, 2]);
    const y = wg.noGrad(() => x.mul(2).exp());
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(wg.isGradEnabled()).toBe(true);
    expect(() => y.sum().backward()).toThrow(/webgrad\.backward: the tensor does not require grad/);
    for (const t of [x, y]) t.dispose();
  });

  it('noGrad restores recording after a throw and after an async body', async () => {
    expect(() => wg.noGrad(() => {
      throw new Error('inside');
    })).toThrow('inside');
    expect(wg.isGradEnabled()).toBe(true);
    const x = leaf([1]);
    const y = await wg.noGrad(async () => {
      await Promise.resolve();
      return x.mul(2);
    });
    expect(y.requiresGrad).toBe(false);
    expect(wg.isGradEnabled()).toBe(true);
    for (const t of [x, y]) t.dispose();
  });

  it('enableGrad records inside noGrad', () => {
    const x = leaf([1]);
    const y = wg.noGrad(() => wg.enableGrad(() => x.mul(2)));
    expect(y.requiresGrad).toBe(true);
    expect(y.node).not.toBeNull();
    for (const t of [x, y]) t.dispose();
  });

  it('detach shares the data but cuts the tape', async () => {
    const x = leaf([1, 2, 3]);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.node).toBeNull();
    expect(await read(d)).toEqual([1, 2, 3]);
    const l = x.mul(d).sum(); // d/dx = d (not 2x): d is a constant
    l.backward();
    expect(await read(x.grad)).toEqual([1, 2, 3]);
    const h = x.mul(2);
    const hd = h.detach();
    expect(hd.requiresGrad).toBe(false);
    for (const t of [x, x.grad!, d, l, h, hd]) t.dispose();
  });

  it('requiresGrad cannot be cleared on a non-leaf', () => {
    const x = leaf([1]);
    const y = x.mul(2);
    expect(() => (y.requiresGrad = false)).toThrow(/requiresGrad can only be cleared on leaf tensors; use detach\(\)/);
    for (const t of [x, y]) t.dispose();
  });
});

describe('errors', () => {
  it('backward on a non-scalar without a gradient names the shape and the fix', () => {
    const x = leaf([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/webgrad\.backward: grad can be implicitly created only for one-element outputs; this one has shape \[2, 3\].*y\.backward\(gradOfY\)/);
    const bad = wg.ones([3, 2]);
    expect(() => y.backward(bad)).toThrow(/webgrad\.backward: the upstream gradient has shape \[3, 2\] but the output has shape \[2, 3\]/);
    for (const t of [x, y, bad]) t.dispose();
  });

  it('a second backward on the same graph is an error that says to recompute', () => {
    const x = leaf([1, 2]);
    const l = x.mul(x).sum();
    l.backward();
    expect(() => l.backward()).toThrow(/webgrad\.backward: this graph was already walked.*recompute the forward pass/);
    for (const t of [x, x.grad!, l]) t.dispose();
  });

  it('an intermediate used after backward: the error names the op and suggests keep()', async () => {
    const x = leaf([1, 2]);
    const h = x.mul(3);
    const l = h.sum();
    l.backward();
    expect(h.disposed).toBe(true);
    expect(() => h.add(1)).toThrow(/webgrad\.add: .*intermediate of a finished backward\(\).*\.keep\(\)/);
    await expect(h.toArray()).rejects.toThrow(/webgrad\.toArray: .*keep\(\)/);
    for (const t of [x, x.grad!, l]) t.dispose();
  });

  it('.keep() keeps an intermediate readable after backward (and the user disposes it)', async () => {
    const x = leaf([1, 2]);
    const h = x.mul(3).keep();
    const l = h.exp().sum();
    l.backward();
    expect(h.disposed).toBe(false);
    expect(h.node).toBeNull(); // no longer part of a graph
    expect(await read(h)).toEqual([3, 6]);
    for (const t of [x, x.grad!, h, l]) t.dispose();
  });

  it('the root (the loss) stays readable after backward', async () => {
    const x = leaf([1, 2]);
    const l = x.mul(x).sum();
    l.backward();
    expect(await l.item()).toBe(5);
    for (const t of [x, x.grad!, l]) t.dispose();
  });
});
