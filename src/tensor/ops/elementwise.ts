/**
 * Elementwise ops: each declared once as (name, WGSL expression, gradient rule). The expression is over
 * a, b (tensors, type T) and numbers passed as f32 uniforms, see src/shaders/elementwise.ts.
 * Gradient rules get the upstream gradient g (output-shaped); the tape reduces broadcast dimensions.
 */
import { Tensor, type TensorLike } from '../tensor.js';
import { runtime, maxGroups } from '../context.js';
import { broadcastShapes, broadcastStrides, sameShape, numel, fmt, type Shape } from '../shape.js';
import { elementwiseWgsl, elementwiseUniforms, elementwiseGroups, INPUT_NAMES } from '../../shaders/elementwise.js';
import { record, check } from './record.js';

export type Scalar = number;

interface RunOptions {
  outShape?: Shape;
  outDtype?: 'float32' | 'int32';
  /** Explicit strides per tensor input (e.g. a transpose); otherwise broadcast strides. */
  strides?: (readonly number[] | null)[];
}

/**
 * Run one elementwise kernel. `args` mixes tensors and numbers; numbers become the uniforms alpha and
 * beta (in order), so `x.mul(2)` needs no upload and no new kernel per value.
 */
export function runElementwise(op: string, expr: string, args: readonly TensorLike[], o: RunOptions = {}): Tensor {
  const tensors: Tensor[] = [];
  const scalars: number[] = [];
  const rename: Record<string, string> = {};
  args.forEach((x, i) => {
    const name = INPUT_NAMES[i];
    if (typeof x === 'number') {
      if (scalars.length === 2) throw new Error(`webgrad.${op}: at most two scalar operands`);
      rename[name] = scalars.length === 0 ? 'alpha' : 'beta';
      scalars.push(x);
    } else {
      rename[name] = INPUT_NAMES[tensors.length];
      tensors.push(check(op, x));
    }
  });
  const body = expr.replace(/\b[abcd]\b/g, (m) => rename[m] ?? m);
  const outShape = o.outShape ?? broadcastShapes(op, ...tensors.map((t) => t.shape));
  const n = numel(outShape);
  if (outShape.length > 8 && (o.strides?.some(Boolean) || tensors.some((t) => !sameShape(t.shape, outShape)))) {
    throw new Error(
      `webgrad.${op}: tensors of rank ${outShape.length} ${fmt(outShape)} can be broadcast or transposed only up to rank 8 (at most 8 dims); reshape to merge dimensions first`,
    );
  }
  const out = Tensor.empty(outShape, o.outDtype ?? 'float32');
  if (n === 0) return out;
  const strides = tensors.map((t, i) => {
    const explicit = o.strides?.[i];
    if (explicit) return explicit;
    return sameShape(t.shape, outShape) ? null : broadcastStrides(t.shape, outShape);
  });
  const direct = strides.map((s) => s === null);
  const vec4 = direct.every(Boolean) && n % 4 === 0;
  const wgsl = elementwiseWgsl({
    expr: body,
    direct,
    rank: outShape.length,
    vec4,
    outType: out.dtype === 'int32' ? 'i32' : 'f32',
    inTypes: tensors.map((t) => (t.dtype === 'int32' ? 'i32' : 'f32')),
  });
  const buffers: Record<string, GPUBuffer> = { out: out.buffer(op) };
  tensors.forEach((t, i) => (buffers[INPUT_NAMES[i]] = t.buffer(op)));
  runtime().dispatch({
    wgsl,
    buffers,
    uniforms: elementwiseUniforms(outShape, strides, scalars[0] ?? 0, scalars[1] ?? 0),
    workgroups: [elementwiseGroups(vec4 ? n / 4 : n, maxGroups())],
  });
  return out;
}

type UnaryGrad = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

/** Declare a differentiable unary op from its expression over `a` and its derivative rule. */
function unary(name: string, expr: string, grad: UnaryGrad): (x: Tensor) => Tensor {
  return (x) => {
    const y = runElementwise(name, expr, [check(name, x)]);
    return record(y, name, [x], (g) => [grad(g, x, y)]);
  };
}

type BinaryGrad = (g: Tensor, a: TensorLike, b: TensorLike, y: Tensor) => [Tensor | null, Tensor | null];

function binary(name: string, expr: string, grad: BinaryGrad): (a: TensorLike, b: TensorLike) => Tensor {
  return (a, b) => {
    if (typeof a === 'number' && typeof b === 'number') throw new Error(`webgrad.${name}: at least one operand must be a Tensor`);
    const y = runElementwise(name, expr, [a, b]);
    return record(y, name, [a, b], (g) => {
      const [ga, gb] = grad(g, a, b, y);
      return [typeof a === 'number' ? null : ga, typeof b === 'number' ? null : gb];
    });
  };
}

