/**
 * Adagrad (Duchi, Hazan & Singer 2011), torch.optim.Adagrad.
 *
 *   input: lr γ, lrDecay η, weightDecay λ, initialAccumulatorValue τ, eps ε, maximize;  stateSum ← τ
 *   for t = 1, 2, ...
 *     g ← ∇f(p)                          (g ← −g if maximize)
 *     if λ ≠ 0:  g ← g + λ p
 *     clr ← γ / (1 + (t − 1) η)           decayed learning rate (float64, on the CPU)
 *     stateSum ← stateSum + g²
 *     p ← p − clr · g / (√stateSum + ε)
 *
 * Defaults: lr 1e-2, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10, maximize false.
 * State: step, stateSum (torch's sum).
 * https://jmlr.org/papers/v12/duchi11a.html   https://pytorch.org/docs/1.13/generated/torch.optim.Adagrad.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBoolean, checkNonNegative } from './validate.js';

/** Options of {@link Adagrad}: torch's keyword arguments in camelCase. */
export type AdagradOptions = {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
};

/** Adagrad (Duchi et al. 2011), torch.optim.Adagrad, as one fused kernel per parameter. */
export class Adagrad extends FusedOptimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> & FusedConfig = {}) {
    super(params, options, 'Adagrad');
  }

  protected defaultOptions(): AdagradOptions {
    return { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };
  }

  protected validate(o: ParamGroup<AdagradOptions>): void {
    checkNonNegative('Adagrad', 'lr', o.lr);
    checkNonNegative('Adagrad', 'lrDecay', o.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay', o.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'eps', o.eps);
    checkBoolean('Adagrad', 'maximize', o.maximize);
  }

  protected override initial(o: ParamGroup<AdagradOptions>): number {
    return o.initialAccumulatorValue;
  }

  protected rule(o: ParamGroup<AdagradOptions>): UpdateRule {
    const lines: string[] = [];
    if (o.maximize) lines.push('g = -g;');
    if (o.weightDecay !== 0) lines.push('g = g + weightDecay * p;');
    lines.push('stateSum = stateSum + g * g;', 'p = p - clr * g / (sqrt(stateSum) + eps);');
    return { state: ['stateSum'], scalars: ['clr', 'eps', 'weightDecay'], update: lines.join('\n') };
  }

  protected scalars(o: ParamGroup<AdagradOptions>, st: ParamState): Record<string, number> {
    const t = st.step as number;
    return { clr: o.lr / (1 + (t - 1) * o.lrDecay), eps: o.eps, weightDecay: o.weightDecay };
  }
}
