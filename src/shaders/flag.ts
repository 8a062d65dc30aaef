/**
 * GPU-side checks that report through one small flag buffer instead of a readback. The flag is four
 * u32 words: [id of the failed check (0 = none), w1, w2, w3]. A failing thread claims it only while it
 * is still 0 (compare-exchange), so across the kernels of a queue, which run in order, the flag keeps
 * the FIRST failure; w1..w3 say where (a row and a value, an index and a kind). The tensor layer reads
 * the flag together with the next readback that happens anyway.
 */
import { kernel, type BindingSpec } from './kernel.js';

export const FLAG_BINDING: BindingSpec = { name: 'flag', type: 'atomic<u32>', access: 'read_write' };
export const FLAG_WORDS = 4;

export const CLAIM_FLAG_FN = `fn claim_flag(id: u32, w1: u32, w2: u32, w3: u32) {
  loop {
    let r = atomicCompareExchangeWeak(&flag[0], 0u, id);
    if (r.exchanged) { atomicStore(&flag[1], w1); atomicStore(&flag[2], w2); atomicStore(&flag[3], w3); return; }
    if (r.old_value != 0u) { return; }
  }
}`;

export const NONFINITE_WG = 64;
/** Kinds reported in w2 by nonFiniteWgsl. */
export const KIND_NAN = 1;
export const KIND_INF = 2;

/**
 * Flag the first NaN or ±Inf of x (n elements) with (id, index, kind). Tested on the bits, not with
 * x != x: WGSL lets implementations assume floats are finite, and SwiftShader folds such tests away.
 */
export function nonFiniteWgsl(): string {
  return kernel({
    bindings: [{ name: 'x', type: 'u32', access: 'read' }, FLAG_BINDING],
    uniforms: [['n', 'u32'], ['id', 'u32']],
    workgroupSize: [NONFINITE_WG],
    prelude: CLAIM_FLAG_FN,
    body: `
  for (var i = gid.x; i < u.n; i += nwg.x * ${NONFINITE_WG}u) {
    let bits = x[i];
    if ((bits & 0x7f800000u) == 0x7f800000u) {
      claim_flag(u.id, i, select(${KIND_INF}u, ${KIND_NAN}u, (bits & 0x007fffffu) != 0u), 0u);
      return;
    }
  }`,
  });
}
