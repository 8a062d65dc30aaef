/**
 * softmax and logSoftmax over the last dimension, one workgroup per row, in one kernel each:
 *   m = max_j x_j,  s = Σ_j exp(x_j − m),  softmax_i = exp(x_i − m) / s,  logSoftmax_i = x_i − m − log s.
 * Subtracting the row maximum keeps exp() from overflowing for large logits.
 */
import { kernel, FLAT_WORKGROUP } from './kernel.js';
import { workgroupTree, NEG_INF, NEG_INF_FN, REDUCE_WG } from './reduce.js';

/**
 * WGSL for the start of a one-workgroup-per-row kernel over x [u.rows, u.C]: defines row, base,
 * m = max of the row and se = Σ exp(x − m), shared by all threads (needs `sv` in workgroup memory).
 */
export const ROW_MAX_AND_SUMEXP = `
  let row = ${FLAT_WORKGROUP};
  if (row >= u.rows) { return; }
  let base = row * u.C;
  var v = ${NEG_INF};
  for (var j = lix; j < u.C; j += ${REDUCE_WG}u) { v = max(v, x[base + j]); }
  ${workgroupTree('max')}
  let m = sv[0];
  workgroupBarrier();
  v = 0.0;
  for (var j = lix; j < u.C; j += ${REDUCE_WG}u) { v += exp(x[base + j] - m); }
  ${workgroupTree('sum')}
  let se = sv[0];
  workgroupBarrier();`;

export function softmaxWgsl(log: boolean): string {
  return kernel({
    bindings: [
      { name: 'x', type: 'f32', access: 'read' },
      { name: 'out', type: 'f32', access: 'read_write' },
    ],
    uniforms: [['rows', 'u32'], ['C', 'u32']],
    workgroupSize: [REDUCE_WG],
    prelude: `${NEG_INF_FN}
var<workgroup> sv: array<f32, ${REDUCE_WG}>;`,
    body: `${ROW_MAX_AND_SUMEXP}
  for (var j = lix; j < u.C; j += ${REDUCE_WG}u) {
    ${log ? 'out[base + j] = x[base + j] - m - log(se);' : 'out[base + j] = exp(x[base + j] - m) / se;'}
  }`,
  });
}
