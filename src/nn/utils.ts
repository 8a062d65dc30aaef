/**
 * Gradient utilities (torch.nn.utils):
 *
 *   clipGradNorm(params, maxNorm, normType = 2)
 *     total = ‖(‖g₁‖, ‖g₂‖, ...)‖_p = (Σ_k Σ_i |g_ki|^p)^(1/p)      (max_ki |g_ki| for p = ∞)
 *     g ← g · min(1, maxNorm / (total + 1e-6))                         for every gradient, in place
 *     returns total as a 0-d Tensor
 *   clipGradValue(params, clipValue):  g ← clamp(g, −clipValue, clipValue), in place
 *
 * Nothing is read back: the norm is reduced on the GPU (one partial-sum dispatch per gradient, one
 * dispatch to finish, which also computes the clip coefficient into a GPU buffer) and each gradient is
 * scaled by a kernel that reads the coefficient from that buffer. A training step that clips stays
 * asynchronous; `await norm.item()` reads the norm when you want it.
 * https://pytorch.org/docs/1.13/generated/torch.nn.utils.clip_grad_norm_.html
 *
 * @module
 */
import { Tensor, fmt, inplace, totalNorm } from '../tensor/index.js';

function gradsOf(who: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.flatMap((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`webgrad.nn.utils.${who}: params[${i}] is not a Tensor`);
    if (!p.grad) return [];
    if (p.grad.size !== p.size) {
      throw new Error(`webgrad.nn.utils.${who}: params[${i}] has shape ${fmt(p.shape)} but its grad has shape ${fmt(p.grad.shape)}`);
    }
    return [p.grad];
  });
}

/** Scale all gradients together so that their joint p-norm is at most maxNorm; returns the norm before clipping (0-d, on the GPU). */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) {
    throw new Error(`webgrad.nn.utils.clipGradNorm: maxNorm must be a number >= 0 (got ${maxNorm})`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new Error(`webgrad.nn.utils.clipGradNorm: normType must be > 0 or Infinity (got ${normType})`);
  }
  const grads = gradsOf('clipGradNorm', params);
  const { norm, coef } = totalNorm(grads, normType, { coef: { kind: 'clip', c: maxNorm } });
  for (const g of grads) inplace(g, 'x * s', { s: coef! });
  coef!.dispose();
  return norm;
}

/** Clamp every gradient element to [−clipValue, clipValue], in place. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new Error(`webgrad.nn.utils.clipGradValue: clipValue must be a number >= 0 (got ${clipValue})`);
  }
  for (const g of gradsOf('clipGradValue', params)) inplace(g, 'clamp(x, -a, a)', { a: clipValue });
}
