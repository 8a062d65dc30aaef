/**
 * Optimizer kernels. ONE generator, `optimizerWgsl`, turns an update rule
 *
 *   { state: ['m', 'v'], scalars: ['lr', 'beta1', ...], update: `m = beta1 * m + (1.0 - beta1) * g; ...` }
 *
 * into one fused kernel that reads each parameter element, its gradient and its state once and writes
 * the parameter and the state once. The update is WGSL over `p`, `g` and the state slots (all `var`s of
 * type T: vec4<f32>, or f32 when the tensor's size is not a multiple of 4) and the scalars (f32), so the
 * same text serves both widths. Scalars arrive at run time, never in the text: changing lr compiles
 * nothing. Two layouts:
 *  - 'tensor': one parameter tensor per dispatch; scalars in the uniform struct;
 *  - 'arena':  a whole param group packed into one buffer per role (foreach mode), cut into chunks
 *              of similar size; workgroup w (flat index, see grid()) takes chunk w. The segment table
 *              `seg` holds, per chunk, its [start, end) in vec4 units, whether its parameter is active
 *              this step (it has a gradient) and that parameter's scalars (step-dependent values
 *              differ per parameter), as bits. Chunks keep the work balanced whatever the mix of sizes.
 * With `guard`, the kernel first reads guard[0], a flag set by `nonFiniteWgsl` when some gradient holds
 * NaN/Inf, and then does nothing (one thread counts the skipped step in guard[1]).
 *
 * The small in-place kernels that grad clipping, SAM and L-BFGS need live here too (`inplaceWgsl`,
 * `normPartialWgsl`, `normFinishWgsl`), so that nothing above the shaders writes WGSL.
 */
import { kernel, FLAT_WORKGROUP, type BindingSpec, type UniformType } from './kernel.js';
import { workgroupTree } from './reduce.js';

export const OPTIM_WG = 64;

export interface UpdateRule {
  /** State slots, each a float32 tensor shaped like the parameter (WGSL `var`s of type T). */
  state: readonly string[];
  /** Per-step f32 values the update reads, by name (lr, beta1, bias corrections, ...). */
  scalars: readonly string[];
  /** WGSL statements over p, g, the state slots and the scalars; they assign the new p and state. */
  update: string;
}

export interface OptimKernelSpec {
  rule: UpdateRule;
  layout: 'tensor' | 'arena';
  /** 'tensor' layout only: vectorise over vec4 (size % 4 === 0). The arena is always vec4. */
  vec4?: boolean;
  /** Skip the whole update when guard[0] != 0 (a non-finite gradient was seen this step). */
  guard?: boolean;
}

/** Words per segment-table row (one row per chunk): start, end, active, pad, then one f32 (as bits) per scalar. */
export function segmentStride(rule: UpdateRule): number {
  return 4 + Math.ceil(rule.scalars.length / 4) * 4;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['p', 'g', 'i', 'u', 'param', 'grad', 'seg', 'guard', 'count', 'row', 'start', 'end']);

function checkRule(rule: UpdateRule): void {
  for (const name of [...rule.state, ...rule.scalars]) {
    if (!IDENT.test(name) || RESERVED.has(name)) {
      throw new Error(`webgrad optimizer kernel: '${name}' cannot name a state slot or scalar (reserved or not an identifier)`);
    }
  }
}

export function optimizerWgsl(s: OptimKernelSpec): string {
  const { rule } = s;
  checkRule(rule);
  const arena = s.layout === 'arena';
  const T = arena || s.vec4 ? 'vec4<f32>' : 'f32';
  const bindings: BindingSpec[] = [
    { name: 'param', type: T, access: 'read_write' },
    { name: 'grad', type: T, access: 'read' },
    ...rule.state.map((n) => ({ name: `state_${n}`, type: T, access: 'read_write' as const })),
  ];
  if (arena) bindings.push({ name: 'seg', type: 'u32', access: 'read' });
  if (s.guard) bindings.push({ name: 'guard', type: 'u32', access: 'read_write' });
  const uniforms: [string, UniformType][] = [];
  if (arena) uniforms.push(['chunks', 'u32']);
  else uniforms.push(['n', 'u32'], ...rule.scalars.map((n) => [n, 'f32'] as [string, UniformType]));
  if (s.guard) uniforms.push(['countSkip', 'u32']);
  const stride = segmentStride(rule);
  const guard = s.guard
    ? `if (guard[0] != 0u) {
    if (u.countSkip != 0u && gid.x == 0u && gid.y == 0u) { guard[1] = guard[1] + 1u; }
    return;
  }`
    : '';
  const scalars = rule.scalars.map((n, k) => (arena ? `let ${n} = bitcast<f32>(seg[row + ${4 + k}u]);` : `let ${n} = u.${n};`));
  const loop = arena
    ? `if (${FLAT_WORKGROUP} >= u.chunks) { return; }
  let row = ${FLAT_WORKGROUP} * ${stride}u;
  if (seg[row + 2u] == 0u) { return; }
  let start = seg[row]; let end = seg[row + 1u];
  ${scalars.join('\n  ')}
  for (var i = start + lix; i < end; i += ${OPTIM_WG}u) {`
    : `${scalars.join('\n  ')}
  let count = ${s.vec4 ? 'u.n / 4u' : 'u.n'};
  for (var i = gid.x; i < count; i += nwg.x * ${OPTIM_WG}u) {`;
  const load = ['var p = param[i];', 'var g = grad[i];', ...rule.state.map((n) => `var ${n} = state_${n}[i];`)];
  const store = ['param[i] = p;', ...rule.state.map((n) => `state_${n}[i] = ${n};`)];
  const update = rule.update.trim().split('\n').map((l) => `    ${l.trim()}`);
  return kernel({
    bindings,
    uniforms,
    workgroupSize: [OPTIM_WG],
    body: [guard, loop, `    ${load.join(' ')}`, ...update, `    ${store.join(' ')}`, '  }'].filter(Boolean).join('\n  '),
  });
}

