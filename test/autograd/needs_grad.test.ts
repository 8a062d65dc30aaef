// Backward rules compute only the input gradients that are needed (torch's needs_input_grad): the
// skipped ones are never dispatched, and the ones computed are still right (hand-computed values).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

/** Dispatches that backward() encodes for loss. */
function backwardDispatches(loss: wg.Tensor): number {
  const before = wg.stats().dispatches;
  loss.backward();
  return wg.stats().dispatches - before;
}

describe('needs input grad', () => {
  it('matmul skips the gradient of an operand that does not require grad', async () => {
    const x = wg.tensor([[1, 2], [3, 4]]); // a data batch: no grad
    const w = wg.tensor([[1, 0], [2, 1]], [2, 2], { requiresGrad: true });
    const both = wg.tensor([[1, 2], [3, 4]], [2, 2], { requiresGrad: true });
    const l1 = x.matmul(w).sum();
    const n1 = backwardDispatches(l1);
    const l2 = both.matmul(w).sum();
    const n2 = backwardDispatches(l2);
    expect(n1).toBeLessThan(n2); // one product fewer
    // d sum(x·w)/dw = xᵀ·1 = column sums of x per row of w: [[4, 4], [6, 6]] — the second graph added the same
    expect(Array.from(await w.grad!.toArray())).toEqual([8, 8, 12, 12]);
    expect(x.grad).toBe(null);
    // d sum(both·w)/d both = 1·wᵀ = row sums of w: [[1, 3], [1, 3]]
    expect(Array.from(await both.grad!.toArray())).toEqual([1, 3, 1, 3]);
    for (const t of [x, w, both, l1, l2, w.grad!, both.grad!]) t.dispose();
  });

  it('mul, div, sub, maximum and minimum compute only the needed side', async () => {
    const a = wg.tensor([1, -2, 4], [3], { requiresGrad: true });
    const c = wg.tensor([2, 4, -1]);
    const cases: [string, (p: wg.Tensor, q: wg.Tensor) => wg.Tensor, number[], number[]][] = [
      // [name, f, d/da with c fixed, d/da when a is the second operand]
      ['mul', (p, q) => p.mul(q), [2, 4, -1], [2, 4, -1]],
      ['div', (p, q) => p.div(q), [0.5, 0.25, -1], [-2 / 1, -4 / 4, 1 / 16]], // d(c/a)/da = −c/a²
      ['sub', (p, q) => p.sub(q), [1, 1, 1], [-1, -1, -1]],
      ['maximum', (p, q) => wg.maximum(p, q), [0, 0, 1], [0, 0, 1]],
      ['minimum', (p, q) => wg.minimum(p, q), [1, 1, 0], [1, 1, 0]],
    ];
    for (const [name, f, first, second] of cases) {
      const cg = wg.tensor([2, 4, -1], [3], { requiresGrad: true });
      const l0 = f(a, cg).sum();
      const withBoth = backwardDispatches(l0);
      [l0, cg, cg.grad!].forEach((t) => t.dispose());
      a.grad!.dispose();
      a.grad = null;
      const l1 = f(a, c).sum();
      expect(backwardDispatches(l1), `${name}(a, c)`).toBeLessThan(withBoth); // c's side was skipped
      expect(Array.from(await a.grad!.toArray()), name).toEqual(first);
      a.grad!.dispose();
      a.grad = null;
      const l2 = f(c, a).sum();
      backwardDispatches(l2);
      Array.from(await a.grad!.toArray()).forEach((v, i) => expect(v, `${name}(c, a)`).toBeCloseTo(second[i], 6));
      a.grad!.dispose();
      a.grad = null;
      l1.dispose();
      l2.dispose();
    }
    expect(c.grad).toBe(null);
    a.dispose();
    c.dispose();
  });
});
