/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), torch.optim.AdamW.
 *
 *   for t = 1, 2, ...
 *     g ← ∇f(p)                          (g ← −g if maximize)
 *     p ← p − γ λ p                       decay the weights directly, not through the gradient
 *     m ← β1 m + (1 − β1) g
 *     v ← β2 v + (1 − β2) g²
 *     m̂ ← m / (1 − β1^t),  v̂ ← v / (1 − β2^t)     (amsgrad: vmax ← max(vmax, v), v̂ ← vmax / (1 − β2^t))
 *     p ← p − γ m̂ / (√v̂ + ε)
 *
 * The same kernel lines as Adam (see adam.ts) with `p = p * decay`, decay = 1 − γλ computed in float64.
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2, amsgrad false, maximize false.
 * State: step, m, v, vmax (amsgrad).
 * https://arxiv.org/abs/1711.05101   https://pytorch.org/docs/1.13/generated/torch.optim.AdamW.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { adamRule, adamScalars, validateAdam, type AdamOptions } from './adam.js';

/** Options of {@link AdamW}: torch's keyword arguments in camelCase. */
export type AdamWOptions = AdamOptions;

/** AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, torch.optim.AdamW. */
export class AdamW extends FusedOptimizer<AdamWOptions> {
  constructor(params: Params<AdamWOptions>, options: Partial<AdamWOptions> & FusedConfig = {}) {
    super(params, options, 'AdamW');
  }

  protected defaultOptions(): AdamWOptions {
    return { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false };
  }

  protected validate(o: ParamGroup<AdamWOptions>): void {
    validateAdam('AdamW', o);
  }

  protected rule(o: ParamGroup<AdamWOptions>): UpdateRule {
    return adamRule({ amsgrad: o.amsgrad, maximize: o.maximize, decay: o.weightDecay !== 0 ? 'decoupled' : 'none' });
  }

  protected scalars(o: ParamGroup<AdamWOptions>, st: ParamState): Record<string, number> {
    return adamScalars(o, st.step as number);
  }
}
