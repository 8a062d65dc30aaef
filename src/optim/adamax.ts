/**
 * Adamax: Adam with the infinity norm (Kingma & Ba 2015, section 7.1), torch.optim.Adamax.
 *
 *   input: lr γ, betas (β1, β2), eps ε, weightDecay λ, maximize;  m ← 0, expInf ← 0
 *   for t = 1, 2, ...
 *     g ← ∇f(p)                          (g ← −g if maximize)
 *     if λ ≠ 0:  g ← g + λ p
 *     m ← β1 m + (1 − β1) g
 *     expInf ← max(β2 expInf, |g| + ε)     exponentially weighted infinity norm (the paper's u)
 *     p ← p − γ m / ((1 − β1^t) expInf)
 *
 * As torch: clr = γ / (1 − β1^t) in float64, then p ← p − clr · m / expInf.
 * Defaults: lr 2e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, maximize false.
 * State: step, m (torch's exp_avg), expInf (exp_inf).
 * https://arxiv.org/abs/1412.6980   https://pytorch.org/docs/1.13/generated/torch.optim.Adamax.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBetas, checkBoolean, checkNonNegative } from './validate.js';

/** Options of {@link Adamax}: torch's keyword arguments in camelCase. */
export type AdamaxOptions = {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
};

/** Adamax (Kingma & Ba 2015, the infinity-norm variant of Adam), torch.optim.Adamax. */
export class Adamax extends FusedOptimizer<AdamaxOptions> {
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> & FusedConfig = {}) {
    super(params, options, 'Adamax');
  }

  protected defaultOptions(): AdamaxOptions {
    return { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };
  }

  protected validate(o: ParamGroup<AdamaxOptions>): void {
    checkNonNegative('Adamax', 'lr', o.lr);
    checkBetas('Adamax', o.betas);
    checkNonNegative('Adamax', 'eps', o.eps);
    checkNonNegative('Adamax', 'weightDecay', o.weightDecay);
    checkBoolean('Adamax', 'maximize', o.maximize);
  }

  protected rule(o: ParamGroup<AdamaxOptions>): UpdateRule {
    const lines: string[] = [];
    if (o.maximize) lines.push('g = -g;');
    if (o.weightDecay !== 0) lines.push('g = g + weightDecay * p;');
    lines.push('m = beta1 * m + oneMinusBeta1 * g;', 'expInf = max(beta2 * expInf, abs(g) + eps);', 'p = p - clr * m / expInf;');
    return { state: ['m', 'expInf'], scalars: ['beta1', 'oneMinusBeta1', 'beta2', 'eps', 'weightDecay', 'clr'], update: lines.join('\n') };
  }

  protected scalars(o: ParamGroup<AdamaxOptions>, st: ParamState): Record<string, number> {
    const [beta1, beta2] = o.betas;
    return { beta1, oneMinusBeta1: 1 - beta1, beta2, eps: o.eps, weightDecay: o.weightDecay, clr: o.lr / (1 - beta1 ** (st.step as number)) };
  }
}
