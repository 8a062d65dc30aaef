// wg.autograd.detectAnomaly: the first op whose output (forward) or gradient (backward) holds a NaN or
// an infinity is named at the next readback; off, it adds no dispatches.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});
afterEach(() => {
  wg.autograd.detectAnomaly(false);
});

describe('detectAnomaly', () => {
  it('names the first op that produced an infinity in the forward pass', async () => {
    wg.autograd.detectAnomaly(true);
    const x = wg.tensor([1, 0, 2, 3]);
    const y = x.log(); // log(0) = -inf
    const z = y.mul(2).exp(); // later ops see -inf too, but log came first
    await expect(z.toArray()).rejects.toThrow(/detectAnomaly: log \(forward\) produced an infinity \(first found at flat index 1 of its output of shape \[4\]\)/);
    // the flag is re-armed: the next readback of finite data works
    expect(Array.from(await x.toArray())).toEqual([1, 0, 2, 3]);
    for (const t of [x, y, z]) t.dispose();
  });

  it('names NaN and the op: sqrt of a negative number', async () => {
    wg.autograd.detectAnomaly(true);
    const x = wg.tensor([4, -1]);
    const y = x.sqrt().add(1);
    await expect(y.sum().item()).rejects.toThrow(/sqrt \(forward\) produced a NaN \(first found at flat index 1/);
    x.dispose();
    y.dispose();
  });

  it('names the backward rule that produced the first non-finite gradient', async () => {
    wg.autograd.detectAnomaly(true);
    // sqrt(x) at 0 is finite, its gradient 1/(2·sqrt(0)) is not
    const x = wg.tensor([0, 1, 4], [3], { requiresGrad: true });
    const loss = x.sqrt().sum();
    loss.backward();
    await expect(x.grad!.toArray()).rejects.toThrow(/sqrt \(backward\) produced an infinity \(first found at flat index 0 of its output of shape \[3\]\)/);
    x.grad!.dispose();
    x.dispose();
    loss.dispose();
  });

  it('with a function: on for the callback only, and the result is returned', async () => {
    const x = wg.tensor([0]);
    const y = wg.autograd.detectAnomaly(() => x.log());
    expect(wg.autograd.isAnomalyEnabled()).toBe(false);
    await expect(y.toArray()).rejects.toThrow(/log \(forward\) produced an infinity/);
    const z = await wg.autograd.detectAnomaly(async () => x.log().neg());
    expect(wg.autograd.isAnomalyEnabled()).toBe(false);
    await expect(z.toArray()).rejects.toThrow(/log \(forward\)/);
    for (const t of [x, y, z]) t.dispose();
  });

  it('finite values pass, and off (the default) it adds no dispatches', async () => {
    const x = wg.randn([8, 8], { seed: 1, requiresGrad: true });
    const step = () => {
      const loss = x.matmul(x).tanh().log().sum(); // log of values in (-1, 1): some NaN
      loss.backward();
      return loss;
    };
    const before = wg.stats().dispatches;
    const l1 = step();
    const plain = wg.stats().dispatches - before;
    await l1.toArray(); // no error when off, though the values hold NaN
    x.grad!.dispose();
    x.grad = null;
    wg.autograd.detectAnomaly(true);
    const before2 = wg.stats().dispatches;
    const l2 = step();
    const checked = wg.stats().dispatches - before2;
    wg.autograd.detectAnomaly(false);
    expect(checked).toBeGreaterThan(plain);
    await expect(l2.toArray()).rejects.toThrow(/log \(forward\) produced a NaN/);
    // finite data under detection: no error
    const ok = wg.autograd.detectAnomaly(() => x.mul(2).exp().sum());
    expect(Number.isFinite(await ok.item())).toBe(true);
    for (const t of [l1, l2, ok, x.grad!, x]) t?.dispose();
  });

  it('switched off again, a step dispatches exactly as many kernels as before it was on', async () => {
    const x = wg.randn([4, 4], { seed: 2, requiresGrad: true });
    const count = (fn: () => void) => {
      const b = wg.stats().dispatches;
      fn();
      return wg.stats().dispatches - b;
    };
    const run = () => {
      x.grad?.dispose();
      x.grad = null;
      const l = x.mul(x).sum();
      l.backward();
      l.dispose();
    };
    const off = count(run);
    wg.autograd.detectAnomaly(true);
    const on = count(run);
    wg.autograd.detectAnomaly(false);
    const offAgain = count(run);
    expect(offAgain).toBe(off);
    expect(on - off).toBeGreaterThanOrEqual(3); // mul (forward), sum (forward), mul (backward): one check each
    x.grad?.dispose();
    x.dispose();
  });
});
