/**
 * indexSelect along one dim of x viewed as [outer, dim, inner], with n indices:
 *   out[o, i, c] = x[o, index[i], c]                       (a thread per output element; bits copied,
 *                                                           so float32 and int32 alike)
 *   dx[o, r, c] = Σ_{i : index[i] = r} g[o, i, c]          (scatter-add, as a gather: see below)
 * WGSL has no float atomics. Backward gives each thread one element of g and adds it into dx with a
 * compare-exchange loop on the bits ('atomic', dx zeroed first), or each thread one element of dx and
 * lets it loop over the indices ('owner': deterministic, far slower for large tables). An index outside [0, dim) claims the flag and reads 0.
 */
import { kernel, atomicAddF32Fn, FLAT_WORKGROUP } from './kernel.js';
import { FLAG_BINDING, CLAIM_FLAG_FN } from './flag.js';

export const SELECT_WG = 64;
const UNIFORMS: [string, 'u32'][] = [['total', 'u32'], ['n', 'u32'], ['dim', 'u32'], ['inner', 'u32'], ['flag_id', 'u32']];
const ELEMENT = `
  let e = ${FLAT_WORKGROUP} * ${SELECT_WG}u + lix;
  if (e >= u.total) { return; }
  let c = e % u.inner;`;

export function indexSelectWgsl(): string {
  return kernel({
    bindings: [
      { name: 'X', type: 'u32', access: 'read' }, { name: 'I', type: 'i32', access: 'read' },
      { name: 'Y', type: 'u32', access: 'read_write' }, FLAG_BINDING,
    ],
    uniforms: UNIFORMS,
    workgroupSize: [SELECT_WG],
    prelude: CLAIM_FLAG_FN,
    body: `${ELEMENT}
  let i = (e / u.inner) % u.n;
  let o = e / (u.inner * u.n);
  let r = I[i];
  if (r < 0 || r >= i32(u.dim)) {
    claim_flag(u.flag_id, i, bitcast<u32>(r), 0u);
    Y[e] = 0u;
    return;
  }
  Y[e] = X[(o * u.dim + u32(r)) * u.inner + c];`,
  });
}

/** Backward, one thread per element of dx (total = outer·dim·inner) looping over the n indices. */
export function indexSelectBackwardOwnerWgsl(): string {
  return kernel({
    bindings: [{ name: 'G', type: 'f32', access: 'read' }, { name: 'I', type: 'i32', access: 'read' }, { name: 'dX', type: 'f32', access: 'read_write' }],
    uniforms: UNIFORMS,
    workgroupSize: [SELECT_WG],
    body: `${ELEMENT}
  let r = i32((e / u.inner) % u.dim);
  let o = e / (u.inner * u.dim);
  var acc = 0.0;
  for (var i = 0u; i < u.n; i++) {
    if (I[i] == r) { acc += G[(o * u.n + i) * u.inner + c]; }
  }
  dX[e] = acc;`,
  });
}

/** Backward, one thread per element of g (total = outer·n·inner) adding into dx (zeroed) by compare-exchange. */
export function indexSelectBackwardAtomicWgsl(): string {
  return kernel({
    bindings: [{ name: 'G', type: 'f32', access: 'read' }, { name: 'I', type: 'i32', access: 'read' }, { name: 'dX', type: 'atomic<u32>', access: 'read_write' }],
    uniforms: UNIFORMS,
    workgroupSize: [SELECT_WG],
    prelude: atomicAddF32Fn('dX'),
    body: `${ELEMENT}
  let i = (e / u.inner) % u.n;
  let o = e / (u.inner * u.n);
  let r = I[i];
  if (r < 0 || r >= i32(u.dim)) { return; }
  add_dX((o * u.dim + u32(r)) * u.inner + c, G[e]);`,
  });
}
