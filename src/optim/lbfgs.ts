/**
 * L-BFGS (Liu & Nocedal 1989), following torch.optim.LBFGS (itself after minFunc).
 *
 * One step(closure) runs up to maxIter iterations on the flattened parameters x with gradient g:
 *   d ← −g                                                     (first iteration ever)
 *   otherwise, with y = g − g_prev, s = t d_prev, and if yᵀs > 1e-10 keeping (s, y, ρ = 1/yᵀs) in a
 *   history of historySize pairs and H₀ = yᵀs / yᵀy, the two-loop recursion:
 *     q ← −g;  for i = newest..oldest:  αᵢ ← ρᵢ sᵢᵀq;  q ← q − αᵢ yᵢ
 *     r ← H₀ q; for i = oldest..newest:  βᵢ ← ρᵢ yᵢᵀr;  r ← r + (αᵢ − βᵢ) sᵢ
 *     d ← r                                                    (≈ −H⁻¹ g)
 *   t ← min(1, 1/‖g‖₁)·lr on the first iteration ever, else lr; stop if gᵀd > −toleranceChange
 *   x ← x + t d, with t from the strong-Wolfe line search (lineSearchFn: 'strong_wolfe', see
 *   line_search.ts) or fixed (null: then f and g are re-evaluated, except after the last iteration)
 *   stop after maxIter iterations or maxEval evaluations, when max|g| ≤ toleranceGrad, when
 *   max|t d| ≤ toleranceChange, or when |f − f_prev| < toleranceChange.
 *
 * Defaults: lr 1, maxIter 20, maxEval ⌊maxIter·5/4⌋, toleranceGrad 1e-7, toleranceChange 1e-9,
 * historySize 100, lineSearchFn null. One param group only (as torch). The closure is required.
 *
 * Vector work stays on the GPU: the flat gradient is gathered with buffer copies, dot products are
 * reductions, αᵢ, βᵢ, ρᵢ and H₀ are 0-d GPU tensors feeding elementwise kernels, and x ← x + t d is
 * one in-place kernel per parameter. L-BFGS is sequential, so it reads back scalars where a decision
 * needs them; per iteration: the loss (each closure call), max|g| (the gradient test), yᵀs (whether to
 * keep the pair), gᵀd, and max|d| (the change test); ‖g‖₁ once; in the line search, the loss and gᵀd
 * of each trial point.
 * State (on the first parameter, as torch): funcEvals, nIter, d, t, oldDirs (y), oldStps (s), ro,
 * hDiag, prevFlatGrad, prevLoss.
 * https://doi.org/10.1007/BF01589116   https://pytorch.org/docs/1.13/generated/torch.optim.LBFGS.html
 */
import { Tensor, runtime, fused, inplace } from '../tensor/index.js';
import { noGrad } from '../autograd/index.js';
import { Optimizer, lossValue, copyInto, type Closure, type ParamGroup, type Params, type StateValue } from './optimizer.js';
import { strongWolfe } from './line_search.js';
import { checkInteger, checkNonNegative, checkPositive, fail } from './validate.js';

/** Options of {@link LBFGS}: torch's keyword arguments in camelCase. */
export type LBFGSOptions = {
  lr: number;
  maxIter: number;
  maxEval: number;
  toleranceGrad: number;
  toleranceChange: number;
  historySize: number;
  lineSearchFn: null | 'strong_wolfe';
};

const dot = (a: Tensor, b: Tensor): Tensor => noGrad(() => {
  const ab = a.mul(b);
  const s = ab.sum();
  ab.dispose();
  return s;
});
const read = async (t: Tensor, dispose = true): Promise<number> => {
  const v = await t.item();
  if (dispose) t.dispose();
  return v;
};
const absMax = (t: Tensor) => read(noGrad(() => { const a = t.abs(); const m = a.max(); a.dispose(); return m; }));

/** L-BFGS (torch.optim.LBFGS): `await opt.step(closure)` re-evaluates the loss; optional strong-Wolfe line search. */
export class LBFGS extends Optimizer<LBFGSOptions> {
  private numel: number;

