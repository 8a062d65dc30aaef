/**
 * Kernels that move elements rather than compute them:
 *  - stridedCopyWgsl: the one "copy with strides and offsets" family. Walks the elements of `shape`;
 *    element (c_0..c_r) goes from x[x0 + Σ c_d·sx_d] to out[o0 + Σ c_d·so_d]. permute (permuted
 *    strides), narrow (an offset into x), cat (an offset into out, once per part) and their backward
 *    rules are all this kernel. It copies 32-bit words, so float32 and int32 share it.
 *  - cumsumWgsl: one thread per line along the scanned dim, forward or reverse (cumsum's backward).
 *  - gatherWgsl / gatherBackwardWgsl: torch.gather and its gradient (a scatter-add written as a gather
 *    over the index, so it needs no float atomics and sums in a fixed order).
 */
import { kernel, at8, atomicAddF32Fn, FLAT_WORKGROUP } from './kernel.js';
import { FLAG_BINDING, CLAIM_FLAG_FN } from './flag.js';

export const COPY_WG = 64;

/** Σ over dims of the coordinate of flat index `i` in `shape` times each stride list, into vars named by `sums`. */
function unravel(rank: number, sums: [name: string, strides: string][], shape = 'shape'): string {
  const lines = ['var rem = i;'];
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`{ let c = rem % ${at8(shape, d)}; rem = rem / ${at8(shape, d)};`);
    for (const [v, st] of sums) lines.push(`  ${v} += c * ${at8(st, d)};`);
    lines.push('}');
  }
  return lines.join('\n    ');
}

export function stridedCopyWgsl(rank: number): string {
  return kernel({
    bindings: [{ name: 'x', type: 'u32', access: 'read' }, { name: 'out', type: 'u32', access: 'read_write' }],
    uniforms: [['n', 'u32'], ['x0', 'u32'], ['o0', 'u32'], ['shape', 'vec8u'], ['sx', 'vec8u'], ['so', 'vec8u']],
    workgroupSize: [COPY_WG],
    body: `
  for (var i = gid.x; i < u.n; i += nwg.x * ${COPY_WG}u) {
    var xi = u.x0; var oi = u.o0;
    ${unravel(rank, [['xi', 'sx'], ['oi', 'so']])}
    out[oi] = x[xi];
  }`,
  });
}

/**
 * Running sums along a dim of x viewed as [outer, R, inner]; `reverse` sums from the end.
 *  - 'line': one thread walks each line (many short lines);
 *  - 'row': one workgroup per line (few long lines): each thread sums a chunk, the workgroup shares
 *    the 64 chunk sums, then each thread rescans its chunk from the sum of the chunks before it.
 */
export function cumsumWgsl(type: 'f32' | 'i32', reverse: boolean, schedule: 'line' | 'row' = 'line'): string {
  const at = (r: string) => `base + ${reverse ? `(u.R - 1u - ${r})` : r} * u.inner`;
  const common = {
    bindings: [{ name: 'x', type, access: 'read' as const }, { name: 'out', type, access: 'read_write' as const }],
    uniforms: [['lines', 'u32'], ['R', 'u32'], ['inner', 'u32']] as [string, 'u32'][],
    workgroupSize: [COPY_WG] as [number],
  };
  if (schedule === 'line') {
    return kernel({ ...common, body: `
  let o = ${FLAT_WORKGROUP} * ${COPY_WG}u + lix;
  if (o >= u.lines) { return; }
  let base = (o / u.inner) * u.R * u.inner + o % u.inner;
  var acc = ${type}(0);
  for (var r = 0u; r < u.R; r++) { let k = ${at('r')}; acc += x[k]; out[k] = acc; }` });
  }
  return kernel({ ...common, prelude: `var<workgroup> part: array<${type}, ${COPY_WG}>;`, body: `
  let o = ${FLAT_WORKGROUP};
  if (o >= u.lines) { return; }
  let base = (o / u.inner) * u.R * u.inner + o % u.inner;
  let chunk = (u.R + ${COPY_WG - 1}u) / ${COPY_WG}u;
  let r0 = min(lix * chunk, u.R);
  let r1 = min(r0 + chunk, u.R);
  var acc = ${type}(0);
  for (var r = r0; r < r1; r++) { acc += x[${at('r')}]; }
  part[lix] = acc;
  workgroupBarrier();
  acc = ${type}(0);
  for (var t = 0u; t < lix; t++) { acc += part[t]; }
  for (var r = r0; r < r1; r++) { let k = ${at('r')}; acc += x[k]; out[k] = acc; }` });
}

