/**
 * More reductions, composed from sum/max (src/tensor/ops/reduce.ts) with rules of their own:
 *   min = flip(max(flip(x))) with flip = −x (float32) or ~x (int32: exact, no overflow at −2³¹);
 *     d min(x, dim) = g at the first minimum; d min(x) = g shared evenly by the tied minima (as torch);
 *   logsumexp = m + log Σ exp(x − m), m the (finite) max;  d = g·exp(x − out);
 *   cumsum: one kernel per direction (a thread or a workgroup per line);  d cumsum = reverse cumsum of g;
 *   var = Σ(x − x̄)²/(N − correction);  d var = g·2(x − x̄)/(N − c);  d std = g·(x − x̄)/((N − c)·std), 0 where std = 0;
 *   norm_p = (Σ|x|^p)^(1/p) (max|x| for p = ∞, min for −∞, the count of nonzeros for 0);
 *     d norm_p = g·sign(x)|x|^(p−1)/norm^(p−1), 0 where x = 0 or norm = 0; for ±∞, g·sign(x) shared by the ties.
 */
import { Tensor } from '../tensor.js';
import { normDim, numel, fmt, contiguousStrides, broadcastStrides } from '../shape.js';
import { cumsumWgsl, COPY_WG } from '../../shaders/copy.js';
import { defineOp, launch } from './op.js';
import { runElementwise, fused, float, add, log, sqrt, pow, abs, mul } from './elementwise.js';
import { sum, max, mean, argmax } from './reduce.js';
import { reshape } from './shape_ops.js';
import { checkOptionNames } from './cross_entropy.js';

/** The dims to reduce (all when omitted), sorted, and the keepdim shape. */
function reduceDims(name: string, x: Tensor, dim: number | readonly number[] | null | undefined) {
  const dims = dim === undefined || dim === null ? x.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : [...dim]).map((d) => normDim(name, d, x.ndim));
  if (new Set(dims).size !== dims.length) throw new Error(`webgrad.${name}: dim ${JSON.stringify(dim)} repeats a dimension`);
  const keepShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const outShape = (keepdim: boolean) => (keepdim ? keepShape : x.shape.filter((_, i) => !dims.includes(i)));
  return { dims, keepShape, outShape, R: dims.reduce((p, d) => p * x.shape[d], 1) };
}

export function floatOnly(name: string, x: Tensor): Tensor {
  if (x.dtype !== 'float32') {
    throw new Error(`webgrad.${name}: needs a float32 tensor (got ${x.dtype} of shape ${fmt(x.shape)}), as torch refuses integers here; convert first: x.float().${name}(...)`);
  }
  return x;
}

/** max over several dims, kept as size 1. */
function amax(x: Tensor, dims: readonly number[]): Tensor {
  if (x.ndim === 0) return max(x, 0, true);
  return dims.reduce((cur, d) => max(cur, d, true), x);
}

const flip = (name: string, x: Tensor) => runElementwise(name, x.dtype === 'int32' ? '~a' : '-a', [x], { outDtype: x.dtype });

function minArgs(name: string, x: Tensor, dim: number | undefined): number | undefined {
  const d = dim === undefined ? undefined : normDim(name, dim, x.ndim);
  if (d === undefined ? x.size === 0 : x.ndim > 0 && x.shape[d] === 0) {
    throw new Error(`webgrad.${name}: cannot take the minimum of an empty ${d === undefined ? 'tensor' : `dimension`} (shape ${fmt(x.shape)}${d === undefined ? '' : `, dim ${dim}`})`);
  }
  return d;
}

