/**
 * Layout ops: squeeze, unsqueeze, permute, cat, stack, narrow, split, chunk, tril, triu.
 * squeeze/unsqueeze are views (reshape). permute, narrow and cat are each one strided copy per tensor
 * (src/shaders/copy.ts), and so are their gradients:
 *   d permute(x, p) = permute(g, p⁻¹);  d narrow = g copied into zeros at the slice;  d cat = g's slices.
 */
import { Tensor } from '../tensor.js';
import { normDim, numel, fmt, contiguousStrides, type Shape } from '../shape.js';
import { stridedCopyWgsl, COPY_WG } from '../../shaders/copy.js';
import { vec8 } from '../../shaders/kernel.js';
import { defineOp, launch } from './op.js';
import { reshape } from './shape_ops.js';
import { runElementwise, float } from './elementwise.js';

interface Copy {
  shape: Shape;
  sx: readonly number[];
  so: readonly number[];
  x0?: number;
  o0?: number;
}
/** One strided copy of `c.shape` elements from x into out (a label names the op). */
export function stridedCopy(label: string, x: Tensor, out: Tensor, c: Copy): void {
  if (c.shape.length > 8) throw new Error(`webgrad.${label}: tensors of rank ${c.shape.length} ${fmt(c.shape)} are supported up to rank 8; reshape to merge dimensions first`);
  const n = numel(c.shape);
  launch({
    label, wgsl: stridedCopyWgsl(c.shape.length), buffers: { x, out }, work: { gridStride: n, size: COPY_WG },
    uniforms: { n, x0: c.x0 ?? 0, o0: c.o0 ?? 0, shape: vec8(c.shape), sx: vec8(c.sx), so: vec8(c.so) },
  });
}

/** float32 zeros of `shape` (a gradient's canvas). */
export const zerosOf = (name: string, shape: Shape) => runElementwise(name, 'T(0.0)', [], { outShape: shape });

/** Remove dimensions of size 1 (only `dim` when given; a dim of another size is left as is) (torch.squeeze). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normDim('squeeze', dim, x.ndim);
  return reshape(x, x.shape.filter((s, i) => i !== d || s !== 1));
}

/** Insert a dimension of size 1 at `dim` (in -ndim-1..ndim) (torch.unsqueeze). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Reorder the dimensions: output dim i is input dim dims[i] (torch.permute). */
export const permute: (x: Tensor, dims: readonly number[]) => Tensor = defineOp<[x: Tensor, dims: readonly number[]]>({
  name: 'permute',
  forward: (ctx, x: Tensor, dims: readonly number[]) => {
    const p = dims.map((d) => normDim('permute', d, x.ndim));
    if (p.length !== x.ndim || new Set(p).size !== p.length) {
      throw new Error(`webgrad.permute: dims ${JSON.stringify(dims)} are not a permutation of the ${x.ndim} dims of a tensor of shape ${fmt(x.shape)}`);
    }
    const out = ctx.empty(p.map((d) => x.shape[d]), x.dtype);
    const st = contiguousStrides(x.shape);
    stridedCopy('permute', x, out, { shape: out.shape, sx: p.map((d) => st[d]), so: contiguousStrides(out.shape) });
    return out;
  },
  backward: (_ctx, g, x, dims) => {
    const inv: number[] = [];
    dims.forEach((d, i) => (inv[normDim('permute', d, x.ndim)] = i));
    return [permute(g, inv)];
  },
});

function narrowArgs(x: Tensor, dim: number, start: number, length: number): [number, number] {
  const d = normDim('narrow', dim, x.ndim);
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(start) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new Error(`webgrad.narrow: start ${start} and length ${length} do not fit in dim ${dim} of size ${size} (shape ${fmt(x.shape)}); need 0 <= start and start + length <= ${size}`);
  }
  return [d, s];
}

/** The slice [start, start + length) along `dim`, copied (torch.narrow; x[:, 2:5] is x.narrow(1, 2, 3)). */
export const narrow = defineOp<[x: Tensor, dim: number, start: number, length: number]>({
  name: 'narrow',
  forward: (ctx, x: Tensor, dim: number, start: number, length: number) => {
    const [d, s] = narrowArgs(x, dim, start, length);
    const out = ctx.empty(x.shape.map((v, i) => (i === d ? length : v)), x.dtype);
    const st = contiguousStrides(x.shape);
    stridedCopy('narrow', x, out, { shape: out.shape, sx: st, so: contiguousStrides(out.shape), x0: s * st[d] });
    return out;
  },
  backward: (_ctx, g, x, dim, start) => {
    const [d, s] = narrowArgs(x, dim, start, g.shape[normDim('narrow', dim, x.ndim)]);
    const gx = zerosOf('narrow', x.shape);
    const st = contiguousStrides(x.shape);
    stridedCopy('narrow', g, gx, { shape: g.shape, sx: contiguousStrides(g.shape), so: st, o0: s * st[d] });
    return [gx];
  },
});

/** torch's rule: 1-D empty tensors are skipped; every other part must match except along dim. */
function catPlan(name: string, list: readonly Tensor[], dim: number): { d: number; shape: number[]; parts: Tensor[] } {
  if (!Array.isArray(list as unknown) || list.length === 0 || !list.every((t) => t instanceof Tensor)) {
    throw new Error(`webgrad.${name}: expected a non-empty list of tensors`);
  }
  const parts = list.filter((t) => !(t.ndim === 1 && t.size === 0));
  const ref = parts[0] ?? list[0];
  const d = normDim(name, dim, ref.ndim);
  for (const t of parts) {
    if (t.ndim !== ref.ndim || t.shape.some((s, i) => i !== d && s !== ref.shape[i])) {
      throw new Error(`webgrad.${name}: tensors of shapes ${list.map((x) => fmt(x.shape)).join(', ')} cannot be joined along dim ${dim}; all sizes must match except in dim ${dim}`);
    }
  }
  const shape = ref.shape.map((s, i) => (i === d ? parts.reduce((p, t) => p + t.shape[d], 0) : s));
  return { d, shape, parts };
}