/**
 * out[i] = x[c with c_dim replaced by index[i]] for each position c of index. sx holds x's strides
 * with the gathered dim's stride zeroed; sdim is that stride. An index outside [0, size) claims the
 * flag (position, value) and writes 0.
 */
export function gatherWgsl(rank: number): string {
  return kernel({
    bindings: [{ name: 'x', type: 'u32', access: 'read' }, { name: 'index', type: 'i32', access: 'read' },
      { name: 'out', type: 'u32', access: 'read_write' }, FLAG_BINDING],
    uniforms: [['n', 'u32'], ['size', 'u32'], ['sdim', 'u32'], ['flag_id', 'u32'], ['shape', 'vec8u'], ['sx', 'vec8u']],
    workgroupSize: [COPY_WG],
    prelude: CLAIM_FLAG_FN,
    body: `
  for (var i = gid.x; i < u.n; i += nwg.x * ${COPY_WG}u) {
    var xi = 0u;
    ${unravel(rank, [['xi', 'sx']])}
    let k = index[i];
    if (k < 0 || k >= i32(u.size)) { claim_flag(u.flag_id, i, bitcast<u32>(k), 0u); out[i] = 0u; continue; }
    out[i] = x[xi + u32(k) * u.sdim];
  }`,
  });
}

/**
 * d gather by atomics, for an index long along the dim (where gatherBackwardWgsl's loop per element of
 * x would be long): one thread per index element adds g[i] into out[c with c_dim = index[i]] with a
 * compare-exchange loop on the float's bits (WGSL has no float atomics). out starts at 0; the order of
 * the additions, and so the last bits of a sum, may differ from run to run. Bad indices are skipped
 * (the forward pass reported them).
 */
export function scatterAddWgsl(rank: number): string {
  return kernel({
    bindings: [{ name: 'g', type: 'f32', access: 'read' }, { name: 'index', type: 'i32', access: 'read' },
      { name: 'out', type: 'atomic<u32>', access: 'read_write' }],
    uniforms: [['n', 'u32'], ['size', 'u32'], ['sdim', 'u32'], ['shape', 'vec8u'], ['sx', 'vec8u']],
    workgroupSize: [COPY_WG],
    prelude: atomicAddF32Fn('out'),
    body: `
  for (var i = gid.x; i < u.n; i += nwg.x * ${COPY_WG}u) {
    var xi = 0u;
    ${unravel(rank, [['xi', 'sx']])}
    let k = index[i];
    if (k < 0 || k >= i32(u.size)) { continue; }
    add_out(xi + u32(k) * u.sdim, g[i]);
  }`,
  });
}

/**
 * d gather: gx[c] = Σ_k g[c with c_dim = k] over the k where index equals c_dim, for positions c inside
 * the index's shape (0 elsewhere). si: index strides with the dim's stride zeroed; sk: that stride.
 */
export function gatherBackwardWgsl(rank: number): string {
  return kernel({
    bindings: [{ name: 'g', type: 'f32', access: 'read' }, { name: 'index', type: 'i32', access: 'read' },
      { name: 'out', type: 'f32', access: 'read_write' }],
    uniforms: [['n', 'u32'], ['dim', 'u32'], ['K', 'u32'], ['sk', 'u32'], ['shape', 'vec8u'], ['ishape', 'vec8u'], ['si', 'vec8u']],
    workgroupSize: [COPY_WG],
    body: `
  for (var i = gid.x; i < u.n; i += nwg.x * ${COPY_WG}u) {
    var ii = 0u; var inside = true; var cd = 0u;
    var rem = i;
    for (var d = ${rank - 1}; d >= 0; d--) {
      let c = rem % u.shape[d / 4][d % 4]; rem = rem / u.shape[d / 4][d % 4];
      if (u32(d) == u.dim) { cd = c; } else { inside = inside && c < u.ishape[d / 4][d % 4]; ii += c * u.si[d / 4][d % 4]; }
    }
    var acc = 0.0;
    if (inside) {
      for (var k = 0u; k < u.K; k++) { let j = ii + k * u.sk; if (index[j] == i32(cd)) { acc += g[j]; } }
    }
    out[i] = acc;
  }`,
  });
}
