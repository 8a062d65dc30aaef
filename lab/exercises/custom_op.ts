/**
 * Exercise: write a backward rule yourself and let gradcheck judge it.
 *
 * softplus(x) = log(1 + eˣ), whose derivative is σ(x) = 1 / (1 + e⁻ˣ). The learner's op is built with
 * wg.autograd.customOp (forward and backward written with webgrad ops, one node on the tape), then
 * checked by webgrad/testing's gradcheck against central differences. Two rules are tried:
 *   correct:  dL/dx = g · σ(x)
 *   wrong:    dL/dx = g · σ(−x)   (a sign slip: the slope of softplus(−x), mirrored)
 * gradcheck passes the first and, for the second, names the input element where analytic and numeric
 * gradients disagree most, with both values, so the mistake is pointed at, not just flagged.
 */
import type * as WG from '../../src/index.js';
import { gradcheck, type GradcheckResult } from '../../src/testing/index.js';

type Wg = typeof WG;
type Tensor = WG.Tensor;
type Progress = (done: number, total: number, label?: string) => void;

export const meta = { id: 'custom-op', title: 'Write a backward rule, gradcheck it, watch it fail' };

export interface Options {
  /** Where softplus is probed (one row per line of the table the page shows). */
  x: number[][];
  eps: number;
  atol: number;
  rtol: number;
}
export const defaults: Options = { x: [[-3, -1, -0.25], [0.5, 1.5, 3]], eps: 1e-3, atol: 1e-3, rtol: 1e-2 };

export const rules: Record<'correct' | 'wrong', { formula: string; grad: (g: Tensor, x: Tensor) => Tensor }> = {
  correct: { formula: 'g * sigmoid(x)', grad: (g, x) => g.mul(x.sigmoid()) },
  wrong: { formula: 'g * sigmoid(-x)', grad: (g, x) => g.mul(x.neg().sigmoid()) },
};

/** softplus with the given backward rule, as a learner would write it. */
export function softplusOp(wg: Wg, rule: keyof typeof rules) {
  return wg.autograd.customOp({
    name: `softplus(${rule})`,
    forward: (ctx, x: Tensor) => {
      ctx.save(x);
      return x.exp().add(1).log();
    },
    backward: (ctx, g) => [rules[rule].grad(g, ctx.saved[0])],
  });
}

const r6 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);
const plain = (res: GradcheckResult) => ({
  ok: res.ok,
  maxError: r6(res.maxError),
  worst: res.worst && { input: res.worst.input, index: res.worst.index, analytic: r6(res.worst.analytic), numeric: r6(res.worst.numeric) },
  message: res.message,
});

export async function run(wg: Wg, opts: Partial<Options> = {}, progress: Progress = () => {}) {
  const o = { ...defaults, ...opts };
  const out: Record<string, unknown> = { x: o.x, settings: { eps: o.eps, atol: o.atol, rtol: o.rtol } };
  const names = Object.keys(rules) as (keyof typeof rules)[];
  for (const [k, rule] of names.entries()) {
    progress(k, names.length, rule);
    const x = wg.tensor(o.x);
    const softplus = softplusOp(wg, rule);
    const res = await gradcheck((t: Tensor) => softplus(t).sum(), [x], { eps: o.eps, atol: o.atol, rtol: o.rtol });
    out[rule] = { formula: rules[rule].formula, ...plain(res) };
    x.dispose();
  }
  progress(names.length, names.length);
  return out;
}
