/**
 * torch.optim parity, open loop (test/fixtures/optim.json, see test/fixtures/README.md): the same
 * parameters and gradients as torch, then the parameters and state after every step, for every
 * optimizer configuration, in both the per-tensor fused mode and the foreach (arena) mode.
 * Tolerance: float32 rounding of a few fused operations per step, 6-8 steps: 1e-5 relative.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import fx from '../fixtures/optim.json';
import * as wg from '../../src/index.js';
import { expectClose } from '../helpers/expect_close.js';

type T = { shape: number[]; data: number[] };
type Case = {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  paramGroups?: ({ params: number[] } & Record<string, unknown>)[];
  initialParams: T[];
  grads: (T | null)[][];
  steps: { params: T[]; state: Record<string, number | T>[] }[];
};

/** torch's state names → ours (the symbols of the algorithm in each optimizer's doc comment). */
export const TORCH_STATE: Record<string, Record<string, string>> = {
  SGD: { momentum_buffer: 'buf' },
  Adam: { exp_avg: 'm', exp_avg_sq: 'v', max_exp_avg_sq: 'vmax' },
  AdamW: { exp_avg: 'm', exp_avg_sq: 'v', max_exp_avg_sq: 'vmax' },
  Adagrad: { sum: 'stateSum' },
  RMSprop: { square_avg: 'v', momentum_buffer: 'buf', grad_avg: 'gAvg' },
  Adamax: { exp_avg: 'm', exp_inf: 'expInf' },
  NAdam: { exp_avg: 'm', exp_avg_sq: 'v', mu_product: 'muProduct' },
  RAdam: { exp_avg: 'm', exp_avg_sq: 'v' },
  Adadelta: { square_avg: 'v', acc_delta: 'accDelta' },
};

const cases = (fx as unknown as { openLoop: Case[] }).openLoop;
type Ctor = new (params: unknown, options: Record<string, unknown>) => wg.optim.Optimizer<{ lr: number }>;

beforeAll(async () => {
  await wg.init();
});

async function run(c: Case, foreach: boolean): Promise<void> {
  const Opt = (wg.optim as unknown as Record<string, Ctor>)[c.optimizer];
  expect(Opt, `wg.optim.${c.optimizer}`).toBeDefined();
  const params = c.initialParams.map((t) => wg.tensor(t.data, t.shape, { requiresGrad: true }));
  const target = c.paramGroups ? c.paramGroups.map(({ params: idx, ...o }) => ({ ...o, params: idx.map((i) => params[i]) })) : params;
  const opt = new Opt(target, { ...c.options, foreach });
  const names = TORCH_STATE[c.optimizer];
  for (const [k, step] of c.steps.entries()) {
    c.grads[k].forEach((g, i) => {
      params[i].grad?.dispose();
      params[i].grad = g ? wg.tensor(g.data, g.shape) : null;
    });
    opt.step();
    const sd = opt.stateDict();
    for (const [i, p] of params.entries()) {
      const where = `${c.name} (${foreach ? 'foreach' : 'fused'}) step ${k + 1} param ${i}`;
      expectClose(await p.toArray(), step.params[i], { rtol: 1e-5, atol: 1e-6, label: where });
      const want = step.state[i];
      const got = sd.state[i] ?? {};
      if (Object.keys(want).length === 0) {
        // torch's SGD keeps no `step` (and no state at all without momentum); ours counts steps
        if (c.optimizer === 'SGD') expect(Object.values(got).some((v) => v instanceof wg.Tensor), `${where}: no state tensors`).toBe(false);
        else expect(sd.state[i], `${where}: no state yet`).toBeUndefined();
      }
      for (const [key, value] of Object.entries(want)) {
        if (key === 'step') {
          expect(got.step, `${where} step`).toBe(value);
        } else if (key === 'mu_product') {
          expect(got.muProduct, `${where} muProduct`).toBe((value as T).data[0]);
        } else {
          const t = got[names[key]];
          expect(t, `${where}: state '${names[key]}' (torch '${key}')`).toBeInstanceOf(wg.Tensor);
          expectClose(await (t as wg.Tensor).toArray(), value as T, { rtol: 1e-5, atol: 1e-7, label: `${where} ${key}` });
        }
      }
    }
    for (const st of Object.values(sd.state)) for (const v of Object.values(st)) if (v instanceof wg.Tensor) v.dispose();
  }
  opt.dispose();
  for (const p of params) {
    p.grad?.dispose();
    p.dispose();
  }
}

const available = (name: string) => name in wg.optim;

describe('optim parity with torch 1.13 (open loop)', () => {
  for (const c of cases) {
    it(`${c.name}`, async () => {
      if (!available(c.optimizer)) throw new Error(`wg.optim.${c.optimizer} is missing`);
      await run(c, false);
      await run(c, true);
    });
  }
});
