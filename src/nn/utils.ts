/**
 * Gradient utilities (torch.nn.utils):
 *
 *   clipGradNorm(params, maxNorm, normType = 2)
 *     total = ‖(‖g₁‖, ‖g₂‖, ...)‖_p = (Σ_k Σ_i |g_ki|^p)^(1/p)      (max_ki |g_ki| for p = ∞)
 *     g ← g · min(1, maxNorm / (total + 1e-6))                         for every gradient, in place
 *     returns total as a 0-d Tensor
 *   clipGradValue(params, clipValue):  g ← clamp(g, −clipValue, clipValue), in place
 *
 * Nothing is read back: the norm is reduced on the GPU (one partial-sum dispatch per gradient, one
 * dispatch to finish, which also computes the clip coefficient into a GPU buffer) and each gradient is
 * scaled by a kernel that reads the coefficient from that buffer. A training step that clips stays
 * asynchronous; `await norm.item()` reads the norm when you want it.
 * https://pytorch.org/docs/1.13/generated/torch.nn.utils.clip_grad_norm_.html
 *
 * The small in-place helpers (`inplace`, `fillTensor`, `totalNorm`) are shared with src/optim.
 *
 * @module
 */
import { Tensor, runtime, fmt } from '../tensor/index.js';
import { maxGroups } from '../tensor/context.js';
import { inplaceWgsl, normPartialWgsl, normFinishWgsl, normKind, OPTIM_WG } from '../shaders/optim.js';

/** Named tensors and scalars for the WGSL expression of `inplace`. */
export interface InplaceArgs {
  /** Tensors read by the expression under these names, at index [i + off]. */
  inputs?: Record<string, Tensor>;
  /** Element offset into the inputs (for reading a slice of a flat vector). */
  off?: number;
  a?: number;
  b?: number;
  /** A one-element tensor read on the GPU as `s`. */
  s?: Tensor;
}

/**
 * @internal x ← expr(x, inputs, a, b, s), in place, one dispatch. `expr` is WGSL of type T over x, the
 * input names, the uniforms a, b and the GPU scalar s (see src/shaders/optim.ts, inplaceWgsl).
 */
export function inplace(x: Tensor, expr: string, o: InplaceArgs = {}): void {
  const n = x.size;
  if (n === 0) return;
  const inputs = Object.entries(o.inputs ?? {});
  const off = o.off ?? 0;
  const vec4 = n % 4 === 0 && off % 4 === 0;
  const buffers: Record<string, GPUBuffer> = { dst: x.buffer('inplace') };
  for (const [name, t] of inputs) buffers[`in_${name}`] = t.buffer('inplace');
  if (o.s) buffers.sbuf = o.s.buffer('inplace');
  const count = vec4 ? n / 4 : n;
  runtime().dispatch({
    wgsl: inplaceWgsl({ expr, vec4, inputs: inputs.map(([k]) => k), gpuScalar: !!o.s }),
    buffers,
    uniforms: { n, off: vec4 ? off / 4 : off, a: o.a ?? 0, b: o.b ?? 0 },
    workgroups: [Math.max(1, Math.min(Math.ceil(count / OPTIM_WG), maxGroups()))],
  });
}

/** @internal every element of t ← value, in place. */
export function fillTensor(t: Tensor, value: number): void {
  inplace(t, 'a', { a: value });
}

/**
 * @internal ‖(x_k · |w_k|)‖_p over a list of tensors, as a 0-d tensor, on the GPU. With `coef`, also a
 * one-element tensor: 'clip' → min(1, c / (norm + 1e-6)), 'ascent' → c / (norm + 1e-12) (SAM).
 */
export function totalNorm(
  xs: readonly Tensor[],
  normType: number,
  o: { weights?: readonly Tensor[]; coef?: { kind: 'clip' | 'ascent'; c: number } } = {},
): { norm: Tensor; coef: Tensor | null } {
  const kind = normKind(normType);
  const rt = runtime();
  const cap = Math.min(maxGroups(), 256);
  const plan = xs.map((x, k) => {
    const vec4 = x.size % 4 === 0;
    const count = vec4 ? x.size / 4 : x.size;
    return { x, w: o.weights?.[k], vec4, groups: Math.max(1, Math.min(Math.ceil(count / OPTIM_WG), cap)) };
  });
  const total = plan.reduce((s, q) => s + q.groups, 0);
  const partials = Tensor.empty([Math.max(total, 1)]);
  if (total === 0) fillTensor(partials, 0);
  let at = 0;
  for (const q of plan) {
    const buffers: Record<string, GPUBuffer> = { x: q.x.buffer('norm'), partials: partials.buffer('norm') };
    if (q.w) buffers.w = q.w.buffer('norm');
    rt.dispatch({
      wgsl: normPartialWgsl({ kind, vec4: q.vec4, weighted: !!q.w }),
      buffers,
      uniforms: { n: q.x.size, at, p: normType === Infinity ? 0 : normType },
      workgroups: [q.groups],
    });
    at += q.groups;
  }
  const norm = Tensor.empty([]);
  const coef = o.coef ? Tensor.empty([1]) : null;
  const buffers: Record<string, GPUBuffer> = { partials: partials.buffer('norm'), norm: norm.buffer('norm') };
  if (coef) buffers.coef = coef.buffer('norm');
  rt.dispatch({
    wgsl: normFinishWgsl({ kind, coef: o.coef?.kind }),
    buffers,
    uniforms: { count: Math.max(total, 1), p: normType === Infinity ? 0 : normType, c: o.coef?.c ?? 0 },
    workgroups: [1],
  });
  partials.dispose();
  return { norm, coef };
}

function gradsOf(who: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.flatMap((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`webgrad.nn.utils.${who}: params[${i}] is not a Tensor`);
    if (!p.grad) return [];
    if (p.grad.size !== p.size) {
      throw new Error(`webgrad.nn.utils.${who}: params[${i}] has shape ${fmt(p.shape)} but its grad has shape ${fmt(p.grad.shape)}`);
    }
    return [p.grad];
  });
}

/** Scale all gradients together so that their joint p-norm is at most maxNorm; returns the norm before clipping (0-d, on the GPU). */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) {
    throw new Error(`webgrad.nn.utils.clipGradNorm: maxNorm must be a number >= 0 (got ${maxNorm})`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new Error(`webgrad.nn.utils.clipGradNorm: normType must be > 0 or Infinity (got ${normType})`);
  }
  const grads = gradsOf('clipGradNorm', params);
  const { norm, coef } = totalNorm(grads, normType, { coef: { kind: 'clip', c: maxNorm } });
  for (const g of grads) inplace(g, 'x * s', { s: coef! });
  coef!.dispose();
  return norm;
}

/** Clamp every gradient element to [−clipValue, clipValue], in place. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new Error(`webgrad.nn.utils.clipGradValue: clipValue must be a number >= 0 (got ${clipValue})`);
  }
  for (const g of gradsOf('clipGradValue', params)) inplace(g, 'clamp(x, -a, a)', { a: clipValue });
}
