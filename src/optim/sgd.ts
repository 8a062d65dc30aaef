/**
 * SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (torch.optim.SGD).
 *
 *   input: lr γ, params p, weightDecay λ, momentum μ, dampening τ, nesterov, maximize
 *   for t = 1, 2, ...
 *     g ← ∇f(p)                         (g ← −g if maximize)
 *     if λ ≠ 0:  g ← g + λ p
 *     if μ ≠ 0:
 *       buf ← g                          if t = 1
 *       buf ← μ buf + (1 − τ) g          otherwise
 *       g ← g + μ buf  if nesterov,  else  g ← buf
 *     p ← p − γ g
 *
 * Defaults: lr required (torch 1.13 has no default), momentum 0, dampening 0, weightDecay 0,
 * nesterov false, maximize false. State: `buf` (torch's momentum_buffer), only when μ ≠ 0.
 * torch negates the gradient before weight decay (as here), although its docs write the sign at the end.
 * Nesterov: Sutskever et al. 2013, http://proceedings.mlr.press/v28/sutskever13.html
 * https://pytorch.org/docs/1.13/generated/torch.optim.SGD.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBoolean, checkNonNegative, fail } from './validate.js';

/** Options of {@link SGD}: torch's keyword arguments in camelCase. */
export type SGDOptions = {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
};

/** Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, torch.optim.SGD. */
export class SGD extends FusedOptimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> & FusedConfig) {
    if (options?.lr === undefined) fail('SGD', 'lr is required (torch 1.13 has no default): new SGD(params, { lr: 0.01 })');
    super(params, options, 'SGD');
  }

  protected defaultOptions(): SGDOptions {
    return { lr: 0.001, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
  }

  protected validate(o: ParamGroup<SGDOptions>): void {
    checkNonNegative('SGD', 'lr', o.lr);
    checkNonNegative('SGD', 'momentum', o.momentum);
    checkNonNegative('SGD', 'dampening', o.dampening);
    checkNonNegative('SGD', 'weightDecay', o.weightDecay);
    checkBoolean('SGD', 'nesterov', o.nesterov);
    checkBoolean('SGD', 'maximize', o.maximize);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      fail('SGD', `nesterov requires momentum > 0 and dampening 0 (got momentum ${o.momentum}, dampening ${o.dampening}); set momentum, e.g. 0.9, or nesterov: false`);
    }
  }

  protected rule(o: ParamGroup<SGDOptions>): UpdateRule {
    const lines: string[] = [];
    if (o.maximize) lines.push('g = -g;');
    if (o.weightDecay !== 0) lines.push('g = g + weightDecay * p;');
    if (o.momentum !== 0) {
      lines.push('buf = select(momentum * buf + (1.0 - dampening) * g, g, first != 0.0);');
      lines.push(o.nesterov ? 'g = g + momentum * buf;' : 'g = buf;');
    }
    lines.push('p = p - lr * g;');
    return {
      state: o.momentum !== 0 ? ['buf'] : [],
      scalars: ['lr', 'momentum', 'dampening', 'weightDecay', 'first'],
      update: lines.join('\n'),
    };
  }

  protected scalars(o: ParamGroup<SGDOptions>, st: ParamState): Record<string, number> {
    return { lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weightDecay, first: st.step === 1 ? 1 : 0 };
  }
}
