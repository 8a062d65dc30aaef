// The default optimizer mode ('auto'): per param group, fused (a dispatch per tensor) or foreach (one
// arena dispatch), by the cost model of preferForeach. Checks the rule and that the optimizer follows
// it; not timing (the model's constants come from the benchmarks).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

const { preferForeach } = wg.optim;

describe('preferForeach', () => {
  it('one tensor is always fused: foreach would only add copies', () => {
    for (const n of [10, 1 << 20, 1 << 24]) for (const sw of [true, false]) expect(preferForeach([n], sw)).toBe(false);
    expect(preferForeach([], true)).toBe(false);
  });

  it('many small tensors take foreach; a few large ones stay fused', () => {
    // SwiftShader: 0.4 ms a dispatch against 24 B per element at 100 GB/s
    expect(preferForeach(new Array(64).fill(1 << 14), true)).toBe(true); // 63 * 0.4 = 25 ms > 0.25 ms of copies
    expect(preferForeach(new Array(64).fill(1 << 18), true)).toBe(true); // 25 ms > 4 ms
    expect(preferForeach(new Array(4).fill(1 << 20), true)).toBe(true); // 1.2 ms > 1.0 ms
    expect(preferForeach([1 << 22, 1 << 22], true)).toBe(false); // 0.4 ms < 2 ms
    expect(preferForeach([100352, 128, 1280, 10], true)).toBe(true); // the MNIST MLP: 1.2 ms > 0.02 ms
    // GPUs: 10 µs a dispatch against 300 GB/s
    expect(preferForeach([100352, 128, 1280, 10], false)).toBe(true); // 30 µs > 8 µs
    expect(preferForeach(new Array(4).fill(1 << 20), false)).toBe(false); // 30 µs < 335 µs
  });

  it('the boundary is where the saved dispatches cost as much as the copies', () => {
    // software: (n − 1) · 0.4 ms = 24 · N / 100e6 ms  ⇔  N = (n − 1) · 5e6 / 3 elements in all
    expect(preferForeach([1_000_000, 660_000], true)).toBe(true); // N = 1,660,000 < 1,666,667
    expect(preferForeach([1_000_000, 670_000], true)).toBe(false); // N = 1,670,000 > 1,666,667
  });
});

describe('the default mode follows the rule per group', () => {
  it('an Adam over a small MLP and a big tensor: foreach for the first group, fused for the second', async () => {
    const small = [wg.randn([16, 8], { seed: 1 }), wg.randn([16], { seed: 2 }), wg.randn([4, 16], { seed: 3 }), wg.randn([4], { seed: 4 })];
    const big = [wg.randn([1 << 20], { seed: 5 })];
    for (const p of [...small, ...big]) {
      p.requiresGrad = true;
      p.grad = wg.ones(p.shape);
    }
    const opt = new wg.optim.Adam([{ params: small }, { params: big }], { lr: 0.1 });
    expect(opt.foreach).toBe('auto');
    const sw = wg.deviceInfo().software;
    const want = [preferForeach(small.map((p) => p.size), sw), preferForeach([1 << 20], sw)];
    expect(want[1]).toBe(false);
    opt.paramGroups.forEach((g, i) => expect(opt.usesForeach(g)).toBe(want[i]));
    const rows = await wg.profile(() => opt.step());
    const count = (k: string) => rows.find((r) => r.kernel === k)?.dispatches ?? 0;
    expect(count('Adam foreach')).toBe(want[0] ? 1 : 0);
    expect(count('Adam update')).toBe(1 + (want[0] ? 0 : 4));
    // the first step of Adam moves every parameter by lr · sign(g) = 0.1 whatever the mode
    const moved = Array.from(await small[3].toArray());
    const fresh = Array.from(await wg.randn([4], { seed: 4 }).toArray());
    moved.forEach((v, i) => expect(v).toBeCloseTo(fresh[i] - 0.1, 5));
    for (const p of [...small, ...big]) (p.grad?.dispose(), p.dispose());
  });

  it('an explicit foreach: true or false is kept', () => {
    const p = wg.randn([8], { seed: 1 });
    p.requiresGrad = true;
    for (const foreach of [true, false]) {
      const opt = new wg.optim.Adam([p], { foreach });
      expect(opt.usesForeach(opt.paramGroups[0])).toBe(foreach);
    }
    expect(() => new wg.optim.Adam([p], { foreach: 'yes' as never })).toThrow(/foreach/);
    p.dispose();
  });
});
