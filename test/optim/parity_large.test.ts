/**
 * torch.optim parity on large tensors (test/fixtures/optim_large.json, made by gen_optim_large.py):
 * a [4099] parameter (vec4 kernels with a 3-element tail, several workgroups) and a [256, 256] one
 * (65,536 elements), every optimizer and option, maximize, non-default eps/alpha/betas; SAM on an
 * SGD-momentum base; L-BFGS at every closure evaluation. Inputs come from an exact integer formula
 * shared with the generator; the fixture stores sums, sums of |x| and sampled elements.
 * Tolerance: float32 rounding of a few fused operations per step (1e-5 relative).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import fx from '../fixtures/optim_large.json';
import * as wg from '../../src/index.js';

type Digest = { sum: number; abs: number; s: number[] };
type Case = { name: string; optimizer: string; options: Record<string, unknown>; steps: number; trace: Digest[][]; state: Record<string, Digest>[] };
type Ctor = new (params: unknown, options: Record<string, unknown>) => wg.optim.Optimizer<{ lr: number }>;
const F = fx as unknown as {
  shapes: number[][];
  samples: Record<string, number[]>;
  cases: Case[];
  sam: { rho: number; options: Record<string, unknown>; steps: number; trace: { loss: number; params: Digest[] }[] };
  lbfgs: { name: string; options: Record<string, unknown>; outer: number; evals: { loss: number; params: Digest[] }[] }[];
};
const TORCH_STATE: Record<string, string> = {
  momentum_buffer: 'buf', exp_avg: 'm', exp_avg_sq: 'v', max_exp_avg_sq: 'vmax', sum: 'stateSum', grad_avg: 'gAvg',
  exp_inf: 'expInf', acc_delta: 'accDelta', square_avg: 'v',
};

/** Element i of the tensor with seed s, exactly as the generator computes it. */
function formula(shape: number[], seed: number): wg.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround((((i * 2654435761 + seed * 40503 + 12345) % 4294967296) / 4294967296) * 2 - 1);
  return wg.tensor(out, shape);
}

function check(got: Float32Array, want: Digest, label: string, rtol: number, atol: number): void {
  let sum = 0;
  let abs = 0;
  for (const x of got) {
    sum += x;
    abs += Math.abs(x);
  }
  const idx = F.samples[String(got.length)];
  idx.forEach((i, k) => {
    const e = want.s[k];
    if (!(Math.abs(got[i] - e) <= atol + rtol * Math.abs(e))) expect.fail(`${label}: element ${i} is ${got[i]}, torch ${e}`);
  });
  if (!(Math.abs(sum - want.sum) <= rtol * want.abs + atol * got.length)) expect.fail(`${label}: sum ${sum}, torch ${want.sum}`);
  if (!(Math.abs(abs - want.abs) <= rtol * want.abs + atol * got.length)) expect.fail(`${label}: sum |x| ${abs}, torch ${want.abs}`);
}

/** The generator's objective: sum of 0.5 a (w - c)^2 + 0.05 (w - c)^4 over both parameters. */
function objective(params: wg.Tensor[], cs: [wg.Tensor, wg.Tensor][]): wg.Tensor {
  let total: wg.Tensor | null = null;
  params.forEach((w, p) => {
    const [a, c] = cs[p];
    const d = w.sub(c);
    const term = a.mul(0.5).mul(d).mul(d).sum().add(d.pow(4).sum().mul(0.05));
    total = total ? total.add(term) : term;
  });
  return total!;
}
/** a = 1.5 + value(500 + p); c = w0 + 0.01 value(600 + p), as in the generator (c computed in float32 the same way). */
const coefs = (): [wg.Tensor, wg.Tensor][] => F.shapes.map((s, p) => [formula(s, 500 + p).add(1.5), formula(s, 1000 + p).add(formula(s, 600 + p).mul(0.01))]);
const initParams = () => F.shapes.map((s, p) => { const t = formula(s, 1000 + p); t.requiresGrad = true; return t; });