/** A non-differentiable elementwise function of tensors and numbers: one fused dispatch (used by rules). */
export function fused(expr: string, ...args: TensorLike[]): Tensor {
  return runElementwise('fused', expr, args);
}

/** 0/1 comparison results (float32, torch returns bool); not differentiable. */
const compare = (name: string, expr: string) => (a: TensorLike, b: TensorLike) =>
  runElementwise(name, `select(T(0.0), T(1.0), ${expr})`, [a, b]);

// ---- arithmetic ----
/** d(a+b) = (g, g) */
export const add = binary('add', 'a + b', (g) => [g, g]);
/** d(a−b) = (g, −g) */
export const sub = binary('sub', 'a - b', (g) => [g, neg(g)]);
/** d(a·b) = (g·b, g·a) */
export const mul = binary('mul', 'a * b', (g, a, b) => [mul(g, b), mul(g, a)]);
/** d(a/b) = (g/b, −g·a/b²) = (g/b, −g·y/b) */
export const div = binary('div', 'a / b', (g, _a, b, y) => [div(g, b), fused('-a * b / c', g, y, b)]);
/** d max(a,b): the gradient goes to the larger operand (to a on ties, as torch splits evenly; documented) */
export const maximum = binary('maximum', 'max(a, b)', (g, a, b) => [
  fused('select(T(0.0), a, b >= c)', g, a, b),
  fused('select(T(0.0), a, b < c)', g, a, b),
]);
/** Elementwise minimum of two tensors (or a tensor and a number) with broadcasting (torch.minimum). */
export const minimum = binary('minimum', 'min(a, b)', (g, a, b) => [
  fused('select(T(0.0), a, b <= c)', g, a, b),
  fused('select(T(0.0), a, b > c)', g, a, b),
]);

// ---- unary ----
/** Elementwise negation (torch.neg). */
export const neg = unary('neg', '-a', (g) => neg(g));
/** d exp(x) = exp(x) */
export const exp = unary('exp', 'exp(a)', (g, _x, y) => mul(g, y));
/** d log(x) = 1/x. log(0) = −∞ and log(x < 0) = NaN as torch: WGSL leaves log undefined there (SwiftShader gives −88 and 0). */
export const log = unary('log', 'select(select(log(a), T(-f32_inf()), a == T(0.0)), T(f32_nan()), a < T(0.0))', (g, x) => div(g, x));
/** d √x = 1/(2√x) */
export const sqrt = unary('sqrt', 'sqrt(a)', (g, _x, y) => fused('a * T(0.5) / b', g, y));
/** d|x| = sign(x) (0 at 0, as torch) */
export const abs = unary('abs', 'abs(a)', (g, x) => fused('a * sign(b)', g, x));
/** d relu(x) = 1[x > 0] */
export const relu = unary('relu', 'max(a, T(0.0))', (g, x) => fused('select(T(0.0), a, b > T(0.0))', g, x));
/** tanh written with exp(−2|x|) so that large |x| cannot overflow; d tanh = 1 − y² */
export const tanh = unary('tanh', 'sign(a) * (T(1.0) - exp(T(-2.0) * abs(a))) / (T(1.0) + exp(T(-2.0) * abs(a)))', (g, _x, y) =>
  fused('a * (T(1.0) - b * b)', g, y),
);
/** σ(x) = 1/(1+e^−x); dσ = σ(1−σ) */
export const sigmoid = unary('sigmoid', 'T(1.0) / (T(1.0) + exp(-a))', (g, _x, y) => fused('a * b * (T(1.0) - b)', g, y));

/**
 * x^p for a number p. Integer powers are computed on |x| with the sign restored, because WGSL's pow is
 * undefined for negative bases; non-integer powers of negative numbers are NaN, as in torch. 0^p is
 * selected explicitly (0 for p > 0, +∞ for p < 0): WGSL's pow is undefined at 0 too (SwiftShader gives
 * 2^(−126p), e.g. 1.7e38 for 0^−1).
 * d x^p = p·x^(p−1)
 */
export function pow(x: Tensor, p: Scalar): Tensor {
  check('pow', x);
  if (typeof p !== 'number') throw new Error('webgrad.pow: the exponent must be a number (tensor exponents are not supported)');
  const odd = Number.isInteger(p) && Math.abs(p % 2) === 1;
  const atZero = `select(pow(abs(a), T(b)), T(${p > 0 ? '0.0' : 'f32_inf()'}), a == T(0.0))`;
  const expr =
    p === 2 ? 'a * a'
    : p === 1 ? 'a'
    : p === 0 ? 'T(1.0)'
    : Number.isInteger(p) ? `${atZero}${odd ? ' * select(T(1.0), T(-1.0), a < T(0.0))' : ''}`
    : `select(${atZero}, T(f32_nan()), a < T(0.0))`;
  const y = runElementwise('pow', expr, [x, p]);
  return record(y, 'pow', [x, p], (g) => [p === 0 ? mul(g, 0) : mul(mul(pow(x, p - 1), g), p)]);
}

