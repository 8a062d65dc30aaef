/**
 * Layer normalisation over the last N elements of each row (x viewed as [rows, N]):
 *   μ = mean(x),  σ² = mean((x − μ)²) (biased, as torch),  r = 1/√(σ² + eps),  x̂ = (x − μ)·r,
 *   y = x̂·w + b
 * Forward is one kernel (a workgroup per row: two reductions, then the normalised row), keeping μ and
 * r per row for backward. Backward, with g the upstream gradient and ĝ = g·w:
 *   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))   (a workgroup per row)
 *   dw = Σ_rows g·x̂,  db = Σ_rows g        (a thread per column)
 */
import { kernel, FLAT_WORKGROUP } from './kernel.js';
import { workgroupTree, REDUCE_WG } from './reduce.js';

const f32 = (name: string, access: 'read' | 'read_write' = 'read') => ({ name, type: 'f32', access });
const UNIFORMS: [string, 'u32' | 'f32'][] = [['rows', 'u32'], ['N', 'u32'], ['eps', 'f32']];
const ROW = `
  let row = ${FLAT_WORKGROUP};
  if (row >= u.rows) { return; }
  let base = row * u.N;`;

export function layerNormForwardWgsl(hasW: boolean, hasB: boolean): string {
  const y = `(X[base + j] - mean) * rstd${hasW ? ' * W[j]' : ''}${hasB ? ' + Bias[j]' : ''}`;
  return kernel({
    bindings: [f32('X'), ...(hasW ? [f32('W')] : []), ...(hasB ? [f32('Bias')] : []), f32('Y', 'read_write'), f32('stats', 'read_write')],
    uniforms: UNIFORMS,
    workgroupSize: [REDUCE_WG],
    prelude: `var<workgroup> sv: array<f32, ${REDUCE_WG}>;`,
    body: `${ROW}
  var v = 0.0;
  for (var j = lix; j < u.N; j += ${REDUCE_WG}u) { v += X[base + j]; }
  ${workgroupTree('sum')}
  let mean = sv[0] / f32(u.N);
  workgroupBarrier();
  v = 0.0;
  for (var j = lix; j < u.N; j += ${REDUCE_WG}u) { let c = X[base + j] - mean; v += c * c; }
  ${workgroupTree('sum')}
  let rstd = inverseSqrt(sv[0] / f32(u.N) + u.eps);
  for (var j = lix; j < u.N; j += ${REDUCE_WG}u) { Y[base + j] = ${y}; }
  if (lix == 0u) { stats[2u * row] = mean; stats[2u * row + 1u] = rstd; }`,
  });
}

/** dx; `stats` holds (μ, r) per row. */
export function layerNormBackwardXWgsl(hasW: boolean): string {
  const gw = hasW ? 'G[base + j] * W[j]' : 'G[base + j]';
  return kernel({
    bindings: [f32('G'), f32('X'), ...(hasW ? [f32('W')] : []), f32('stats'), f32('dX', 'read_write')],
    uniforms: UNIFORMS,
    workgroupSize: [REDUCE_WG],
    prelude: `var<workgroup> sv: array<f32, ${REDUCE_WG}>;`,
    body: `${ROW}
  let mean = stats[2u * row];
  let rstd = stats[2u * row + 1u];
  let n = f32(u.N);
  var v = 0.0;
  for (var j = lix; j < u.N; j += ${REDUCE_WG}u) { v += ${gw}; }
  ${workgroupTree('sum')}
  let a = sv[0] / n;
  workgroupBarrier();
  v = 0.0;
  for (var j = lix; j < u.N; j += ${REDUCE_WG}u) { v += ${gw} * (X[base + j] - mean) * rstd; }
  ${workgroupTree('sum')}
  let c = sv[0] / n;
  for (var j = lix; j < u.N; j += ${REDUCE_WG}u) { dX[base + j] = rstd * (${gw} - a - (X[base + j] - mean) * rstd * c); }`,
  });
}

/** dw and db (either may be absent): a thread per column summing over the rows. */
export function layerNormBackwardWBWgsl(dw: boolean, db: boolean): string {
  return kernel({
    bindings: [f32('G'), f32('X'), f32('stats'), ...(dw ? [f32('dW', 'read_write')] : []), ...(db ? [f32('dB', 'read_write')] : [])],
    uniforms: UNIFORMS,
    workgroupSize: [REDUCE_WG],
    body: `
  let j = ${FLAT_WORKGROUP} * ${REDUCE_WG}u + lix;
  if (j >= u.N) { return; }
  var sw = 0.0;
  var sb = 0.0;
  for (var r = 0u; r < u.rows; r++) {
    let g = G[r * u.N + j];
    sw += g * (X[r * u.N + j] - stats[2u * r]) * stats[2u * r + 1u];
    sb += g;
  }
  ${dw ? 'dW[j] = sw;' : ''}
  ${db ? 'dB[j] = sb;' : ''}`,
  });
}
