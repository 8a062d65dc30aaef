// Tensor lifetime and the runtime's bookkeeping: dispose and its errors, wg.memory(), the buffer pool,
// the pipeline cache (compile once per WGSL text) and command batching (one submit per readback).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/tensor/index.js';

beforeAll(async () => {
  await wg.init();
});

describe('dispose', () => {
  it('using a disposed tensor throws an error naming the op and saying it was disposed', async () => {
    const x = wg.ones([2, 2]);
    const other = wg.ones([2, 2]);
    x.dispose();
    expect(x.disposed).toBe(true);
    expect(() => x.add(1)).toThrow(/webgrad\.add: tensor of shape \[2, 2\] cannot be used: it was disposed/);
    expect(() => other.mul(x)).toThrow(/webgrad\.mul: .*disposed/);
    expect(() => x.exp()).toThrow(/webgrad\.exp: .*disposed/);
    expect(() => x.sum()).toThrow(/webgrad\.sum: .*disposed/);
    expect(() => x.matmul(other)).toThrow(/webgrad\.matmul: .*disposed/);
    expect(() => x.softmax(-1)).toThrow(/webgrad\.softmax: .*disposed/);
    expect(() => x.transpose(0, 1)).toThrow(/webgrad\.transpose: .*disposed/);
    expect(() => x.reshape([4])).toThrow(/webgrad\.reshape: .*disposed/);
    await expect(x.toArray()).rejects.toThrow(/webgrad\.toArray: .*disposed/);
    expect(() => x.dispose()).not.toThrow(); // idempotent
    other.dispose();
  });

  it('a reshaped view keeps the shared storage alive until both are disposed', async () => {
    const before = wg.memory();
    const x = wg.tensor([1, 2, 3, 4]);
    const v = x.reshape([2, 2]);
    expect(wg.memory().tensors).toBe(before.tensors + 2);
    expect(wg.memory().bytes).toBe(before.bytes + 16); // one storage, counted once
    x.dispose();
    expect(await v.tolist()).toEqual([[1, 2], [3, 4]]);
    v.dispose();
    expect(wg.memory().tensors).toBe(before.tensors);
    expect(wg.memory().bytes).toBe(before.bytes);
  });
});

describe('wg.memory() and the buffer pool', () => {
  it('counts live tensors and bytes; disposed buffers go to the pool and are reused', async () => {
    await wg.sync(); // settle earlier work, so quarantined buffers are reusable
    const m0 = wg.memory();
    const t = wg.zeros([1000, 3]);
    const m1 = wg.memory();
    expect(m1.tensors).toBe(m0.tensors + 1);
    expect(m1.bytes).toBe(m0.bytes + 12000);
    t.dispose();
    const m2 = wg.memory();
    expect(m2.tensors).toBe(m0.tensors);
    expect(m2.bytes).toBe(m0.bytes);
    expect(m2.pooledBytes).toBeGreaterThanOrEqual(m1.pooledBytes + 12000);
    await wg.sync(); // the pooled buffer becomes reusable after the next submit
    const again = wg.zeros([1000, 3]);
    expect(wg.memory().pooledBytes).toBe(m1.pooledBytes); // taken back out of the pool, not newly created
    again.dispose();
  });

  // Two measurements, each immune to the FinalizationRegistry backstop (which may free tensors that
  // other tests leaked at any await, changing the counts): live tensors/bytes around a synchronous
  // stretch (finalizers cannot run inside it), and the pool's total (live + pooled buffer bytes, which a
  // finalizer only moves between the two) around awaited iterations.
  it('stays flat over many create/compute/dispose iterations', async () => {
    const x = wg.randn([64, 32], { seed: 1 });
    const step = () => {
      const m = x.mul(2);
      const y = m.add(1);
      const s = y.sum();
      for (const t of [m, y]) t.dispose();
      return s;
    };
    const a = wg.memory();
    for (let i = 0; i < 300; i++) step().dispose();
    const b = wg.memory();
    expect(b.tensors).toBe(a.tensors);
    expect(b.bytes).toBe(a.bytes);

    const pool = runtime().pool;
    const total = () => pool.liveBytes + pool.pooledBytes;
    for (let i = 0; i < 5; i++) {
      const s = step();
      await s.item();
      s.dispose();
    }
    const before = total();
    for (let i = 0; i < 50; i++) {
      const s = step();
      await s.item();
      s.dispose();
    }
    expect(total()).toBe(before); // every buffer came back out of the pool: none was created
    x.dispose();
  });
});

describe('pipeline cache', () => {
  it('the same op twice compiles once; other uniform values compile nothing', async () => {
    const x = wg.ones([8]);
    const s0 = wg.stats();
    // an expression no other test uses, so its kernel is certainly new
    const a = wg.fused('a * T(1.2345678) + T(0.25)', x);
    const s1 = wg.stats();
    const b = wg.fused('a * T(1.2345678) + T(0.25)', x);
    const s2 = wg.stats();
    expect(s1.compiles - s0.compiles).toBe(1);
    expect(s1.kernels - s0.kernels).toBe(1);
    expect(s2.compiles - s1.compiles).toBe(0);
    const c = x.mul(2);
    const s3 = wg.stats();
    const d = x.mul(3);
    const s4 = wg.stats();
    expect(s4.compiles - s3.compiles).toBe(0);
    expect(Array.from(await d.toArray())).toEqual(new Array(8).fill(3));
    expect(Array.from(await b.toArray())).toEqual(new Array(8).fill(Math.fround(Math.fround(1.2345678) + 0.25)));
    for (const t of [x, a, b, c, d]) t.dispose();
  });
});

describe('command batching', () => {
  it('many ops then one readback make one submit', async () => {
    const x = wg.randn([256], { seed: 5 });
    await x.toArray(); // the upload is submitted
    const s0 = wg.stats();
    let y = x;
    for (let i = 0; i < 60; i++) {
      const next = y.mul(1.001).add(0.001);
      if (y !== x) y.dispose();
      y = next;
    }
    const z = y.sum();
    const s1 = wg.stats();
    expect(s1.submits - s0.submits).toBe(0); // nothing was submitted while encoding
    await z.item();
    const s2 = wg.stats();
    expect(s2.submits - s0.submits).toBe(1);
    expect(s2.readbacks - s0.readbacks).toBe(1);
    expect(s2.dispatches - s0.dispatches).toBeGreaterThanOrEqual(121);
    for (const t of [x, y, z]) t.dispose();
  });

  it('a write to a buffer the open batch still reads does not overtake it', async () => {
    // y reads x's buffer in the open batch; x is disposed and its buffer may be pooled and rewritten
    const x = wg.full([1024], 2);
    const y = x.mul(3);
    x.dispose();
    const fresh = wg.full([1024], 100); // may reuse the buffer only after a submit
    const w = fresh.add(y);
    expect(new Set(await y.toArray())).toEqual(new Set([6]));
    expect(new Set(await w.toArray())).toEqual(new Set([106]));
    for (const t of [y, fresh, w]) t.dispose();
  });
});
