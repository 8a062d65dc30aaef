/**
 * Elementwise losses and activations of nn.functional (torch 1.13 semantics), each one fused kernel
 * forward and one backward, then the reduction ('mean' by default, 'sum', or 'none'). With d = a − b:
 *   l1Loss        |d|                                         d/da = sign(d)
 *   smoothL1Loss  |d| < β ? d²/(2β) : |d| − β/2                d/da = |d| < β ? d/β : d > 0 ? 1 : −1 (−1 at d = β = 0, for b too, as torch)
 *   huberLoss     |d| < δ ? d²/2 : δ(|d| − δ/2)                d/da = |d| < δ ? d : δ·sign(d)
 *   binaryCrossEntropyWithLogits, x logits, y targets, p = posWeight, L = 1 + (p − 1)·y:
 *     ℓ = (1 − y)·x + L·softplus(−x),  softplus(−x) = max(−x, 0) + log(1 + e^−|x|)  (never overflows)
 *     dℓ/dx = (1 − y) − L·σ(−x),   dℓ/dy = −x + (p − 1)·softplus(−x)   (posWeight is a constant, as torch)
 *   leakyRelu     x > 0 ? x : k·x;   silu  x·σ(x), d = σ(x)·(1 + x·σ(−x))
 * As mseLoss, the two sides of a loss must have the same shape (torch broadcasts with a warning).
 */
import { Tensor } from '../tensor.js';
import { fmt, sameShape, broadcastShapes } from '../shape.js';
import { defineOp } from './op.js';
import { runElementwise, fused, abs, sub } from './elementwise.js';
import { sum, mean } from './reduce.js';
import { checkReduction, checkOptionNames, type Reduction } from './cross_entropy.js';
import { check } from './record.js';

function floats(op: string, ...ts: [string, Tensor][]): void {
  for (const [what, t] of ts) {
    check(op, t, what);
    if (t.dtype !== 'float32') throw new Error(`webgrad.${op}: ${what} is ${t.dtype} (shape ${fmt(t.shape)}); ${op} is defined for float32 tensors: convert with .float()`);
  }
}
function pair(op: string, a: Tensor, b: Tensor, names = ['input', 'target']): void {
  floats(op, [names[0], a], [names[1], b]);
  if (!sameShape(a.shape, b.shape)) {
    throw new Error(`webgrad.${op}: ${names[0]} ${fmt(a.shape)} and ${names[1]} ${fmt(b.shape)} differ in shape; reshape one so they match`);
  }
}
function reduction(op: string, o: object, known: string[]): Reduction {
  checkOptionNames(op, o, ['reduction', ...known]);
  return checkReduction(op, (o as { reduction?: Reduction }).reduction ?? 'mean');
}
const reduce = (l: Tensor, r: Reduction): Tensor => (r === 'none' ? l : r === 'sum' ? sum(l) : mean(l));

/** Mean (or sum, or none) of |a − b| (torch.nn.functional.l1_loss). */
export const l1Loss = defineOp({
  name: 'l1Loss',
  forward(_ctx, a: Tensor, b: Tensor, o: { reduction?: Reduction } = {}) {
    const r = reduction('l1Loss', o, []);
    pair('l1Loss', a, b);
    return reduce(abs(sub(a, b)), r);
  },
});

// the elementwise smooth-L1 / Huber term; k = β or δ
const robust = (huber: boolean) =>
  defineOp({
    name: huber ? 'huberLoss' : 'smoothL1Loss',
    forward: (ctx, a: Tensor, b: Tensor, k: number) =>
      runElementwise(ctx.name, huber
        ? 'select(c * (abs(a - b) - T(0.5) * c), T(0.5) * (a - b) * (a - b), abs(a - b) < c)'
        : 'select(abs(a - b) - T(0.5) * c, T(0.5) * (a - b) * (a - b) / c, abs(a - b) < c)', [a, b, k]),
    backward(ctx, g, a: Tensor, b: Tensor, k: number) {
      // the loss is symmetric: b's gradient is a's with the sides swapped (as torch, also at the tie)
      const expr = huber ? 'a * select(d * sign(b - c), b - c, abs(b - c) < d)' : 'a * select(select(T(-1.0), T(1.0), b > c), (b - c) / d, abs(b - c) < d)';
      return [ctx.needs[0] ? fused(expr, g, a, b, k) : null, ctx.needs[1] ? fused(expr, g, b, a, k) : null];
    },
  });
const smoothL1 = robust(false);
const huber = robust(true);

/** Smooth L1 (torch.nn.functional.smooth_l1_loss): quadratic below β (default 1), linear above; β = 0 is l1Loss. */
export function smoothL1Loss(a: Tensor, b: Tensor, o: { beta?: number; reduction?: Reduction } = {}): Tensor {
  const r = reduction('smoothL1Loss', o, ['beta']);
  const beta = o.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) throw new Error(`webgrad.smoothL1Loss: beta must be a non-negative number (got ${beta}), as torch`);
  pair('smoothL1Loss', a, b);
  return reduceOwned(smoothL1(a, b, beta), r);
}

