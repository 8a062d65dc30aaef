// GELU's tanh form in the negative tail, against a float64 reference: 0.5x(1 + tanh u) cancels there
// (5% relative error at x = -4.6 in float32), x·σ(2u) does not.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

const K = Math.sqrt(2 / Math.PI);
const u = (x: number) => K * (x + 0.044715 * x ** 3);
/** float64 GELU (tanh form) and its derivative, from the σ form (exact in float64 over this range). */
const ref = (x: number) => x / (1 + Math.exp(-2 * u(x)));
const dref = (x: number) => {
  const s = 1 / (1 + Math.exp(-2 * u(x)));
  return s + x * s * (1 - s) * 2 * K * (1 + 3 * 0.044715 * x * x);
};

// float32 inputs over [-9, 3], dense in the tail
const xs = Float32Array.from({ length: 241 }, (_, i) => -9 + i * 0.05);

function worstRel(got: Float32Array, want: (x: number) => number): { x: number; rel: number } {
  let worst = { x: 0, rel: 0 };
  xs.forEach((x, i) => {
    const w = want(x);
    const rel = Math.abs(got[i] - w) / Math.max(Math.abs(w), 1e-30);
    if (rel > worst.rel) worst = { x, rel };
  });
  return worst;
}

describe("gelu({ approximate: 'tanh' }) keeps relative accuracy in the tail", () => {
  it('forward: relative error below 2e-5 over [-9, 3] (float32 ulp is 6e-8)', async () => {
    const x = wg.tensor(xs);
    const y = x.gelu({ approximate: 'tanh' });
    const w = worstRel((await y.toArray()) as Float32Array, ref);
    expect(w.rel, `worst at x = ${w.x}`).toBeLessThan(2e-5);
    // the value the cancelling form got 5% wrong
    const at = (await wg.tensor([-4.6]).gelu({ approximate: 'tanh' }).toArray())[0];
    expect(Math.abs(at - ref(-4.6)) / Math.abs(ref(-4.6))).toBeLessThan(2e-5);
    x.dispose();
    y.dispose();
  });

  it('gradient: relative error below 1e-4 over [-9, 3]', async () => {
    const x = wg.tensor(xs, [xs.length], { requiresGrad: true });
    const y = x.gelu({ approximate: 'tanh' });
    y.sum().backward();
    const w = worstRel((await x.grad!.toArray()) as Float32Array, dref);
    expect(w.rel, `worst at x = ${w.x}`).toBeLessThan(1e-4);
    x.grad!.dispose();
    x.dispose();
    y.dispose();
  });

  it('saturates without overflow: gelu(x) = x for large x, 0 for very negative x', async () => {
    const y = await wg.tensor([-1e4, -50, 50, 1e4]).gelu({ approximate: 'tanh' }).toArray();
    expect(Array.from(y)).toEqual([-0, -0, 50, 1e4].map((v) => (v === 0 ? y[0] : v)));
    expect(Math.abs(y[0]) + Math.abs(y[1])).toBe(0);
  });
});
