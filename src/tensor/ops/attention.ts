/**
 * scaledDotProductAttention(q, k, v, { attnMask, isCausal, scale }) for q [B, H, Tq, D] (or [B, Tq, D]),
 * k and v [B, H, Tk, D]:  softmax(q·kᵀ·scale + mask)·v,  scale = 1/√D by default (torch 2's
 * F.scaled_dot_product_attention). The softmax is fused into the kernel that computes the scores and
 * the output (src/shaders/attention.ts); the causal mask (j ≤ i, top-left aligned as torch) is applied
 * by index. attnMask: float32 is added to the scores (−Infinity masks), int32 is boolean (nonzero
 * attends), broadcast to [B, H, Tq, Tk] by strides; a constant (no gradient flows to it).
 *
 * `attention` is the layer under it: q, k, v are views [offset, batch, head, row strides] of any
 * tensors, and the output can be laid out as [B, T, H·D], which MultiheadAttention uses to read its
 * heads straight out of the [B, T, 3E] projection and to write them merged, with no copies.
 */
import { Tensor, setGradEnabled } from '../tensor.js';
import { fmt, sameShape } from '../shape.js';
import { zeros } from '../create.js';
import {
  attentionForwardWgsl, attentionBackwardQWgsl, attentionBackwardKVWgsl, ATTN_WG, MODE_NONE, MODE_ADD, MODE_ALLOW, MODE_BLOCK,
} from '../../shaders/attention.js';
import { vec8 } from '../../shaders/kernel.js';
import { defineOp, launch, type OpContext } from './op.js';
import { check } from './record.js';

/** Where a [B, H, T, D] operand lives in its tensor: element (b, h, t, d) is at off + b·sB + h·sH + t·sT + d. */
export interface HeadView { off: number; sB: number; sH: number; sT: number }

/** Everything attention needs besides q, k, v. */
export interface AttentionSpec {
  B: number; H: number; Tq: number; Tk: number; D: number;
  scale: number;
  causal: boolean;
  q: HeadView; k: HeadView; v: HeadView;
  /** The output's shape and where (b, h, t, d) goes in it. */
  outShape: readonly number[]; o: HeadView;
  /** A mask read as mask[b·s0 + h·s1 + i·s2 + j·s3]; 'allow': nonzero attends, 'block': nonzero is masked. */
  mask: { t: Tensor; strides: number[]; kind: 'add' | 'allow' | 'block' } | null;
}

const OP = 'scaledDotProductAttention';
const MODES = { add: MODE_ADD, allow: MODE_ALLOW, block: MODE_BLOCK };
const lay = (v: HeadView) => vec8([v.off, v.sB, v.sH, v.sT]);

function uniformsOf(s: AttentionSpec) {
  return {
    rows: s.B * s.H * s.Tq, H: s.H, Tq: s.Tq, Tk: s.Tk, D: s.D, scale: s.scale, causal: s.causal ? 1 : 0,
    mode: s.mask ? MODES[s.mask.kind] : MODE_NONE,
    lq: lay(s.q), lk: lay(s.k), lv: lay(s.v), lo: lay(s.o), lm: vec8(s.mask ? [...s.mask.strides] : [0, 0, 0, 0]),
  };
}

/** Run the forward kernel: the probabilities [B, H, Tq, Tk] and the output. */
function forwardKernel(ctx: Pick<OpContext, 'empty' | 'launch'>, q: Tensor, k: Tensor, v: Tensor, s: AttentionSpec): { p: Tensor; o: Tensor } {
  const p = ctx.empty([s.B, s.H, s.Tq, s.Tk]);
  const o = ctx.empty(s.outShape);
  ctx.launch({
    wgsl: attentionForwardWgsl(),
    buffers: { Q: q, K: k, V: v, M: s.mask?.t ?? q, P: p, O: o },
    uniforms: uniformsOf(s),
    work: { threads: s.B * s.H * s.Tq, size: ATTN_WG },
  });
  return { p, o };
}

/**
 * The op. Gradients: one tensor per argument, except that views of ONE tensor at different offsets
 * (the packed projection) share one gradient tensor, returned once.
 */
export const attention = defineOp<[Tensor, Tensor, Tensor, AttentionSpec]>({
  name: OP,
  forward: (ctx, q: Tensor, k: Tensor, v: Tensor, s: AttentionSpec) => {
    const { p, o } = forwardKernel(ctx, q, k, v, s);
    ctx.save(p);
    return o;
  },
  backward: (ctx, g, q, k, v, s) => {
    const [p] = ctx.saved;
    const args = [q, k, v];
    const views = [s.q, s.k, s.v];
    const rows = [s.Tq, s.Tk, s.Tk];
    const owner = args.map((t, i) => args.findIndex((u, j) => u === t && (j === i || views[j].off !== views[i].off)));
    const grads: (Tensor | null)[] = args.map((t, i) => {
      if (owner[i] !== i) return null;
      const covered = args.reduce((n, _u, j) => n + (owner[j] === i ? s.B * s.H * rows[j] * s.D : 0), 0);
      return covered === t.size ? ctx.empty(t.shape) : zeros(t.shape);
    });
    const [dq, dk, dv] = owner.map((i) => grads[i]!);
    const dS = ctx.empty(p.shape);
    const uniforms = uniformsOf(s);
    ctx.launch({
      wgsl: attentionBackwardQWgsl(),
      label: `${OP} backward dq`,
      buffers: { G: g, P: p, K: k, V: v, dS, dQ: dq },
      uniforms,
      work: { threads: s.B * s.H * s.Tq, size: ATTN_WG },
    });
    ctx.launch({
      wgsl: attentionBackwardKVWgsl(dk === dv),
      label: `${OP} backward dk, dv`,
      buffers: { G: g, P: p, Q: q, dS, dK: dk, ...(dk === dv ? {} : { dV: dv }) },
      uniforms,
      work: { threads: s.B * s.H * s.Tk * 2 * s.D, size: ATTN_WG },
    });
    return grads;
  },
});

