/**
 * Cross-entropy with integer class targets, class weights, an ignored index and label smoothing
 * (torch.nn.functional.cross_entropy), fused: one thread per row, one kernel forward and one backward,
 * each making a single online pass over the row for its max and sum of exponentials (Milakov &
 * Gimelshein 2018, https://arxiv.org/abs/1805.02867), plus a small kernel for the mean's denominator.
 *
 * Row i with logits x (C classes), target t, weights w (all 1 without weights), smoothing ε
 * (Szegedy et al. 2016, https://arxiv.org/abs/1512.00567):
 *   lse = m + log Σ_j exp(x_j − m),   logp_j = x_j − lse,   p_j = exp(logp_j)
 *   nll_i    = −w_t·logp_t,                 d/dx_j = w_t·(p_j − [j = t])
 *   smooth_i = −Σ_j w_j·logp_j,             d/dx_j = p_j·Σ_k w_k − w_j
 *   loss_i   = s·((1−ε)·nll_i + (ε/C)·smooth_i),   0 for ignored rows (t = ignoreIndex)
 * with s = 1 ('none', 'sum') or 1/W for 'mean', W = Σ of w_t over the rows not ignored (their count
 * without weights), as torch 1.13 normalises both terms; W = 0 (every row ignored) gives NaN, as torch.
 * nllLoss binds log-probabilities as x: lse = 0 and p = 0, the same kernels without the softmax.
 * Σ_j w_j·logp_j is accumulated as Σ_j w_j(x_j − x_0) + (x_0 − lse)·Σ_j w_j, so large logits do not cancel.
 * A target outside [0, C) that is not ignoreIndex gives NaN for its row and claims the flag (flag.ts)
 * with its row and value; the next readback throws with them.
 */
import { kernel, FLAT_WORKGROUP } from './kernel.js';
import { FLAG_BINDING, CLAIM_FLAG_FN } from './flag.js';
import { workgroupTree, REDUCE_WG } from './reduce.js';

export const CE_WG = 64;

export interface CrossEntropySpec {
  /** Class weights bound as `weight` [C]. */
  weighted: boolean;
  /** ε > 0: the smoothing term is computed. */
  smoothing: boolean;
  /** 'mean': the scale 1/W is read from `den` [1]. */
  mean: boolean;
  /** x holds log-probabilities already (nllLoss): lse = 0, no softmax (and no smoothing). */
  logProbs?: boolean;
}

const UNIFORMS: [string, 'u32' | 'f32' | 'i32'][] = [['rows', 'u32'], ['C', 'u32'], ['eps', 'f32'], ['ignore', 'i32'], ['flag_id', 'u32']];
const HELPERS = `fn nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }`;

function bindings(s: CrossEntropySpec, extra: { name: string; type: string; access: 'read' | 'read_write' }[]) {
  return [
    { name: 'x', type: 'f32', access: 'read' as const },
    { name: 'labels', type: 'i32', access: 'read' as const },
    ...(s.weighted ? [{ name: 'weight', type: 'f32', access: 'read' as const }] : []),
    ...(s.mean ? [{ name: 'den', type: 'f32', access: 'read' as const }] : []),
    ...extra,
  ];
}

/** The row's label and one online pass: m, se = Σ exp(x_j − m), and for smoothing Σ w_j(x_j − x_0), Σ w_j. */
const rowPass = (s: CrossEntropySpec) => `
  let row = ${FLAT_WORKGROUP} * ${CE_WG}u + lix;
  if (row >= u.rows) { return; }
  let base = row * u.C;
  let t = labels[row];
  let ignored = t == u.ignore;
  let valid = t >= 0 && u32(t) < u.C;
  let scale = ${s.mean ? 'den[0]' : '1.0'};
  let x0 = x[base];
  var m = x0;
  var se = 0.0;
  var swx = 0.0;
  var sw = ${s.weighted ? '0.0' : 'f32(u.C)'};
  ${s.logProbs ? 'let lse = 0.0;' : `for (var j = 0u; j < u.C; j++) {
    let v = x[base + j];
    if (v > m) { se = se * exp(m - v) + 1.0; m = v; } else { se += exp(v - m); }
    ${s.smoothing ? `let wj = ${s.weighted ? 'weight[j]' : '1.0'}; swx += wj * (v - x0);${s.weighted ? ' sw += wj;' : ''}` : s.weighted ? 'sw += weight[j];' : ''}
  }
  let lse = m + log(se);`}
  let wt = select(0.0, ${s.weighted ? 'weight[u32(select(0, t, valid))]' : '1.0'}, valid);`;

