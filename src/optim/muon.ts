/**
 * Muon: MomentUm Orthogonalized by Newton–Schulz (Keller Jordan et al. 2024). Not in torch; this
 * follows the reference implementation, https://github.com/KellerJordan/Muon (muon.py).
 *
 * For each 2-D parameter W (a weight matrix, rows × cols):
 *   input: lr η, momentum μ, nesterov, nsSteps, weightDecay λ;  buf ← 0
 *   for t = 1, 2, ...
 *     g ← ∇f(W)
 *     buf ← buf + (1 − μ)(g − buf)              (torch's buf.lerp_(g, 1 − μ))
 *     u ← g + μ (buf − g)  if nesterov, else  u ← buf
 *     O ← NewtonSchulz5(u)                      ≈ the nearest semi-orthogonal matrix, U Vᵀ of u = U S Vᵀ
 *     W ← W (1 − ηλ) − η · √max(1, rows/cols) · O
 *
 *   NewtonSchulz5(G):  X ← G / (‖G‖_F + 1e-7)            (transposed first when rows > cols)
 *     repeat nsSteps times:  A ← X Xᵀ;  B ← b A + c A A;  X ← a X + B X
 *     with (a, b, c) = (3.4445, −4.7750, 2.0315), a quintic tuned to push every singular value into
 *     roughly [0.7, 1.2] fast rather than to converge to exactly 1.
 *
 * The momentum step is one in-place kernel; the orthogonalisation runs on the GPU with the matmul op
 * (three products per iteration) in float32 (the reference uses bfloat16). Nothing is read back.
 * Muon is meant for hidden-layer matrices: parameters that are not 2-D (biases, gains) take an AdamW
 * step instead, with their own options, as the authors do (MuonWithAuxAdam): adamwLr 3e-4,
 * adamwBetas [0.9, 0.95], adamwEps 1e-10, and the same weightDecay. (Embeddings and the output layer
 * should also use AdamW: put them in another optimizer.)
 * Defaults: lr 0.02, momentum 0.95, nesterov true, nsSteps 5, weightDecay 0. State: step, buf (2-D);
 * step, m, v (others). No foreach or skipNonFinite mode.
 * https://kellerjordan.github.io/posts/muon/
 */
import { Tensor, mm, fused, inplace, fillTensor } from '../tensor/index.js';
import { noGrad } from '../autograd/index.js';
import type { UpdateRule } from '../shaders/optim.js';
import type { ParamGroup, ParamState, Params } from './optimizer.js';
import { FusedOptimizer, type FusedConfig } from './fused.js';
import { adamRule, adamScalars } from './adam.js';
import { checkBetas, checkBoolean, checkInteger, checkInRange, checkNonNegative, fail } from './validate.js';

/** Options of {@link Muon}: torch's keyword arguments in camelCase. */
export type MuonOptions = {
  lr: number;
  momentum: number;
  nesterov: boolean;
  nsSteps: number;
  weightDecay: number;
  adamwLr: number;
  adamwBetas: [number, number];
  adamwEps: number;
};

export const NS_COEFFICIENTS = [3.4445, -4.775, 2.0315] as const;

/** The quintic Newton–Schulz iteration on the GPU: a new tensor ≈ U Vᵀ for G = U S Vᵀ (2-D). */
export function newtonSchulz5(G: Tensor, steps = 5): Tensor {
  const [a, b, c] = NS_COEFFICIENTS;
  return noGrad(() => {
    const tall = G.shape[0] > G.shape[1];
    const Xt = tall ? G.T : G;
    const sq = Xt.square();
    const ss = sq.sum();
    let X = fused('a / (sqrt(b) + T(1e-7))', Xt, ss); // X / (‖X‖_F + 1e-7)
    for (const t of [sq, ss]) t.dispose();
    if (Xt !== G) Xt.dispose();
    for (let k = 0; k < steps; k++) {
      const A = mm(X, X, false, true);
      const AA = mm(A, A);
      const B = fused('c * a + d * b', A, AA, b, c);
      const BX = mm(B, X);
      const next = fused('c * a + b', X, BX, a);
      for (const t of [A, AA, B, BX, X]) t.dispose();
      X = next;
    }
    if (!tall) return X;
    const out = X.T;
    X.dispose();
    return out;
  });
}

/** Muon (Jordan et al. 2024): momentum orthogonalised by Newton-Schulz iterations, for 2-D weights. */
export class Muon extends FusedOptimizer<MuonOptions> {
  constructor(params: Params<MuonOptions>, options: Partial<MuonOptions> & FusedConfig = {}) {
    if (options?.foreach || options?.skipNonFinite) {
      fail('Muon', 'foreach and skipNonFinite are not available: the orthogonalisation is several dispatches per matrix');
    }
    super(params, { ...options, foreach: false }, 'Muon');
  }

  protected defaultOptions(): MuonOptions {
    return { lr: 0.02, momentum: 0.95, nesterov: true, nsSteps: 5, weightDecay: 0, adamwLr: 3e-4, adamwBetas: [0.9, 0.95], adamwEps: 1e-10 };
  }

  protected validate(o: ParamGroup<MuonOptions>): void {
    checkNonNegative('Muon', 'lr', o.lr);
    checkInRange('Muon', 'momentum', o.momentum, 0, 1);
    checkBoolean('Muon', 'nesterov', o.nesterov);
    checkInteger('Muon', 'nsSteps', o.nsSteps, 1);
    checkNonNegative('Muon', 'weightDecay', o.weightDecay);
    checkNonNegative('Muon', 'adamwLr', o.adamwLr);
    checkBetas('Muon', o.adamwBetas, 'adamwBetas');
    checkNonNegative('Muon', 'adamwEps', o.adamwEps);
  }

  /** Matrices take the Muon path below; everything else the fused AdamW kernel. */
  protected override fusedParam(p: Tensor): boolean {
    return p.ndim !== 2;
  }

  protected rule(o: ParamGroup<MuonOptions>): UpdateRule {
    return adamRule({ amsgrad: false, maximize: false, decay: o.weightDecay !== 0 ? 'decoupled' : 'none' });
  }

  protected scalars(o: ParamGroup<MuonOptions>, st: ParamState): Record<string, number> {
    return adamScalars({ lr: o.adamwLr, betas: o.adamwBetas, eps: o.adamwEps, weightDecay: o.weightDecay }, st.step as number);
  }

  protected override update(): void {
    super.update(); // the AdamW parameters (and all validation)
    for (const group of this.paramGroups) {
      for (const W of group.params) {
        if (!W.grad || W.ndim !== 2 || W.size === 0) continue;
        this.muonStep(group, W, W.grad);
      }
    }
  }

  private muonStep(o: ParamGroup<MuonOptions>, W: Tensor, g: Tensor): void {
    let st = this.state.get(W);
    if (!st) {
      const buf = Tensor.empty(W.shape);
      fillTensor(buf, 0);
      this.state.set(W, (st = { step: 0, buf }));
    }
    st.step = (st.step as number) + 1;
    const buf = st.buf as Tensor;
    inplace(buf, 'x + a * (g - x)', { inputs: { g }, a: 1 - o.momentum });
    const u = o.nesterov ? fused('a + c * (b - a)', g, buf, o.momentum) : buf;
    const O = newtonSchulz5(u, o.nsSteps);
    if (u !== buf) u.dispose();
    const [rows, cols] = W.shape;
    const scale = Math.sqrt(Math.max(1, rows / cols));
    inplace(W, 'x * a - b * O', { inputs: { O }, a: 1 - o.lr * o.weightDecay, b: o.lr * scale });
    O.dispose();
  }
}
