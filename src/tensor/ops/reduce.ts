/**
 * Reductions over one or more dimensions (or all): sum, mean, max (values), argmax.
 *   d sum  = g broadcast back;  d mean = g/R broadcast back;  d max = g at the arg-max position only.
 */
import { Tensor, isGradEnabled } from '../tensor.js';
import { runtime } from '../context.js';
import { normDim, numel, fmt, contiguousStrides, broadcastStrides, type Shape } from '../shape.js';
import { reduceWgsl, REDUCE_WG, type ReduceOp } from '../../shaders/reduce.js';
import { grid } from '../../shaders/kernel.js';
import { record, check } from './record.js';
import { expand, runElementwise } from './elementwise.js';
import { reshape } from './shape_ops.js';

/** One dispatch reducing dimension `dim` of x (kept as size 1). */
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
  if (outer * inner === 0) return out;
  // a workgroup per row pays off for long rows; short rows (and columns) take one thread per output
  const schedule = inner === 1 && R > 32 ? 'row' : 'column';
  const groups = schedule === 'row' ? outer : Math.ceil((outer * inner) / REDUCE_WG);
  runtime().dispatch({
    wgsl: reduceWgsl({ op, schedule, int: x.dtype === 'int32' }),
    buffers: { x: x.buffer(name), out: out.buffer(name) },
    uniforms: { outer, R, inner, scale },
    workgroups: grid(groups),
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

/** Sum (scaled for mean) over `dims`; returns the keepdim-shaped result. */
function sumDims(name: string, x: Tensor, dims: number[], scale: number): Tensor {
  if (x.ndim === 0 || dims.length === 0) {
    return x.dtype === 'int32' ? runElementwise(name, 'a', [x], { outDtype: 'int32' }) : runElementwise(name, 'a * b', [x, scale]);
  }
  if (dims.length === x.ndim) {
    // everything: one row of n elements
    const row = x.view([1, x.size]);
    const flat = reduceDim('sum', name, row, 1, scale);
    row.dispose();
    const out = flat.view(x.shape.map(() => 1));
    flat.dispose();
    return out;
  }
  let cur = x;
  for (const [k, d] of dims.entries()) {
    const next = reduceDim('sum', name, cur, d, k === dims.length - 1 ? scale : 1);
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return cur;
}

function reduceSum(name: string, x: Tensor, dim: number | number[] | null | undefined, keepdim: boolean, mean: boolean): Tensor {
  check(name, x);
  if (mean && x.dtype !== 'float32') {
    throw new Error(`webgrad.mean: the mean of an ${x.dtype} tensor (shape ${fmt(x.shape)}) is not defined, as in torch; convert first: x.float().mean()`);
  }
  const dims = dimsOf(name, x, dim);
  const R = dims.reduce((p, d) => p * x.shape[d], 1);
  const kept = sumDims(name, x, dims, mean ? 1 / R : 1);
  const out = keepdim ? kept : kept.view(squeezed(x.shape, dims));
  if (!keepdim) kept.dispose();
  const keepShape = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  return record(out, name, [x], (g) => {
    const gk = reshape(g, keepShape);
    return [mean ? runElementwise(name, 'a * b', [gk, 1 / R], { outShape: x.shape, strides: [broadcastStrides(keepShape, x.shape)] }) : expand(gk, x.shape)];
  });
}

/** Sum over `dim` (all dimensions when omitted) (torch.sum). */
export const sum = (x: Tensor, dim?: number | number[] | null, keepdim = false) => reduceSum('sum', x, dim, keepdim, false);
/** Mean over `dim` (all dimensions when omitted) (torch.mean). */
export const mean = (x: Tensor, dim?: number | number[] | null, keepdim = false) => reduceSum('mean', x, dim, keepdim, true);

/** Reduce a (broadcast) gradient back to `shape`: sum over the dims that were broadcast. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  const lead = g.ndim - shape.length;
  const dims = g.shape.map((d, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
  if (dims.length === 0) return g.ndim === shape.length ? g : reshape(g, shape);
  const s = sumDims('sumTo', g, dims, 1);
  const out = s.view(shape);
  s.dispose();
  return out;
}

/**
 * Values of the maximum over `dim` (torch's max(dim).values); over everything when dim is omitted.
 * The arg-max indices that route the gradient are computed only when the tape records this op, and
 * the rule frees them (it runs at most once); composite paths free their intermediates when nothing
 * was recorded (with a record, backward() releases them).
 */
export function max(x: Tensor, dim?: number, keepdim = false): Tensor {
  check('max', x);
  if (dim === undefined || x.ndim === 0) {
    if (dim !== undefined) normDim('max', dim, x.ndim);
    const flat = reshape(x, [x.size]);
    const m = max(flat, 0, true);
    const out = reshape(m, []);
    if (!out.node) for (const t of [flat, m]) t.dispose();
    return out;
  }
  const d = normDim('max', dim, x.ndim);
  const kept = reduceDim('max', 'max', x, d);
  const outShape = keepdim ? kept.shape : squeezed(x.shape, [d]);
  const out = kept.view(outShape);
  kept.dispose();
  if (!isGradEnabled() || !x.requiresGrad) return out;
  const idx = argmax(x, d, true);
  const keepShape = x.shape.map((s, i) => (i === d ? 1 : s));
  return record(out, 'max', [x], (g) => {
    // gradient only where the coordinate along d equals the arg-max index
    const gk = reshape(g, keepShape);
    const st = contiguousStrides(x.shape)[d];
    const grad = runElementwise('max', 'select(T(0.0), a, T(f32((i / u32(c)) % u32(d))) == b)', [gk, idx, st, x.shape[d]], {
      outShape: x.shape,
      strides: [broadcastStrides(keepShape, x.shape), broadcastStrides(keepShape, x.shape)],
    });
    idx.dispose();
    return [grad];
  });
}

/** Index of the first maximum over `dim` (int32); over the flattened tensor when dim is omitted. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  check('argmax', x);
  if (dim === undefined) {
    const flat = x.view([1, x.size]);
    const r = reduceDim('argmax', 'argmax', flat, 1);
    flat.dispose();
    const out = r.view([]);
    r.dispose();
    return out;
  }
  const d = normDim('argmax', dim, x.ndim);
  const src = x.ndim === 0 ? x.view([1]) : x;
  const kept = reduceDim('argmax', 'argmax', src, x.ndim === 0 ? 0 : d);
  if (src !== x) src.dispose();
  const out = kept.view(x.ndim === 0 ? [] : keepdim ? kept.shape : squeezed(x.shape, [d]));
  kept.dispose();
  return out;
}