/**
 * Sets guard[0] (atomically) when x holds a NaN or ±Inf: all exponent bits set. Tested on the bits,
 * because a compiler may fold `x != x` away. 'tensor' layout: elements [0, n); 'arena': the active
 * segments of a segment table with `stride` words per row (the same table as the update kernel).
 */
export function nonFiniteWgsl(o: { vec4: boolean; arena?: { stride: number } }): string {
  const T = o.vec4 ? 'vec4<f32>' : 'f32';
  const U = o.vec4 ? 'vec4<u32>' : 'u32';
  const bindings: BindingSpec[] = [{ name: 'x', type: T, access: 'read' }];
  if (o.arena) bindings.push({ name: 'seg', type: 'u32', access: 'read' });
  bindings.push({ name: 'guard', type: 'atomic<u32>', access: 'read_write' });
  const range = o.arena
    ? `if (${FLAT_WORKGROUP} >= u.chunks) { return; }
  let row = ${FLAT_WORKGROUP} * ${o.arena.stride}u;
  if (seg[row + 2u] == 0u) { return; }
  for (var i = seg[row] + lix; i < seg[row + 1u]; i += ${OPTIM_WG}u) {`
    : `let count = ${o.vec4 ? 'u.n / 4u' : 'u.n'};
  for (var i = gid.x; i < count; i += nwg.x * ${OPTIM_WG}u) {`;
  return kernel({
    bindings,
    uniforms: [[o.arena ? 'chunks' : 'n', 'u32']],
    workgroupSize: [OPTIM_WG],
    body: `
  var bad = false;
  ${range}
    bad = bad || any((bitcast<${U}>(x[i]) & ${U}(0x7f800000u)) == ${U}(0x7f800000u));
  }
  if (bad) { atomicOr(&guard[0], 1u); }`,
  });
}

export interface InplaceSpec {
  /** WGSL for the new x[i]: over x, the named inputs (read at [i + u.off]), s (= s[0] from a buffer) and a, b (uniforms); type T. */
  expr: string;
  vec4: boolean;
  inputs?: readonly string[];
  /** Bind a one-element buffer `s` (a value computed on the GPU, e.g. a clip coefficient). */
  gpuScalar?: boolean;
}

/** x[i] = expr, in place over x[0..n): fills, scaling and clamping grads, SAM's ascent, L-BFGS's axpy. */
export function inplaceWgsl(o: InplaceSpec): string {
  const T = o.vec4 ? 'vec4<f32>' : 'f32';
  const inputs = o.inputs ?? [];
  const bindings: BindingSpec[] = [
    { name: 'dst', type: T, access: 'read_write' },
    ...inputs.map((n) => ({ name: `in_${n}`, type: T, access: 'read' as const })),
  ];
  if (o.gpuScalar) bindings.push({ name: 'sbuf', type: 'f32', access: 'read' });
  return kernel({
    bindings,
    uniforms: [['n', 'u32'], ['off', 'u32'], ['a', 'f32'], ['b', 'f32']],
    workgroupSize: [OPTIM_WG],
    prelude: `alias T = ${T};`,
    body: `
  let a = T(u.a); let b = T(u.b);${o.gpuScalar ? ' let s = T(sbuf[0]);' : ''}
  let count = ${o.vec4 ? 'u.n / 4u' : 'u.n'};
  for (var i = gid.x; i < count; i += nwg.x * ${OPTIM_WG}u) {
    let x = dst[i]; ${inputs.map((n) => `let ${n} = in_${n}[i + u.off];`).join(' ')}
    dst[i] = ${o.expr};
  }`,
  });
}

