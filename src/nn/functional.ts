/**
 * nn.functional: losses and activations as functions (torch.nn.functional). Most are the tensor ops
 * under torch's functional names; mseLoss and dropout are built here from them.
 *
 * @module
 */
import {
  Tensor, Generator, defaultGenerator, fromData, defineOp, fused, checkReduction, checkOptionNames, sameShape, fmt,
  sub, mul, sum, mean, mm, add, reshape, relu as reluOp, gelu as geluOp, softmax as softmaxOp, logSoftmax as logSoftmaxOp,
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
 * y = x·Wᵀ + b over the last dimension of x (torch.nn.functional.linear): W is [out, in], b is [out].
 * One matmul kernel reading W transposed, the bias added in its store; leading dimensions of x are batch dimensions.
 */
export const linear: (x: Tensor, weight: Tensor, bias?: Tensor | null) => Tensor = defineOp({
  name: 'linear',
  forward: (_ctx, x: Tensor, weight: Tensor, bias: Tensor | null = null) => {
    const inF = weight.shape[weight.ndim - 1];
    if (weight.ndim !== 2 || x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
      throw new Error(`webgrad.linear: input ${fmt(x.shape)} and weight ${fmt(weight.shape)} do not fit: the weight is [out, in] and the input's last dimension is in`);
    }
    const x2 = x.ndim === 2 || x.ndim === 3 ? x : reshape(x, [-1, inF]);
    const fuse = bias?.ndim === 1 && bias.shape[0] === weight.shape[0] && bias.dtype === 'float32';
    const xw = mm(x2, weight, false, true, 'linear', fuse ? bias : null);
    const y = bias && !fuse ? add(xw, bias) : xw;
    return y.ndim === x.ndim ? y : reshape(y, [...x.shape.slice(0, -1), weight.shape[0]]);
  },
});

/**
 * Mean squared error: ℓ = (a − b)², then 'mean' (default), 'sum' or 'none'. Unlike torch, which warns
 * and broadcasts, shapes must match: broadcasting a target is almost always a bug.
 */
export const mseLoss: (input: Tensor, target: Tensor, o?: { reduction?: Reduction }) => Tensor = defineOp({
  name: 'mseLoss',
  forward: (_ctx, input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}) => {
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
    return reduction === 'none' ? sq : reduction === 'mean' ? mean(sq) : sum(sq);
  },
});

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
  return dropoutOp(x, p, o.generator ?? defaultGenerator);
}
/** The mask is kept for the rule (ctx.save) and freed by the op table after it, or at once without a record. */
const dropoutOp = defineOp({
  name: 'dropout',
  forward: (ctx, x: Tensor, p: number, g: Generator) => {
    const scale = p === 1 ? 0 : 1 / (1 - p);
    const m = new Float32Array(x.size);
    for (let i = 0; i < m.length; i++) m[i] = g.next() < p ? 0 : scale;
    const mask = fromData(m, x.shape);
    ctx.save(mask);
    return fused('a * b', x, mask);
  },
  backward: (ctx, grad) => [fused('a * b', grad, ctx.saved[0])],
});

// normalisation, losses and activations declared in src/tensor/ops (norm.ts, losses.ts, cross_entropy.ts)
export { batchNorm, nllLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropyWithLogits, leakyRelu, silu } from '../tensor/index.js';
export type { BatchNormOptions, NllLossOptions } from '../tensor/index.js';
export { conv2d, maxPool2d, avgPool2d } from '../tensor/index.js';
export type { Conv2dOptions, MaxPool2dOptions, AvgPool2dOptions, Pair } from '../tensor/index.js';

/** embedding(index, weight), layerNorm(x, normalizedShape, weight?, bias?, { eps }), scaledDotProductAttention(q, k, v, { attnMask, isCausal }). */
export { embedding, layerNorm, scaledDotProductAttention } from '../tensor/index.js';
export type { SdpaOptions } from '../tensor/index.js';
