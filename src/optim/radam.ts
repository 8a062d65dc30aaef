/**
 * RAdam: Adam with variance rectification (Liu et al. 2020), torch.optim.RAdam.
 *
 *   input: lr γ, betas (β1, β2), eps ε, weightDecay λ;  m ← 0, v ← 0;  ρ∞ ← 2 / (1 − β2) − 1
 *   for t = 1, 2, ...
 *     g ← ∇f(p);   if λ ≠ 0:  g ← g + λ p
 *     m ← β1 m + (1 − β1) g
 *     v ← β2 v + (1 − β2) g²
 *     m̂ ← m / (1 − β1^t)
 *     ρ_t ← ρ∞ − 2 t β2^t / (1 − β2^t)
 *     if ρ_t > 5:   l ← √(1 − β2^t) / (√v + ε)
 *                   r ← √((ρ_t − 4)(ρ_t − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρ_t))
 *                   p ← p − γ m̂ l r
 *     else:         p ← p − γ m̂
 *
 * ρ_t, r and the branch are decided on the CPU in float64 (ρ_t cancels badly in f32 near the threshold);
 * the kernel gets `rectified` ∈ {0, 1}, so both branches are one kernel and switching compiles nothing.
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0. State: step, m (exp_avg), v (exp_avg_sq).
 * https://arxiv.org/abs/1908.03265   https://pytorch.org/docs/1.13/generated/torch.optim.RAdam.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBetas, checkNonNegative } from './validate.js';

/** Options of {@link RAdam}: torch's keyword arguments in camelCase. */
export type RAdamOptions = {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
};

/** RAdam (Liu et al. 2020): Adam with a rectified variance term, torch.optim.RAdam. */
export class RAdam extends FusedOptimizer<RAdamOptions> {
  constructor(params: Params<RAdamOptions>, options: Partial<RAdamOptions> & FusedConfig = {}) {
    super(params, options, 'RAdam');
  }

  protected defaultOptions(): RAdamOptions {
    return { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 };
  }

  protected validate(o: ParamGroup<RAdamOptions>): void {
    checkNonNegative('RAdam', 'lr', o.lr);
    checkBetas('RAdam', o.betas);
    checkNonNegative('RAdam', 'eps', o.eps);
    checkNonNegative('RAdam', 'weightDecay', o.weightDecay);
  }

  protected rule(o: ParamGroup<RAdamOptions>): UpdateRule {
    const lines: string[] = [];
    if (o.weightDecay !== 0) lines.push('g = g + weightDecay * p;');
    lines.push(
      'm = beta1 * m + oneMinusBeta1 * g;',
      'v = beta2 * v + oneMinusBeta2 * g * g;',
      // rectified: 1 → l·r, 0 → 1 (0·finite + 1 and x + 0 are exact, so each branch is torch's value)
      'let lr_ = rectified * (bc2Sqrt / (sqrt(v) + eps)) * r + (1.0 - rectified);',
      'p = p - (m / bc1) * lr * lr_;',
    );
    return { state: ['m', 'v'], scalars: ['lr', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'eps', 'weightDecay', 'bc1', 'bc2Sqrt', 'r', 'rectified'], update: lines.join('\n') };
  }

  protected scalars(o: ParamGroup<RAdamOptions>, st: ParamState): Record<string, number> {
    const t = st.step as number;
    const [beta1, beta2] = o.betas;
    const bc2 = 1 - beta2 ** t;
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * t * beta2 ** t) / bc2;
    const rectified = rhoT > 5;
    const r = rectified ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 1;
    return {
      lr: o.lr, beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, eps: o.eps, weightDecay: o.weightDecay,
      bc1: 1 - beta1 ** t, bc2Sqrt: Math.sqrt(bc2), r, rectified: rectified ? 1 : 0,
    };
  }
}
