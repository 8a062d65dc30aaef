/**
 * crossEntropy(logits, target, { weight, ignoreIndex, labelSmoothing, reduction }):
 * torch.nn.functional.cross_entropy with integer class targets, fused (src/shaders/cross_entropy.ts):
 *   q_ij = (1−ε)·[j = t_i] + ε/C,   loss_i = −Σ_j w_j·q_ij·log softmax(x_i)_j  (0 where t_i = ignoreIndex)
 * then 'none' (the [N] losses), 'sum', or 'mean' (the default): the sum divided by the total weight of
 * the targets that are not ignored (their count without weights), as torch.
 *
 * nllLoss(logProbs, target, { weight, ignoreIndex, reduction }) is the same with log-probabilities as
 * input: the same kernels with the softmax left out.
 *
 * Targets outside [0, C) other than ignoreIndex: known on the CPU (an Int32Array or number[]) they
 * throw here naming the row and value; in a GPU tensor the kernel flags them and the next
 * toArray()/item() throws with the row and value (no extra readback). Not supported (torch has them):
 * probability targets, inputs with more than two dims ([N, C, d1, ...]: move C last, reshape to [-1, C]).
 */
import { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import {
  crossEntropyForwardWgsl, crossEntropyBackwardWgsl, crossEntropyDenominatorWgsl, CE_WG, type CrossEntropySpec,
} from '../../shaders/cross_entropy.js';
import { registerCheck } from '../checks.js';
import { check } from './record.js';
import { defineOp } from './op.js';
import { reshape } from './shape_ops.js';
import { sum } from './reduce.js';
import { fromData } from '../create.js';

/** How a loss reduces over the batch: mean, sum, or none (one value per sample). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of crossEntropy (torch.nn.functional.cross_entropy's keyword arguments in camelCase). */
export interface CrossEntropyOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** ε in [0, 1]: the target becomes (1−ε)·onehot + ε/C. Default 0. */
  labelSmoothing?: number;
  /** A weight per class ([C], float32; a constant: no gradient flows to it). */
  weight?: Tensor | Float32Array | readonly number[] | null;
  /** Targets equal to this are ignored (loss 0, excluded from the mean). Default −100, as torch. */
  ignoreIndex?: number;
}

const KNOWN = ['reduction', 'labelSmoothing', 'weight', 'ignoreIndex'];
/** What the messages call the scores: crossEntropy's logits, nllLoss's input (log-probabilities). */
const scores = (OP: string) => (OP === 'nllLoss' ? 'input' : 'logits');
/** Subject-verb agreement for the messages: "logits have", "input has". */
const have = (OP: string) => (OP === 'nllLoss' ? 'has' : 'have');

export function checkReduction(op: string, r: unknown): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new Error(`webgrad.${op}: reduction must be 'mean', 'sum' or 'none' (got ${JSON.stringify(r)})`);
  }
  return r;
}

/** Refuse options this function does not know, rather than silently ignore them (a typo, or torch's snake_case). */
export function checkOptionNames(op: string, o: object, known: readonly string[]): void {
  if (o === null || typeof o !== 'object') throw new Error(`webgrad.${op}: options must be an object (got ${String(o)})`);
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const hint = known.includes(camel) ? `use '${camel}' (options are camelCase)` : `known options: ${known.join(', ')}`;
    throw new Error(`webgrad.${op}: unknown option '${k}'; ${hint}`);
  }
}

/** Class-index targets: an int32 tensor, an Int32Array, or an array of numbers. */
export type ClassTarget = Tensor | Int32Array | readonly number[];

