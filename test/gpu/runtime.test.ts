// The GPU runtime on its own (no tensors): dispatch by buffer and uniform NAME with layouts reflected
// from the WGSL, its errors, batching and ordering of writes, readback, and the buffer pool's size classes.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/tensor/index.js';
import { sizeClass } from '../../src/gpu/index.js';
import { kernel } from '../../src/shaders/kernel.js';
import type { Runtime } from '../../src/gpu/runtime.js';

let rt: Runtime;
beforeAll(async () => {
  await wg.init();
  rt = runtime();
});

// out[i] = x[i] * scale + f32(offset) + f32(shape[1][1]): one uniform of each kind, at its reflected offset
const AFFINE = kernel({
  bindings: [
    { name: 'x', type: 'f32', access: 'read' },
    { name: 'out', type: 'f32', access: 'read_write' },
  ],
  uniforms: [['n', 'u32'], ['scale', 'f32'], ['offset', 'i32'], ['shape', 'vec8u']],
  workgroupSize: [64],
  body: 'if (gid.x < u.n) { out[gid.x] = x[gid.x] * u.scale + f32(u.offset) + f32(u.shape[1][1]); }',
});

const upload = (values: number[]) => {
  const b = rt.alloc(values.length * 4);
  rt.write(b, new Float32Array(values));
  return b;
};
const readF32 = async (b: GPUBuffer, n: number) => Array.from(new Float32Array(await rt.read(b, n * 4)));

describe('dispatch', () => {
  it('binds buffers and uniforms by name', async () => {
    const x = upload([1, 2, 3, 4, 5]);
    const out = rt.alloc(20);
    rt.dispatch({ wgsl: AFFINE, buffers: { x, out }, uniforms: { n: 5, scale: 2, offset: -3, shape: [0, 0, 0, 0, 0, 7, 0, 0] }, workgroups: [1] });
    expect(await readF32(out, 5)).toEqual([6, 8, 10, 12, 14]); // 2x − 3 + 7
    rt.release(x);
    rt.release(out);
  });

  it('errors name the missing buffer or uniform, and the workgroup limit', () => {
    const x = upload([1]);
    expect(() => rt.dispatch({ wgsl: AFFINE, buffers: { x }, uniforms: { n: 1, scale: 1, offset: 0, shape: [] }, workgroups: [1] }))
      .toThrow(/kernel needs a buffer named 'out' \(got x\)/);
    expect(() => rt.dispatch({ wgsl: AFFINE, buffers: { x, out: x }, uniforms: { n: 1, offset: 0, shape: [] }, workgroups: [1] }))
      .toThrow(/missing uniform 'scale'/);
    expect(() => rt.dispatch({ wgsl: AFFINE, buffers: { x, out: x }, uniforms: { n: 1, scale: 1, offset: 0, shape: [] }, workgroups: [65536] }))
      .toThrow(/65536x1x1 workgroups exceed 65535 per dimension/);
    rt.release(x);
  });

  it('zero workgroups encode nothing; the pipeline is compiled once per WGSL text', () => {
    const x = upload([1]);
    const s0 = { ...rt.stats };
    const spec = { wgsl: AFFINE, buffers: { x, out: x }, uniforms: { n: 0, scale: 1, offset: 0, shape: [] }, workgroups: [0] as [number] };
    rt.dispatch(spec);
    rt.dispatch(spec);
    expect(rt.stats.dispatches).toBe(s0.dispatches);
    expect(rt.stats.compiles).toBe(s0.compiles); // compiled by the first test already
    rt.release(x);
  });
});

describe('batching and ordering', () => {
  it('a write to a buffer the open batch reads flushes first, so the dispatch sees the old data', async () => {
    const x = upload([1, 2]);
    await rt.sync();
    const out = rt.alloc(8);
    const s0 = rt.stats.submits;
    rt.dispatch({ wgsl: AFFINE, buffers: { x, out }, uniforms: { n: 2, scale: 10, offset: 0, shape: [] }, workgroups: [1] });
    expect(rt.stats.submits).toBe(s0); // batched, not yet submitted
    rt.write(x, new Float32Array([100, 200])); // must not overtake the dispatch above
    expect(rt.stats.submits).toBe(s0 + 1);
    expect(await readF32(out, 2)).toEqual([10, 20]);
    expect(await readF32(x, 2)).toEqual([100, 200]);
    rt.release(x);
    rt.release(out);
  });

  it('copy() moves bytes inside the batch; reads of 0 bytes return an empty buffer', async () => {
    const a = upload([1, 2, 3, 4]);
    const b = upload([0, 0, 0, 0]);
    rt.copy(a, b, 8, 4, 8); // a[1..2] -> b[2..3]
    expect(await readF32(b, 4)).toEqual([0, 0, 2, 3]);
    expect((await rt.read(a, 0)).byteLength).toBe(0);
    rt.release(a);
    rt.release(b);
  });

  it('concurrent readbacks each get their own data', async () => {
    const bufs = [upload([1, 1]), upload([2, 2]), upload([3, 3])];
    const got = await Promise.all(bufs.map((b) => readF32(b, 2)));
    expect(got).toEqual([[1, 1], [2, 2], [3, 3]]);
    bufs.forEach((b) => rt.release(b));
  });

  it('a long batch is submitted in chunks (bounded encoder size) and stays correct', async () => {
    const x = upload([1]);
    const y = rt.alloc(4);
    await rt.sync();
    const s0 = rt.stats.submits;
    for (let i = 0; i < 600; i++) {
      const [src, dst] = i % 2 === 0 ? [x, y] : [y, x];
      rt.dispatch({ wgsl: AFFINE, buffers: { x: src, out: dst }, uniforms: { n: 1, scale: 1, offset: 1, shape: [] }, workgroups: [1] });
    }
    const submits = rt.stats.submits - s0;
    expect(submits).toBeGreaterThanOrEqual(2);
    expect(submits).toBeLessThanOrEqual(3);
    expect(await readF32(x, 1)).toEqual([601]); // 600 increments, in order
    rt.release(x);
    rt.release(y);
  });
});

describe('buffer pool', () => {
  it('size classes: at least the request, 16-byte multiples, 256 B steps up to 4 KiB, then < 25% over', () => {
    let prev = 0;
    for (let bytes = 1; bytes < 1 << 22; bytes = Math.ceil(bytes * 1.37) + 3) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c % 16).toBe(0);
      if (bytes <= 4096) expect(c % 256).toBe(0);
      else expect((c - bytes) / bytes).toBeLessThan(0.25);
      expect(c).toBeGreaterThanOrEqual(prev);
      prev = c;
    }
    expect(sizeClass(0)).toBe(256);
    expect(sizeClass(5000)).toBe(5120);
  });

  it('a released buffer is reused only after the batch that may use it has been submitted', async () => {
    await rt.sync();
    const a = rt.alloc(1000);
    const out = rt.alloc(1000);
    rt.dispatch({ wgsl: AFFINE, buffers: { x: a, out }, uniforms: { n: 250, scale: 1, offset: 0, shape: [] }, workgroups: [4] });
    rt.release(a); // the open batch still reads it
    const b = rt.alloc(1000);
    expect(b).not.toBe(a);
    await rt.sync();
    const c = rt.alloc(1000);
    expect(c).toBe(a); // back from quarantine, reused instead of created
    rt.release(b);
    rt.release(c);
    rt.release(out);
  });
});
