/**
 * In-place kernels on tensors that are state, not values on the tape: gradients (clipping), optimizer
 * slots, parameters (a line search's step). They record nothing; `nn.utils` and `optim` build on them.
 *   inplace(x, expr):  x ← expr(x, inputs, a, b, s), one kernel
 *   fillTensor(t, v):  t ← v
 *   totalNorm(xs, p):  ‖(‖x₁‖_p, ‖x₂‖_p, ...)‖_p on the GPU (one partial-sum kernel per tensor, one to finish)
 */
import { Tensor } from './tensor.js';
import { maxGroups } from './context.js';
import { launch, workgroups, type Work } from './ops/op.js';
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
 * @internal x ← expr(x, inputs, a, b, s), in place, one kernel. `expr` is WGSL of type T over x, the
 * input names, the uniforms a, b and the GPU scalar s (see src/shaders/optim.ts, inplaceWgsl).
 */
export function inplace(x: Tensor, expr: string, o: InplaceArgs = {}): void {
  const n = x.size;
  if (n === 0) return;
  const inputs = Object.entries(o.inputs ?? {});
  const off = o.off ?? 0;
  const vec4 = n % 4 === 0 && off % 4 === 0;
  const buffers: Record<string, Tensor> = { dst: x };
  for (const [name, t] of inputs) buffers[`in_${name}`] = t;
  if (o.s) buffers.sbuf = o.s;
  launch({
    wgsl: inplaceWgsl({ expr, vec4, inputs: inputs.map(([k]) => k), gpuScalar: !!o.s }),
    buffers,
    uniforms: { n, off: vec4 ? off / 4 : off, a: o.a ?? 0, b: o.b ?? 0 },
    work: { gridStride: vec4 ? n / 4 : n, size: OPTIM_WG },
    label: 'inplace',
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
  const plan = xs.map((x, k) => {
    const vec4 = x.size % 4 === 0;
    const work: Work = { gridStride: vec4 ? x.size / 4 : x.size, size: OPTIM_WG, cap: Math.min(maxGroups(), 256) };
    return { x, w: o.weights?.[k], vec4, work, groups: workgroups(work)[0] };
  });
  // each workgroup writes one partial sum, at the tensor's offset `at` plus its index
  const total = plan.reduce((s, q) => s + q.groups, 0);
  const partials = Tensor.empty([Math.max(total, 1)]);
  if (total === 0) fillTensor(partials, 0);
  let at = 0;
  for (const q of plan) {
    launch({
      wgsl: normPartialWgsl({ kind, vec4: q.vec4, weighted: !!q.w }),
      buffers: { x: q.x, partials, ...(q.w ? { w: q.w } : {}) },
      uniforms: { n: q.x.size, at, p: normType === Infinity ? 0 : normType },
      work: q.work,
      label: 'norm',
    });
    at += q.groups;
  }
  const norm = Tensor.empty([]);
  const coef = o.coef ? Tensor.empty([1]) : null;
  launch({
    wgsl: normFinishWgsl({ kind, coef: o.coef?.kind }),
    buffers: { partials, norm, ...(coef ? { coef } : {}) },
    uniforms: { count: Math.max(total, 1), p: normType === Infinity ? 0 : normType, c: o.coef?.c ?? 0 },
    work: { groups: 1 },
    label: 'norm',
  });
  partials.dispose();
  return { norm, coef };
}
