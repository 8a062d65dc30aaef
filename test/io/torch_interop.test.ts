// Checkpoints that travel between webgrad and PyTorch (test/fixtures/webgrad_checkpoint.py made the
// torch side with torch 1.13; see that script for what it proves in Python).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import made from '../fixtures/checkpoint_webgrad.json';
import fx from '../fixtures/checkpoint_interop.json';
import { BATCH, batchX, batchY, CASES, STEPS_BEFORE, STEPS_AFTER } from '../fixtures/interop_common.mjs';

const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const mlp = () => new wg.nn.Sequential(new wg.nn.Linear(4, 8), new wg.nn.Tanh(), new wg.nn.Linear(8, 3));
type Ckpt = { model: Record<string, wg.Tensor>; optim: wg.optim.TorchOptimizerStateDict };

async function train(model: wg.nn.Module, opt: wg.optim.Optimizer<{ lr: number }>, from: number, to: number) {
  for (let s = from; s < to; s++) {
    const x = wg.tensor(batchX(s), [BATCH, 4]);
    opt.zeroGrad();
    const loss = wg.nn.functional.crossEntropy(model.forward(x), batchY(s));
    loss.backward();
    opt.step();
    loss.dispose();
    x.dispose();
  }
}
async function flat(model: wg.nn.Module): Promise<number[]> {
  const out: number[] = [];
  for (const p of model.parameters()) out.push(...(await p.toArray()));
  return out;
}
function expectNear(actual: number[], expected: number[], label: string) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (2e-5 + 1e-4 * Math.abs(expected[i])));
  expect(worst, `${label}: worst error / tolerance`).toBeLessThanOrEqual(1);
}

const TORCH_KEYS: Record<string, string[]> = {
  SGD: ['momentum_buffer'],
  Adam: ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'],
  AdamW: ['step', 'exp_avg', 'exp_avg_sq'],
  RMSprop: ['step', 'square_avg', 'grad_avg', 'momentum_buffer'],
  Adagrad: ['step', 'sum'],
  Adadelta: ['step', 'square_avg', 'acc_delta'],
  Adamax: ['step', 'exp_avg', 'exp_inf'],
  RAdam: ['step', 'exp_avg', 'exp_avg_sq'],
};

describe('checkpoints between webgrad and PyTorch', () => {
  beforeAll(async () => {
    await wg.init();
  });

  it("toTorchStateDict names state and options as torch does", async () => {
    for (const [name, options] of CASES) {
      const model = mlp();
      const opt = new (wg.optim as unknown as Record<string, new (p: wg.Tensor[], o: object) => wg.optim.Optimizer<{ lr: number }>>)[name](model.parameters(), options);
      await train(model, opt, 0, 1);
      const sd = wg.optim.toTorchStateDict(opt);
      expect(Object.keys(sd.state[0]).sort(), name).toEqual([...TORCH_KEYS[name]].sort());
      if ('step' in sd.state[0]) {
        const step = sd.state[0].step as wg.Tensor;
        expect(step.shape).toEqual([]);
        expect(await step.item()).toBe(1);
      }
      expect(sd.param_groups[0].params).toEqual([0, 1, 2, 3]);
      expect('weight_decay' in sd.param_groups[0] && !('weightDecay' in sd.param_groups[0])).toBe(true);
      opt.dispose();
    }
  });

  it('PyTorch continues a webgrad checkpoint to the values webgrad reaches', async () => {
    for (const [name, options] of CASES) {
      const ck = (await wg.load(fromBase64((made as Record<string, string>)[name]))) as Ckpt;
      const model = mlp();
      model.loadStateDict(ck.model);
      const opt = new (wg.optim as unknown as Record<string, new (p: wg.Tensor[], o: object) => wg.optim.Optimizer<{ lr: number }>>)[name](model.parameters(), options);
      opt.loadStateDict(await wg.optim.fromTorchStateDict(opt, ck.optim));
      await train(model, opt, STEPS_BEFORE, STEPS_BEFORE + STEPS_AFTER);
      expectNear(await flat(model), (fx.fromWebgrad as Record<string, number[]>)[name], name);
    }
  });

  it('a torch state dict saved as safetensors loads bit for bit, and webgrad continues its Adam to torch\'s values', async () => {
    // The plain file (safetensors.torch.save_file layout, no webgrad metadata): a flat { name: Tensor }.
    const plain = (await wg.load(fromBase64(fx.fromTorch.modelFile))) as Record<string, wg.Tensor>;
    expect(Object.keys(plain).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    const model = mlp();
    const { missingKeys, unexpectedKeys } = model.loadStateDict(plain) as { missingKeys: string[]; unexpectedKeys: string[] };
    expect([missingKeys, unexpectedKeys]).toEqual([[], []]);
    const bitsOf = (a: number[]) => Array.from(new Uint32Array(new Float32Array(a).buffer));
    expect(bitsOf(await flat(model))).toEqual(bitsOf(fx.fromTorch.params));

    const ck = (await wg.load(fromBase64(fx.fromTorch.checkpointFile))) as Ckpt;
    const model2 = mlp();
    model2.loadStateDict(ck.model);
    expect(bitsOf(await flat(model2))).toEqual(bitsOf(fx.fromTorch.params));
    const opt = new wg.optim.Adam(model2.parameters(), { lr: 0.5 });
    opt.loadStateDict(await wg.optim.fromTorchStateDict(opt, ck.optim));
    expect(opt.paramGroups[0].lr).toBe(1e-2);
    expect(opt.paramGroups[0].betas).toEqual([0.8, 0.99]);
    await train(model2, opt, STEPS_BEFORE, STEPS_BEFORE + STEPS_AFTER);
    expectNear(await flat(model2), fx.fromTorch.continued, 'Adam from torch');
  });

  it('refuses a state dict that is not torch\'s layout', async () => {
    const opt = new wg.optim.Adam(mlp().parameters());
    await expect(wg.optim.fromTorchStateDict(opt, { paramGroups: [] } as never)).rejects.toThrow(/fromTorchStateDict.*torch's \{ state, param_groups \}/);
  });
});
