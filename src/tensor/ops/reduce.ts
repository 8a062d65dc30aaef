/**
 * Reductions over one or more dimensions (or all): sum, mean, max (values), argmax.
 *   d sum  = g broadcast back;  d mean = g/R broadcast back;  d max = g at the arg-max position only.
 */
import { Tensor } from '../tensor.js';
import { normDim, numel, fmt, contiguousStrides, broadcastStrides, type Shape } from '../shape.js';
import { reduceWgsl, REDUCE_WG, type ReduceOp } from '../../shaders/reduce.js';
import { expand, runElementwise, fused } from './elementwise.js';
import { reshape } from './shape_ops.js';
import { defineOp, launch } from './op.js';

/** One kernel reducing dimension `dim` of x (kept as size 1). */
function reduceDim(op: ReduceOp, name: string, x: Tensor, dim: number, scale = 1): Tensor {
  const outer = numel(x.shape.slice(0, dim));
  const R = x.shape[dim];
  const inner = numel(x.shape.slice(dim + 1));
  const outShape = x.shape.map((d, i) => (i === dim ? 1 : d));
  // as torch: refused even when the result would be empty too (shape [0, 0] over dim 1)
  if ((op === 'max' || op === 'argmax') && R === 0) {
    throw new Error(`webgrad.${name}: cannot take the ${op} over an empty dimension (shape ${fmt(x.shape)}, dim ${dim})`);
  }
  const out = Tensor.empty(outShape, op === 'argmax' ? 'int32' : x.dtype, name);
  // a workgroup per row pays off for long rows; short rows (and columns) take one thread per output
  const schedule = inner === 1 && R > 32 ? 'row' : 'column';
  launch({
    wgsl: reduceWgsl({ op, schedule, int: x.dtype === 'int32' }),
    buffers: { x, out },
    uniforms: { outer, R, inner, scale },
    work: schedule === 'row' ? { groups: outer } : { threads: outer * inner, size: REDUCE_WG },
    label: name,
  });
  return out;
}

function dimsOf(name: string, x: Tensor, dim: number | number[] | null | undefined): number[] {
  if (dim === undefined || dim === null) return x.shape.map((_, i) => i);
  const list = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(name, d, x.ndim));
  if (new Set(list).size !== list.length) throw new Error(`webgrad.${name}: dim ${JSON.stringify(dim)} repeats a dimension`);
  return list.sort((a, b) => a - b);
}

const squeezed = (shape: Shape, dims: number[]) => shape.filter((_, i) => !dims.includes(i));
const keptShape = (shape: Shape, dims: number[]) => shape.map((d, i) => (dims.includes(i) ? 1 : d));

/** Sum (scaled for mean) over `dims`; returns the keepdim-shaped result (called inside an op: views and partial sums are freed by the runner). */
function sumDims(name: string, x: Tensor, dims: number[], scale: number): Tensor {
  if (x.ndim === 0 || dims.length === 0) {
    return x.dtype === 'int32' ? runElementwise(name, 'a', [x], { outDtype: 'int32' }) : runElementwise(name, 'a * b', [x, scale]);
  }
  // everything: one row of n elements
  if (dims.length === x.ndim) return reduceDim('sum', name, x.view([1, x.size]), 1, scale).view(x.shape.map(() => 1));
  let cur = x;
  for (const [k, d] of dims.entries()) cur = reduceDim('sum', name, cur, d, k === dims.length - 1 ? scale : 1);
  return cur;
}