/** Minimum over `dim` (the values, torch's `.values`); over everything when dim is omitted (torch.min). */
export const min = defineOp<[x: Tensor, dim?: number, keepdim?: boolean]>({
  name: 'min',
  forward: (_ctx, x: Tensor, dim?: number, keepdim = false) => flip('min', max(flip('min', x), minArgs('min', x, dim), keepdim)),
  backward: (ctx, g, x, dim, keepdim = false) => {
    if (dim === undefined) {
      const hit = runElementwise('min', 'select(T(0.0), T(1.0), a == b)', [x, ctx.out]);
      return [fused('a * b / c', hit, g, sum(hit))];
    }
    const d = normDim('min', dim, x.ndim);
    const idx = argmin(x, d, true);
    const keep = x.shape.map((s, i) => (i === d ? 1 : s));
    const gk = keepdim ? g : reshape(g, keep);
    const bs = broadcastStrides(keep, x.shape);
    const at = runElementwise('min', 'select(T(0.0), a, T(f32((i / u32(c)) % u32(d))) == b)', [gk, idx, contiguousStrides(x.shape)[d] ?? 1, x.shape[d] ?? 1], {
      outShape: x.shape, strides: [bs, bs],
    });
    return [at];
  },
});

/** Index of the first minimum over `dim` (int32); over the flattened tensor when dim is omitted (torch.argmin). */
export const argmin = defineOp<[x: Tensor, dim?: number, keepdim?: boolean]>({
  name: 'argmin',
  forward: (_ctx, x: Tensor, dim?: number, keepdim = false) => argmax(flip('argmin', x), minArgs('argmin', x, dim), keepdim),
});

/** log Σ exp(x) over `dim`, computed stably (torch.logsumexp). int32 input gives float32, as torch. */
export const logsumexp = defineOp<[x: Tensor, dim: number | readonly number[], keepdim?: boolean]>({
  name: 'logsumexp',
  forward: (_ctx, x: Tensor, dim: number | readonly number[], keepdim = false) => {
    if (dim === undefined) throw new Error('webgrad.logsumexp: dim is required (torch.logsumexp(x, dim)); pass every dim to reduce all');
    const { dims, outShape } = reduceDims('logsumexp', x, dim);
    const xf = float(x);
    if (x.size === 0) return reshape(runElementwise('logsumexp', 'T(-f32_inf())', [], { outShape: outShape(true) }), outShape(keepdim));
    // an infinite max (a row of −∞, or +∞) would give ∞ − ∞: shift by 0 there instead
    const m = fused('select(a, T(0.0), abs(a) == T(f32_inf()))', amax(xf, dims));
    const out = add(log(sum(fused('exp(a - b)', xf, m), dims, true)), m);
    return reshape(out, outShape(keepdim));
  },
  backward: (ctx, g, x, dim) => {
    const { keepShape } = reduceDims('logsumexp', x, dim);
    return [fused('a * exp(b - c)', reshape(g, keepShape), x, reshape(ctx.out, keepShape))];
  },
});

function scan(name: string, x: Tensor, dim: number, reverse: boolean, out: Tensor): Tensor {
  const d = normDim(name, dim, x.ndim);
  const R = x.shape[d] ?? 1;
  const lines = x.size / Math.max(R, 1);
  const row = R >= 8 * COPY_WG; // long lines: a workgroup each (a chunk of 8 or more per thread)
  const wgsl = cumsumWgsl(x.dtype === 'int32' ? 'i32' : 'f32', reverse, row ? 'row' : 'line');
  const work = row ? { groups: lines } : { threads: lines, size: COPY_WG };
  launch({ label: name, wgsl, buffers: { x, out }, uniforms: { lines, R, inner: numel(x.shape.slice(d + 1)) }, work });
  return out;
}

/** Running sums along `dim` (torch.cumsum; int32 stays int32, where torch gives int64). */
export const cumsum = defineOp<[x: Tensor, dim: number]>({
  name: 'cumsum',
  forward: (ctx, x: Tensor, dim: number) => scan('cumsum', x, dim, false, ctx.empty(x.shape, x.dtype)),
  backward: (ctx, g, _x, dim) => [scan('cumsum', g, dim, true, ctx.empty(g.shape))],
});

