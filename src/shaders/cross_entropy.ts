/**
 * Cross-entropy with integer class targets and label smoothing, fused: one workgroup per row, one
 * kernel for the forward pass and one for the backward pass.
 *
 * With logits x (one row of C classes), target t and smoothing ε (Szegedy et al. 2016,
 * https://arxiv.org/abs/1512.00567), the target distribution is q_j = (1−ε)·[j = t] + ε/C and
 *   m = max_j x_j,   lse = m + log Σ_j exp(x_j − m),   logp_j = x_j − lse
 *   loss = −Σ_j q_j·logp_j = −(1−ε)·logp_t − (ε/C)·Σ_j logp_j
 *   dloss/dx_j = softmax_j − q_j                                    (times the row's upstream g)
 * Σ_j logp_j is accumulated as Σ_j (x_j − m) − C·log Σ exp(x_j − m), so that large logits do not cancel.
 * A target outside [0, C) gives NaN for that row (loss and gradient): a wrong label never passes silently.
 */
import { kernel } from './kernel.js';
import { workgroupTree, NEG_INF_FN, REDUCE_WG } from './reduce.js';
import { ROW_MAX_AND_SUMEXP } from './softmax.js';

/** A quiet NaN (through a var: WGSL rejects a NaN constant expression). */
const NAN_FN = 'fn nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }';

const UNIFORMS: [string, 'u32' | 'f32'][] = [['rows', 'u32'], ['C', 'u32'], ['eps', 'f32']];

/** The row's m and se (see softmax.ts), then its label. */
const ROW_STATS = `${ROW_MAX_AND_SUMEXP}
  let t = labels[row];
  let valid = t >= 0 && u32(t) < u.C;`;

const PRELUDE = `${NEG_INF_FN}
${NAN_FN}
var<workgroup> sv: array<f32, ${REDUCE_WG}>;`;

/** Per-row loss: x [rows, C], target [rows] (i32 labels) -> loss [rows]. */
export function crossEntropyForwardWgsl(): string {
  return kernel({
    bindings: [
      { name: 'x', type: 'f32', access: 'read' },
      { name: 'labels', type: 'i32', access: 'read' },
      { name: 'loss', type: 'f32', access: 'read_write' },
    ],
    uniforms: UNIFORMS,
    workgroupSize: [REDUCE_WG],
    prelude: PRELUDE,
    body: `${ROW_STATS}
  v = 0.0;
  for (var j = lix; j < u.C; j += ${REDUCE_WG}u) { v += x[base + j] - m; }
  ${workgroupTree('sum')}
  if (lix == 0u) {
    let logse = log(se);
    let C = f32(u.C);
    let sum_logp = sv[0] - C * logse;
    if (valid) {
      let logp_t = x[base + u32(t)] - m - logse;
      loss[row] = -(1.0 - u.eps) * logp_t - (u.eps / C) * sum_logp;
    } else {
      loss[row] = nan();
    }
  }`,
  });
}

/** dx [rows, C] = (softmax(x) − q) · g[row], with g [rows] the upstream gradient of each row's loss. */
export function crossEntropyBackwardWgsl(): string {
  return kernel({
    bindings: [
      { name: 'x', type: 'f32', access: 'read' },
      { name: 'labels', type: 'i32', access: 'read' },
      { name: 'g', type: 'f32', access: 'read' },
      { name: 'dx', type: 'f32', access: 'read_write' },
    ],
    uniforms: UNIFORMS,
    workgroupSize: [REDUCE_WG],
    prelude: PRELUDE,
    body: `${ROW_STATS}
  let gi = g[row];
  let q_rest = u.eps / f32(u.C);
  for (var j = lix; j < u.C; j += ${REDUCE_WG}u) {
    let p = exp(x[base + j] - m) / se;
    let q = select(q_rest, 1.0 - u.eps + q_rest, valid && j == u32(t));
    dx[base + j] = select(nan(), (p - q) * gi, valid);
  }`,
  });
}