/** The targets as an int32 GPU tensor (uploaded when given on the CPU, as `cpu`). */
function targetTensor(OP: string, target: ClassTarget, N: number, C: number, ignore: number, logitsShape: readonly number[]): { t: Tensor; cpu: ArrayLike<number> | null } {
  const expected = logitsShape.length === 1 ? '[] or [1]' : `[${N}]`;
  const shapeError = (got: string) =>
    new Error(`webgrad.${OP}: target of shape ${got} does not match ${scores(OP)} of shape ${fmt(logitsShape)}; expected one class index per row, shape ${expected}`);
  if (target instanceof Tensor) {
    check(OP, target, 'target');
    if (target.dtype !== 'int32') {
      throw new Error(
        `webgrad.${OP}: target must hold int32 class indices (got a ${target.dtype} tensor of shape ${fmt(target.shape)}); ` +
          "create it with wg.tensor(labels, [N], { dtype: 'int32' }), call .int() on it, or pass an Int32Array. Probability targets are not supported",
      );
    }
    if (target.size !== N || (logitsShape.length === 2 && target.ndim !== 1)) throw shapeError(fmt(target.shape));
    return { t: target, cpu: null };
  }
  if (!(target instanceof Int32Array) && !Array.isArray(target)) {
    throw new Error(`webgrad.${OP}: target must be an int32 Tensor, an Int32Array or an array of class indices`);
  }
  if (target.length !== N) throw shapeError(`[${target.length}]`);
  for (let i = 0; i < N; i++) {
    const c = target[i];
    if (c === ignore) continue;
    if (!Number.isInteger(c) || c < 0 || c >= C) {
      throw new Error(
        `webgrad.${OP}: target[${i}] = ${c} is not a class index in [0, ${C}) (${scores(OP)} of shape ${fmt(logitsShape)}); ` +
          `the only other value allowed is ignoreIndex (${ignore})`,
      );
    }
  }
  return { t: fromData(Int32Array.from(target), [N], { dtype: 'int32' }), cpu: target };
}

function weightTensor(OP: string, w: CrossEntropyOptions['weight'], C: number): Tensor | null {
  if (w === undefined || w === null) return null;
  if (w instanceof Tensor) {
    check(OP, w, 'weight');
    if (w.dtype !== 'float32' || w.ndim !== 1 || w.size !== C) {
      throw new Error(`webgrad.${OP}: weight must be a float32 tensor of shape [${C}] (one per class; got ${w.dtype} ${fmt(w.shape)})`);
    }
    if (w.requiresGrad) throw new Error(`webgrad.${OP}: weight is a constant here (no gradient flows to it); pass weight.detach()`);
    return w;
  }
  if (!(w instanceof Float32Array) && !Array.isArray(w)) throw new Error(`webgrad.${OP}: weight must be a Tensor, a Float32Array or an array of ${C} numbers`);
  if (w.length !== C) throw new Error(`webgrad.${OP}: weight has ${w.length} values; ${scores(OP)} ${have(OP)} ${C} classes`);
  return fromData(Float32Array.from(w), [C]);
}

/**
 * The loss per row, one kernel (the primitive): the targets and weights it uploads, and the denominator
 * of 'mean', are kept for the rule with ctx.save and freed after it. Returns [N] ([1] for a [C] input).
 */
