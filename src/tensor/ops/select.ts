/**
 * Selection: gather (torch.gather), where and maskedFill.
 *   d gather(x, dim, index) = scatter-add of g into zeros at index (src/shaders/copy.ts): a fixed-order
 *     sum per element of x, or float atomics when the index is long along dim;
 *   d where(c, a, b) = (where(c, g, 0), where(c, 0, g)), reduced to each operand's shape by the tape.
 * An index outside [0, size) in gather is found by the kernel and reported at the next readback (as
 * crossEntropy's targets), naming the position and the value.
 */
import { Tensor, type TensorLike } from '../tensor.js';
import { normDim, fmt, contiguousStrides, broadcastShapes, sameShape } from '../shape.js';
import { gatherWgsl, gatherBackwardWgsl, scatterAddWgsl, COPY_WG } from '../../shaders/copy.js';
import { vec8 } from '../../shaders/kernel.js';
import { registerCheck } from '../checks.js';
import { defineOp } from './op.js';
import { fromData } from '../create.js';
import { runElementwise, keepsInt, int } from './elementwise.js';
import { zerosOf } from './layout.js';

function gatherDims(x: Tensor, dim: number, index: Tensor): number {
  if (!(index instanceof Tensor) || index.dtype !== 'int32') {
    throw new Error(`webgrad.gather: index must be an int32 tensor (got ${index instanceof Tensor ? index.dtype : typeof index}); convert with index.int()`);
  }
  const d = normDim('gather', dim, x.ndim);
  if (index.ndim !== x.ndim || index.shape.some((s, i) => i !== d && s > x.shape[i])) {
    throw new Error(`webgrad.gather: index of shape ${fmt(index.shape)} does not fit input of shape ${fmt(x.shape)} along dim ${dim}; it needs the same number of dims and sizes no larger than the input's outside dim ${dim}`);
  }
  if (x.ndim > 8) throw new Error(`webgrad.gather: supported up to rank 8 (got shape ${fmt(x.shape)})`);
  return d;
}

/** out[i][j] = x[index[i][j]][j] for dim 0, x[i][index[i][j]] for dim 1, ... (torch.gather). */
export const gather = defineOp<[x: Tensor, dim: number, index: Tensor]>({
  name: 'gather',
  forward: (ctx, x: Tensor, dim: number, index: Tensor) => {
    const d = gatherDims(x, dim, index);
    const out = ctx.empty(index.shape, x.dtype);
    const size = x.shape[d];
    if (out.size > 0 && size === 0) throw new Error(`webgrad.gather: cannot gather from an empty dim ${dim} (input shape ${fmt(x.shape)})`);
    const { flag, id } = registerCheck(`gather:${fmt(x.shape)}:${d}`, (i, k) =>
      `webgrad.gather: index ${k | 0} at flat position ${i} of the index is out of range for dim ${d} of size ${size} (input shape ${fmt(x.shape)}); indices must be in [0, ${size}). Found on the GPU and reported at this readback.`,
    );
    const sx = contiguousStrides(x.shape);
    const sdim = sx[d] ?? 1;
    if (x.ndim) sx[d] = 0;
    ctx.launch({
      wgsl: gatherWgsl(index.ndim), buffers: { x, index, out, flag }, work: { gridStride: out.size, size: COPY_WG },
      uniforms: { n: out.size, size, sdim, flag_id: id, shape: vec8(index.shape), sx: vec8(sx) },
    });
    return out;
  },
  backward: (ctx, g, x, dim, index) => {
    const d = normDim('gather', dim, x.ndim);
    const K = index.shape[d] ?? 1;
    if (x.size * K > 64 * Math.max(index.size, 1 << 14)) {
      // a long index along dim: scatter g with atomics (work ∝ index) rather than loop K times per element of x
      const gx = zerosOf('gather', x.shape);
      const sx = contiguousStrides(x.shape);
      const sdim = sx[d] ?? 1;
      if (x.ndim) sx[d] = 0;
      ctx.launch({
        wgsl: scatterAddWgsl(index.ndim), buffers: { g, index, out: gx }, work: { gridStride: index.size, size: COPY_WG },
        uniforms: { n: index.size, size: x.shape[d] ?? 1, sdim, shape: vec8(index.shape), sx: vec8(sx) },
      });
      return [gx, null];
    }
    const si = contiguousStrides(index.shape);
    const sk = si[d] ?? 1;
    if (x.ndim) si[d] = 0;
    const gx = ctx.empty(x.shape);
    ctx.launch({
      wgsl: gatherBackwardWgsl(x.ndim), buffers: { g, index, out: gx }, work: { gridStride: gx.size, size: COPY_WG },
      uniforms: { n: gx.size, dim: d, K, sk, shape: vec8(x.shape), ishape: vec8(index.shape), si: vec8(si) },
    });
    return [gx, null];
  },
});

const isCond = (name: string, c: Tensor) => {
  if (!(c instanceof Tensor)) throw new Error(`webgrad.${name}: the condition must be a Tensor of 0/1 values (the output of gt/lt/eq/...)`);
  return c;
};

/** a where cond is nonzero, else b, with broadcasting; a and b may be numbers (torch.where). */
export const where = defineOp<[cond: Tensor, a: TensorLike, b: TensorLike]>({
  name: 'where',
  forward: (_ctx, cond: Tensor, a: TensorLike, b: TensorLike) => {
    isCond('where', cond);
    if (typeof a === 'number' && typeof b === 'number') {
      throw new Error('webgrad.where: at least one of a and b must be a Tensor (use wg.full for a constant)');
    }
    const ints = keepsInt([a, b]);
    // int32 values select exactly with an int32 condition (the kernel then computes in i32)
    const c = ints && cond.dtype !== 'int32' ? int(cond) : cond;
    return runElementwise('where', 'select(c, b, a != T(0))', [c, a, b], ints ? { outDtype: 'int32' } : {});
  },
  backward: (ctx, g, cond, a, b) => {
    const grads: (Tensor | null)[] = [null];
    if (a instanceof Tensor) grads.push(ctx.needs[1] ? runElementwise('where', 'select(T(0.0), b, a != T(0))', [cond, g]) : null);
    if (b instanceof Tensor) grads.push(ctx.needs[grads.length] ? runElementwise('where', 'select(b, T(0.0), a != T(0))', [cond, g]) : null);
    return grads;
  },
});

/** x with `value` where mask is nonzero; mask broadcasts to x's shape (torch.masked_fill). */
export const maskedFill = defineOp<[x: Tensor, mask: Tensor, value: number]>({
  name: 'maskedFill',
  forward: (_ctx, x, mask, value) => {
    isCond('maskedFill', mask);
    if (typeof value !== 'number') throw new Error(`webgrad.maskedFill: value must be a number (got ${typeof value})`);
    if (!sameShape(broadcastShapes('maskedFill', x.shape, mask.shape), x.shape)) {
      throw new Error(`webgrad.maskedFill: mask of shape ${fmt(mask.shape)} does not broadcast to the input's shape ${fmt(x.shape)}`);
    }
    // an int32 tensor keeps its type: the value is truncated toward zero, as torch does, and travels as an int32 tensor (exact)
    return where(mask, x.dtype === 'int32' ? fromData([Math.trunc(value)], [], { dtype: 'int32' }) : value, x);
  },
});
