/**
 * One generator for every elementwise kernel: unary, binary, ternary, with NumPy broadcasting.
 *
 * The expression is WGSL over inputs named a, b, c, d of type T (f32, or vec4<f32> on the vectorised
 * path) and the f32 uniforms alpha, beta (scalars such as `x.mul(2)` or an exponent). Constants are
 * written as T(1.0) so the same expression serves both paths. Each thread walks a grid-stride loop, which
 * lets a few workgroups cover any size (faster on CPU adapters, and never over the 65535 limit).
 * When every input and the output are i32 (copies: clone, transpose, expand of int32 tensors), T is i32
 * so values beyond 2^24 are not rounded through f32; so is integer arithmetic (add, mul, max, ... of
 * int32 tensors, with integer scalars) and, with intMath, comparisons of int32 tensors. `f32_inf()` and `f32_nan()` give the IEEE specials,
 * which WGSL cannot write as constants but ops need where the builtins are undefined (log(0), pow(0, -1)).
 */
import { kernel, at8, vec8, type BindingSpec } from './kernel.js';

export const INPUT_NAMES = ['a', 'b', 'c', 'd'] as const;
export const ELEMENTWISE_WG = 64;

export interface ElementwiseSpec {
  expr: string;
  /** Per input: true when it is the output's shape and contiguous (indexed directly), false when broadcast. */
  direct: boolean[];
  /** Output rank (needed only when some input is broadcast). */
  rank: number;
  /** Vectorise over vec4 (all inputs direct and n % 4 === 0). */
  vec4: boolean;
  outType?: 'f32' | 'i32';
  inTypes?: ('f32' | 'i32')[];
  /** Compute in i32 when every input is i32 even if the output is f32 (exact integer comparisons). */
  intMath?: boolean;
}

const SPECIALS = `fn f32_inf() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
fn f32_nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }`;

export function elementwiseWgsl(s: ElementwiseSpec): string {
  const ints = (s.outType === 'i32' || !!s.intMath) && s.direct.length > 0 && s.direct.every((_, i) => s.inTypes?.[i] === 'i32');
  const S = ints ? 'i32' : 'f32';
  const T = s.vec4 ? `vec4<${S}>` : S;
  const vt = (t: string) => (s.vec4 ? `vec4<${t}>` : t);
  const n = s.direct.length;
  const bindings: BindingSpec[] = s.direct.map((_, i) => ({ name: INPUT_NAMES[i], type: vt(s.inTypes?.[i] ?? 'f32'), access: 'read' }));
  bindings.push({ name: 'out', type: vt(s.outType ?? 'f32'), access: 'read_write' });
  const uniforms: [string, 'u32' | 'f32' | 'vec8u'][] = [['n', 'u32'], ['alpha', 'f32'], ['beta', 'f32']];
  const broadcast = s.direct.some((d) => !d);
  if (broadcast) {
    uniforms.push(['shape', 'vec8u']);
    s.direct.forEach((d, i) => !d && uniforms.push([`st_${INPUT_NAMES[i]}`, 'vec8u']));
  }
  const index: string[] = [];
  if (broadcast) {
    index.push('var rem = i;');
    s.direct.forEach((d, i) => !d && index.push(`var o_${INPUT_NAMES[i]} = 0u;`));
    for (let dim = s.rank - 1; dim >= 0; dim--) {
      index.push(`{ let c = rem % ${at8('shape', dim)}; rem = rem / ${at8('shape', dim)};`);
      s.direct.forEach((d, i) => !d && index.push(`  o_${INPUT_NAMES[i]} += c * ${at8(`st_${INPUT_NAMES[i]}`, dim)};`));
      index.push('}');
    }
  }
  const loads = s.direct.map((d, i) => {
    const name = INPUT_NAMES[i];
    const ty = s.inTypes?.[i] ?? 'f32';
    const raw = `${name}[${d ? 'i' : `o_${name}`}]`;
    return `let ${name}_ = ${ty === S ? raw : `${vt(S)}(${raw})`};`;
  });
  const rename = s.direct.map((_, i) => `let ${INPUT_NAMES[i]} = ${INPUT_NAMES[i]}_;`);
  const outT = s.outType ?? 'f32';
  const result = outT === S ? `(${s.expr})` : `${vt(outT)}(${s.expr})`;
  return kernel({
    bindings,
    uniforms,
    workgroupSize: [ELEMENTWISE_WG],
    prelude: `alias T = ${T};\n${SPECIALS}`,
    body: `
  let alpha = T(${S}(u.alpha)); let beta = T(${S}(u.beta));
  let count = ${s.vec4 ? 'u.n / 4u' : 'u.n'};
  for (var i = gid.x; i < count; i += nwg.x * ${ELEMENTWISE_WG}u) {
    ${index.join('\n    ')}
    ${loads.join(' ')}
    ${rename.join(' ')}
    out[i] = ${result};
  }`.replace(/^\s*\n/gm, ''),
  });
}

/** Uniform values for a dispatch: n, alpha, beta, and shape/strides for broadcast inputs. */
export function elementwiseUniforms(
  outShape: readonly number[],
  inputStrides: (readonly number[] | null)[],
  alpha = 0,
  beta = 0,
): Record<string, number | number[]> {
  const u: Record<string, number | number[]> = { n: outShape.reduce((p, d) => p * d, 1), alpha, beta };
  if (inputStrides.some((s) => s)) {
    u.shape = vec8(outShape);
    inputStrides.forEach((s, i) => s && (u[`st_${INPUT_NAMES[i]}`] = vec8(s)));
  }
  return u;
}