/** Huber loss (torch.nn.functional.huber_loss): quadratic below δ (default 1), δ-scaled linear above. */
export function huberLoss(a: Tensor, b: Tensor, o: { delta?: number; reduction?: Reduction } = {}): Tensor {
  const r = reduction('huberLoss', o, ['delta']);
  const delta = o.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0)) throw new Error(`webgrad.huberLoss: delta must be a positive number (got ${delta}), as torch`);
  pair('huberLoss', a, b);
  return reduceOwned(huber(a, b, delta), r);
}

/** Reduce a loss tensor made by the caller, freeing it now when nothing was recorded. */
function reduceOwned(l: Tensor, r: Reduction): Tensor {
  const out = reduce(l, r);
  if (out !== l && !out.node) l.dispose();
  return out;
}

const SP = (x: string) => `(max(-${x}, T(0.0)) + log(T(1.0) + exp(-abs(${x}))))`;
// σ(x) and σ(−x) from e^−|x| ≤ 1: neither overflows nor cancels
const SIG = (x: string) => `select(exp(-abs(${x})), T(1.0), ${x} >= T(0.0)) / (T(1.0) + exp(-abs(${x})))`;
const SIG_NEG = (x: string) => `select(T(1.0), exp(-abs(${x})), ${x} >= T(0.0)) / (T(1.0) + exp(-abs(${x})))`;
const bceTerm = defineOp({
  name: 'binaryCrossEntropyWithLogits',
  forward: (ctx, x: Tensor, y: Tensor, p: Tensor | null) =>
    runElementwise(ctx.name, `(T(1.0) - b) * a + ${p ? '(T(1.0) + (c - T(1.0)) * b)' : 'T(1.0)'} * ${SP('a')}`, p ? [x, y, p] : [x, y], { outShape: x.shape }),
  backward(ctx, g, x: Tensor, y: Tensor, p: Tensor | null) {
    const args = p ? [g, x, y, p] : [g, x, y];
    const pm1 = p ? '(d - T(1.0))' : 'T(0.0)';
    return [
      ctx.needs[0] ? fused(`a * ((T(1.0) - c) - (T(1.0) + ${pm1} * c) * ${SIG_NEG('b')})`, ...args) : null,
      ctx.needs[1] ? fused(`a * (-b + ${pm1} * ${SP('b')})`, ...args) : null,
      ...(p ? [null] : []),
    ];
  },
});

/**
 * Binary cross-entropy on logits (torch.nn.functional.binary_cross_entropy_with_logits) in the stable
 * form above; posWeight (broadcast against the input, typically [C]) weighs the positive term.
 * Gradients flow to the input and the target; posWeight is a constant, as in torch 1.13.
 */
export function binaryCrossEntropyWithLogits(x: Tensor, y: Tensor, o: { reduction?: Reduction; posWeight?: Tensor | null } = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const r = reduction(op, o, ['posWeight']);
  pair(op, x, y);
  const p = o.posWeight ?? null;
  if (p !== null) {
    floats(op, ['posWeight', p]);
    if (p.requiresGrad) throw new Error(`webgrad.${op}: posWeight is a constant here (no gradient flows to it, as torch); pass posWeight.detach()`);
    const b = broadcastShapes(op, x.shape, p.shape);
    if (!sameShape(b, x.shape)) throw new Error(`webgrad.${op}: posWeight ${fmt(p.shape)} must broadcast to the input's shape ${fmt(x.shape)} (e.g. one weight per class, [${x.shape[x.ndim - 1] ?? 1}])`);
  }
  return reduceOwned(bceTerm(x, y, p), r);
}

/** x for x > 0, k·x otherwise (torch.nn.functional.leaky_relu, k = negativeSlope, default 0.01). */
export const leakyRelu = defineOp({
  name: 'leakyRelu',
  forward(ctx, x: Tensor, negativeSlope = 0.01) {
    floats(ctx.name, ['input', x]);
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) throw new Error(`webgrad.leakyRelu: negativeSlope must be a finite number (got ${negativeSlope})`);
    return runElementwise(ctx.name, 'select(b * a, a, a > T(0.0))', [x, negativeSlope]);
  },
  backward: (_ctx, g, x: Tensor, k?: number) => [fused('select(c * a, a, b > T(0.0))', g, x, k ?? 0.01)],
});

/** x·σ(x), also called swish (torch.nn.functional.silu). */
export const silu = defineOp({
  name: 'silu',
  forward(ctx, x: Tensor) {
    floats(ctx.name, ['input', x]);
    return runElementwise(ctx.name, `a * ${SIG('a')}`, [x]);
  },
  backward: (_ctx, g, x: Tensor) => [fused(`a * ${SIG('b')} * (T(1.0) + b * ${SIG_NEG('b')})`, g, x)],
});