export type NormKind = 'l1' | 'l2' | 'p' | 'inf';

export function normKind(p: number): NormKind {
  return p === Infinity ? 'inf' : p === 2 ? 'l2' : p === 1 ? 'l1' : 'p';
}

/**
 * First stage of a norm over many tensors: each workgroup folds its grid-stride share of x (times |w|
 * when weighted) into one partial, written to partials[u.at + workgroup]: Σ|x|^p (l1, l2, p) or max|x| (inf).
 */
export function normPartialWgsl(o: { kind: NormKind; vec4: boolean; weighted?: boolean }): string {
  const T = o.vec4 ? 'vec4<f32>' : 'f32';
  const bindings: BindingSpec[] = [{ name: 'x', type: T, access: 'read' }];
  if (o.weighted) bindings.push({ name: 'w', type: T, access: 'read' });
  bindings.push({ name: 'partials', type: 'f32', access: 'read_write' });
  // WGSL's pow(0, p) may be NaN (exp2(p·log2 0)), hence the select
  const fold = o.vec4
    ? { l1: 'dot(q, vec4<f32>(1.0))', l2: 'dot(q, q)', p: 'dot(select(pow(q, vec4<f32>(u.p)), vec4<f32>(0.0), q == vec4<f32>(0.0)), vec4<f32>(1.0))', inf: 'max(max(q.x, q.y), max(q.z, q.w))' }
    : { l1: 'q', l2: 'q * q', p: 'select(pow(q, u.p), 0.0, q == 0.0)', inf: 'q' };
  const inf = o.kind === 'inf';
  return kernel({
    bindings,
    uniforms: [['n', 'u32'], ['at', 'u32'], ['p', 'f32']],
    workgroupSize: [OPTIM_WG],
    prelude: `var<workgroup> sv: array<f32, ${OPTIM_WG}>;`,
    body: `
  var v = 0.0;
  let count = ${o.vec4 ? 'u.n / 4u' : 'u.n'};
  for (var i = gid.x; i < count; i += nwg.x * ${OPTIM_WG}u) {
    let q = ${o.weighted ? 'abs(x[i] * w[i])' : 'abs(x[i])'};
    ${inf ? `v = max(v, ${fold.inf});` : `v += ${fold[o.kind]};`}
  }
  ${workgroupTree(inf ? 'max' : 'sum', OPTIM_WG)}
  if (lix == 0u) { partials[u.at + wid.x] = sv[0]; }`,
  });
}

/**
 * Second stage: one workgroup folds partials[0..count) into the norm (√Σ, (Σ)^(1/p) or max), written to
 * norm[0]; with `clip`, also coef[0] = min(1, maxNorm / (norm + 1e-6)) (torch.nn.utils.clip_grad_norm_),
 * or with `ascent`, coef[0] = rho / (norm + 1e-12) (SAM's ε scale).
 */
export function normFinishWgsl(o: { kind: NormKind; coef?: 'clip' | 'ascent' }): string {
  const inf = o.kind === 'inf';
  const total = { l1: 'sv[0]', l2: 'sqrt(sv[0])', p: 'select(pow(sv[0], 1.0 / u.p), 0.0, sv[0] == 0.0)', inf: 'sv[0]' }[o.kind];
  const bindings: BindingSpec[] = [
    { name: 'partials', type: 'f32', access: 'read' },
    { name: 'norm', type: 'f32', access: 'read_write' },
  ];
  if (o.coef) bindings.push({ name: 'coef', type: 'f32', access: 'read_write' });
  const coef = o.coef === 'clip' ? 'coef[0] = min(1.0, u.c / (total + 1e-6));' : o.coef === 'ascent' ? 'coef[0] = u.c / (total + 1e-12);' : '';
  return kernel({
    bindings,
    uniforms: [['count', 'u32'], ['p', 'f32'], ['c', 'f32']],
    workgroupSize: [OPTIM_WG],
    prelude: `var<workgroup> sv: array<f32, ${OPTIM_WG}>;`,
    body: `
  var v = 0.0;
  for (var i = lix; i < u.count; i += ${OPTIM_WG}u) { ${inf ? 'v = max(v, partials[i]);' : 'v += partials[i];'} }
  ${workgroupTree(inf ? 'max' : 'sum', OPTIM_WG)}
  if (lix == 0u) {
    let total = ${total};
    norm[0] = total;
    ${coef}
  }`,
  });
}
