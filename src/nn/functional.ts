/**
 * nn.functional: losses and activations as functions (torch.nn.functional). Most are the tensor ops
 * under torch's functional names; mseLoss and dropout are built here from them.
 *
 * @module
 */
import {
  Tensor, Generator, defaultGenerator, fromData, record, fused, checkReduction, checkOptionNames, sameShape, fmt,
  sub, mul, sum, mean, relu as reluOp, gelu as geluOp, softmax as softmaxOp, logSoftmax as logSoftmaxOp,
  type GeluOptions, type Reduction,
} from '../tensor/index.js';

export { crossEntropy } from '../tensor/index.js';
export type { CrossEntropyOptions, Reduction } from '../tensor/index.js';

function check(op: string, t: unknown, what = 'input'): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`webgrad.${op}: ${what} must be a Tensor (got ${typeof t})`);
  t.buffer(op);
  return t;
}

/** max(x, 0) (torch.nn.functional.relu). */
export const relu = (x: Tensor): Tensor => reluOp(x);
/** GELU, exact or tanh-approximated (torch.nn.functional.gelu). */
export const gelu = (x: Tensor, o?: GeluOptions): Tensor => geluOp(x, o);
/** Softmax along `dim` (torch.nn.functional.softmax). */
export const softmax = (x: Tensor, dim: number): Tensor => softmaxOp(x, dim);
/** Log-softmax along `dim` (torch.nn.functional.log_softmax). */
export const logSoftmax = (x: Tensor, dim: number): Tensor => logSoftmaxOp(x, dim);
export { tanh, sigmoid } from '../tensor/index.js';

/**
 * Mean squared error: ℓ = (a − b)², then 'mean' (default), 'sum' or 'none'. Unlike torch, which warns
 * and broadcasts, shapes must match: broadcasting a target is almost always a bug.
 */
export function mseLoss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  check('mseLoss', input, 'input');
  check('mseLoss', target, 'target');
  checkOptionNames('mseLoss', o, ['reduction']);
  const reduction = checkReduction('mseLoss', o.reduction ?? 'mean');
  for (const [what, t] of [['input', input], ['target', target]] as const) {
    if (t.dtype !== 'float32') throw new Error(`webgrad.mseLoss: ${what} is ${t.dtype}; the loss is defined for float32 tensors: convert with .float()`);
  }
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(`webgrad.mseLoss: input ${fmt(input.shape)} and target ${fmt(target.shape)} differ in shape; reshape one so they match`);
  }
  const d = sub(input, target);
  const sq = mul(d, d);
  if (reduction === 'none') {
    if (!sq.node) d.dispose();
    return sq;
  }
  const out = reduction === 'mean' ? mean(sq) : sum(sq);
  if (!out.node) {
    // nothing recorded, so no backward() will free the intermediates
    d.dispose();
    sq.dispose();
  }
  return out;
}

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Draw the mask from this generator (default: the global one, wg.manualSeed). */
  generator?: Generator;
}

/**
 * Inverted dropout (Srivastava et al. 2014, https://jmlr.org/papers/v15/srivastava14a.html): each
 * element is kept with probability 1 − p and scaled by 1/(1 − p), so E[y] = x and evaluation needs no
 * rescaling. The mask m is drawn on the CPU from a seeded generator and uploaded;
 *   y = x·m/(1−p),   dx = g·m/(1−p).
 * With training = false (or p = 0) it returns x itself.
 */
export function dropout(x: Tensor, p = 0.5, training = true, o: DropoutOptions = {}): Tensor {
  check('dropout', x);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`webgrad.dropout: p must be a probability in [0, 1] (got ${p})`);
  if (x.dtype !== 'float32') throw new Error(`webgrad.dropout: input is ${x.dtype}; dropout is defined for float32 tensors: convert with .float()`);
  if (!training || p === 0) return x;
  const g = o.generator ?? defaultGenerator;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const m = new Float32Array(x.size);
  for (let i = 0; i < m.length; i++) m[i] = g.next() < p ? 0 : scale;
  const mask = fromData(m, x.shape);
  const y = record(fused('a * b', x, mask), 'dropout', [x], (grad) => {
    const dx = fused('a * b', grad, mask);
    mask.dispose(); // a rule runs at most once: the tape refuses to walk a graph twice
    return [dx];
  });
  if (!y.node) mask.dispose();
  return y;
}

/** embedding(index, weight), layerNorm(x, normalizedShape, weight?, bias?, { eps }), scaledDotProductAttention(q, k, v, { attnMask, isCausal }). */
export { embedding, layerNorm, scaledDotProductAttention } from '../tensor/index.js';
export type { SdpaOptions } from '../tensor/index.js';