/** Options of var and std: the divisor is N − correction (1: Bessel's correction, as torch). */
export interface VarOptions {
  correction?: number;
  keepdim?: boolean;
}

function moments(name: 'var' | 'std') {
  const setup = (x: Tensor, dim: number | readonly number[] | null | undefined, o: VarOptions) => {
    floatOnly(name, x);
    checkOptionNames(name, o, ['correction', 'keepdim']);
    const r = reduceDims(name, x, dim);
    const c = o.correction ?? 1;
    if (typeof c !== 'number' || !(c >= 0)) throw new Error(`webgrad.${name}: correction must be a number >= 0 (got ${c})`);
    return { ...r, inv: 1 / Math.max(0, r.R - c), keepdim: o.keepdim ?? false };
  };
  return defineOp<[x: Tensor, dim?: number | readonly number[] | null, o?: VarOptions]>({
    name,
    forward: (ctx, x: Tensor, dim?: number | readonly number[] | null, o: VarOptions = {}) => {
      const { dims, inv, outShape, keepdim } = setup(x, dim, o);
      const m = mean(x, dims, true);
      ctx.save(m);
      const v = mul(sum(fused('(a - b) * (a - b)', x, m), dims, true), inv);
      return reshape(name === 'std' ? sqrt(v) : v, outShape(keepdim));
    },
    backward: (ctx, g, x, dim, o = {}) => {
      const { keepShape, inv } = setup(x, dim, o);
      const [m] = ctx.saved;
      if (name === 'var') return [fused('a * T(2.0) * (b - c) * d', reshape(g, keepShape), x, m, inv)];
      const r = fused('select(a / b, T(0.0), b == T(0.0))', reshape(g, keepShape), reshape(ctx.out, keepShape));
      return [fused('a * (b - c) * d', r, x, m, inv)];
    },
  });
}
/** Variance over `dim` (all when omitted) with divisor N − correction (torch.var). */
export const variance = moments('var');
/** Standard deviation over `dim` (all when omitted), the square root of var (torch.std). */
export const std = moments('std');

/** The p-norm over `dim` (all when omitted): p = 2 by default; 1, ±Infinity, 0 and any other p (torch.norm). */
export const norm = defineOp<[x: Tensor, p?: number, dim?: number | readonly number[] | null, keepdim?: boolean]>({
  name: 'norm',
  forward: (_ctx, x: Tensor, p = 2, dim?: number | readonly number[] | null, keepdim = false) => {
    floatOnly('norm', x);
    if (typeof p !== 'number' || Number.isNaN(p)) throw new Error(`webgrad.norm: p must be a number (got ${p}); 'fro' is p = 2`);
    const { dims, outShape } = reduceDims('norm', x, dim);
    const a = abs(x);
    const r =
      p === Infinity ? amax(a, dims)
      : p === -Infinity ? mul(amax(mul(a, -1), dims), -1)
      : p === 0 ? sum(fused('select(T(0.0), T(1.0), a != T(0.0))', x), dims, true)
      : p === 1 ? sum(a, dims, true)
      : p === 2 ? sqrt(sum(fused('a * a', x), dims, true))
      : pow(sum(pow(a, p), dims, true), 1 / p);
    return reshape(r, outShape(keepdim));
  },
  backward: (ctx, g, x, p = 2, dim) => {
    const { dims, keepShape } = reduceDims('norm', x, dim);
    const gk = reshape(g, keepShape);
    const nk = reshape(ctx.out, keepShape);
    if (p === 0) return [fused('a * T(0.0)', x)];
    if (Math.abs(p) === Infinity) {
      const hit = runElementwise('norm', 'select(T(0.0), sign(a), abs(a) == b)', [x, nk]);
      return [fused('a * b / c', hit, gk, sum(abs(hit), dims, true))];
    }
    return [fused('select(a * sign(b) * pow(abs(b), d) / pow(c, d), T(0.0), (b == T(0.0)) | (c == T(0.0)))', gk, x, nk, p - 1)];
  },
});