/** The attention probabilities [B, H, Tq, Tk] for a spec (no gradient; MultiheadAttention's needWeights). */
export function attentionWeights(q: Tensor, k: Tensor, v: Tensor, s: AttentionSpec): Tensor {
  const prev = setGradEnabled(false);
  try {
    const ctx = {
      empty: (shape: readonly number[]) => Tensor.empty(shape, 'float32', OP),
      launch: (l: Parameters<OpContext['launch']>[0]) => launch({ ...l, label: OP }),
    };
    const { p, o } = forwardKernel(ctx, q, k, v, s);
    o.dispose();
    return p;
  } finally {
    setGradEnabled(prev);
  }
}

/** A mask's strides over [B, H, Tq, Tk] (0 where it broadcasts), or an error naming the shapes. */
export function maskStrides(op: string, mask: Tensor, full: readonly number[], headless: boolean): number[] {
  const target = headless ? [full[0], full[2], full[3]] : full;
  const m = mask.shape;
  const bad = () => new Error(`webgrad.${op}: attnMask of shape ${fmt(m)} does not broadcast to the scores' shape ${fmt(target)}`);
  if (m.length > target.length) throw bad();
  const strides: number[] = [];
  let acc = 1;
  for (let i = target.length - 1, j = m.length - 1; i >= 0; i--, j--) {
    const d = j >= 0 ? m[j] : 1;
    if (d !== 1 && d !== target[i]) throw bad();
    strides.unshift(d === 1 ? 0 : acc);
    acc *= d;
  }
  return headless ? [strides[0], 0, strides[1], strides[2]] : strides;
}

/** Check a mask argument and describe it for the kernel. */
export function maskOf(op: string, mask: Tensor | null | undefined, full: readonly number[], headless: boolean, boolKind: 'allow' | 'block'): AttentionSpec['mask'] {
  if (mask === undefined || mask === null) return null;
  check(op, mask, 'attnMask');
  if (mask.requiresGrad) throw new Error(`webgrad.${op}: attnMask is a constant here (no gradient flows to it); pass attnMask.detach()`);
  return { t: mask, strides: maskStrides(op, mask, full, headless), kind: mask.dtype === 'int32' ? boolKind : 'add' };
}

/** Options of scaledDotProductAttention. */
export interface SdpaOptions {
  /** Added to the scores (float32, −Infinity masks) or boolean (int32: nonzero attends); broadcast to [B, H, Tq, Tk]. */
  attnMask?: Tensor | null;
  /** Mask out keys after the query's position (j > i), applied by index. */
  isCausal?: boolean;
  /** Not supported: must be 0 (apply nn.Dropout to the output instead). */
  dropoutP?: number;
  /** Multiplies the scores; default 1/√D. */
  scale?: number;
}

/** softmax(q·kᵀ/√D + mask)·v over [B, H, T, D] or [B, T, D] (torch.nn.functional.scaled_dot_product_attention). */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, o: SdpaOptions = {}): Tensor {
  for (const [what, t] of [['query', q], ['key', k], ['value', v]] as const) {
    check(OP, t, what);
    if (t.dtype !== 'float32') throw new Error(`webgrad.${OP}: ${what} is ${t.dtype}; attention is defined for float32: convert with .float()`);
  }
  if ((o.dropoutP ?? 0) !== 0) throw new Error(`webgrad.${OP}: dropoutP = ${o.dropoutP} is not supported (only 0); apply dropout to the output instead`);
  const shapes = `query ${fmt(q.shape)}, key ${fmt(k.shape)}, value ${fmt(v.shape)}`;
  if (q.ndim !== 3 && q.ndim !== 4) throw new Error(`webgrad.${OP}: expected [B, H, T, D] or [B, T, D] tensors (got ${shapes})`);
  const q4 = q.ndim === 4 ? q.shape : [q.shape[0], 1, q.shape[1], q.shape[2]];
  const k4 = k.ndim === 4 ? k.shape : [k.shape[0], 1, k.shape[1], k.shape[2]];
  const [B, H, Tq, D] = q4;
  const Tk = k4[2];
  if (k.ndim !== q.ndim || v.ndim !== q.ndim || !sameShape(k.shape, v.shape) || k4[0] !== B || k4[1] !== H || k4[3] !== D) {
    throw new Error(`webgrad.${OP}: shapes do not fit (${shapes}): key and value must be [B, H, Tk, D] with query's B, H and D`);
  }
  const contiguous = (T: number): HeadView => ({ off: 0, sB: H * T * D, sH: T * D, sT: D });
  const spec: AttentionSpec = {
    B, H, Tq, Tk, D, scale: o.scale ?? 1 / Math.sqrt(D), causal: o.isCausal ?? false,
    q: contiguous(Tq), k: contiguous(Tk), v: contiguous(Tk), o: contiguous(Tq), outShape: q.shape,
    mask: maskOf(OP, o.attnMask, [B, H, Tq, Tk], q.ndim === 3, 'allow'),
  };
  if (q.size === 0 || Tk === 0) {
    if (q.size > 0) throw new Error(`webgrad.${OP}: key and value have no positions (${shapes}); every query would attend to nothing`);
  }
  return attention(q, k, v, spec);
}