  constructor(params: Params<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    const o = { ...options };
    if (o.maxEval === undefined || o.maxEval === null) o.maxEval = Math.floor(((o.maxIter ?? 20) * 5) / 4);
    super(params, o, 'LBFGS');
    if (this.paramGroups.length !== 1) fail('LBFGS', "doesn't support per-parameter options (param groups): pass one list of parameters");
    this.numel = this.paramGroups[0].params.reduce((n, p) => n + p.size, 0);
  }

  protected defaultOptions(): LBFGSOptions {
    return { lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null };
  }

  protected validate(o: ParamGroup<LBFGSOptions>): void {
    checkPositive('LBFGS', 'lr', o.lr);
    checkInteger('LBFGS', 'maxIter', o.maxIter, 1);
    checkInteger('LBFGS', 'maxEval', o.maxEval, 1);
    checkNonNegative('LBFGS', 'toleranceGrad', o.toleranceGrad);
    checkNonNegative('LBFGS', 'toleranceChange', o.toleranceChange);
    checkInteger('LBFGS', 'historySize', o.historySize, 1);
    if (o.lineSearchFn !== null && o.lineSearchFn !== 'strong_wolfe') {
      fail('LBFGS', `lineSearchFn must be null or 'strong_wolfe' (got ${JSON.stringify(o.lineSearchFn)})`);
    }
  }

