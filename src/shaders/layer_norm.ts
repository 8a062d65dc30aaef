/**
 * Layer normalisation over the last N elements of each row (x viewed as [rows, N]):
 *   μ = mean(x),  σ² = mean((x − μ)²) (biased, as torch),  r = 1/√(σ² + eps),  x̂ = (x − μ)·r,
 *   y = x̂·w + b
 * Forward is one kernel (a thread per row: two passes for μ and σ², one to write), keeping μ and r
 * per row for backward. Backward, with g the upstream gradient and ĝ = g·w:
 *   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))   (a thread per row)
 *   dw = Σ_rows g·x̂,  db = Σ_rows g        (a thread per column)
 */
import { kernel, FLAT_WORKGROUP } from './kernel.js';
import { REDUCE_WG } from './reduce.js';

const f32 = (name: string, access: 'read' | 'read_write' = 'read') => ({ name, type: 'f32', access });
const UNIFORMS: [string, 'u32' | 'f32'][] = [['rows', 'u32'], ['N', 'u32'], ['eps', 'f32']];
const ROW = `
  let row = ${FLAT_WORKGROUP} * ${REDUCE_WG}u + lix;
  if (row >= u.rows) { return; }
  let base = row * u.N;
  let n = f32(u.N);`;

export function layerNormForwardWgsl(hasW: boolean, hasB: boolean): string {
  const y = `(X[base + j] - mean) * rstd${hasW ? ' * W[j]' : ''}${hasB ? ' + Bias[j]' : ''}`;
  return kernel({
    bindings: [f32('X'), ...(hasW ? [f32('W')] : []), ...(hasB ? [f32('Bias')] : []), f32('Y', 'read_write'), f32('stats', 'read_write')],
    uniforms: UNIFORMS,
    workgroupSize: [REDUCE_WG],
    body: `${ROW}
  var s = 0.0;
  for (var j = 0u; j < u.N; j++) { s += X[base + j]; }
  let mean = s / n;
  var ss = 0.0;
  for (var j = 0u; j < u.N; j++) { let c = X[base + j] - mean; ss += c * c; }
  let rstd = inverseSqrt(ss / n + u.eps);
  for (var j = 0u; j < u.N; j++) { Y[base + j] = ${y}; }
  stats[2u * row] = mean;
  stats[2u * row + 1u] = rstd;`,
  });
}

/** dx; `stats` holds (μ, r) per row. */
export function layerNormBackwardXWgsl(hasW: boolean): string {
  const gw = hasW ? 'G[base + j] * W[j]' : 'G[base + j]';
  return kernel({
    bindings: [f32('G'), f32('X'), ...(hasW ? [f32('W')] : []), f32('stats'), f32('dX', 'read_write')],
    uniforms: UNIFORMS,
    workgroupSize: [REDUCE_WG],
    body: `${ROW}
  let mean = stats[2u * row];
  let rstd = stats[2u * row + 1u];
  var a = 0.0;
  var c = 0.0;
  for (var j = 0u; j < u.N; j++) { let g = ${gw}; a += g; c += g * (X[base + j] - mean) * rstd; }
  a = a / n;
  c = c / n;
  for (var j = 0u; j < u.N; j++) { dX[base + j] = rstd * (${gw} - a - (X[base + j] - mean) * rstd * c); }`,
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
