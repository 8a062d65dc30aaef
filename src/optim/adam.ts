/**
 * Adam (Kingma & Ba 2015) with L2 weight decay, AMSGrad and maximize (torch.optim.Adam).
 *
 *   input: lr γ, betas (β1, β2), eps ε, weightDecay λ, amsgrad, maximize;  m ← 0, v ← 0 (, vmax ← 0)
 *   for t = 1, 2, ...
 *     g ← ∇f(p)                          (g ← −g if maximize)
 *     if λ ≠ 0:  g ← g + λ p
 *     m ← β1 m + (1 − β1) g               first moment
 *     v ← β2 v + (1 − β2) g²              second moment
 *     m̂ ← m / (1 − β1^t),  v̂ ← v / (1 − β2^t)
 *     amsgrad:  vmax ← max(vmax, v),  v̂ ← vmax / (1 − β2^t)
 *     p ← p − γ m̂ / (√v̂ + ε)
 *
 * As torch computes it: stepSize = γ / (1 − β1^t) and bc2Sqrt = √(1 − β2^t) in float64 on the CPU,
 * then p ← p − stepSize · m / (√v / bc2Sqrt + ε) on the GPU. 1 − β1 and 1 − β2 are uploaded too
 * (oneMinusBeta1, oneMinusBeta2): computed in f32 from β2 = 0.999 the difference would be off by 1.3e-5.
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, amsgrad false, maximize false.
 * State: step, m (torch's exp_avg), v (exp_avg_sq), vmax (max_exp_avg_sq, amsgrad only).
 * Adam: https://arxiv.org/abs/1412.6980   AMSGrad (Reddi et al. 2018): https://openreview.net/forum?id=ryQu7f-RZ
 * https://pytorch.org/docs/1.13/generated/torch.optim.Adam.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBetas, checkBoolean, checkNonNegative } from './validate.js';

/** Options of {@link Adam}: torch's keyword arguments in camelCase. */
export type AdamOptions = {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
};

/**
 * The Adam family's update lines. decay 'l2' adds λp to the gradient (Adam); 'decoupled' shrinks the
 * parameter first, p ← p · (1 − γλ) (AdamW); the moments and the step are the same.
 */
export function adamRule(o: { amsgrad: boolean; maximize: boolean; decay: 'l2' | 'decoupled' | 'none' }): UpdateRule {
  const lines: string[] = [];
  if (o.maximize) lines.push('g = -g;');
  if (o.decay === 'l2') lines.push('g = g + weightDecay * p;');
  if (o.decay === 'decoupled') lines.push('p = p * decay;');
  lines.push('m = beta1 * m + oneMinusBeta1 * g;', 'v = beta2 * v + oneMinusBeta2 * g * g;');
  if (o.amsgrad) lines.push('vmax = max(vmax, v);');
  lines.push(`p = p - stepSize * m / (sqrt(${o.amsgrad ? 'vmax' : 'v'}) / bc2Sqrt + eps);`);
  return {
    state: o.amsgrad ? ['m', 'v', 'vmax'] : ['m', 'v'],
    scalars: ['beta1', 'beta2', 'oneMinusBeta1', 'oneMinusBeta2', 'eps', 'weightDecay', 'decay', 'stepSize', 'bc2Sqrt'],
    update: lines.join('\n'),
  };
}

/** The Adam family's scalars at step t, in float64. */
export function adamScalars(o: { lr: number; betas: [number, number]; eps: number; weightDecay: number }, t: number): Record<string, number> {
  const [beta1, beta2] = o.betas;
  return {
    beta1,
    beta2,
    oneMinusBeta1: 1 - beta1,
    oneMinusBeta2: 1 - beta2,
    eps: o.eps,
    weightDecay: o.weightDecay,
    decay: 1 - o.lr * o.weightDecay,
    stepSize: o.lr / (1 - beta1 ** t),
    bc2Sqrt: Math.sqrt(1 - beta2 ** t),
  };
}

export function validateAdam(name: string, o: AdamOptions): void {
  checkNonNegative(name, 'lr', o.lr);
  checkBetas(name, o.betas);
  checkNonNegative(name, 'eps', o.eps, 'eps keeps the denominator away from 0; the default is 1e-8');
  checkNonNegative(name, 'weightDecay', o.weightDecay);
  checkBoolean(name, 'amsgrad', o.amsgrad);
  checkBoolean(name, 'maximize', o.maximize);
}

/** Adam (Kingma & Ba 2015) with L2 weight decay, AMSGrad and maximize, torch.optim.Adam, as one fused kernel per parameter. */
export class Adam extends FusedOptimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> & FusedConfig = {}) {
    super(params, options, 'Adam');
  }

  protected defaultOptions(): AdamOptions {
    return { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };
  }

  protected validate(o: ParamGroup<AdamOptions>): void {
    validateAdam('Adam', o);
  }

  protected rule(o: ParamGroup<AdamOptions>): UpdateRule {
    return adamRule({ amsgrad: o.amsgrad, maximize: o.maximize, decay: o.weightDecay !== 0 ? 'l2' : 'none' });
  }

  protected scalars(o: ParamGroup<AdamOptions>, st: ParamState): Record<string, number> {
    return adamScalars(o, st.step as number);
  }
}
