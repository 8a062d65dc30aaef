/**
 * Loss landscapes around a trained solution (Li, Xu, Taylor, Studer, Goldstein, "Visualizing the Loss
 * Landscape of Neural Nets", NeurIPS 2018, https://arxiv.org/abs/1712.09913).
 *
 *   filter normalisation: d ~ N(0, I) with each filter's block rescaled to the weights' norm,
 *     d_{i,j} ← d_{i,j} · ‖θ_{i,j}‖ / ‖d_{i,j}‖   (filter j of layer i; a Linear filter is one output row)
 *     1-D parameters (biases) get d = 0 by default, as in the paper ("ignore biases and BN")
 *   1-D slice:  f(α) = L(θ* + α δ)           2-D surface:  f(α, β) = L(θ* + α δ + β η)
 *
 * The weights are moved in place on the GPU (one fused dispatch per parameter per grid point) and
 * restored afterwards, also when the loss throws.
 */
import { Tensor, randn, zeros, fmt, inplace } from '../tensor/index.js';
import { noGrad } from '../autograd/index.js';
import { copyTensor } from '../optim/optimizer.js';

/** Options of filterNormalizedDirection. */
export interface DirectionOptions {
  seed?: number;
  /** Give 1-D parameters (biases) a zero direction, as Li et al. do (default true). */
  ignoreBias?: boolean;
}

/** A random filter-normalised direction, one tensor per parameter (same shapes). */
export function filterNormalizedDirection(params: readonly Tensor[], o: DirectionOptions = {}): Tensor[] {
  const { seed = 0, ignoreBias = true } = o;
  return noGrad(() =>
    params.map((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`webgrad.analysis.filterNormalizedDirection: params[${i}] is not a Tensor`);
      if (p.ndim <= 1) {
        if (ignoreBias) return zeros(p.shape);
        const d = randn(p.shape, { seed: seed * 1000 + i });
        return scaleRows(d, p, 1);
      }
      const d = randn(p.shape, { seed: seed * 1000 + i });
      return scaleRows(d, p, p.shape[0]);
    }),
  );
}

/** d reshaped to [rows, rest], each row scaled to the norm of p's row; a new tensor of d's shape. */
function scaleRows(d: Tensor, p: Tensor, rows: number): Tensor {
  const shape = [rows, p.size / rows];
  const d2 = d.reshape(shape);
  const p2 = p.reshape(shape);
  const dn = d2.square().sum(1, true).sqrt();
  const pn = p2.square().sum(1, true).sqrt();
  const out = d2.mul(pn).div(dn.add(1e-10)).reshape(p.shape);
  for (const t of [d, d2, p2, dn, pn]) if (t !== out) t.dispose();
  return out;
}

/** Options of lossLandscape. */
export interface LandscapeOptions {
  /** Grid of α (and β) values; default 21 points on [−1, 1]. */
  alphas?: number[];
  betas?: number[];
}

/** The grid lossLandscape evaluated and the loss at each point. */
export interface LandscapeResult {
  alphas: number[];
  /** 2-D only. */
  betas?: number[];
  /** 1-D: losses[i] at alphas[i]. 2-D: losses[j][i] at (alphas[i], betas[j]). */
  losses: number[] | number[][];
}

/** The loss at the parameters' current values: a tensor, a number, or a promise of one. */
export type LossFn = () => Tensor | number | Promise<number>;

/**
 * Evaluate `loss()` at θ* + α δ (+ β η) over a grid; `directions` is [δ] (1-D) or [δ, η] (2-D), each one
 * tensor per parameter. The parameters hold θ* again when this resolves.
 */
export async function lossLandscape(params: readonly Tensor[], directions: Tensor[][], loss: LossFn, o: LandscapeOptions = {}): Promise<LandscapeResult> {
  const who = 'webgrad.analysis.lossLandscape';
  if (directions.length !== 1 && directions.length !== 2) throw new Error(`${who}: give one direction (1-D slice) or two (2-D surface), got ${directions.length}`);
  for (const [k, dir] of directions.entries()) {
    if (dir.length !== params.length) throw new Error(`${who}: direction ${k} has ${dir.length} tensors for ${params.length} parameters; make it with filterNormalizedDirection(params)`);
    dir.forEach((t, i) => {
      if (t.size !== params[i].size) throw new Error(`${who}: direction ${k}[${i}] has shape ${fmt(t.shape)}, parameter ${i} has ${fmt(params[i].shape)}`);
    });
  }
  const grid = (n = 21) => Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
  const alphas = o.alphas ?? grid();
  const betas = directions.length === 2 ? (o.betas ?? alphas) : [0];
  const saved = params.map((p) => copyTensor(p, 'lossLandscape'));
  const evalAt = async (a: number, b: number) => {
    params.forEach((p, i) => {
      const inputs: Record<string, Tensor> = { w0: saved[i], d1: directions[0][i] };
      if (directions.length === 2) inputs.d2 = directions[1][i];
      inplace(p, directions.length === 2 ? 'w0 + a * d1 + b * d2' : 'w0 + a * d1', { inputs, a, b });
    });
    const v = await noGrad(() => loss());
    if (v instanceof Tensor) {
      const x = await v.item();
      v.dispose();
      return x;
    }
    return v;
  };
  try {
    const rows: number[][] = [];
    for (const b of betas) {
      const row: number[] = [];
      for (const a of alphas) row.push(await evalAt(a, b));
      rows.push(row);
    }
    return directions.length === 2 ? { alphas, betas, losses: rows } : { alphas, losses: rows[0] };
  } finally {
    params.forEach((p, i) => inplace(p, 'w0', { inputs: { w0: saved[i] } }));
    for (const t of saved) t.dispose();
  }
}
