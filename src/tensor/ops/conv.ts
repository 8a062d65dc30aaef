/**
 * conv2d (torch.nn.functional.conv2d): NCHW input, weight [OC, C/groups, KH, KW], optional bias [OC].
 *   y[n, o, oh, ow] = b[o] + Σ_{c, kh, kw} x[n, g·Cg + c, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw] · w[o, c, kh, kw]
 * Forward and both weight-side gradients are implicit GEMMs (src/shaders/conv.ts); the rule is
 *   dx = the transposed convolution of g with w,   dw = Σ_{n,oh,ow} g ⊗ im2col(x),   db = Σ_{n,oh,ow} g.
 */
import { Tensor } from '../tensor.js';
import { runtime } from '../context.js';
import { fmt } from '../shape.js';
import { convWgsl, CONV_THREADS } from '../../shaders/conv.js';
import { defineOp, type OpContext } from './op.js';
import { reshape } from './shape_ops.js';
import { sum } from './reduce.js';
import { checkOptionNames } from './cross_entropy.js';

/** A size for both spatial dims (an int) or for each ([h, w]), as torch accepts for kernel, stride, padding, dilation. */
export type Pair = number | readonly [number, number];

/** Options of {@link conv2d}: ints or [h, w] pairs; padding also 'valid' (0) or 'same' (stride 1). */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair | 'valid' | 'same';
  dilation?: Pair;
  groups?: number;
}

/** An int or an [h, w] pair as [h, w], each an integer ≥ min. */
export function pair(op: string, what: string, v: Pair, min: number): [number, number] {
  const p: readonly number[] = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new Error(`webgrad.${op}: ${what} must be an integer ≥ ${min} or a pair [h, w] of them (got ${JSON.stringify(v)})`);
  }
  return [p[0], p[1]];
}

/** Refuse anything but float32 NCHW (int32 as torch: convert with .float()). */
export function checkImage(op: string, x: Tensor, what = 'input'): void {
  if (x.dtype !== 'float32') throw new Error(`webgrad.${op}: ${what} is ${x.dtype} (shape ${fmt(x.shape)}); ${op} is defined for float32 tensors: convert with x.float()`);
}

/** Output size of a sliding window, with a clear error when the window does not fit. */
export function outSize(op: string, x: Tensor, k: number[], s: number[], p: number[], d: number[]): [number, number] {
  const o = [0, 1].map((i) => Math.floor((x.shape[2 + i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) / s[i]) + 1);
  if (o[0] < 1 || o[1] < 1) {
    const eff = [0, 1].map((i) => d[i] * (k[i] - 1) + 1);
    throw new Error(
      `webgrad.${op}: the kernel (${eff.join('x')} with dilation) is larger than the padded input ` +
        `(${x.shape[2] + 2 * p[0]}x${x.shape[3] + 2 * p[1]}) of shape ${fmt(x.shape)}; use a smaller kernel or more padding`,
    );
  }
  return [o[0], o[1]];
}

/** The grid has at most 65535 workgroups along x (columns). */
function columns(op: string, cols: number, per: number): number {
  if (Math.ceil(cols / per) > 65535) throw new Error(`webgrad.${op}: ${cols} positions are too many for one launch; split the batch`);
  return cols;
}

interface Geometry {
  N: number; C: number; H: number; W: number; OC: number; OH: number; OW: number; KH: number; KW: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; Cg: number; OCg: number; groups: number; per: number;
}

function geometry(x: Tensor, w: Tensor, b: Tensor | null | undefined, o: Conv2dOptions = {}): Geometry {
  const op = 'conv2d';
  checkOptionNames(op, o, ['stride', 'padding', 'dilation', 'groups']);
  checkImage(op, x);
  checkImage(op, w, 'weight');
  if (b) checkImage(op, b, 'bias');
  if (x.ndim !== 4) throw new Error(`webgrad.conv2d: input must be 4-D [N, C, H, W] (or 3-D [C, H, W]), got shape ${fmt(x.shape)}`);
  if (w.ndim !== 4) throw new Error(`webgrad.conv2d: weight must be 4-D [outChannels, inChannels/groups, kH, kW], got shape ${fmt(w.shape)}`);
  const groups = o.groups ?? 1;
  const [N, C, H, W] = x.shape;
  const [OC, Cg, KH, KW] = w.shape;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`webgrad.conv2d: groups must be a positive integer (got ${groups})`);
  if (C % groups !== 0 || OC % groups !== 0) {
    throw new Error(`webgrad.conv2d: groups=${groups} must divide both the input channels (${C}, input ${fmt(x.shape)}) and the output channels (${OC}, weight ${fmt(w.shape)})`);
  }
  if (Cg * groups !== C) {
    throw new Error(`webgrad.conv2d: input ${fmt(x.shape)} has ${C} channels but weight ${fmt(w.shape)} expects ${Cg * groups} (${Cg} per group × groups=${groups}); the weight must be [out, in/groups, kH, kW]`);
  }
  if (b && (b.ndim !== 1 || b.shape[0] !== OC)) throw new Error(`webgrad.conv2d: bias must have shape [${OC}] (one per output channel of weight ${fmt(w.shape)}), got ${fmt(b.shape)}`);
  const s = pair(op, 'stride', o.stride ?? 1, 1);
  const d = pair(op, 'dilation', o.dilation ?? 1, 1);
  let p: [number, number];
  if (o.padding === 'valid') p = [0, 0];
  else if (o.padding === 'same') {
    if (s[0] !== 1 || s[1] !== 1) throw new Error(`webgrad.conv2d: padding 'same' needs stride 1 (got stride ${JSON.stringify(o.stride)}), as in torch`);
    // torch pads d·(k−1) in total, the smaller half before: the kernel reads the rest as zeros past the edge
    p = [Math.floor((d[0] * (KH - 1)) / 2), Math.floor((d[1] * (KW - 1)) / 2)];
  } else p = pair(op, 'padding', o.padding ?? 0, 0);
  const [OH, OW] = o.padding === 'same' ? [H, W] : outSize(op, x, [KH, KW], s, p, d);
  return { N, C, H, W, OC, OH, OW, KH, KW, sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], Cg, OCg: OC / groups, groups, per: 0 };
}

