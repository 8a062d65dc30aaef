/**
 * Reductions over one dimension of a contiguous tensor viewed as [outer, R, inner]:
 *  - 'row' schedule (inner == 1): one workgroup per output walks its row with a strided loop, then
 *    combines the partial results in workgroup memory (a tree);
 *  - 'column' schedule (inner > 1): one thread per output walks down its column; neighbouring threads
 *    read neighbouring addresses.
 * sum (times `scale`, which makes mean), max, and argmax (first index of the maximum, as torch).
 * Reducing over everything is the row schedule on [1, n, 1].
 */
import { kernel, FLAT_WORKGROUP } from './kernel.js';

export type ReduceOp = 'sum' | 'max' | 'argmax';
export const REDUCE_WG = 64;
/** −∞ (through a var: WGSL rejects an infinite constant expression). */
export const NEG_INF = 'neg_inf()';
export const NEG_INF_FN = 'fn neg_inf() -> f32 { var bits = 0xff800000u; return bitcast<f32>(bits); }';

export interface ReduceSpec {
  op: ReduceOp;
  schedule: 'row' | 'column';
  /** int32 input: sum and max in i32 (exact; sum wraps on overflow), no scale. */
  int?: boolean;
}

const UNIFORMS: [string, 'u32' | 'f32'][] = [['outer', 'u32'], ['R', 'u32'], ['inner', 'u32'], ['scale', 'f32']];

/** WGSL that reduces `v` (and `vi` for argmax) across the workgroup into sv[0] (and si[0]). */
export function workgroupTree(op: ReduceOp, size = REDUCE_WG): string {
  const step =
    op === 'sum'
      ? 'sv[lix] += sv[lix + s];'
      : op === 'max'
        ? 'sv[lix] = max(sv[lix], sv[lix + s]);'
        : `let ov = sv[lix + s]; let oi = si[lix + s];
        if (ov > sv[lix] || (ov == sv[lix] && oi < si[lix])) { sv[lix] = ov; si[lix] = oi; }`;
  return `
  sv[lix] = v;${op === 'argmax' ? ' si[lix] = vi;' : ''}
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s >>= 1u) {
    if (lix < s) { ${step} }
    workgroupBarrier();
  }`;
}

export function reduceWgsl(s: ReduceSpec): string {
  const S = s.int ? 'i32' : 'f32';
  const outType = s.op === 'argmax' ? 'i32' : S;
  const bindings = [
    { name: 'x', type: S, access: 'read' as const },
    { name: 'out', type: outType, access: 'read_write' as const },
  ];
  const lowest = s.int ? 'i32(-2147483648)' : NEG_INF;
  const init = s.op === 'sum' ? `var v = ${S}(0);` : `var v = ${lowest};${s.op === 'argmax' ? ' var vi = 0xffffffffu;' : ''}`;
  const update =
    s.op === 'sum'
      ? 'v += e;'
      : s.op === 'max'
        ? 'v = max(v, e);'
        : 'if (e > v || vi == 0xffffffffu) { v = e; vi = r; }';
  const result = s.op === 'sum' ? (s.int ? 'v' : 'v * u.scale') : s.op === 'max' ? 'v' : 'i32(vi)';
  if (s.schedule === 'column') {
    return kernel({
      bindings, uniforms: UNIFORMS, workgroupSize: [REDUCE_WG], prelude: NEG_INF_FN,
      body: `
  let o = ${FLAT_WORKGROUP} * ${REDUCE_WG}u + lix;
  if (o >= u.outer * u.inner) { return; }
  let base = (o / u.inner) * u.R * u.inner + o % u.inner;
  ${init}
  for (var r = 0u; r < u.R; r++) { let e = x[base + r * u.inner]; ${update} }
  out[o] = ${result};`,
    });
  }
  const result2 = s.op === 'sum' ? (s.int ? 'sv[0]' : 'sv[0] * u.scale') : s.op === 'max' ? 'sv[0]' : 'i32(si[0])';
  return kernel({
    bindings, uniforms: UNIFORMS, workgroupSize: [REDUCE_WG],
    prelude: `${NEG_INF_FN}
var<workgroup> sv: array<${S}, ${REDUCE_WG}>;${s.op === 'argmax' ? `\nvar<workgroup> si: array<u32, ${REDUCE_WG}>;` : ''}`,
    body: `
  let row = ${FLAT_WORKGROUP};
  if (row >= u.outer) { return; }
  let base = row * u.R;
  ${init}
  for (var r = lix; r < u.R; r += ${REDUCE_WG}u) { let e = x[base + r]; ${update} }
  ${workgroupTree(s.op)}
  if (lix == 0u) { out[row] = ${result2}; }`,
  });
}
