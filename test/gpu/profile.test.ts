// wg.profile: which kernels a known training step runs, counted exactly; shares that sum to 1; the
// profiled step's results are those of an unprofiled one (profiling changes nothing it times).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

function mlp(seed: number) {
  wg.manualSeed(seed);
  const model = new wg.nn.Sequential(new wg.nn.Linear(6, 5), new wg.nn.ReLU(), new wg.nn.Linear(5, 3));
  const opt = new wg.optim.Adam(model.parameters(), { lr: 0.1, foreach: false }); // fused: one update per parameter
  const x = wg.randn([4, 6], { seed: 1 });
  const y = new Int32Array([0, 2, 1, 2]);
  const step = () => {
    opt.zeroGrad();
    const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
  const dispose = () => [...model.parameters(), x].forEach((t) => (t.grad?.dispose(), t.dispose()));
  return { model, step, dispose };
}

describe('wg.profile', () => {
  it('names the kernels of an MLP step with their dispatch counts, and the shares sum to 1', async () => {
    const m = mlp(0);
    m.step().dispose(); // first step: state creation
    const before = wg.stats().dispatches;
    let loss: wg.Tensor | null = null;
    const rows = await wg.profile(() => {
      loss = m.step();
    });
    const dispatched = wg.stats().dispatches - before;
    const by = Object.fromEntries(rows.map((r) => [r.kernel, r]));
    const products = (form: string) => rows.filter((r) => r.kernel.endsWith(` ${form}`)).reduce((s, r) => s + r.dispatches, 0);
    // forward: two products with the bias added in their store (x·W1ᵀ + b1, h·W2ᵀ + b2: no separate add);
    // backward: dW2 = gᵀ·h, dh = g·W2, dW1 = gᵀ·x — and no dx: the input batch does not require grad,
    // so its gradient is never computed
    expect(products('A·Bᵀ + bias')).toBe(2);
    expect(by.add).toBeUndefined();
    expect(products('Aᵀ·B')).toBe(2);
    expect(products('A·B')).toBe(1);
    expect(by['Adam update'].dispatches).toBe(4); // one fused update per parameter
    expect(by.relu.dispatches).toBe(1);
    expect(rows.reduce((s, r) => s + r.dispatches, 0)).toBe(dispatched);
    expect(rows.reduce((s, r) => s + r.share, 0)).toBeCloseTo(1, 6);
    for (const r of rows) {
      expect(r.ms).toBeGreaterThanOrEqual(0);
      expect(r.share).toBeGreaterThanOrEqual(0);
    }
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].ms).toBeGreaterThanOrEqual(rows[i].ms);
    const profiled = await loss!.item();
    loss!.dispose();
    // the same two steps without profiling give the same loss: the replay touched no user buffer
    const ref = mlp(0);
    ref.step().dispose();
    const l2 = ref.step();
    expect(await l2.item()).toBe(profiled);
    l2.dispose();
    const w = await m.model.parameters()[0].toArray();
    const wr = await ref.model.parameters()[0].toArray();
    expect(Array.from(w)).toEqual(Array.from(wr));
    m.dispose();
    ref.dispose();
  });

  it('awaits an async fn, and refuses to nest', async () => {
    const a = wg.randn([64], { seed: 2 });
    const rows = await wg.profile(async () => {
      const b = a.exp();
      expect(Array.from(await b.toArray()).length).toBe(64);
      b.dispose();
      await expect(wg.profile(() => a.neg().dispose())).rejects.toThrow(/cannot nest/);
    });
    expect(rows.map((r) => r.kernel)).toEqual(['exp']);
    expect(rows[0].share).toBe(1);
    a.dispose();
  });
});