/** Dimensions to reduce: one, several, or all (null or omitted). */
export type Dims = number | number[] | null | undefined;
function reduction(name: 'sum' | 'mean'): (x: Tensor, dim?: Dims, keepdim?: boolean) => Tensor {
  const mean = name === 'mean';
  return defineOp({
    name,
    forward: (_ctx, x: Tensor, dim?: Dims, keepdim = false) => {
      if (mean && x.dtype !== 'float32') {
        throw new Error(`webgrad.mean: the mean of an ${x.dtype} tensor (shape ${fmt(x.shape)}) is not defined, as in torch; convert first: x.float().mean()`);
      }
      const dims = dimsOf(name, x, dim);
      const R = dims.reduce((p, d) => p * x.shape[d], 1);
      const kept = sumDims(name, x, dims, mean ? 1 / R : 1);
      return keepdim ? kept : kept.view(squeezed(x.shape, dims));
    },
    backward: (_ctx, g, x: Tensor, dim?: Dims) => {
      const dims = dimsOf(name, x, dim);
      const keepShape = keptShape(x.shape, dims);
      const gk = reshape(g, keepShape);
      if (!mean) return [expand(gk, x.shape)];
      const R = dims.reduce((p, d) => p * x.shape[d], 1);
      return [runElementwise(name, 'a * b', [gk, 1 / R], { outShape: x.shape, strides: [broadcastStrides(keepShape, x.shape)] })];
    },
  });
}
/** Sum over `dim` (all dimensions when omitted) (torch.sum). */
export const sum = reduction('sum');
/** Mean over `dim` (all dimensions when omitted) (torch.mean). */
export const mean = reduction('mean');

/** Reduce a (broadcast) gradient back to `shape`: sum over the dims that were broadcast. */
export const sumTo = defineOp({
  name: 'sumTo',
  forward: (_ctx, g: Tensor, shape: Shape) => {
    const lead = g.ndim - shape.length;
    const dims = g.shape.map((_d, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
    if (dims.length === 0) return g.ndim === shape.length ? g : g.view(shape);
    return sumDims('sumTo', g, dims, 1).view(shape);
  },
});

/**
 * Values of the maximum over `dim` (torch's max(dim).values); over everything when dim is omitted.
 * Over `dim` the gradient goes to the arg-max (the first maximum), whose indices are computed only when
 * the tape records this op and kept for the rule; over everything it is shared evenly by the tied
 * maxima (NaN ones included when the maximum is NaN), as torch.
 */
export const max: (x: Tensor, dim?: number, keepdim?: boolean) => Tensor = defineOp({
  name: 'max',
  forward: (ctx, x: Tensor, dim?: number, keepdim = false) => {
    const { whole, d, shape } = axisOf('max', x, dim);
    const src = whole ? x.view(shape) : x;
    const kept = reduceDim('max', 'max', src, d);
    if (ctx.recording && !whole) ctx.save(reduceDim('argmax', 'argmax', src, d));
    return kept.view(whole ? [] : keepdim ? kept.shape : squeezed(x.shape, [d]));
  },
  backward: (ctx, g, x, dim) => {
    // gradient only where the coordinate along d equals the arg-max index
    const { whole, d, shape } = axisOf('max', x, dim);
    if (whole) {
      const hit = runElementwise('max', 'select(T(0.0), T(1.0), (a == b) | ((a != a) & (b != b)))', [x, ctx.out]);
      return [fused('a * b / c', hit, g, sum(hit))];
    }
    const keepShape = keptShape(shape, [d]);
    const st = contiguousStrides(shape)[d];
    const grad = runElementwise('max', 'select(T(0.0), a, T(f32((i / u32(c)) % u32(d))) == b)', [reshape(g, keepShape), ctx.saved[0], st, shape[d]], {
      outShape: shape,
      strides: [broadcastStrides(keepShape, shape), broadcastStrides(keepShape, shape)],
    });
    return [grad];
  },
});

/** Index of the first maximum over `dim` (int32); over the flattened tensor when dim is omitted. */
export const argmax: (x: Tensor, dim?: number, keepdim?: boolean) => Tensor = defineOp({
  name: 'argmax',
  forward: (_ctx, x: Tensor, dim?: number, keepdim = false) => {
    const { whole, d, shape } = axisOf('argmax', x, dim);
    const kept = reduceDim('argmax', 'argmax', whole ? x.view(shape) : x, d);
    return kept.view(whole ? [] : keepdim ? kept.shape : squeezed(x.shape, [d]));
  },
});

/** The dimension max/argmax reduce: `dim` of x, or for no dim (or a 0-d x) dim 0 of x flattened (`whole`). */
function axisOf(name: string, x: Tensor, dim: number | undefined): { whole: boolean; d: number; shape: Shape } {
  const d = dim === undefined ? 0 : normDim(name, dim, x.ndim);
  return dim === undefined || x.ndim === 0 ? { whole: true, d: 0, shape: [x.size] } : { whole: false, d, shape: x.shape };
}
