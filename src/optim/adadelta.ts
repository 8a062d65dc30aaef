/**
 * Adadelta (Zeiler 2012), torch.optim.Adadelta.
 *
 *   input: lr γ, rho ρ, eps ε, weightDecay λ, maximize;  v ← 0, accDelta ← 0
 *   for t = 1, 2, ...
 *     g ← ∇f(p)                          (g ← −g if maximize)
 *     if λ ≠ 0:  g ← g + λ p
 *     v ← ρ v + (1 − ρ) g²                running mean of squared gradients
 *     Δ ← √(accDelta + ε) / √(v + ε) · g    the update, in the units of p
 *     accDelta ← ρ accDelta + (1 − ρ) Δ²   running mean of squared updates (torch's docs: u)
 *     p ← p − γ Δ
 *
 * Defaults: lr 1.0, rho 0.9, eps 1e-6, weightDecay 0, maximize false.
 * State: step, v (torch's square_avg), accDelta (acc_delta).
 * https://arxiv.org/abs/1212.5701   https://pytorch.org/docs/1.13/generated/torch.optim.Adadelta.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBoolean, checkInRange, checkNonNegative } from './validate.js';

/** Options of {@link Adadelta}: torch's keyword arguments in camelCase. */
export type AdadeltaOptions = {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
};

/** Adadelta (Zeiler 2012), torch.optim.Adadelta: the algorithm, defaults and state are at the top of adadelta.ts. */
export class Adadelta extends FusedOptimizer<AdadeltaOptions> {
  constructor(params: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> & FusedConfig = {}) {
    super(params, options, 'Adadelta');
  }

  protected defaultOptions(): AdadeltaOptions {
    return { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false };
  }

  protected validate(o: ParamGroup<AdadeltaOptions>): void {
    checkNonNegative('Adadelta', 'lr', o.lr);
    checkInRange('Adadelta', 'rho', o.rho, 0, 1, true);
    checkNonNegative('Adadelta', 'eps', o.eps);
    checkNonNegative('Adadelta', 'weightDecay', o.weightDecay);
    checkBoolean('Adadelta', 'maximize', o.maximize);
  }

  protected rule(o: ParamGroup<AdadeltaOptions>): UpdateRule {
    const lines: string[] = [];
    if (o.maximize) lines.push('g = -g;');
    if (o.weightDecay !== 0) lines.push('g = g + weightDecay * p;');
    lines.push(
      'v = rho * v + oneMinusRho * g * g;',
      'let delta = sqrt(accDelta + eps) / sqrt(v + eps) * g;',
      'accDelta = rho * accDelta + oneMinusRho * delta * delta;',
      'p = p - lr * delta;',
    );
    return { state: ['v', 'accDelta'], scalars: ['lr', 'rho', 'oneMinusRho', 'eps', 'weightDecay'], update: lines.join('\n') };
  }

  protected scalars(o: ParamGroup<AdadeltaOptions>, _st: ParamState): Record<string, number> {
    return { lr: o.lr, rho: o.rho, oneMinusRho: 1 - o.rho, eps: o.eps, weightDecay: o.weightDecay };
  }
}
