/**
 * More elementwise math, each one kernel and its rule:
 *   d sin = cos;  d cos = −sin;  d rsqrt = −y³/2;  d sign = 0 (as torch).
 * int32 input gives float32 for sin, cos and rsqrt (as torch promotes) and int32 for sign.
 */
import { Tensor } from '../tensor.js';
import { trigWgsl, TRIG_WG } from '../../shaders/trig.js';
import { defineOp, launch } from './op.js';
import { runElementwise, fused } from './elementwise.js';

/** sin(x + q·π/2), accurate to about an ulp (src/shaders/trig.ts): sin, cos, −sin for q = 0, 1, 2. */
function trig(name: string, x: Tensor, q: number): Tensor {
  const out = Tensor.empty(x.shape, 'float32', name);
  launch({ label: name, wgsl: trigWgsl(x.dtype === 'int32' ? 'i32' : 'f32'), buffers: { x, out }, uniforms: { n: x.size, q }, work: { gridStride: x.size, size: TRIG_WG } });
  return out;
}
/** Elementwise sine (torch.sin). */
export const sin = defineOp<[x: Tensor]>({
  name: 'sin',
  forward: (_ctx, x) => trig('sin', x, 0),
  backward: (_ctx, g, x) => [fused('a * b', g, trig('sin', x, 1))],
});
/** Elementwise cosine (torch.cos). */
export const cos = defineOp<[x: Tensor]>({
  name: 'cos',
  forward: (_ctx, x) => trig('cos', x, 1),
  backward: (_ctx, g, x) => [fused('a * b', g, trig('cos', x, 2))],
});
/** 1/√x elementwise: +∞ at 0 and NaN below, as torch (WGSL's inverseSqrt leaves both undefined) (torch.rsqrt). */
export const rsqrt = defineOp<[x: Tensor]>({
  name: 'rsqrt',
  forward: (_ctx, x: Tensor) =>
    runElementwise('rsqrt', 'select(select(T(1.0) / sqrt(a), T(f32_inf()), a == T(0.0)), T(f32_nan()), a < T(0.0))', [x]),
  backward: (ctx, g) => [fused('T(-0.5) * a * b * b * b', g, ctx.out)],
});
/** −1, 0 or 1 by the sign of each element (0 for NaN, as torch's sign) (torch.sign). */
export const sign = defineOp<[x: Tensor]>({
  name: 'sign',
  forward: (_ctx, x: Tensor) =>
    runElementwise('sign', 'select(select(T(0), T(-1), a < T(0)), T(1), a > T(0))', [x], { outDtype: x.dtype }),
  backward: (_ctx, g) => [fused('a * T(0.0)', g)],
});