/** Join tensors along an existing dim (torch.cat). int32 parts join float32 ones as float32, as torch promotes. */
export const cat = defineOp<[list: readonly Tensor[], dim?: number]>({
  name: 'cat',
  forward: (ctx, list: readonly Tensor[], dim = 0) => {
    const { d, shape, parts } = catPlan('cat', list, dim);
    const dtype = parts.every((t) => t.dtype === 'int32') && parts.length ? 'int32' : 'float32';
    const out = ctx.empty(shape, dtype);
    const so = contiguousStrides(shape);
    let off = 0;
    for (const t of parts) {
      const src = dtype === 'float32' ? float(t) : t;
      stridedCopy('cat', src, out, { shape: t.shape, sx: contiguousStrides(t.shape), so, o0: off * so[d] });
      off += t.shape[d];
    }
    return out;
  },
  backward: (ctx, g, list, dim = 0) => {
    const { d } = catPlan('cat', list, dim);
    const st = contiguousStrides(g.shape);
    let off = 0;
    return list.map((t, i) => {
      if (t.ndim === 1 && t.size === 0) return ctx.needs[i] ? ctx.empty([0]) : null; // skipped in forward: no data
      const start = off;
      off += t.shape[d];
      if (!ctx.needs[i]) return null;
      const gi = ctx.empty(t.shape);
      stridedCopy('cat', g, gi, { shape: t.shape, sx: st, so: contiguousStrides(t.shape), x0: start * st[d] });
      return gi;
    });
  },
});

/** Join same-shaped tensors along a new dim (torch.stack). */
export const stack = defineOp<[list: readonly Tensor[], dim?: number]>({
  name: 'stack',
  forward: (_ctx, list: readonly Tensor[], dim = 0) => {
    if (!Array.isArray(list as unknown) || list.length === 0 || !list.every((t) => t instanceof Tensor)) throw new Error('webgrad.stack: expected a non-empty list of tensors');
    const bad = list.find((t) => t.ndim !== list[0].ndim || t.shape.some((s, i) => s !== list[0].shape[i]));
    if (bad) throw new Error(`webgrad.stack: all tensors must have the same shape (got ${list.map((t) => fmt(t.shape)).join(', ')})`);
    const d = normDim('stack', dim, list[0].ndim + 1);
    return cat(list.map((t) => unsqueeze(t, d)), d);
  },
});

/** Pieces of `sizeOrSizes` elements along `dim` (the last may be shorter), or of the listed sizes (torch.split). */
export function split(x: Tensor, sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim('split', dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof sizeOrSizes === 'number') {
    if (!Number.isInteger(sizeOrSizes) || sizeOrSizes < 0 || (sizeOrSizes === 0 && n > 0)) {
      throw new Error(`webgrad.split: split size must be a positive integer (got ${sizeOrSizes})`);
    }
    sizes = n === 0 ? [0] : Array.from({ length: Math.ceil(n / sizeOrSizes) }, (_, i) => Math.min(sizeOrSizes, n - i * sizeOrSizes));
  } else {
    sizes = [...sizeOrSizes];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new Error(`webgrad.split: sizes ${JSON.stringify(sizeOrSizes)} must be non-negative integers summing to ${n}, the size of dim ${dim} (shape ${fmt(x.shape)})`);
    }
  }
  let start = 0;
  return sizes.map((s) => narrow(x, d, (start += s) - s, s));
}

/** `chunks` pieces (fewer when they do not divide evenly) along `dim`, as torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new Error(`webgrad.chunk: chunks must be a positive integer (got ${chunks})`);
  const n = x.shape[normDim('chunk', dim, x.ndim)];
  return split(x, Math.max(1, Math.ceil(n / chunks)), dim);
}

/** Keep the elements with col − row ≤ diagonal (tril) or ≥ diagonal (triu) of the last two dims; zero the rest. */
function triangle(name: 'tril' | 'triu') {
  const mask = (x: Tensor, diagonal: number): Tensor => {
    if (x.ndim < 2) throw new Error(`webgrad.${name}: needs a tensor of at least 2 dims (got shape ${fmt(x.shape)})`);
    if (!Number.isInteger(diagonal)) throw new Error(`webgrad.${name}: diagonal must be an integer (got ${diagonal})`);
    const [rows, cols] = x.shape.slice(-2);
    const k = Math.max(-rows - 1, Math.min(cols + 1, diagonal)); // beyond the matrix every k acts alike: one kernel
    const keep = `i32(i % u32(b)) - i32((i / u32(b)) % u32(c)) ${name === 'tril' ? '<=' : '>='} ${k}`;
    // explicit strides: the index arithmetic needs the scalar (not vec4) path
    return runElementwise(name, `select(T(0), a, ${keep})`, [x, cols, rows], { outDtype: x.dtype, strides: [contiguousStrides(x.shape)] });
  };
  return defineOp<[x: Tensor, diagonal?: number]>({
    name,
    forward: (_ctx, x: Tensor, diagonal = 0) => mask(x, diagonal),
    backward: (_ctx, g, _x, diagonal = 0) => [mask(g, diagonal)],
  });
}
/** The lower triangle (col − row ≤ diagonal) of the last two dims (torch.tril). */
export const tril = triangle('tril');
/** The upper triangle (col − row ≥ diagonal) of the last two dims (torch.triu). */
export const triu = triangle('triu');