/** Per-row losses: loss [rows] (already scaled for 'mean', summed afterwards). */
export function crossEntropyForwardWgsl(s: CrossEntropySpec): string {
  return kernel({
    bindings: [...bindings(s, [{ name: 'loss', type: 'f32', access: 'read_write' }]), FLAG_BINDING],
    uniforms: UNIFORMS,
    workgroupSize: [CE_WG],
    prelude: `${HELPERS}\n${CLAIM_FLAG_FN}`,
    body: `${rowPass(s)}
  if (ignored) {
    // 0, or NaN when the mean has nothing to average (every row ignored), as torch
    loss[row] = select(0.0, scale, is_nan(scale));
    return;
  }
  if (!valid) {
    claim_flag(u.flag_id, row, bitcast<u32>(t), 0u);
    loss[row] = nan();
    return;
  }
  let nll = -wt * (x[base + u32(t)] - lse);
  ${s.smoothing ? 'let smth = -(swx + (x0 - lse) * sw);' : 'let smth = 0.0;'}
  loss[row] = scale * ((1.0 - u.eps) * nll + (u.eps / f32(u.C)) * smth);`,
  });
}

/** dx [rows, C] = g[row] · d loss_row / dx, with g [rows] the upstream gradient of each row's loss. */
export function crossEntropyBackwardWgsl(s: CrossEntropySpec): string {
  return kernel({
    bindings: bindings(s, [
      { name: 'g', type: 'f32', access: 'read' },
      { name: 'dx', type: 'f32', access: 'read_write' },
    ]),
    uniforms: UNIFORMS,
    workgroupSize: [CE_WG],
    prelude: HELPERS,
    body: `${rowPass(s)}
  if (ignored || !valid) {
    for (var j = 0u; j < u.C; j++) { dx[base + j] = select(0.0, nan(), !ignored); }
    return;
  }
  let a = g[row] * scale * (1.0 - u.eps) * wt;
  let b = g[row] * scale * u.eps / f32(u.C);
  let inv = 1.0 / se;
  for (var j = 0u; j < u.C; j++) {
    let p = ${s.logProbs ? '0.0' : 'exp(x[base + j] - m) * inv'};
    let hit = select(0.0, 1.0, j == u32(t));
    dx[base + j] = a * (p - hit)${s.smoothing ? ` + b * (p * sw - ${s.weighted ? 'weight[j]' : '1.0'})` : ''};
  }`,
  });
}

/** den [1] = 1/W for 'mean': W = Σ w_t over rows whose target is not ignored (NaN when W = 0). */
export function crossEntropyDenominatorWgsl(weighted: boolean): string {
  return kernel({
    bindings: [
      { name: 'labels', type: 'i32', access: 'read' },
      ...(weighted ? [{ name: 'weight', type: 'f32', access: 'read' as const }] : []),
      { name: 'den', type: 'f32', access: 'read_write' },
    ],
    uniforms: UNIFORMS,
    workgroupSize: [REDUCE_WG],
    prelude: `${HELPERS}\nvar<workgroup> sv: array<f32, ${REDUCE_WG}>;`,
    body: `
  var v = 0.0;
  for (var r = lix; r < u.rows; r += ${REDUCE_WG}u) {
    let t = labels[r];
    if (t != u.ignore && t >= 0 && u32(t) < u.C) { v += ${weighted ? 'weight[u32(t)]' : '1.0'}; }
  }
  ${workgroupTree('sum')}
  if (lix == 0u) { den[0] = select(1.0 / sv[0], nan(), sv[0] == 0.0); }`,
  });
}
