/**
 * Gradient monitoring for the lab: the global norm, per-layer norms and simple statistics of the
 * gradients, reduced on the GPU (the norms with the same kernels clipGradNorm uses) and read back once.
 *
 *   global norm ‖g‖₂ = √(Σ_layers ‖g_l‖₂²)     mean, std (population), max |g|, fraction of non-finite values
 */
import { Tensor, totalNorm } from '../tensor/index.js';
import { noGrad } from '../autograd/index.js';

/** Summary of the current gradients of a set of parameters (see gradientStats). */
export interface GradientStats {
  norm: number;
  mean: number;
  std: number;
  maxAbs: number;
  /** Number of gradient values counted. */
  count: number;
  /** Parameters without a gradient (skipped). */
  missing: number;
}

/** Named parameters: [name, tensor] pairs, or a module (anything with namedParameters()). */
export type Named = Iterable<[string, Tensor]> | {
  /** [name, parameter] pairs, as Module.namedParameters(). */
  namedParameters(): [string, Tensor][];
};

function named(who: string, params: Named | Iterable<Tensor>): [string, Tensor][] {
  const list = 'namedParameters' in (params as object) ? (params as { namedParameters(): [string, Tensor][] }).namedParameters() : [...(params as Iterable<[string, Tensor] | Tensor>)];
  return list.map((e, i) => {
    const pair: [string, Tensor] = e instanceof Tensor ? [String(i), e] : (e as [string, Tensor]);
    if (!(pair[1] instanceof Tensor)) throw new Error(`webgrad.analysis.${who}: entry ${i} is not a Tensor or a [name, Tensor] pair`);
    return pair;
  });
}

/** The 2-norm of each parameter's gradient, by name (a module, [name, tensor] pairs, or tensors named by index). */
export async function layerGradNorms(params: Named | Iterable<Tensor>): Promise<Record<string, number>> {
  const list = named('layerGradNorms', params).filter(([, p]) => p.grad);
  const norms = list.map(([, p]) => totalNorm([p.grad!], 2).norm);
  const values = await Promise.all(norms.map((t) => t.item()));
  norms.forEach((t) => t.dispose());
  return Object.fromEntries(list.map(([name], i) => [name, values[i]]));
}

/** Norm, mean, std and max |g| over all gradients of `params` together. */
export async function gradientStats(params: Named | Iterable<Tensor>): Promise<GradientStats> {
  const list = named('gradientStats', params);
  const grads = list.map(([, p]) => p.grad).filter((g): g is Tensor => !!g);
  const count = grads.reduce((s, g) => s + g.size, 0);
  if (!count) return { norm: 0, mean: 0, std: 0, maxAbs: 0, count: 0, missing: list.length };
  const { norm } = totalNorm(grads, 2);
  const maxT = totalNorm(grads, Infinity).norm;
  const sums = noGrad(() => grads.map((g) => g.sum()));
  const [n2, mx, ...s] = await Promise.all([norm.item(), maxT.item(), ...sums.map((t) => t.item())]);
  for (const t of [norm, maxT, ...sums]) t.dispose();
  const mean = s.reduce((a, b) => a + b, 0) / count;
  const std = Math.sqrt(Math.max(n2 * n2 / count - mean * mean, 0));
  return { norm: n2, mean, std, maxAbs: mx, count, missing: list.length - grads.length };
}
