import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

const bits = (a: Float32Array | Int32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('checkpoints (wg.save / wg.load)', () => {
  beforeAll(async () => {
    await wg.init();
  });

  it('round-trips a nested structure bit for bit, tensors and JSON alike', async () => {
    const special = new Float32Array([0, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, Math.fround(0.1)]);
    const a = wg.tensor(special, [2, 4]);
    const idx = wg.tensor(new Int32Array([-5, 0, 7, 2147483647]), [4]);
    const empty = wg.zeros([0, 3]);
    const value = {
      model: { '0.weight': a, '0.bias': wg.randn([3], { seed: 1 }) },
      optim: { state: { 0: { step: 3, m: idx } }, paramGroups: [{ params: [0], lr: 0.1, betas: [0.9, 0.999] }] },
      sched: { lastEpoch: 7, best: Infinity, minLrs: [-Infinity], note: 'x', flag: true, nothing: null },
      shared: [a, a],
      empty,
    };
    const bytes = await wg.save(value);
    const back = (await wg.load(bytes)) as typeof value;
    expect(bits((await back.model['0.weight'].toArray()) as Float32Array)).toEqual(bits(special));
    expect(back.model['0.weight'].shape).toEqual([2, 4]);
    expect(back.optim.state[0].m.dtype).toBe('int32');
    expect(Array.from(await back.optim.state[0].m.toArray())).toEqual([-5, 0, 7, 2147483647]);
    expect(back.optim.paramGroups).toEqual([{ params: [0], lr: 0.1, betas: [0.9, 0.999] }]);
    expect(back.sched).toEqual({ lastEpoch: 7, best: Infinity, minLrs: [-Infinity], note: 'x', flag: true, nothing: null });
    expect(back.shared[0]).toBe(back.shared[1]); // one tensor stored once, shared again on load
    expect(back.empty.shape).toEqual([0, 3]);
    expect(Array.from(await back.model['0.bias'].toArray())).toEqual(Array.from(await value.model['0.bias'].toArray()));
  });

  it('writes a safetensors layout (8-byte header length, JSON header, data)', async () => {
    const bytes = await wg.save({ w: wg.tensor([1, 2, 3]) });
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.w).toEqual({ dtype: 'F32', shape: [3], data_offsets: [0, 12] });
    expect((8 + n) % 8).toBe(0);
    expect(Array.from(new Float32Array(bytes.slice(8 + n).buffer))).toEqual([1, 2, 3]);
    expect(typeof header.__metadata__.webgrad).toBe('string');
  });

  it('rejects corrupt input with a clear error', async () => {
    const good = await wg.save({ w: wg.tensor([1, 2, 3, 4]) });
    await expect(wg.load(new Uint8Array(3))).rejects.toThrow(/not a valid webgrad checkpoint/);
    await expect(wg.load(good.slice(0, good.length - 4))).rejects.toThrow(/data offsets/);
    const badLen = good.slice();
    new DataView(badLen.buffer).setBigUint64(0, 1n << 40n, true);
    await expect(wg.load(badLen)).rejects.toThrow(/header length/);
    const badJson = good.slice();
    badJson[9] = 0x7b; // '{{' is not JSON
    badJson[8] = 0x7b;
    await expect(wg.load(badJson)).rejects.toThrow(/not JSON/);
    const noMeta = new TextEncoder().encode('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const raw = new Uint8Array(8 + noMeta.length + 4);
    new DataView(raw.buffer).setBigUint64(0, BigInt(noMeta.length), true);
    raw.set(noMeta, 8);
    raw.set(new Uint8Array(new Float32Array([2.5]).buffer), 8 + noMeta.length);
    const plain = (await wg.load(raw)) as Record<string, wg.Tensor>; // a plain safetensors file: flat names
    expect(Object.keys(plain)).toEqual(['w']);
    expect(Array.from(await plain.w.toArray())).toEqual([2.5]);
    const f64 = new TextEncoder().encode('{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}');
    const raw64 = new Uint8Array(8 + f64.length + 8);
    new DataView(raw64.buffer).setBigUint64(0, BigInt(f64.length), true);
    raw64.set(f64, 8);
    await expect(wg.load(raw64)).rejects.toThrow(/dtype F64; webgrad reads F32, I32 and I64/);
    // torch's int64 tensors come back as int32 when they fit
    const i64 = (values: bigint[]) => {
      const h = new TextEncoder().encode(`{"n":{"dtype":"I64","shape":[${values.length}],"data_offsets":[0,${8 * values.length}]}}`);
      const pad = (8 - ((8 + h.length) % 8)) % 8;
      const out = new Uint8Array(8 + h.length + pad + 8 * values.length).fill(0x20, 8, 8 + h.length + pad);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length + pad), true);
      out.set(h, 8);
      new BigInt64Array(out.buffer, 8 + h.length + pad).set(values);
      return out;
    };
    const n = ((await wg.load(i64([1n, -2n, 2147483647n]))) as Record<string, wg.Tensor>).n;
    expect([n.dtype, Array.from(await n.toArray())]).toEqual(['int32', [1, -2, 2147483647]]);
    await expect(wg.load(i64([1n << 40n]))).rejects.toThrow(/I64 tensor 'n' holds 1099511627776, outside int32/);
  });

  it('reads a view at any offset inside a larger buffer (a Node Buffer is one), an ArrayBuffer, a DataView', async () => {
    const bytes = await wg.save({ w: wg.tensor([1.5, -2, 3]), i: wg.tensor(new Int32Array([4, 5]), [2], { dtype: 'int32' }) });
    for (const offset of [1, 3, 8, 13]) {
      const pool = new ArrayBuffer(offset + bytes.length + 29);
      const view = new Uint8Array(pool, offset, bytes.length);
      view.set(bytes);
      new Uint8Array(pool).fill(0xee, 0, offset); // junk around the view must not be read
      new Uint8Array(pool).fill(0xee, offset + bytes.length);
      const back = (await wg.load(view)) as { w: wg.Tensor; i: wg.Tensor };
      expect(Array.from(await back.w.toArray())).toEqual([1.5, -2, 3]);
      expect(Array.from(await back.i.toArray())).toEqual([4, 5]);
      view.fill(0); // the loaded tensors do not alias the input
      const again = (await wg.load(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength))) as { w: wg.Tensor };
      expect(Array.from(await again.w.toArray())).toEqual([1.5, -2, 3]);
    }
    const exact = bytes.slice().buffer;
    expect(Array.from(await ((await wg.load(exact)) as { w: wg.Tensor }).w.toArray())).toEqual([1.5, -2, 3]);
  });

  it('refuses a path string and other non-bytes with a message that says what to pass', async () => {
    await expect(wg.load('model.safetensors' as unknown as Uint8Array)).rejects.toThrow(
      /webgrad.load: got the string 'model.safetensors', not bytes.*fs.readFileSync\(path\)/,
    );
    await expect(wg.load({} as unknown as Uint8Array)).rejects.toThrow(/expected a Uint8Array, Buffer or ArrayBuffer, got \[object Object\]/);
  });

  it('refuses values it cannot represent', async () => {
    await expect(wg.save({ f: () => 1 })).rejects.toThrow(/cannot serialise/);
    await expect(wg.save({ m: new Map() })).rejects.toThrow(/Maps are not supported/);
  });
});
