/**
 * sin(x + q·π/2) for q = 0..3 (sin, cos, −sin, −cos) to about 1 float32 ulp. WGSL asks only an absolute
 * error of 2⁻¹¹ of its sin and cos, and software adapters use it (SwiftShader is off by 2e-4), so the
 * kernel reduces x itself: k = round(x·2/π), r = x − k·π/2 in two parts (Cody–Waite), then the Taylor
 * polynomial of sin or cos on |r| ≤ π/4 (truncation error < 3e-8) picked by the quadrant (k + q) mod 4.
 */
import { kernel } from './kernel.js';

export const TRIG_WG = 64;

export function trigWgsl(input: 'f32' | 'i32'): string {
  return kernel({
    bindings: [{ name: 'x', type: input, access: 'read' }, { name: 'out', type: 'f32', access: 'read_write' }],
    uniforms: [['n', 'u32'], ['q', 'u32']],
    workgroupSize: [TRIG_WG],
    prelude: `
fn sin_q(x: f32, q: u32) -> f32 {
  let k = round(x * 0.63661977236758134);
  let r = (x - k * 1.5707963705062866) + k * 4.371139000186243e-8;
  let r2 = r * r;
  let s = r + r * r2 * (-0.16666666666666666 + r2 * (0.008333333333333333 + r2 * (-1.984126984126984e-4 + r2 * 2.7557319223985893e-6)));
  let c = 1.0 + r2 * (-0.5 + r2 * (0.041666666666666664 + r2 * (-0.001388888888888889 + r2 * 2.48015873015873e-5)));
  let quadrant = (u32(i32(k) & 3) + q) & 3u;
  let v = select(s, c, (quadrant & 1u) == 1u);
  return select(v, -v, quadrant >= 2u);
}`,
    body: `
  for (var i = gid.x; i < u.n; i += nwg.x * ${TRIG_WG}u) { out[i] = sin_q(f32(x[i]), u.q); }`,
  });
}