/**
 * The register block and workgroup shape for `rows` rows: up to 8 rows per thread (all of them when
 * there are few, so no thread computes rows that do not exist), and up to 4 threads along the rows.
 */
function blocking(rows: number): { bm: number; wy: number; size: readonly [number, number] } {
  const bm = Math.max(1, Math.min(rows, 8));
  const wy = Math.min(4, Math.ceil(rows / bm));
  return { bm, wy, size: [(CONV_THREADS / wy) * 4, wy * bm] };
}

function launchConv(ctx: OpContext, kind: 'forward' | 'dx' | 'dw', u: Geometry, buffers: Record<string, Tensor>, cols: number, rows: number, z: number): void {
  const { bm, wy, size } = blocking(rows);
  ctx.launch({
    wgsl: convWgsl({ kind, bm, wy, bias: 'B' in buffers, window: u }),
    buffers,
    uniforms: { ...u },
    work: { tiles: [columns('conv2d', cols, size[0]), rows, z], size },
    label: `conv2d ${kind}`,
  });
}

const conv2dOp = defineOp({
  name: 'conv2d',
  forward(ctx, x: Tensor, w: Tensor, b?: Tensor | null, o: Conv2dOptions = {}) {
    const u = geometry(x, w, b, o);
    const y = ctx.empty([u.N, u.OC, u.OH, u.OW]);
    if (y.size === 0) return y;
    if (u.Cg * u.KH * u.KW === 0) {
      runtime().write(y.buffer('conv2d'), new Float32Array(y.size)); // an empty sum (bias added below)
      return b ? y.add(reshape(b, [u.OC, 1, 1])) : y;
    }
    launchConv(ctx, 'forward', u, b ? { X: x, Wt: w, B: b, Y: y } : { X: x, Wt: w, Y: y }, u.N * u.OH * u.OW, u.OCg, u.groups);
    return y;
  },
  backward(ctx, g, x: Tensor, w: Tensor, b?: Tensor | null, o: Conv2dOptions = {}) {
    const u = geometry(x, w, b, o);
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (ctx.needs[0]) {
      dx = ctx.empty(x.shape);
      launchConv(ctx, 'dx', u, { G: g, Wt: w, DX: dx }, u.N * u.H * u.W, u.Cg, u.groups);
    }
    if (ctx.needs[1]) {
      // split the sum over (n, oh) so that even a layer with few weights fills the device
      const Q = u.Cg * u.KH * u.KW;
      const { size } = blocking(u.OCg);
      const base = Math.ceil(Q / size[0]) * Math.ceil(u.OCg / size[1]) * u.groups;
      const target = runtime().software ? 32 : 512;
      const K = Math.max(1, u.N * u.OH); // an empty batch still writes dw = 0
      const per = Math.ceil(K / Math.min(K, Math.ceil(target / base)));
      const S = Math.ceil(K / per);
      const part = ctx.empty([S, u.OC, Q]);
      launchConv(ctx, 'dw', { ...u, per }, { G: g, X: x, DWt: part }, Q, u.OCg, u.groups * S);
      dw = reshape(S === 1 ? part : sum(part, 0), w.shape);
    }
    const db = b && ctx.needs[2] ? sum(g, [0, 2, 3]) : null;
    return b ? [dx, dw, db] : [dx, dw];
  },
});

/**
 * 2-D convolution (torch.nn.functional.conv2d): x [N, C, H, W] (or [C, H, W]), w [OC, C/groups, KH, KW],
 * b [OC] or null; stride, padding ('valid', 'same' or ints/pairs), dilation, groups as in torch.
 */
export const conv2d: (x: Tensor, w: Tensor, b?: Tensor | null, o?: Conv2dOptions) => Tensor = defineOp({
  name: 'conv2d',
  forward(_ctx, x: Tensor, w: Tensor, b?: Tensor | null, o: Conv2dOptions = {}) {
    if (x.ndim !== 3) return conv2dOp(x, w, b ?? null, o);
    const y = conv2dOp(reshape(x, [1, ...x.shape]), w, b ?? null, o);
    return reshape(y, y.shape.slice(1));
  },
});
