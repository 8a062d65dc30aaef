/**
 * crossEntropy(logits, target, { reduction, labelSmoothing }): torch.nn.functional.cross_entropy with
 * integer class targets, as one fused kernel per direction (src/shaders/cross_entropy.ts):
 *   q_ij = (1−ε)·[j = t_i] + ε/C,   loss_i = −Σ_j q_ij · log softmax(x_i)_j
 *   d loss_i / d x_ij = softmax(x_i)_j − q_ij
 * then the reduction: 'mean' (over the N rows, the default), 'sum', or 'none' (the [N] losses).
 * The mean and sum are the ordinary sum/mean ops, whose backward hands each row its g_i (1/N for mean).
 *
 * Targets out of [0, C): with a Tensor target (on the GPU) the row's loss and gradient are NaN, so the
 * mistake shows in the loss; with an Int32Array or number[] target they are checked here and throw.
 * Not supported (unlike torch): class weights, ignoreIndex, probability targets, inputs with more
 * than two dims ([N, C, d1, ...]: move C last and reshape to [N·d1·..., C]).
 */
import { Tensor } from '../tensor.js';
import { runtime } from '../context.js';
import { fmt } from '../shape.js';
import { crossEntropyForwardWgsl, crossEntropyBackwardWgsl } from '../../shaders/cross_entropy.js';
import { grid } from '../../shaders/kernel.js';
import { record, check } from './record.js';
import { reshape } from './shape_ops.js';
import { sum, mean } from './reduce.js';
import { fromData } from '../create.js';

/** How a loss reduces over the batch: mean, sum, or none (one value per sample). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of crossEntropy (torch.nn.functional.cross_entropy's keyword arguments in camelCase). */
export interface CrossEntropyOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** ε in [0, 1]: the target becomes (1−ε)·onehot + ε/C. Default 0. */
  labelSmoothing?: number;
}

const OP = 'crossEntropy';

export function checkReduction(op: string, r: unknown): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new Error(`webgrad.${op}: reduction must be 'mean', 'sum' or 'none' (got ${JSON.stringify(r)})`);
  }
  return r;
}

/** The targets as an int32 GPU tensor; `owned` when it was uploaded here (and must be freed here). */
function targetTensor(target: Tensor | Int32Array | readonly number[], N: number, C: number, logitsShape: readonly number[]): { t: Tensor; owned: boolean } {
  const expected = logitsShape.length === 1 ? '[] or [1]' : `[${N}]`;
  const shapeError = (got: string) =>
    new Error(`webgrad.${OP}: target of shape ${got} does not match logits of shape ${fmt(logitsShape)}; expected one class index per row, shape ${expected}`);
  if (target instanceof Tensor) {
    check(OP, target, 'target');
    if (target.dtype !== 'int32') {
      throw new Error(
        `webgrad.${OP}: target must hold int32 class indices (got a ${target.dtype} tensor of shape ${fmt(target.shape)}); ` +
          "create it with wg.tensor(labels, [N], { dtype: 'int32' }) or pass an Int32Array. Probability targets are not supported",
      );
    }
    if (target.size !== N || (logitsShape.length === 2 && target.ndim !== 1)) throw shapeError(fmt(target.shape));
    return { t: target, owned: false };
  }
  if (!(target instanceof Int32Array) && !Array.isArray(target)) {
    throw new Error(`webgrad.${OP}: target must be an int32 Tensor, an Int32Array or an array of class indices`);
  }
  if (target.length !== N) throw shapeError(`[${target.length}]`);
  for (let i = 0; i < N; i++) {
    const c = target[i];
    if (!Number.isInteger(c) || c < 0 || c >= C) {
      throw new Error(`webgrad.${OP}: target[${i}] = ${c} is not a class index in [0, ${C}) (logits of shape ${fmt(logitsShape)})`);
    }
  }
  return { t: fromData(Int32Array.from(target), [N], { dtype: 'int32' }), owned: true };
}

/** Per-row losses [N] of logits [N, C] (differentiable in the logits). */
function rowLosses(x: Tensor, t: Tensor, owned: boolean, eps: number): Tensor {
  const [N, C] = x.shape;
  const loss = Tensor.empty([N]);
  const uniforms = { rows: N, C, eps };
  if (N > 0) {
    runtime().dispatch({
      wgsl: crossEntropyForwardWgsl(),
      buffers: { x: x.buffer(OP), labels: t.buffer(OP), loss: loss.buffer(OP) },
      uniforms,
      workgroups: grid(N),
    });
  }
  const out = record(loss, OP, [x], (g) => {
    const dx = Tensor.empty(x.shape);
    if (N > 0) {
      runtime().dispatch({
        wgsl: crossEntropyBackwardWgsl(),
        buffers: { x: x.buffer(OP), labels: t.buffer(OP), g: g.buffer(OP), dx: dx.buffer(OP) },
        uniforms,
        workgroups: grid(N),
      });
    }
    // A rule runs at most once (the tape refuses a second walk), so an uploaded target can go now.
    if (owned) t.dispose();
    return [dx];
  });
  if (owned && !out.node) t.dispose();
  return out;
}

/** Cross-entropy between `logits` [n, C] and integer class targets [n] (torch.nn.functional.cross_entropy), fused into one kernel forward and one backward. */
export function crossEntropy(logits: Tensor, target: Tensor | Int32Array | readonly number[], o: CrossEntropyOptions = {}): Tensor {
  check(OP, logits, 'logits');
  const reduction = checkReduction(OP, o.reduction ?? 'mean');
  const eps = o.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) {
    throw new Error(`webgrad.${OP}: labelSmoothing must be a number in [0, 1] (got ${eps})`);
  }
  if (logits.dtype !== 'float32') throw new Error(`webgrad.${OP}: logits must be float32 (got ${logits.dtype})`);
  if (logits.ndim !== 1 && logits.ndim !== 2) {
    throw new Error(
      `webgrad.${OP}: logits must be [N, C] or [C] (got shape ${fmt(logits.shape)}); for [N, C, d1, ...] move the class dim last and reshape to [-1, C]`,
    );
  }
  const single = logits.ndim === 1;
  const C = logits.shape[logits.ndim - 1];
  const N = single ? 1 : logits.shape[0];
  const { t, owned } = targetTensor(target, N, C, logits.shape);
  const x2 = single ? reshape(logits, [1, C]) : logits;
  const rows = rowLosses(x2, t, owned, eps);
  const out = reduction === 'none' ? (single ? reshape(rows, []) : rows) : reduction === 'mean' ? mean(rows) : sum(rows);
  if (!out.node) {
    // Nothing recorded (noGrad, or logits without requiresGrad): no backward() will free the intermediates.
    if (rows !== out) rows.dispose();
    if (x2 !== logits) x2.dispose();
  }
  return out;
}