  protected update(): void {
    fail('LBFGS', 'step() needs a closure that re-evaluates the loss: await opt.step(() => { opt.zeroGrad(); const loss = f(); loss.backward(); return loss; })');
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  /** The gradients, concatenated by buffer copies (zeros where a parameter has none). */
  private gatherFlatGrad(): Tensor {
    const flat = Tensor.empty([this.numel]);
    let off = 0;
    for (const p of this.params) {
      if (p.grad) runtime().copy(p.grad.buffer('LBFGS'), flat.buffer('LBFGS'), p.size * 4, 0, off * 4);
      else runtime().write(flat.buffer('LBFGS'), new Float32Array(p.size), off * 4);
      off += p.size;
    }
    return flat;
  }

  /** x ← x + t d, one in-place kernel per parameter reading its slice of d. */
  private addGrad(t: number, d: Tensor): void {
    let off = 0;
    for (const p of this.params) {
      inplace(p, 'x + a * d', { inputs: { d }, off, a: t });
      off += p.size;
    }
  }

  private async evaluate(closure: Closure): Promise<number> {
    return lossValue(await closure());
  }

  protected override async stepWithClosure(closure: Closure): Promise<number> {
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn } = this.paramGroups[0];
    let st = this.state.get(this.params[0]);
    if (!st) this.state.set(this.params[0], (st = { funcEvals: 0, nIter: 0 }));
    const origLoss = await this.evaluate(closure);
    let loss = origLoss;
    let currentEvals = 1;
    st.funcEvals = (st.funcEvals as number) + 1;
    let flatGrad = this.gatherFlatGrad();
    let optCond = (await absMax(flatGrad)) <= toleranceGrad;
    if (optCond) {
      flatGrad.dispose();
      return origLoss;
    }
    let d = (st.d as Tensor | undefined) ?? null;
    let t = (st.t as number | undefined) ?? 0;
    let oldDirs = (st.oldDirs as Tensor[] | undefined) ?? [];
    let oldStps = (st.oldStps as Tensor[] | undefined) ?? [];
    let ro = (st.ro as Tensor[] | undefined) ?? [];
    let hDiag = (st.hDiag as Tensor | null | undefined) ?? null; // null: H₀ = 1
    let prevFlatGrad = (st.prevFlatGrad as Tensor | undefined) ?? null;
    let prevLoss = (st.prevLoss as number | undefined) ?? 0;
    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      st.nIter = (st.nIter as number) + 1;
      if (st.nIter === 1) {
        d?.dispose();
        d = noGrad(() => flatGrad.neg());
        [...oldDirs, ...oldStps, ...ro].forEach((x) => x.dispose());
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag?.dispose();
        hDiag = null;
      } else {
        const y = fused('a - b', flatGrad, prevFlatGrad!);
        const s = fused('a * b', d!, t);
        const ys = dot(y, s);
        if ((await ys.item()) > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift()!.dispose();
            oldStps.shift()!.dispose();
            ro.shift()!.dispose();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(fused('T(1.0) / a', ys));
          const yy = dot(y, y);
          hDiag?.dispose();
          hDiag = fused('a / b', ys, yy);
          yy.dispose();
        } else {
          y.dispose();
          s.dispose();
        }
        ys.dispose();
        d!.dispose();
        d = this.twoLoop(flatGrad, oldDirs, oldStps, ro, hDiag);
      }
      if (prevFlatGrad) copyInto(flatGrad, prevFlatGrad, 'LBFGS');
      else prevFlatGrad = fused('a', flatGrad);
      prevLoss = loss;
      if (st.nIter === 1) {
        // torch: min(1., 1. / |g|₁) * lr, with 1/|g|₁ a float32 tensor
        const inv = Math.fround(1 / (await read(noGrad(() => { const a = flatGrad.abs(); const s = a.sum(); a.dispose(); return s; }))));
        t = inv < 1 ? Math.fround(inv * lr) : lr;
      } else {
        t = lr;
      }
      const gtd = await read(dot(flatGrad, d!));
      if (gtd > -toleranceChange) break;
      let lsFuncEvals = 0;
      if (lineSearchFn === 'strong_wolfe') {
        const x0 = this.params.map((p) => fused('a', p));
        const dNorm = await absMax(d!);
        const created: Tensor[] = [];
        const dir = d!;
        const phi = async (step: number) => {
          this.addGrad(step, dir);
          const f = await this.evaluate(closure);
          const g = this.gatherFlatGrad();
          created.push(g);
          this.params.forEach((p, i) => copyInto(x0[i], p, 'LBFGS'));
          return { f, g, gtd: await read(dot(g, dir)) };
        };
        const r = await strongWolfe(phi, t, loss, flatGrad, gtd, dNorm, { toleranceChange });
        for (const g of created) if (g !== r.g) g.dispose();
        if (r.g !== flatGrad) flatGrad.dispose();
        x0.forEach((x) => x.dispose());
        ({ f: loss, g: flatGrad, t } = r);
        lsFuncEvals = r.evals;
        this.addGrad(t, d!);
        optCond = (await absMax(flatGrad)) <= toleranceGrad;
      } else {
        this.addGrad(t, d!);
        if (nIter !== maxIter) {
          loss = await this.evaluate(closure);
          flatGrad.dispose();
          flatGrad = this.gatherFlatGrad();
          optCond = (await absMax(flatGrad)) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      st.funcEvals = (st.funcEvals as number) + lsFuncEvals;
      if (nIter === maxIter || currentEvals >= maxEval || optCond) break;
      if ((await absMax(d!)) * Math.abs(t) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }
    flatGrad.dispose();
    Object.assign(st, { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss } satisfies Record<string, StateValue>);
    return origLoss;
  }

  /** d = −H g by the two-loop recursion; αᵢ, βᵢ stay on the GPU as 0-d tensors. */
  private twoLoop(g: Tensor, dirs: Tensor[], stps: Tensor[], ro: Tensor[], hDiag: Tensor | null): Tensor {
    const al: Tensor[] = [];
    let q = noGrad(() => g.neg());
    for (let i = dirs.length - 1; i >= 0; i--) {
      const sq = dot(stps[i], q);
      al[i] = fused('a * b', sq, ro[i]);
      sq.dispose();
      const next = fused('a - b * c', q, al[i], dirs[i]);
      q.dispose();
      q = next;
    }
    let r = hDiag ? fused('a * b', q, hDiag) : q;
    if (r !== q) q.dispose();
    for (let i = 0; i < dirs.length; i++) {
      const yr = dot(dirs[i], r);
      const be = fused('a * b', yr, ro[i]);
      const next = fused('a + (b - c) * d', r, al[i], be, stps[i]);
      for (const x of [yr, be, r]) x.dispose();
      r = next;
    }
    al.forEach((x) => x.dispose());
    return r;
  }
}