beforeAll(async () => {
  await wg.init();
});

describe('torch.optim parity on 4,099- and 65,536-element tensors', () => {
  for (const foreach of [false, true]) {
    for (const c of F.cases) {
      it(`${c.name} (${foreach ? 'foreach' : 'fused'})`, async () => {
        const Opt = (wg.optim as unknown as Record<string, Ctor>)[c.optimizer];
        const params = initParams();
        const opt = new Opt(params, { ...c.options, foreach });
        for (let k = 0; k < c.steps; k++) {
          params.forEach((x, p) => {
            x.grad?.dispose();
            x.grad = formula(F.shapes[p], 17 * k + p + 1);
          });
          opt.step();
          for (const [p, x] of params.entries()) check((await x.toArray()) as Float32Array, c.trace[k][p], `${c.name} step ${k + 1} param ${p}`, 1e-5, 1e-6);
        }
        const sd = opt.stateDict();
        for (const [p, want] of c.state.entries()) {
          for (const [key, d] of Object.entries(want)) {
            const t = sd.state[p][TORCH_STATE[key]];
            expect(t, `${c.name} state ${key}`).toBeInstanceOf(wg.Tensor);
            check((await (t as wg.Tensor).toArray()) as Float32Array, d, `${c.name} param ${p} state ${key}`, 1e-5, 1e-7);
          }
        }
        for (const st of Object.values(sd.state)) for (const v of Object.values(st)) if (v instanceof wg.Tensor) v.dispose();
        opt.dispose();
        params.forEach((x) => (x.grad?.dispose(), x.dispose()));
      });
    }
  }

  for (const foreach of [false, true]) {
    it(`SAM on SGD with momentum (${foreach ? 'foreach' : 'fused'})`, async () => {
      const cs = coefs();
      const params = initParams();
      const opt = new wg.optim.SAM(params, wg.optim.SGD, { rho: F.sam.rho, ...F.sam.options, foreach });
      for (let k = 0; k < F.sam.steps; k++) {
        const loss = await opt.step(() => {
          opt.zeroGrad();
          const l = objective(params, cs);
          l.backward();
          return l;
        });
        const want = F.sam.trace[k];
        expect(Math.abs((loss as number) - want.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(want.loss));
        for (const [p, x] of params.entries()) check((await x.toArray()) as Float32Array, want.params[p], `SAM step ${k + 1} param ${p}`, 1e-5, 1e-6);
      }
      opt.zeroGrad();
      params.forEach((x) => x.dispose());
      cs.flat().forEach((t) => t.dispose());
    });
  }

  for (const run of F.lbfgs) {
    it(`${run.name}: every closure evaluation`, async () => {
      const cs = coefs();
      const params = initParams();
      const opt = new wg.optim.LBFGS(params, run.options);
      const evals: { loss: number; params: Float32Array[] }[] = [];
      const closure = async () => {
        opt.zeroGrad();
        const l = objective(params, cs);
        l.backward();
        const loss = await l.item();
        evals.push({ loss, params: (await Promise.all(params.map((x) => x.toArray()))) as Float32Array[] });
        l.dispose();
        return loss;
      };
      for (let k = 0; k < run.outer; k++) await opt.step(closure);
      expect(evals.length, `${run.name}: closure evaluations`).toBe(run.evals.length);
      run.evals.forEach((want, e) => {
        // The loss shrinks by 1e5 over the run: compare it on the scale of the starting loss.
        const scale = Math.abs(run.evals[0].loss);
        expect(Math.abs(evals[e].loss - want.loss), `${run.name} evaluation ${e + 1}: loss ${evals[e].loss}, torch ${want.loss}`).toBeLessThanOrEqual(1e-5 * scale);
        want.params.forEach((d, p) => check(evals[e].params[p], d, `${run.name} evaluation ${e + 1} param ${p}`, 1e-4, 1e-5));
      });
      opt.zeroGrad();
      params.forEach((x) => x.dispose());
      cs.flat().forEach((t) => t.dispose());
    });
  }
});
