/**
 * RMSprop (Hinton, Lecture 6e), with momentum and the centered variant (Graves 2013), torch.optim.RMSprop.
 *
 *   input: lr γ, alpha α, eps ε, weightDecay λ, momentum μ, centered, maximize;  v ← 0, buf ← 0, gAvg ← 0
 *   for t = 1, 2, ...
 *     g ← ∇f(p)                          (g ← −g if maximize)
 *     if λ ≠ 0:  g ← g + λ p
 *     v ← α v + (1 − α) g²                running mean of squared gradients
 *     ṽ ← v
 *     if centered:  gAvg ← α gAvg + (1 − α) g;   ṽ ← v − gAvg²
 *     if μ > 0:  buf ← μ buf + g / (√ṽ + ε);   p ← p − γ buf
 *     else:      p ← p − γ g / (√ṽ + ε)
 *
 * Defaults: lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false, maximize false.
 * State: step, v (torch's square_avg), buf (momentum_buffer, μ > 0), gAvg (grad_avg, centered).
 * http://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf   https://arxiv.org/abs/1308.0850
 * https://pytorch.org/docs/1.13/generated/torch.optim.RMSprop.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBoolean, checkNonNegative } from './validate.js';

/** Options of {@link RMSprop}: torch's keyword arguments in camelCase. */
export type RMSpropOptions = {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
};

/** RMSprop (Hinton 2012), torch.optim.RMSprop, with momentum and centered variants. */
export class RMSprop extends FusedOptimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> & FusedConfig = {}) {
    super(params, options, 'RMSprop');
  }

  protected defaultOptions(): RMSpropOptions {
    return { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };
  }

  protected validate(o: ParamGroup<RMSpropOptions>): void {
    checkNonNegative('RMSprop', 'lr', o.lr);
    checkNonNegative('RMSprop', 'alpha', o.alpha, 'alpha is the smoothing constant, typically 0.99');
    checkNonNegative('RMSprop', 'eps', o.eps);
    checkNonNegative('RMSprop', 'weightDecay', o.weightDecay);
    checkNonNegative('RMSprop', 'momentum', o.momentum);
    checkBoolean('RMSprop', 'centered', o.centered);
    checkBoolean('RMSprop', 'maximize', o.maximize);
  }

  protected rule(o: ParamGroup<RMSpropOptions>): UpdateRule {
    const lines: string[] = [];
    const state = ['v'];
    if (o.maximize) lines.push('g = -g;');
    if (o.weightDecay !== 0) lines.push('g = g + weightDecay * p;');
    lines.push('v = alpha * v + oneMinusAlpha * g * g;');
    if (o.centered) {
      state.push('gAvg');
      lines.push('gAvg = alpha * gAvg + oneMinusAlpha * g;', 'let avg = sqrt(v - gAvg * gAvg) + eps;');
    } else {
      lines.push('let avg = sqrt(v) + eps;');
    }
    if (o.momentum > 0) {
      state.push('buf');
      lines.push('buf = momentum * buf + g / avg;', 'p = p - lr * buf;');
    } else {
      lines.push('p = p - lr * g / avg;');
    }
    return { state, scalars: ['lr', 'alpha', 'oneMinusAlpha', 'eps', 'weightDecay', 'momentum'], update: lines.join('\n') };
  }

  protected scalars(o: ParamGroup<RMSpropOptions>, _st: ParamState): Record<string, number> {
    return { lr: o.lr, alpha: o.alpha, oneMinusAlpha: 1 - o.alpha, eps: o.eps, weightDecay: o.weightDecay, momentum: o.momentum };
  }
}
