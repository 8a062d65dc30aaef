// DataLoader (batches, shuffling, disposal), the IDX parser on buffers built here, and the embedded
// MNIST digits (a fixed, seeded split).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

const nn = wg.nn;

beforeAll(async () => {
  await wg.init();
});

/** n samples of shape [2, 3] whose values encode the sample index: x[i] = 100·i + k. */
function dataset(n: number) {
  const x = Float32Array.from({ length: n * 6 }, (_, j) => 100 * Math.floor(j / 6) + (j % 6));
  const y = Int32Array.from({ length: n }, (_, i) => i);
  return { x, xShape: [n, 2, 3], y };
}

describe('DataLoader', () => {
  it('yields batches in order, with the last one smaller unless dropLast', async () => {
    const loader = new nn.DataLoader(dataset(10), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const seen: number[][] = [];
    for (const [xb, yb] of loader) {
      expect(xb.shape).toEqual([yb.shape[0], 2, 3]);
      expect(yb.dtype).toBe('int32');
      const ys = Array.from(await yb.toArray());
      const xs = await xb.toArray();
      ys.forEach((i, k) => expect(Array.from(xs.slice(6 * k, 6 * k + 6))).toEqual([0, 1, 2, 3, 4, 5].map((j) => 100 * i + j)));
      seen.push(ys);
    }
    expect(seen).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropped = new nn.DataLoader(dataset(10), { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].length).toBe(2);
  });

  it('shuffles every epoch into a new permutation, reproducibly from the seed', async () => {
    const epochs = async (seed: number) => {
      const loader = new nn.DataLoader(dataset(50), { batchSize: 8, shuffle: true, seed });
      const out: number[][] = [];
      for (let e = 0; e < 2; e++) {
        const order: number[] = [];
        for (const [, yb] of loader) order.push(...(await yb.toArray()));
        out.push(order);
      }
      return out;
    };
    const [a1, a2] = await epochs(3);
    expect([...a1].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a1).not.toEqual(a2);
    expect(await epochs(3)).toEqual([a1, a2]);
    expect((await epochs(4))[0]).not.toEqual(a1);
  });

  it('frees the previous batch when the next is yielded, and the last when the loop ends or breaks', () => {
    const live = () => wg.memory().tensors;
    const before = live();
    const loader = new nn.DataLoader({ ...dataset(9), y: new Float32Array(18), yShape: [9, 2] }, { batchSize: 2 });
    let prev: wg.Tensor[] = [];
    for (const [xb, yb] of loader) {
      expect(yb.shape).toEqual([xb.shape[0], 2]);
      expect(prev.every((t) => t.disposed)).toBe(true);
      expect(live()).toBe(before + 2);
      prev = [xb, yb];
    }
    expect(prev.every((t) => t.disposed)).toBe(true);
    for (const [xb] of loader) {
      prev = [xb];
      break;
    }
    expect(prev[0].disposed).toBe(true);
    expect(live()).toBe(before);
  });

  it('explains inconsistent inputs', () => {
    const d = dataset(4);
    expect(() => new nn.DataLoader({ ...d, xShape: [4, 7] })).toThrow(/24 values but xShape \[4, 7\] needs 28/);
    expect(() => new nn.DataLoader({ ...d, y: new Int32Array(5) })).toThrow(/5 values.*4 samples/);
    expect(() => new nn.DataLoader(d, { batchSize: 0 })).toThrow(/batchSize/);
  });
});

/** An IDX file: magic 0 0 type ndim, big-endian uint32 dims, big-endian values. */
function idx(type: number, shape: number[], values: number[], bytesPer: number): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values.length * bytesPer);
  const v = new DataView(out.buffer);
  out.set([0, 0, type, shape.length]);
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  const at = 4 + 4 * shape.length;
  values.forEach((x, i) => {
    if (type === 0x08) v.setUint8(at + i, x);
    else if (type === 0x0c) v.setInt32(at + i * 4, x);
    else v.setFloat32(at + i * 4, x);
  });
  return out;
}

describe('IDX files', () => {
  it('parses uint8 images, int32 and float32 arrays', () => {
    const img = nn.parseIdx(idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255], 1));
    expect(img.shape).toEqual([2, 2, 3]);
    expect(img.type).toBe('uint8');
    expect(Array.from(img.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const ints = nn.parseIdx(idx(0x0c, [3], [-7, 0, 70000], 4));
    expect(Array.from(ints.data)).toEqual([-7, 0, 70000]);
    const floats = nn.parseIdx(idx(0x0d, [1, 2], [0.5, -1.25], 4));
    expect(floats.type).toBe('float32');
    expect(Array.from(floats.data)).toEqual([0.5, -1.25]);
  });

  it('rejects truncated, foreign and compressed buffers with a reason', () => {
    const good = idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6], 1);
    expect(() => nn.parseIdx(good.subarray(0, good.length - 1), 'x.idx')).toThrow(/x\.idx .*needs 18 bytes, the file has 17/);
    expect(() => nn.parseIdx(Uint8Array.of(1, 2, 8, 1, 0, 0, 0, 0))).toThrow(/magic number/);
    expect(() => nn.parseIdx(Uint8Array.of(0, 0, 7, 1, 0, 0, 0, 0))).toThrow(/unknown element type 0x7/);
    expect(() => nn.parseIdx(Uint8Array.of(0x1f, 0x8b, 8, 0))).toThrow(/gzip/);
  });

  it('gunzip undoes CompressionStream', async () => {
    const raw = idx(0x08, [4], [9, 8, 7, 6], 1);
    const gz = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    expect(gz[0]).toBe(0x1f);
    expect(Array.from(nn.parseIdx(await nn.gunzip(gz)).data)).toEqual([9, 8, 7, 6]);
  });
});

describe('embedded MNIST', () => {
  it('gives a fixed 8,000/2,000 split of real digits in [0, 1]', async () => {
    const { train, test } = await nn.loadMnist();
    expect([train.n, test.n]).toEqual([8000, 2000]);
    expect(train.x.length).toBe(8000 * 784);
    expect(test.y.length).toBe(2000);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of train.x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(0.99);
    expect(hi).toBeLessThanOrEqual(1);
    // every class is present in both sets, roughly 10% each
    for (const split of [train, test]) {
      const counts = new Array(10).fill(0);
      for (const c of split.y) counts[c]++;
      expect(Math.min(...counts)).toBeGreaterThan(0.07 * split.n);
    }
    // an image is mostly background: about 19% of the pixels of an MNIST digit are ink
    const ink = train.x.reduce((s, v) => s + (v > 0 ? 1 : 0), 0) / train.x.length;
    expect(ink).toBeGreaterThan(0.1);
    expect(ink).toBeLessThan(0.3);
    // the same split every time, and a different one for another seed
    const again = await nn.loadMnist();
    expect(again.test.y).toEqual(test.y);
    const other = await nn.loadMnist({ seed: 1, trainCount: 100, testCount: 10 });
    expect(other.train.y.slice(0, 100)).not.toEqual(train.y.slice(0, 100));
    await expect(nn.loadMnist({ trainCount: 9000, testCount: 2000 })).rejects.toThrow(/exceed the 10000/);
  });
});
