/**
 * layerNorm(x, normalizedShape, weight?, bias?, { eps = 1e-5 }) (torch.nn.functional.layer_norm):
 * normalise over the trailing dims named by normalizedShape, then scale and shift elementwise.
 * Forward one kernel, backward one kernel for dx and one for dweight/dbias (src/shaders/layer_norm.ts).
 */
import { Tensor } from '../tensor.js';
import { fmt, sameShape } from '../shape.js';
import { layerNormForwardWgsl, layerNormBackwardXWgsl, layerNormBackwardWBWgsl } from '../../shaders/layer_norm.js';
import { REDUCE_WG } from '../../shaders/reduce.js';
import { defineOp } from './op.js';
import { check } from './record.js';

const OP = 'layerNorm';

const layerNormOp = defineOp<[Tensor, Tensor | null, Tensor | null, number, number]>({
  name: OP,
  forward: (ctx, x: Tensor, w: Tensor | null, b: Tensor | null, N: number, eps: number) => {
    const rows = N === 0 ? 0 : x.size / N;
    const y = ctx.empty(x.shape);
    const stats = ctx.empty([rows, 2]);
    ctx.save(stats);
    ctx.launch({
      wgsl: layerNormForwardWgsl(w !== null, b !== null),
      buffers: { X: x, ...(w ? { W: w } : {}), ...(b ? { Bias: b } : {}), Y: y, stats },
      uniforms: { rows, N, eps },
      work: { threads: N === 0 ? 0 : rows, size: REDUCE_WG },
    });
    return y;
  },
  backward: (ctx, g, x, w, b, N, eps) => {
    const rows = N === 0 ? 0 : x.size / N;
    const [stats] = ctx.saved;
    const uniforms = { rows, N, eps };
    const grads: (Tensor | null)[] = [null];
    if (ctx.needs[0]) {
      const dx = (grads[0] = ctx.empty(x.shape));
      ctx.launch({
        wgsl: layerNormBackwardXWgsl(w !== null),
        buffers: { G: g, X: x, ...(w ? { W: w } : {}), stats, dX: dx },
        uniforms,
        work: { threads: N === 0 ? 0 : rows, size: REDUCE_WG },
      });
    }
    const needW = w !== null && ctx.needs[1];
    const needB = b !== null && ctx.needs[w ? 2 : 1];
    const dw = needW ? ctx.empty(w.shape) : null;
    const db = needB ? ctx.empty(b.shape) : null;
    if (dw || db) {
      ctx.launch({
        wgsl: layerNormBackwardWBWgsl(dw !== null, db !== null),
        buffers: { G: g, X: x, stats, ...(dw ? { dW: dw } : {}), ...(db ? { dB: db } : {}) },
        uniforms,
        work: { threads: N, size: REDUCE_WG },
      });
    }
    if (w) grads.push(dw);
    if (b) grads.push(db);
    return grads;
  },
});

/** Layer normalisation over the trailing `normalizedShape` dims (torch.nn.functional.layer_norm). */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, o: { eps?: number } = {}): Tensor {
  check(OP, x);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const eps = o.eps ?? 1e-5;
  if (!(eps >= 0)) throw new Error(`webgrad.${OP}: eps must be a non-negative number (got ${eps})`);
  if (x.dtype !== 'float32') throw new Error(`webgrad.${OP}: input is ${x.dtype} (shape ${fmt(x.shape)}); layerNorm is defined for float32: convert with x.float()`);
  if (shape.length === 0 || shape.length > x.ndim || !sameShape(x.shape.slice(x.ndim - shape.length), shape)) {
    throw new Error(`webgrad.${OP}: normalizedShape ${fmt(shape)} must be the trailing dims of the input (shape ${fmt(x.shape)})`);
  }
  for (const [what, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p === undefined || p === null) continue;
    check(OP, p, what);
    if (p.dtype !== 'float32' || !sameShape(p.shape, shape)) {
      throw new Error(`webgrad.${OP}: ${what} must be float32 of shape ${fmt(shape)} (normalizedShape; got ${p.dtype} ${fmt(p.shape)})`);
    }
  }
  const N = shape.reduce((p, d) => p * d, 1);
  return layerNormOp(x, weight ?? null, bias ?? null, N, eps);
}