const lossRows = (OP: 'crossEntropy' | 'nllLoss', known: readonly string[]) => defineOp({
  name: OP,
  forward: (ctx, logits: Tensor, target: ClassTarget, o: CrossEntropyOptions) => {
    check(OP, logits, scores(OP));
    checkOptionNames(OP, o, known);
    const reduction = checkReduction(OP, o.reduction ?? 'mean');
    const eps = o.labelSmoothing ?? 0;
    if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) {
      throw new Error(`webgrad.${OP}: labelSmoothing must be a number in [0, 1] (got ${eps})`);
    }
    const ignore = o.ignoreIndex ?? -100;
    if (!Number.isInteger(ignore) || Math.abs(ignore) > 2 ** 31 - 1) throw new Error(`webgrad.${OP}: ignoreIndex must be an integer (got ${ignore})`);
    if (logits.dtype !== 'float32') throw new Error(`webgrad.${OP}: ${scores(OP)} must be float32 (got ${logits.dtype}); convert with .float()`);
    if (logits.ndim !== 1 && logits.ndim !== 2) {
      throw new Error(
        `webgrad.${OP}: ${scores(OP)} must be [N, C] or [C] (got shape ${fmt(logits.shape)}); for [N, C, d1, ...] move the class dim last and reshape to [-1, C]`,
      );
    }
    const C = logits.shape[logits.ndim - 1];
    const N = logits.ndim === 1 ? 1 : logits.shape[0];
    if (C === 0) throw new Error(`webgrad.${OP}: ${scores(OP)} of shape ${fmt(logits.shape)} ${have(OP)} no classes`);
    const w = weightTensor(OP, o.weight, C);
    const { t, cpu } = targetTensor(OP, target, N, C, ignore, logits.shape);
    const spec = specOf(OP, o);
    const { flag, id } = registerCheck(`${OP}:${C}:${ignore}`, (row, value) =>
      `webgrad.${OP}: target[${row}] = ${value | 0} is not a class index in [0, ${C}) (${scores(OP)} with ${C} classes); ` +
        `the only other value allowed is ignoreIndex (${ignore}). Found on the GPU by the loss kernel and reported at this readback.`,
      cpu === null, // targets from the CPU were checked above
    );
    const uniforms = { rows: N, C, eps, ignore, flag_id: id };
    let den: Tensor | null = null;
    if (reduction === 'mean') {
      if (cpu && !w) {
        // the count of rows not ignored is known here: no kernel needed
        let count = 0;
        for (let i = 0; i < N; i++) if (cpu[i] !== ignore) count++;
        den = fromData([count === 0 ? NaN : 1 / count], [1]);
      } else {
        den = ctx.empty([1]);
        ctx.launch({ wgsl: crossEntropyDenominatorWgsl(spec.weighted), buffers: { labels: t, ...(w ? { weight: w } : {}), den }, uniforms, work: { groups: 1 } });
      }
    }
    ctx.save(t, ...(w ? [w] : []), ...(den ? [den] : []));
    const loss = ctx.empty([N]);
    ctx.launch({ wgsl: crossEntropyForwardWgsl(spec), buffers: { ...operands(logits, ctx.saved, spec), loss, flag }, uniforms, work: { threads: N, size: CE_WG } });
    return loss;
  },
  backward: (ctx, g, logits: Tensor, target: ClassTarget, o: CrossEntropyOptions) => {
    const dx = ctx.empty(logits.shape);
    const spec = specOf(OP, o);
    const uniforms = { rows: logits.ndim === 1 ? 1 : logits.shape[0], C: logits.shape[logits.ndim - 1], eps: o.labelSmoothing ?? 0, ignore: o.ignoreIndex ?? -100, flag_id: 0 };
    ctx.launch({ wgsl: crossEntropyBackwardWgsl(spec), buffers: { ...operands(logits, ctx.saved, spec), g, dx }, uniforms, work: { threads: uniforms.rows, size: CE_WG } });
    return target instanceof Tensor ? [dx, null] : [dx];
  },
});

const specOf = (OP: string, o: CrossEntropyOptions): CrossEntropySpec => ({
  weighted: o.weight !== undefined && o.weight !== null,
  smoothing: (o.labelSmoothing ?? 0) > 0,
  mean: (o.reduction ?? 'mean') === 'mean',
  logProbs: OP === 'nllLoss',
});
/** The kernels' common bindings from the logits and what forward saved: [targets, weight?, den?]. */
function operands(x: Tensor, saved: readonly Tensor[], spec: CrossEntropySpec): Record<string, Tensor> {
  const [labels, ...rest] = saved;
  const weight = spec.weighted ? rest.shift() : undefined;
  const den = spec.mean ? rest.shift() : undefined;
  return { x, labels, ...(weight ? { weight } : {}), ...(den ? { den } : {}) };
}

/** The loss of a class-index target, reduced as asked, as a composition of the per-row primitive. */
function classLoss(OP: 'crossEntropy' | 'nllLoss', known: readonly string[]) {
  const rowsOp = lossRows(OP, known);
  return defineOp({
    name: OP,
    forward: (_ctx, logits: Tensor, target: ClassTarget, o: CrossEntropyOptions = {}) => {
      const rows = rowsOp(logits, target, o);
      return o.reduction === 'none' ? (logits.ndim === 1 ? reshape(rows, []) : rows) : sum(rows);
    },
  });
}

/** Cross-entropy between `logits` [n, C] and integer class targets [n] (torch.nn.functional.cross_entropy), fused into one kernel forward and one backward. */
export const crossEntropy: (logits: Tensor, target: ClassTarget, o?: CrossEntropyOptions) => Tensor = classLoss('crossEntropy', KNOWN);

/** Options of nllLoss: crossEntropy's without labelSmoothing. */
export type NllLossOptions = Omit<CrossEntropyOptions, 'labelSmoothing'>;

/**
 * Negative log-likelihood of integer class targets given log-probabilities [n, C] or [C]
 * (torch.nn.functional.nll_loss): loss_i = −w_t·logProbs[i, t], with crossEntropy's weight, ignoreIndex
 * and reductions; crossEntropy's kernels without the softmax.
 */
export const nllLoss: (logProbs: Tensor, target: ClassTarget, o?: NllLossOptions) => Tensor = classLoss('nllLoss', ['reduction', 'weight', 'ignoreIndex']);
