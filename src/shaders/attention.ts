/**
 * Scaled dot-product attention, softmax fused: one workgroup per query row i of head (b, h) computes
 *   s_j = q_i·k_j · scale + mask_ij   (j allowed),   p_j = exp(s_j − max s) / Σ exp(s − max s),
 *   o_i = Σ_j p_j v_j
 * in one kernel; the probabilities P [B·H, Tq, Tk] are written once (the backward rule needs them).
 * Backward, with dO the upstream gradient:
 *   dP_ij = dO_i·v_j,   dS_ij = scale · p_ij (dP_ij − Σ_j dP_ij p_ij),   dq_i = Σ_j dS_ij k_j
 *   (one kernel, a workgroup per query row), then dk_j = Σ_i dS_ij q_i and dv_j = Σ_i p_ij dO_i
 *   (one kernel, a thread per element of dk and dv).
 * q, k, v, o are read through layouts [offset, batch stride, head stride, row stride] (the last dim is
 * contiguous), so heads can be views of a projection [B, T, 3E] and the output can be written as
 * [B, T, H·D]: no head split or merge copies. The mask is applied by index: causal (j ≤ i), additive
 * (float, broadcast by strides), or boolean (int32; MODE_ALLOW: nonzero attends, MODE_BLOCK: nonzero
 * is masked out); backward needs no mask (masked p are 0). A row with nothing allowed gives NaN, as torch.
 */
import { kernel, FLAT_WORKGROUP, type UniformType } from './kernel.js';
import { workgroupTree, NEG_INF, NEG_INF_FN, REDUCE_WG } from './reduce.js';

export const MODE_NONE = 0;
export const MODE_ADD = 1;
export const MODE_ALLOW = 2;
export const MODE_BLOCK = 3;
export const ATTN_WG = REDUCE_WG;

/** Uniforms: sizes, then layouts q, k, v, o as vec4 [offset, sB, sH, sT] and mask strides [sB, sH, sQ, sK]. */
export const ATTN_UNIFORMS: [string, UniformType][] = [
  ['rows', 'u32'], ['H', 'u32'], ['Tq', 'u32'], ['Tk', 'u32'], ['D', 'u32'], ['scale', 'f32'], ['causal', 'u32'], ['mode', 'u32'],
  ['lq', 'vec8u'], ['lk', 'vec8u'], ['lv', 'vec8u'], ['lo', 'vec8u'], ['lm', 'vec8u'],
];

const f32 = (name: string, access: 'read' | 'read_write' = 'read') => ({ name, type: 'f32', access });
const MASK = { name: 'M', type: 'u32', access: 'read' as const }; // f32 or i32 bits, read by mode

const AT = 'fn at(l: array<vec4<u32>, 2>, b: u32, h: u32, t: u32) -> u32 { return l[0].x + b * l[0].y + h * l[0].z + t * l[0].w; }';
const HELPERS = `${NEG_INF_FN}
fn nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
${AT}
fn mask_at(b: u32, h: u32, i: u32, j: u32) -> u32 { return M[b * u.lm[0].x + h * u.lm[0].y + i * u.lm[0].z + j * u.lm[0].w]; }
fn allowed(b: u32, h: u32, i: u32, j: u32) -> bool {
  if (u.causal != 0u && j > i) { return false; }
  if (u.mode == ${MODE_ALLOW}u) { return mask_at(b, h, i, j) != 0u; }
  if (u.mode == ${MODE_BLOCK}u) { return mask_at(b, h, i, j) == 0u; }
  return true;
}
fn additive(b: u32, h: u32, i: u32, j: u32) -> f32 {
  if (u.mode == ${MODE_ADD}u) { return bitcast<f32>(mask_at(b, h, i, j)); }
  return 0.0;
}
var<workgroup> sv: array<f32, ${ATTN_WG}>;`;

const ROW = `
  let row = ${FLAT_WORKGROUP};
  if (row >= u.rows) { return; }
  let bh = row / u.Tq;
  let i = row % u.Tq;
  let b = bh / u.H;
  let h = bh % u.H;
  let prow = row * u.Tk;`;

