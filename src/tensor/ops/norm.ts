/**
 * batchNorm(x, runningMean, runningVar, weight?, bias?, { training, momentum, eps }):
 * torch.nn.functional.batch_norm for x of shape [N, C] or [N, C, *] (NCHW). The math and the kernels
 * are in src/shaders/norm.ts: forward is two kernels (per-channel statistics, then normalise), backward
 * two (per-channel sums, then dx with the batch statistics' full gradient). In training the running
 * buffers are updated in place on the GPU, nothing is read back. momentum = null makes the running
 * stats a cumulative average, which needs the count of batches: pass `numBatchesTracked` (an int32
 * tensor of one element, incremented in place in training; the BatchNorm modules do).
 */
import { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { defineOp } from './op.js';
import {
  batchNormStatsWgsl, batchNormEvalStatsWgsl, batchNormApplyWgsl, batchNormSumsWgsl, batchNormGradWgsl, NORM_WG,
} from '../../shaders/norm.js';
import { checkOptionNames } from './cross_entropy.js';

/** Options of batchNorm (torch's keyword arguments in camelCase, plus numBatchesTracked). */
export interface BatchNormOptions {
  /** Normalise with the batch's statistics and update the running ones (default false, as torch's functional form). */
  training?: boolean;
  /** f in running ← (1−f)·running + f·batch; null: cumulative average (needs numBatchesTracked). Default 0.1. */
  momentum?: number | null;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** int32 tensor of one element counting training batches, incremented in place in training. */
  numBatchesTracked?: Tensor | null;
}

const OP = 'batchNorm';
type Opt = Tensor | null | undefined;

function perChannel(what: string, t: Opt, C: number, x: Tensor): Tensor | null {
  if (t === undefined || t === null) return null;
  if (!(t instanceof Tensor)) throw new Error(`webgrad.${OP}: ${what} must be a Tensor or null (got ${typeof t})`);
  if (t.dtype !== 'float32' || t.size !== C || t.ndim !== 1) {
    throw new Error(`webgrad.${OP}: ${what} must be a float32 tensor of shape [${C}] (one value per channel of the input ${fmt(x.shape)}; got ${t.dtype} ${fmt(t.shape)})`);
  }
  return t;
}

const op = defineOp({
  name: OP,
  forward(ctx, x: Tensor, rm: Opt, rv: Opt, w: Opt, b: Opt, o: BatchNormOptions) {
    const { training = false, momentum = 0.1, eps = 1e-5, numBatchesTracked: nbt = null } = o;
    if (x.dtype !== 'float32') throw new Error(`webgrad.${OP}: input is ${x.dtype} (shape ${fmt(x.shape)}); batchNorm is defined for float32: convert with x.float()`);
    if (x.ndim < 2) throw new Error(`webgrad.${OP}: expected an input of shape [N, C] or [N, C, *] (got ${fmt(x.shape)})`);
    const [N, C] = x.shape;
    const S = x.size / (N * C) || 0;
    const mean = perChannel('runningMean', rm, C, x);
    const vari = perChannel('runningVar', rv, C, x);
    perChannel('weight', w, C, x);
    perChannel('bias', b, C, x);
    if (!mean !== !vari) throw new Error(`webgrad.${OP}: pass both runningMean and runningVar, or neither`);
    for (const [k, t] of [['runningMean', mean], ['runningVar', vari]] as const) {
      if (t?.requiresGrad) throw new Error(`webgrad.${OP}: ${k} is a buffer updated in place and must not require grad; pass ${k}.detach()`);
    }
    if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`webgrad.${OP}: eps must be a non-negative number (got ${eps})`);
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw new Error(`webgrad.${OP}: momentum must be a number in [0, 1] or null for a cumulative average (got ${momentum})`);
    }
    if (nbt !== null && (!(nbt instanceof Tensor) || nbt.dtype !== 'int32' || nbt.size !== 1)) {
      throw new Error(`webgrad.${OP}: numBatchesTracked must be an int32 tensor of one element (got ${nbt instanceof Tensor ? `${nbt.dtype} ${fmt(nbt.shape)}` : typeof nbt})`);
    }
    nbt?.buffer(OP);
    if (!training && !mean) throw new Error(`webgrad.${OP}: evaluation (training: false) normalises with runningMean and runningVar; pass them, or { training: true }`);
    if (training && N * S <= 1) {
      throw new Error(`webgrad.${OP}: expected more than 1 value per channel when training, got input of shape ${fmt(x.shape)} (torch refuses too); use eval mode or a larger batch`);
    }
    if (training && mean && momentum === null && !nbt) {
      throw new Error(`webgrad.${OP}: momentum null (a cumulative average) needs numBatchesTracked, an int32 tensor of one element counting the batches`);
    }
    const uniforms = { N, C, S, eps, momentum: momentum ?? 0 };
    const mu = ctx.empty([C]);
    const invstd = ctx.empty([C]);
    const cumulative = training && !!mean && momentum === null;
    if (training) {
      ctx.launch({
        wgsl: batchNormStatsWgsl({ running: !!mean, cumulative }),
        buffers: { x, mean: mu, invstd, ...(mean ? { rm: mean, rv: vari! } : {}), ...(cumulative ? { nbt: nbt! } : {}) },
        uniforms, work: { groups: C }, label: `${OP} stats`,
      });
    } else {
      ctx.launch({ wgsl: batchNormEvalStatsWgsl(), buffers: { rm: mean!, rv: vari!, mean: mu, invstd }, uniforms, work: { threads: C, size: NORM_WG }, label: `${OP} stats` });
    }
    const y = ctx.empty(x.shape);
    const count = training && !!nbt;
    ctx.launch({
      wgsl: batchNormApplyWgsl({ weight: !!w, bias: !!b, count }),
      buffers: { x, mean: mu, invstd, ...(w ? { weight: w } : {}), ...(b ? { bias: b } : {}), y, ...(count ? { nbt: nbt! } : {}) },
      uniforms, work: { threads: x.size, size: NORM_WG },
    });
    ctx.save(mu, invstd);
    return y;
  },
  backward(ctx, g, x: Tensor, rm: Opt, _rv: Opt, w: Opt, b: Opt, o: BatchNormOptions) {
    const [N, C] = x.shape;
    const uniforms = { N, C, S: x.size / (N * C), eps: 0, momentum: 0 };
    const [mean, invstd] = ctx.saved;
    const train = !!o.training;
    // tensor inputs in order: x, runningMean and runningVar (both or neither), weight, bias
    let i = rm ? 3 : 1;
    const needW = !!w && ctx.needs[i++];
    const needB = !!b && ctx.needs[i];
    let db: Tensor | null = null;
    let dw: Tensor | null = null;
    if (train || needW || needB) {
      db = ctx.empty([C]);
      dw = ctx.empty([C]);
      ctx.launch({ wgsl: batchNormSumsWgsl(), buffers: { x, g, mean, invstd, db, dw }, uniforms, work: { groups: C }, label: `${OP} backward sums` });
    }
    let dx: Tensor | null = null;
    if (ctx.needs[0]) {
      dx = ctx.empty(x.shape);
      ctx.launch({
        wgsl: batchNormGradWgsl({ weight: !!w, train }),
        buffers: { x, g, mean, invstd, ...(train ? { db: db!, dw: dw! } : {}), ...(w ? { weight: w } : {}), dx },
        uniforms, work: { threads: x.size, size: NORM_WG }, label: `${OP} backward`,
      });
    }
    const grads: (Tensor | null)[] = [dx];
    if (rm) grads.push(null, null);
    if (w) grads.push(dw);
    if (b) grads.push(db);
    return grads;
  },
});

/** Batch normalisation over the channel dim 1 (torch.nn.functional.batch_norm); see the file's comment. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, o: BatchNormOptions = {}): Tensor {
  checkOptionNames(OP, o, ['training', 'momentum', 'eps', 'numBatchesTracked']);
  return op(x, runningMean ?? null, runningVar ?? null, weight ?? null, bias ?? null, o);
}
