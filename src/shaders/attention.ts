/**
 * Scaled dot-product attention, softmax fused: one thread per query row i of head (b, h) computes
 *   s_j = q_i·k_j · scale + mask_ij   (j allowed),   p_j = exp(s_j − max s) / Σ exp(s − max s),
 *   o_i = Σ_j p_j v_j
 * in one kernel; the probabilities P [B·H, Tq, Tk] are written once (the backward rule needs them).
 * Backward, with dO the upstream gradient:
 *   dP_ij = dO_i·v_j,   dS_ij = scale · p_ij (dP_ij − Σ_j dP_ij p_ij),   dq_i = Σ_j dS_ij k_j
 *   (one kernel, a thread per query row), then dk_j = Σ_i dS_ij q_i and dv_j = Σ_i p_ij dO_i
 *   (one kernel, a thread per element of dk and dv).
 * q, k, v, o are read through layouts [offset, batch stride, head stride, row stride] (the last dim is
 * contiguous), so heads can be views of a projection [B, T, 3E] and the output can be written as
 * [B, T, H·D]: no head split or merge copies. The mask is applied by index: causal (j ≤ i), additive
 * (float, broadcast by strides), or boolean (int32; MODE_ALLOW: nonzero attends, MODE_BLOCK: nonzero
 * is masked out); backward needs no mask (masked p are 0). A row with nothing allowed gives NaN, as torch.
 */
import { kernel, FLAT_WORKGROUP, type UniformType } from './kernel.js';
import { NEG_INF, NEG_INF_FN, REDUCE_WG } from './reduce.js';

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

const AT = 'fn at(l: vec4<u32>, b: u32, h: u32, t: u32) -> u32 { return l.x + b * l.y + h * l.z + t * l.w; }';
const HELPERS = `${NEG_INF_FN}
fn nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
${AT}
fn mask_at(b: u32, h: u32, i: u32, j: u32) -> u32 { let l = u.lm[0]; return M[b * l.x + h * l.y + i * l.z + j * l.w]; }
fn allowed(b: u32, h: u32, i: u32, j: u32) -> bool {
  if (u.causal != 0u && j > i) { return false; }
  if (u.mode == ${MODE_ALLOW}u) { return mask_at(b, h, i, j) != 0u; }
  if (u.mode == ${MODE_BLOCK}u) { return mask_at(b, h, i, j) == 0u; }
  return true;
}
fn additive(b: u32, h: u32, i: u32, j: u32) -> f32 {
  if (u.mode == ${MODE_ADD}u) { return bitcast<f32>(mask_at(b, h, i, j)); }
  return 0.0;
}`;

const ROW = `
  let row = ${FLAT_WORKGROUP} * ${ATTN_WG}u + lix;
  if (row >= u.rows) { return; }
  let bh = row / u.Tq;
  let i = row % u.Tq;
  let b = bh / u.H;
  let h = bh % u.H;
  let prow = row * u.Tk;
  let lq = u.lq[0]; let lk = u.lk[0]; let lv = u.lv[0]; let lo = u.lo[0];`;

/** out[row i, :] = w[row, :] · m (m's rows j = 0..Tk-1 in layout l), for this thread's (b, h, i); the
 * row of weights w (P or dS) is at prow. */
const rowTimes = (w: string, m: string, l: string, out: string, lout: string): string => `let oi = at(${lout}, b, h, i);
  for (var d = 0u; d < u.D; d++) {
    var acc = 0.0;
    let m0 = at(${l}, b, h, 0u) + d;
    for (var j = 0u; j < u.Tk; j++) { acc += ${w}[prow + j] * ${m}[m0 + j * ${l}.w]; }
    ${out}[oi + d] = acc;
  }`;

/** Forward: P (probabilities) and O, a thread per query row. */
export function attentionForwardWgsl(): string {
  return kernel({
    bindings: [f32('Q'), f32('K'), f32('V'), MASK, f32('P', 'read_write'), f32('O', 'read_write')],
    uniforms: ATTN_UNIFORMS,
    workgroupSize: [ATTN_WG],
    prelude: HELPERS,
    body: `${ROW}
  let qi = at(lq, b, h, i);
  var m = ${NEG_INF};
  for (var j = 0u; j < u.Tk; j++) {
    if (allowed(b, h, i, j)) {
      let kj = at(lk, b, h, j);
      var dot = 0.0;
      for (var d = 0u; d < u.D; d++) { dot += Q[qi + d] * K[kj + d]; }
      let s = dot * u.scale + additive(b, h, i, j);
      P[prow + j] = s;
      m = max(m, s);
    }
  }
  var se = 0.0;
  for (var j = 0u; j < u.Tk; j++) {
    var e = 0.0;
    if (allowed(b, h, i, j)) { e = exp(P[prow + j] - m); }
    P[prow + j] = e;
    se += e;
  }
  var inv = nan();
  if (se > 0.0) { inv = 1.0 / se; }
  for (var j = 0u; j < u.Tk; j++) { P[prow + j] = P[prow + j] * inv; }
  ${rowTimes('P', 'V', 'lv', 'O', 'lo')}`,
  });
}

/** Backward, part 1: dS (scaled softmax gradient) and dq, a thread per query row. G is dO in o's layout. */
export function attentionBackwardQWgsl(): string {
  return kernel({
    bindings: [f32('G'), f32('P'), f32('K'), f32('V'), f32('dS', 'read_write'), f32('dQ', 'read_write')],
    uniforms: ATTN_UNIFORMS,
    workgroupSize: [ATTN_WG],
    prelude: AT,
    body: `${ROW}
  let gi = at(lo, b, h, i);
  var di = 0.0;
  for (var j = 0u; j < u.Tk; j++) {
    let vj = at(lv, b, h, j);
    var dp = 0.0;
    for (var d = 0u; d < u.D; d++) { dp += G[gi + d] * V[vj + d]; }
    dS[prow + j] = dp;
    di += dp * P[prow + j];
  }
  for (var j = 0u; j < u.Tk; j++) { dS[prow + j] = P[prow + j] * (dS[prow + j] - di) * u.scale; }
  ${rowTimes('dS', 'K', 'lk', 'dQ', 'lq')}`,
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
  let lq = u.lq[0]; let lk = u.lk[0]; let lv = u.lv[0]; let lo = u.lo[0];
  var acc = 0.0;
  if (d2 < u.D) {
    let q0 = at(lq, b, h, 0u) + d2;
    for (var i = 0u; i < u.Tq; i++) { acc += dS[(bh * u.Tq + i) * u.Tk + j] * Q[q0 + i * lq.w]; }
    dK[at(lk, b, h, j) + d2] = acc;
  } else {
    let d = d2 - u.D;
    let g0 = at(lo, b, h, 0u) + d;
    for (var i = 0u; i < u.Tq; i++) { acc += P[(bh * u.Tq + i) * u.Tk + j] * G[g0 + i * lo.w]; }
    ${dV}[at(lv, b, h, j) + d] = acc;
  }`,
  });
}