/** clamp(x, min, max); gradient passes where min ≤ x ≤ max. */
export function clamp(x: Tensor, min: number | null, max: number | null = null): Tensor {
  check('clamp', x);
  const lo = min ?? -3.4028234663852886e38;
  const hi = max ?? 3.4028234663852886e38;
  if (lo > hi) throw new Error(`webgrad.clamp: min ${lo} is greater than max ${hi}`);
  const y = runElementwise('clamp', 'clamp(a, b, c)', [x, lo, hi]);
  // `&`, not `&&`: WGSL defines only `&` on vec4<bool> (the vectorised path)
  return record(y, 'clamp', [x], (g) => [fused('select(T(0.0), a, (b >= c) & (b <= d))', g, x, lo, hi)]);
}

export interface GeluOptions {
  approximate?: 'none' | 'tanh';
}
// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): WGSL has no erf.
const ERF = (z: string) =>
  `(sign(${z}) * (T(1.0) - (((((T(1.061405429) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z}))) - T(1.453152027)) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z}))) + T(1.421413741)) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z}))) - T(0.284496736)) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z}))) + T(0.254829592)) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z})))) * exp(-(${z}) * (${z}))))`;
const TANH = (z: string) => `(sign(${z}) * (T(1.0) - exp(T(-2.0) * abs(${z}))) / (T(1.0) + exp(T(-2.0) * abs(${z}))))`;
const K0 = 'T(0.7978845608028654)'; // √(2/π)
/**
 * GELU(x) = x·Φ(x) ('none'), or 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) ('tanh').
 * Hendrycks & Gimpel 2016, https://arxiv.org/abs/1606.08415
 */
export function gelu(x: Tensor, o: GeluOptions = {}): Tensor {
  check('gelu', x);
  const approx = o.approximate ?? 'none';
  if (approx !== 'none' && approx !== 'tanh') throw new Error(`webgrad.gelu: approximate must be 'none' or 'tanh' (got '${approx}')`);
  const inner = `(${K0} * (a + T(0.044715) * a * a * a))`;
  const expr = approx === 'none' ? `T(0.5) * a * (T(1.0) + ${ERF('a * T(0.7071067811865476)')})` : `T(0.5) * a * (T(1.0) + ${TANH(inner)})`;
  const y = runElementwise('gelu', expr, [x]);
  return record(y, 'gelu', [x], (g) => {
    // d/dx xΦ(x) = Φ(x) + xφ(x);  tanh form: 0.5(1+t) + 0.5x(1−t²)·√(2/π)(1 + 3·0.044715x²)
    const d =
      approx === 'none'
        ? `b * (T(0.5) * (T(1.0) + ${ERF('a * T(0.7071067811865476)')}) + a * T(0.3989422804014327) * exp(T(-0.5) * a * a))`
        : `b * (T(0.5) * (T(1.0) + ${TANH(inner)}) + T(0.5) * a * (T(1.0) - ${TANH(inner)} * ${TANH(inner)}) * ${K0} * (T(1.0) + T(0.134145) * a * a))`;
    return [fused(d, x, g)];
  });
}

/** Elementwise a > b as float32 0/1, with broadcasting. */
export const gt = compare('gt', 'a > b');
/** Elementwise a < b as float32 0/1, with broadcasting. */
export const lt = compare('lt', 'a < b');
/** Elementwise a >= b as float32 0/1, with broadcasting. */
export const ge = compare('ge', 'a >= b');
/** Elementwise a <= b as float32 0/1, with broadcasting. */
export const le = compare('le', 'a <= b');
/** Elementwise a == b as float32 0/1, with broadcasting. */
export const eq = compare('eq', 'a == b');

/** A copy (differentiable). */
export function clone(x: Tensor): Tensor {
  const y = runElementwise('clone', 'a', [check('clone', x)], { outDtype: x.dtype });
  return record(y, 'clone', [x], (g) => [g]);
}

/** Broadcast x to `shape` (materialised). d expand = sum over the broadcast dimensions (done by the tape). */
export function expand(x: Tensor, shape: Shape): Tensor {
  check('expand', x);
  const target = shape.map((d, i) => (d === -1 ? x.shape[i - (shape.length - x.shape.length)] : d));
  const out = broadcastShapes('expand', x.shape, target);
  if (!sameShape(out, target)) throw new Error(`webgrad.expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
  const y = runElementwise('expand', 'a', [x], { outShape: target, strides: [broadcastStrides(x.shape, target)], outDtype: x.dtype });
  return record(y, 'expand', [x], (g) => [g]);
}
