// Shapes are checked once, before any allocation: negative or fractional sizes, and tensors larger than
// the device's buffer limits, fail with the size, the limit and the fix, and leave wg.memory() unchanged.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

function expectNoLeak(fn: () => unknown, message: RegExp): void {
  const before = wg.memory();
  expect(fn).toThrow(message);
  expect(wg.memory()).toEqual(before);
}

describe('shape checks at creation', () => {
  it('negative and fractional sizes name the op, the shape and the dimension', () => {
    expectNoLeak(() => wg.zeros([2, -1]), /webgrad\.zeros: invalid shape \[2, -1\]: size -1 at dimension 1.*reshape/);
    expectNoLeak(() => wg.ones([1.5]), /webgrad\.ones: invalid shape \[1\.5\]/);
    expectNoLeak(() => wg.randn([3, -2]), /webgrad\.randn: invalid shape/);
    expectNoLeak(() => wg.full([NaN], 1), /webgrad\.full: invalid shape/);
    expectNoLeak(() => wg.rand([2, 2.5]), /webgrad\.rand: invalid shape/);
    expectNoLeak(() => wg.tensor([1, 2], [-2]), /webgrad\.tensor: invalid shape/);
  });

  it('a tensor over the buffer limit fails before allocating, with size, limit and fix', () => {
    expectNoLeak(() => wg.randn([1e5, 1e5]), /webgrad\.randn: a tensor of shape \[100000, 100000\] needs 37\.3 GiB .* limit of .* per buffer \((maxBufferSize|maxStorageBufferBindingSize)\)\. Split/);
    expectNoLeak(() => wg.zeros([1e5, 1e5]), /webgrad\.zeros: .*needs 37\.3 GiB/);
    // 1.6 GB: over the default limits and over what SwiftShader grants
    expectNoLeak(() => wg.zeros([20000, 20000]), /webgrad\.zeros: a tensor of shape \[20000, 20000\] needs 1\.49 GiB/);
  });

  it('ops check their output the same way (an expand to a huge shape)', () => {
    const x = wg.ones([1, 1]);
    expectNoLeak(() => x.expand([40000, 40000]), /webgrad\.expand: a tensor of shape \[40000, 40000\] needs 5\.96 GiB/);
    x.dispose();
  });

  it('the largest tensor under the limit is still allowed (no false alarm)', async () => {
    const t = wg.zeros([1024, 1024]); // 4 MiB
    expect(t.size).toBe(1 << 20);
    expect(await t.sum().item()).toBe(0);
    t.dispose();
  });
});
