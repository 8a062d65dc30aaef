/**
 * Batch normalisation (Ioffe & Szegedy 2015, https://arxiv.org/abs/1502.03167) over x viewed as
 * [N, C, S] (S = the product of the spatial dims, 1 for [N, C]); channel c owns the M = N·S values
 * x[n, c, s]:
 *   μ_c = (1/M) Σ x,   σ²_c = (1/M) Σ (x − μ_c)²,   r_c = 1/√(σ²_c + eps),   x̂ = (x − μ_c)·r_c
 *   y = γ_c·x̂ + β_c
 *   running: m ← (1−f)·m + f·μ_c,  v ← (1−f)·v + f·σ²_c·M/(M−1)   (the unbiased variance, as torch)
 * with f = momentum, or 1/numBatchesTracked (a cumulative average) for momentum = null.
 * Backward, with sums over the channel's M values:
 *   dβ_c = Σ g,   dγ_c = Σ g·x̂
 *   train: dx = γ_c·r_c·(g − dβ_c/M − x̂·dγ_c/M)     eval (r_c, μ_c constants): dx = γ_c·r_c·g
 * Kernels: stats (one workgroup per channel, two passes: the mean, then the squared deviations, so
 * large means do not cancel) or evalStats (running stats → μ, r), then apply; backward: sums (one
 * workgroup per channel), then dx.
 */
import { kernel, FLAT_WORKGROUP } from './kernel.js';
import { workgroupTree } from './reduce.js';

export const NORM_WG = 64;
const f = (name: string, access: 'read' | 'read_write' = 'read') => ({ name, type: 'f32', access });
const LAYOUT: [string, 'u32' | 'f32'][] = [['N', 'u32'], ['C', 'u32'], ['S', 'u32'], ['eps', 'f32'], ['momentum', 'f32']];
/** Channel c's k-th value, k = n·S + s. */
const AT = 'fn at(k: u32, c: u32) -> u32 { return ((k / u.S) * u.C + c) * u.S + k % u.S; }';

export interface StatsSpec {
  /** Update runningMean (rm) and runningVar (rv) in place. */
  running: boolean;
  /** momentum = null: f = 1/(numBatchesTracked + 1), read from nbt before the apply kernel increments it. */
  cumulative: boolean;
}

/** mean [C], invstd [C] from the batch; updates rm, rv. One workgroup per channel. */
export function batchNormStatsWgsl(s: StatsSpec): string {
  return kernel({
    bindings: [
      f('x'), f('mean', 'read_write'), f('invstd', 'read_write'),
      ...(s.running ? [f('rm', 'read_write'), f('rv', 'read_write')] : []),
      ...(s.cumulative ? [{ name: 'nbt', type: 'i32', access: 'read' as const }] : []),
    ],
    uniforms: LAYOUT,
    workgroupSize: [NORM_WG],
    prelude: `${AT}\nvar<workgroup> sv: array<f32, ${NORM_WG}>;`,
    body: `
  let c = ${FLAT_WORKGROUP};
  if (c >= u.C) { return; }
  let M = u.N * u.S;
  var v = 0.0;
  for (var k = lix; k < M; k += ${NORM_WG}u) { v += x[at(k, c)]; }
  ${workgroupTree('sum', NORM_WG)}
  let mu = sv[0] / f32(M);
  workgroupBarrier();
  v = 0.0;
  for (var k = lix; k < M; k += ${NORM_WG}u) { let d = x[at(k, c)] - mu; v += d * d; }
  ${workgroupTree('sum', NORM_WG)}
  if (lix != 0u) { return; }
  mean[c] = mu;
  invstd[c] = inverseSqrt(sv[0] / f32(M) + u.eps);
  ${s.running ? `let fac = ${s.cumulative ? '1.0 / f32(nbt[0] + 1)' : 'u.momentum'};
  rm[c] = (1.0 - fac) * rm[c] + fac * mu;
  rv[c] = (1.0 - fac) * rv[c] + fac * sv[0] / f32(M - 1u);` : ''}`,
  });
}

