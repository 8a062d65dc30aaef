// Device loss and GPU errors: after the device is lost every call says so and how to recover; wg.init()
// acquires a new device; a checkpoint saved before the loss resumes training bit for bit.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/tensor/index.js';
import { kernel } from '../../src/shaders/kernel.js';

const bits = (a: Float32Array | Int32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function makeModel(): wg.nn.Sequential {
  wg.manualSeed(7);
  return new wg.nn.Sequential(new wg.nn.Linear(6, 16), new wg.nn.Tanh(), new wg.nn.Linear(16, 3));
}

/** Deterministic batches from the seeded generator (the same on every device). */
function batch(step: number): { x: wg.Tensor; y: Int32Array } {
  const x = wg.randn([8, 6], { seed: 1000 + step });
  const y = Int32Array.from({ length: 8 }, (_, i) => (i * 7 + step) % 3);
  return { x, y };
}

async function trainSteps(model: wg.nn.Module, opt: wg.optim.Optimizer, from: number, to: number): Promise<void> {
  for (let s = from; s < to; s++) {
    const { x, y } = batch(s);
    opt.zeroGrad();
    const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    loss.dispose();
    x.dispose();
  }
}

async function paramBits(model: wg.nn.Module): Promise<number[]> {
  const out: number[] = [];
  for (const p of model.parameters()) out.push(...bits((await p.toArray()) as Float32Array));
  return out;
}

describe('device loss', () => {
  beforeAll(async () => {
    await wg.init();
  });

  it('every call after the loss explains it; wg.init() gets a new device; a checkpoint resumes bit for bit', async () => {
    // The uninterrupted run: 6 steps.
    const refModel = makeModel();
    const refOpt = new wg.optim.AdamW(refModel.parameters(), { lr: 1e-2 });
    await trainSteps(refModel, refOpt, 0, 6);
    const expected = await paramBits(refModel);

    // The interrupted run: 3 steps, a checkpoint, the device dies.
    const model = makeModel();
    const opt = new wg.optim.AdamW(model.parameters(), { lr: 1e-2 });
    await trainSteps(model, opt, 0, 3);
    const ckpt = await wg.save({ model: model.stateDict(), optim: opt.stateDict() });
    const stale = model.parameters()[0];
    const oldDevice = runtime().device;
    oldDevice.destroy();
    await oldDevice.lost;
    await new Promise((r) => setTimeout(r, 0));

    const lost = /the GPU device was lost \(.*destroyed.*\); call `await wg\.init\(\)` to get a new device and restore tensors from a checkpoint \(wg\.load\)/;
    expect(() => wg.zeros([2])).toThrow(lost);
    expect(() => stale.add(1)).toThrow(lost);
    expect(() => opt.step()).toThrow(lost);
    await expect(stale.toArray()).rejects.toThrow(lost);
    await expect(wg.load(ckpt)).rejects.toThrow(lost);

    const info = await wg.init();
    expect(typeof info.adapter).toBe('string');
    expect(runtime().device).not.toBe(oldDevice);
    expect(runtime().lost).toBeNull();
    // A tensor of the lost device is refused by name, not turned into a GPU validation error.
    expect(() => stale.add(1)).toThrow(/created on a GPU device that has since been lost or replaced/);
    await expect(stale.toArray()).rejects.toThrow(/created on a GPU device that has since been lost/);
    stale.dispose(); // dropping it is harmless: it never enters the new device's pool

    const ck = (await wg.load(ckpt)) as { model: Record<string, wg.Tensor>; optim: wg.optim.OptimizerStateDict };
    const model2 = makeModel();
    model2.loadStateDict(ck.model);
    const opt2 = new wg.optim.AdamW(model2.parameters(), { lr: 1e-2 });
    opt2.loadStateDict(ck.optim);
    await trainSteps(model2, opt2, 3, 6);
    expect(await paramBits(model2)).toEqual(expected);
  });
});

describe('GPU errors', () => {
  beforeAll(async () => {
    await wg.init();
  });

  it('a validation error surfaces as a JS error naming the op at the next readback', async () => {
    const rt = runtime();
    const small = rt.alloc(16);
    // The kernel binds a fixed-size array larger than the buffer: WebGPU rejects the dispatch.
    const wgsl = kernel({
      bindings: [{ name: 'out', type: 'f32', access: 'read_write' }],
      workgroupSize: [1],
      body: 'out[0] = 1.0;',
    }).replace('array<f32>', 'array<f32, 1024>');
    rt.dispatch({ label: 'oversized_write', wgsl, buffers: { out: small }, workgroups: [1] });
    const t = wg.tensor([1, 2, 3]);
    await expect(t.toArray()).rejects.toThrow(/webgrad: GPU error in oversized_write: /);
    // The device survives a validation error: the next readback works.
    expect(Array.from(await t.toArray())).toEqual([1, 2, 3]);
    rt.release(small);
    t.dispose();
  });

  it('an error outside any op (an out-of-range upload) surfaces at the next readback too', async () => {
    const rt = runtime();
    const small = rt.alloc(16);
    rt.device.queue.writeBuffer(small, 1 << 20, new Float32Array(4)); // past the end: a validation error
    const t = wg.tensor([4, 5]);
    await expect(t.toArray()).rejects.toThrow(/webgrad: GPU error: /);
    expect(Array.from(await t.toArray())).toEqual([4, 5]);
    rt.release(small);
    t.dispose();
  });

  it('a tensor larger than the device allows is refused before WebGPU sees it', () => {
    const max = runtime().device.limits.maxStorageBufferBindingSize;
    const n = Math.floor(max / 4) + 16;
    expect(() => wg.Tensor.empty([n])).toThrow(new RegExp(`shape \\[${n}\\] needs .*\\(${n} elements x 4 bytes\\), over this device's limit`));
  });
});
