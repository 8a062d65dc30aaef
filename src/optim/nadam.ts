/**
 * NAdam: Adam with Nesterov momentum (Dozat 2016), torch.optim.NAdam, as PyTorch >= 2.0 computes it.
 *
 *   input: lr γ, betas (β1, β2), eps ε, weightDecay λ, momentumDecay ψ;  m ← 0, v ← 0, muProduct ← 1
 *   for t = 1, 2, ...
 *     g ← ∇f(p);   if λ ≠ 0:  g ← g + λ p
 *     μ_t ← β1 (1 − ½ · 0.96^(t ψ)),   μ_{t+1} ← β1 (1 − ½ · 0.96^((t+1) ψ))
 *     muProduct ← muProduct · μ_t                       (= Π_{i≤t} μ_i)
 *     m ← β1 m + (1 − β1) g
 *     v ← β2 v + (1 − β2) g²
 *     v̂ ← v / (1 − β2^t)
 *     p ← p − γ (1 − μ_t) / (1 − Π_{i≤t} μ_i) · g / (√v̂ + ε)
 *           − γ μ_{t+1} / (1 − Π_{i≤t+1} μ_i) · m / (√v̂ + ε)
 *
 * torch 1.13's single-tensor code counted μ_t twice in Π_{i≤t+1} μ_i; PyTorch 2.0 fixed it
 * (pytorch/pytorch#92699) and this is the fixed rule (test/fixtures/README.md). muProduct is a float32
 * number kept on the CPU (torch keeps a float32 0-d tensor); the two coefficients, gradCoef and
 * momentumCoef, are computed from it in float64.
 * Defaults: lr 2e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, momentumDecay 4e-3.
 * State: step, muProduct (torch's mu_product), m (exp_avg), v (exp_avg_sq).
 * https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ   https://pytorch.org/docs/stable/generated/torch.optim.NAdam.html
 */
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { checkBetas, checkNonNegative } from './validate.js';

/** Options of {@link NAdam}: torch's keyword arguments in camelCase. */
export type NAdamOptions = {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
};

/** NAdam (Dozat 2016): Adam with Nesterov momentum, torch.optim.NAdam (torch >= 2.0 rule). */
export class NAdam extends FusedOptimizer<NAdamOptions> {
  constructor(params: Params<NAdamOptions>, options: Partial<NAdamOptions> & FusedConfig = {}) {
    super(params, options, 'NAdam');
  }

  protected defaultOptions(): NAdamOptions {
    return { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 };
  }

  protected validate(o: ParamGroup<NAdamOptions>): void {
    checkNonNegative('NAdam', 'lr', o.lr);
    checkBetas('NAdam', o.betas);
    checkNonNegative('NAdam', 'eps', o.eps);
    checkNonNegative('NAdam', 'weightDecay', o.weightDecay);
    checkNonNegative('NAdam', 'momentumDecay', o.momentumDecay);
  }

  protected rule(o: ParamGroup<NAdamOptions>): UpdateRule {
    const lines: string[] = [];
    if (o.weightDecay !== 0) lines.push('g = g + weightDecay * p;');
    lines.push(
      'm = m + oneMinusBeta1 * (g - m);', // torch's lerp(m, g, 1 − β1): the same value, torch's rounding
      'v = beta2 * v + oneMinusBeta2 * g * g;',
      'let denom = sqrt(v / bc2) + eps;',
      'p = p - gradCoef * g / denom;',
      'p = p - momentumCoef * m / denom;',
    );
    return { state: ['m', 'v'], scalars: ['oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'eps', 'weightDecay', 'bc2', 'gradCoef', 'momentumCoef'], update: lines.join('\n') };
  }

  protected scalars(o: ParamGroup<NAdamOptions>, st: ParamState): Record<string, number> {
    const t = st.step as number;
    const [beta1, beta2] = o.betas;
    const mu = beta1 * (1 - 0.5 * 0.96 ** (t * o.momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * o.momentumDecay));
    // torch: float32 tensor *= python float, i.e. both rounded to float32 and multiplied in float32
    const muProduct = Math.fround(((st.muProduct as number | undefined) ?? 1) * Math.fround(mu));
    st.muProduct = muProduct;
    return {
      oneMinusBeta1: 1 - beta1,
      beta2,
      oneMinusBeta2: 1 - beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
      bc2: 1 - beta2 ** t,
      gradCoef: (o.lr * (1 - mu)) / (1 - muProduct),
      momentumCoef: (o.lr * muNext) / (1 - muProduct * muNext),
    };
  }
}