/** Forward: P (probabilities) and O. */
export function attentionForwardWgsl(): string {
  return kernel({
    bindings: [f32('Q'), f32('K'), f32('V'), MASK, f32('P', 'read_write'), f32('O', 'read_write')],
    uniforms: ATTN_UNIFORMS,
    workgroupSize: [ATTN_WG],
    prelude: HELPERS,
    body: `${ROW}
  let qi = at(u.lq, b, h, i);
  var v = ${NEG_INF};
  for (var j = lix; j < u.Tk; j += ${ATTN_WG}u) {
    var s = ${NEG_INF};
    if (allowed(b, h, i, j)) {
      let kj = at(u.lk, b, h, j);
      var dot = 0.0;
      for (var d = 0u; d < u.D; d++) { dot += Q[qi + d] * K[kj + d]; }
      s = dot * u.scale + additive(b, h, i, j);
      v = max(v, s);
    }
    P[prow + j] = s;
  }
  ${workgroupTree('max')}
  let m = sv[0];
  workgroupBarrier();
  v = 0.0;
  for (var j = lix; j < u.Tk; j += ${ATTN_WG}u) {
    var e = 0.0;
    if (allowed(b, h, i, j)) { e = exp(P[prow + j] - m); }
    P[prow + j] = e;
    v += e;
  }
  ${workgroupTree('sum')}
  var inv = nan();
  if (sv[0] > 0.0) { inv = 1.0 / sv[0]; }
  for (var j = lix; j < u.Tk; j += ${ATTN_WG}u) { P[prow + j] = P[prow + j] * inv; }
  storageBarrier();
  let oi = at(u.lo, b, h, i);
  for (var d = lix; d < u.D; d += ${ATTN_WG}u) {
    var acc = 0.0;
    for (var j = 0u; j < u.Tk; j++) { acc += P[prow + j] * V[at(u.lv, b, h, j) + d]; }
    O[oi + d] = acc;
  }`,
  });
}

/** Backward, part 1: dS (scaled softmax gradient) and dq, a workgroup per query row. G is dO in o's layout. */
export function attentionBackwardQWgsl(): string {
  return kernel({
    bindings: [f32('G'), f32('P'), f32('K'), f32('V'), f32('dS', 'read_write'), f32('dQ', 'read_write')],
    uniforms: ATTN_UNIFORMS,
    workgroupSize: [ATTN_WG],
    prelude: `${AT}\nvar<workgroup> sv: array<f32, ${ATTN_WG}>;`,
    body: `${ROW}
  let gi = at(u.lo, b, h, i);
  var v = 0.0;
  for (var j = lix; j < u.Tk; j += ${ATTN_WG}u) {
    let vj = at(u.lv, b, h, j);
    var dp = 0.0;
    for (var d = 0u; d < u.D; d++) { dp += G[gi + d] * V[vj + d]; }
    dS[prow + j] = dp;
    v += dp * P[prow + j];
  }
  ${workgroupTree('sum')}
  let di = sv[0];
  for (var j = lix; j < u.Tk; j += ${ATTN_WG}u) { dS[prow + j] = P[prow + j] * (dS[prow + j] - di) * u.scale; }
  storageBarrier();
  let qi = at(u.lq, b, h, i);
  for (var d = lix; d < u.D; d += ${ATTN_WG}u) {
    var acc = 0.0;
    for (var j = 0u; j < u.Tk; j++) { acc += dS[prow + j] * K[at(u.lk, b, h, j) + d]; }
    dQ[qi + d] = acc;
  }`,
  });
}

/**
 * Backward, part 2: dk and dv, a thread per element of [B·H, Tk, 2·D] (dk in the first D, dv after).
 * `shared`: dk and dv are parts of one tensor (the packed projection's gradient), bound once as dK
 * (WebGPU refuses two writable bindings of one buffer).
 */
export function attentionBackwardKVWgsl(shared: boolean): string {
  const dV = shared ? 'dK' : 'dV';
  return kernel({
    bindings: [f32('G'), f32('P'), f32('Q'), f32('dS'), f32('dK', 'read_write'), ...(shared ? [] : [f32('dV', 'read_write')])],
    uniforms: ATTN_UNIFORMS,
    workgroupSize: [ATTN_WG],
    prelude: AT,
    body: `
  let e = ${FLAT_WORKGROUP} * ${ATTN_WG}u + lix;
  let D2 = 2u * u.D;
  if (e >= (u.rows / u.Tq) * u.Tk * D2) { return; }
  let d2 = e % D2;
  let j = (e / D2) % u.Tk;
  let bh = e / (D2 * u.Tk);
  let b = bh / u.H;
  let h = bh % u.H;
  var acc = 0.0;
  if (d2 < u.D) {
    for (var i = 0u; i < u.Tq; i++) { acc += dS[(bh * u.Tq + i) * u.Tk + j] * Q[at(u.lq, b, h, i) + d2]; }
    dK[at(u.lk, b, h, j) + d2] = acc;
  } else {
    let d = d2 - u.D;
    for (var i = 0u; i < u.Tq; i++) { acc += P[(bh * u.Tq + i) * u.Tk + j] * G[at(u.lo, b, h, i) + d]; }
    ${dV}[at(u.lv, b, h, j) + d] = acc;
  }`,
  });
}
