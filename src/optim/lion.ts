/**
 * Lion: EvoLved Sign Momentum (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms",
 * Algorithm 2). Not in torch; the reference is the paper and the authors' code.
 *
 *   input: lr η, betas (β1, β2), weightDecay λ;  m ← 0
 *   for t = 1, 2, ...
 *     g ← ∇f(p)                          (g ← −g if maximize)
 *     c ← β1 m + (1 − β1) g               interpolate, then take the sign
 *     p ← p − η (sign(c) + λ p)           computed as p ← p (1 − ηλ) − η sign(c)
 *     m ← β2 m + (1 − β2) g               the momentum tracks the gradient with the slower β2
 *
 * Every coordinate moves by exactly ±η (or 0), so lr is typically 3-10x smaller than AdamW's and λ
 * 3-10x larger. Defaults: lr 1e-4, betas [0.9, 0.99], weightDecay 0, maximize false. State: step, m.
 * https://arxiv.org/abs/2302.06675   https://github.com/google/automl/tree/master/lion
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBetas, checkBoolean, checkNonNegative } from './validate.js';

/** Options of {@link Lion}: torch's keyword arguments in camelCase. */
export type LionOptions = {
  lr: number;
  betas: [number, number];
  weightDecay: number;
  maximize: boolean;
};

/** Lion (Chen et al. 2023): the sign of an interpolated momentum, with decoupled weight decay. */
export class Lion extends FusedOptimizer<LionOptions> {
  constructor(params: Params<LionOptions>, options: Partial<LionOptions> & FusedConfig = {}) {
    super(params, options, 'Lion');
  }

  protected defaultOptions(): LionOptions {
    return { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false };
  }

  protected validate(o: ParamGroup<LionOptions>): void {
    checkNonNegative('Lion', 'lr', o.lr);
    checkBetas('Lion', o.betas);
    checkNonNegative('Lion', 'weightDecay', o.weightDecay);
    checkBoolean('Lion', 'maximize', o.maximize);
  }

  protected rule(o: ParamGroup<LionOptions>): UpdateRule {
    const lines: string[] = [];
    if (o.maximize) lines.push('g = -g;');
    if (o.weightDecay !== 0) lines.push('p = p * decay;');
    lines.push('let c = beta1 * m + oneMinusBeta1 * g;', 'p = p - lr * sign(c);', 'm = beta2 * m + oneMinusBeta2 * g;');
    return { state: ['m'], scalars: ['lr', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'decay'], update: lines.join('\n') };
  }

  protected scalars(o: ParamGroup<LionOptions>, _st: ParamState): Record<string, number> {
    const [beta1, beta2] = o.betas;
    return { lr: o.lr, beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, decay: 1 - o.lr * o.weightDecay };
  }
}