/** Eval: mean [C] = rm, invstd [C] = 1/√(rv + eps) (copies, so the backward rule sees these values). */
export function batchNormEvalStatsWgsl(): string {
  return kernel({
    bindings: [f('rm'), f('rv'), f('mean', 'read_write'), f('invstd', 'read_write')],
    uniforms: LAYOUT,
    workgroupSize: [NORM_WG],
    body: `
  let c = ${FLAT_WORKGROUP} * ${NORM_WG}u + lix;
  if (c >= u.C) { return; }
  mean[c] = rm[c];
  invstd[c] = inverseSqrt(rv[c] + u.eps);`,
  });
}

export interface ApplySpec {
  weight: boolean;
  bias: boolean;
  /** Increment numBatchesTracked (nbt) once, in training. */
  count: boolean;
}

/** y = (x − mean)·invstd·γ + β, one thread per element. */
export function batchNormApplyWgsl(s: ApplySpec): string {
  return kernel({
    bindings: [
      f('x'), f('mean'), f('invstd'),
      ...(s.weight ? [f('weight')] : []), ...(s.bias ? [f('bias')] : []),
      f('y', 'read_write'),
      ...(s.count ? [{ name: 'nbt', type: 'i32', access: 'read_write' as const }] : []),
    ],
    uniforms: LAYOUT,
    workgroupSize: [NORM_WG],
    body: `
  let i = ${FLAT_WORKGROUP} * ${NORM_WG}u + lix;
  if (i >= u.N * u.C * u.S) { return; }
  let c = (i / u.S) % u.C;
  y[i] = (x[i] - mean[c]) * invstd[c]${s.weight ? ' * weight[c]' : ''}${s.bias ? ' + bias[c]' : ''};
  ${s.count ? 'if (i == 0u) { nbt[0] += 1; }' : ''}`,
  });
}

/** db [C] = Σ g, dw [C] = Σ g·x̂ per channel. One workgroup per channel. */
export function batchNormSumsWgsl(): string {
  return kernel({
    bindings: [f('x'), f('g'), f('mean'), f('invstd'), f('db', 'read_write'), f('dw', 'read_write')],
    uniforms: LAYOUT,
    workgroupSize: [NORM_WG],
    prelude: `${AT}\nvar<workgroup> sv: array<vec2<f32>, ${NORM_WG}>;`,
    body: `
  let c = ${FLAT_WORKGROUP};
  if (c >= u.C) { return; }
  let M = u.N * u.S;
  var v = vec2<f32>(0.0, 0.0);
  for (var k = lix; k < M; k += ${NORM_WG}u) {
    let i = at(k, c);
    v += vec2<f32>(g[i], g[i] * (x[i] - mean[c]) * invstd[c]);
  }
  ${workgroupTree('sum', NORM_WG)}
  if (lix == 0u) { db[c] = sv[0].x; dw[c] = sv[0].y; }`,
  });
}

/** dx, one thread per element; train mode subtracts the batch statistics' share (sums db, dw). */
export function batchNormGradWgsl(s: { weight: boolean; train: boolean }): string {
  return kernel({
    bindings: [
      f('x'), f('g'), f('mean'), f('invstd'),
      ...(s.train ? [f('db'), f('dw')] : []), ...(s.weight ? [f('weight')] : []),
      f('dx', 'read_write'),
    ],
    uniforms: LAYOUT,
    workgroupSize: [NORM_WG],
    body: `
  let i = ${FLAT_WORKGROUP} * ${NORM_WG}u + lix;
  if (i >= u.N * u.C * u.S) { return; }
  let c = (i / u.S) % u.C;
  let r = invstd[c]${s.weight ? ' * weight[c]' : ''};
  ${s.train ? `let M = f32(u.N * u.S);
  let xhat = (x[i] - mean[c]) * invstd[c];
  dx[i] = r * (g[i] - db[c] / M - xhat * dw[c] / M);` : 'dx[i] = r * g[i];'}`,
  });
}
