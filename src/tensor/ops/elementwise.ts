/**
 * Elementwise ops: each declared once as (name, WGSL expression, gradient rule). The expression is over
 * a, b (tensors, type T) and numbers passed as f32 uniforms, see src/shaders/elementwise.ts.
 * Gradient rules get the upstream gradient g (output-shaped); the tape reduces broadcast dimensions.
 */
import { Tensor, type TensorLike } from '../tensor.js';
import { broadcastShapes, broadcastStrides, sameShape, numel, fmt, type Shape } from '../shape.js';
import { elementwiseWgsl, elementwiseUniforms, ELEMENTWISE_WG, INPUT_NAMES } from '../../shaders/elementwise.js';
import { check } from './record.js';
import { defineOp, launch } from './op.js';

/** A number operand (passed to the kernel as a uniform, so a new value compiles nothing). */
export type Scalar = number;

interface RunOptions {
  outShape?: Shape;
  outDtype?: 'float32' | 'int32';
  /** Compute in i32 when every input is int32, whatever the output type (exact integer comparisons). */
  intMath?: boolean;
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
  const out = Tensor.empty(outShape, o.outDtype ?? 'float32', op);
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
    intMath: o.intMath,
    inTypes: tensors.map((t) => (t.dtype === 'int32' ? 'i32' : 'f32')),
  });
  const buffers: Record<string, Tensor> = { out };
  tensors.forEach((t, i) => (buffers[INPUT_NAMES[i]] = t));
  launch({
    wgsl,
    buffers,
    uniforms: elementwiseUniforms(outShape, strides, scalars[0] ?? 0, scalars[1] ?? 0),
    work: { gridStride: vec4 ? n / 4 : n, size: ELEMENTWISE_WG },
    label: op === 'fused' ? `fused ${body}` : op,
  });
  return out;
}

/**
 * torch's type promotion for the ops that keep integers (add, sub, mul, neg, abs, relu, maximum,
 * minimum, clamp, integer pow): int32 when every tensor operand is int32 and every number an integer;
 * otherwise float32 (int32 mixed with float32, or with 2.5, promotes). Their expressions are written
 * with integer constants (T(0)) so that they compile for i32 too.
 */
export function keepsInt(args: readonly TensorLike[]): boolean {
  let tensors = 0;
  for (const x of args) {
    if (typeof x === 'number') {
      if (!Number.isInteger(x) || Math.abs(x) > 2 ** 24) return false; // numbers travel as f32 uniforms
    } else if (x instanceof Tensor) {
      if (x.dtype !== 'int32') return false;
      tensors++;
    }
  }
  return tensors > 0;
}
const intOut = (keep: boolean, args: readonly TensorLike[]): RunOptions => (keep && keepsInt(args) ? { outDtype: 'int32' } : {});

type UnaryGrad = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

/** Declare a differentiable unary op from its expression over `a` and its derivative rule. */
function unary(name: string, expr: string, grad: UnaryGrad, keepInt = false): (x: Tensor) => Tensor {
  return defineOp({
    name,
    forward: (_ctx, x: Tensor) => runElementwise(name, expr, [x], intOut(keepInt, [x])),
    backward: (ctx, g, x) => [grad(g, x, ctx.out)],
  });
}

/** `need` = [a needs grad, b needs grad]: a rule computes only those (numbers never need one). */
type BinaryGrad = (g: Tensor, a: TensorLike, b: TensorLike, y: Tensor, need: readonly boolean[]) => [Tensor | null, Tensor | null];

function binary(name: string, expr: string, grad: BinaryGrad, keepInt = false): (a: TensorLike, b: TensorLike) => Tensor {
  return defineOp({
    name,
    forward: (_ctx, a: TensorLike, b: TensorLike) => {
      if (typeof a === 'number' && typeof b === 'number') throw new Error(`webgrad.${name}: at least one operand must be a Tensor`);
      return runElementwise(name, expr, [a, b], intOut(keepInt, [a, b]));
    },
    backward: (ctx, g, a, b) => {
      // ctx.needs counts tensor operands only: a number operand has no gradient and no slot
      const isTensor = [a instanceof Tensor, b instanceof Tensor];
      const need = isTensor[0] ? [ctx.needs[0], isTensor[1] && ctx.needs[1]] : [false, ctx.needs[0]];
      const grads = grad(g, a, b, ctx.out, need);
      return grads.filter((_, i) => isTensor[i]);
    },
  });
}

/** A non-differentiable elementwise function of tensors and numbers: one fused dispatch (used by rules). */
export function fused(expr: string, ...args: TensorLike[]): Tensor {
  return runElementwise('fused', expr, args);
}

/** 0/1 comparison results (float32, torch returns bool); not differentiable. Integers compare exactly. */
const compare = (name: string, expr: string) =>
  defineOp({ name, forward: (_ctx, a: TensorLike, b: TensorLike) => runElementwise(name, `select(T(0), T(1), ${expr})`, [a, b], { intMath: keepsInt([a, b]) }) });

// ---- arithmetic ----
/** d(a+b) = (g, g) */
export const add = binary('add', 'a + b', (g) => [g, g], true);
/** d(a−b) = (g, −g) */
export const sub = binary('sub', 'a - b', (g, _a, _b, _y, n) => [g, n[1] ? neg(g) : null], true);
/** d(a·b) = (g·b, g·a) */
export const mul = binary('mul', 'a * b', (g, a, b, _y, n) => [n[0] ? mul(g, b) : null, n[1] ? mul(g, a) : null], true);
/** d(a/b) = (g/b, −g·a/b²) = (g/b, −g·y/b) */
export const div = binary('div', 'a / b', (g, _a, b, y, n) => [n[0] ? div(g, b) : null, n[1] ? fused('-a * b / c', g, y, b) : null]);
/** d max(a,b): the gradient goes to the larger operand (to a on ties, as torch splits evenly; documented) */
export const maximum = binary('maximum', 'max(a, b)', (g, a, b, _y, n) => [
  n[0] ? fused('select(T(0.0), a, b >= c)', g, a, b) : null,
  n[1] ? fused('select(T(0.0), a, b < c)', g, a, b) : null,
], true);
/** Elementwise minimum of two tensors (or a tensor and a number) with broadcasting (torch.minimum). */
export const minimum = binary('minimum', 'min(a, b)', (g, a, b, _y, n) => [
  n[0] ? fused('select(T(0.0), a, b <= c)', g, a, b) : null,
  n[1] ? fused('select(T(0.0), a, b > c)', g, a, b) : null,
], true);

// ---- unary ----
/** Elementwise negation (torch.neg). */
export const neg = unary('neg', '-a', (g) => neg(g), true);
/** d exp(x) = exp(x) */
export const exp = unary('exp', 'exp(a)', (g, _x, y) => mul(g, y));
/** d log(x) = 1/x. log(0) = −∞ and log(x < 0) = NaN as torch: WGSL leaves log undefined there (SwiftShader gives −88 and 0). */
export const log = unary('log', 'select(select(log(a), T(-f32_inf()), a == T(0.0)), T(f32_nan()), a < T(0.0))', (g, x) => div(g, x));
/** d √x = 1/(2√x) */
export const sqrt = unary('sqrt', 'sqrt(a)', (g, _x, y) => fused('a * T(0.5) / b', g, y));
/** d|x| = sign(x) (0 at 0, as torch) */
export const abs = unary('abs', 'abs(a)', (g, x) => fused('a * sign(b)', g, x), true);
/** d relu(x) = 1[x > 0] */
export const relu = unary('relu', 'max(a, T(0))', (g, x) => fused('select(T(0.0), a, b > T(0.0))', g, x), true);
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
export const pow: (x: Tensor, p: Scalar) => Tensor = defineOp({
  name: 'pow',
  forward: (_ctx, x: Tensor, p: Scalar) => {
    check('pow', x);
    if (typeof p !== 'number') throw new Error('webgrad.pow: the exponent must be a number (tensor exponents are not supported)');
    if (x.dtype === 'int32' && Number.isInteger(p)) {
      // integer powers of integers stay exact (wrapping on overflow, as torch's int32)
      if (p < 0) throw new Error(`webgrad.pow: integers to negative integer powers are not allowed (int32 tensor of shape ${fmt(x.shape)}, exponent ${p}), as in torch; convert with x.float().pow(${p})`);
      if (p > 16) throw new Error(`webgrad.pow: int32 powers are computed exactly up to exponent 16 (got ${p}); for larger exponents use x.float().pow(${p})`);
      return runElementwise('pow', p === 0 ? 'T(1)' : Array(p).fill('a').join(' * '), [x], { outDtype: 'int32' });
    }
    const odd = Number.isInteger(p) && Math.abs(p % 2) === 1;
    const atZero = `select(pow(abs(a), T(b)), T(${p > 0 ? '0.0' : 'f32_inf()'}), a == T(0.0))`;
    const expr =
      p === 2 ? 'a * a'
      : p === 1 ? 'a'
      : p === 0 ? 'T(1.0)'
      : Number.isInteger(p) ? `${atZero}${odd ? ' * select(T(1.0), T(-1.0), a < T(0.0))' : ''}`
      : `select(${atZero}, T(f32_nan()), a < T(0.0))`;
    return runElementwise('pow', expr, [x, p]);
  },
  backward: (_ctx, g, x, p) => [p === 0 ? mul(g, 0) : mul(mul(pow(x, p - 1), g), p)],
});

/** clamp(x, min, max); gradient passes where min ≤ x ≤ max. */
export const clamp: (x: Tensor, min: number | null, max?: number | null) => Tensor = defineOp({
  name: 'clamp',
  forward: (_ctx, x: Tensor, min: number | null, max: number | null = null) => {
    const [lo, hi] = bounds(min, max);
    if (lo > hi) throw new Error(`webgrad.clamp: min ${lo} is greater than max ${hi}`);
    const given = [min, max].filter((v): v is number => v !== null && v !== undefined);
    if (keepsInt([x, ...given])) {
      // only the given bounds: the ±3.4e38 defaults do not convert to i32
      const expr = given.length === 2 ? 'clamp(a, b, c)' : min != null ? 'max(a, b)' : max != null ? 'min(a, b)' : 'a';
      return runElementwise('clamp', expr, [x, ...given], { outDtype: 'int32' });
    }
    return runElementwise('clamp', 'clamp(a, b, c)', [x, lo, hi]);
  },
  // `&`, not `&&`: WGSL defines only `&` on vec4<bool> (the vectorised path)
  backward: (_ctx, g, x: Tensor, min: number | null, max: number | null = null) => [fused('select(T(0.0), a, (b >= c) & (b <= d))', g, x, ...bounds(min, max))],
});
const bounds = (min: number | null, max: number | null) => [min ?? -3.4028234663852886e38, max ?? 3.4028234663852886e38] as const;

/** Options of gelu: the exact form ('none', default) or the tanh approximation. */
export interface GeluOptions {
  approximate?: 'none' | 'tanh';
}
// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): WGSL has no erf.
const ERF = (z: string) =>
  `(sign(${z}) * (T(1.0) - (((((T(1.061405429) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z}))) - T(1.453152027)) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z}))) + T(1.421413741)) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z}))) - T(0.284496736)) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z}))) + T(0.254829592)) * (T(1.0) / (T(1.0) + T(0.3275911) * abs(${z})))) * exp(-(${z}) * (${z}))))`;
const K0 = 'T(0.7978845608028654)'; // √(2/π)
/** σ(z) and σ(−z) from one exp(−|z|) ≤ 1, so neither overflows nor cancels (1 − σ(z) would, for large z). */
const SIGMOID = (z: string) => `select(exp(-abs(${z})) / (T(1.0) + exp(-abs(${z}))), T(1.0) / (T(1.0) + exp(-abs(${z}))), (${z}) >= T(0.0))`;
const SIGMOID_NEG = (z: string) => `select(T(1.0) / (T(1.0) + exp(-abs(${z}))), exp(-abs(${z})) / (T(1.0) + exp(-abs(${z}))), (${z}) >= T(0.0))`;
/**
 * GELU(x) = x·Φ(x) ('none'), or 0.5x(1 + tanh u) with u = √(2/π)(x + 0.044715x³) ('tanh').
 * Hendrycks & Gimpel 2016, https://arxiv.org/abs/1606.08415
 * The tanh form is computed as x·σ(2u) (the same function, since 0.5(1 + tanh u) = σ(2u)): for x < −4,
 * 1 + tanh u cancels to a few float32 ulps of 1 and loses all relative accuracy, σ(2u) = e^{2u}/(1 + e^{2u})
 * keeps it.  d/dx x·σ(2u) = σ(2u) + x·σ(2u)·σ(−2u)·2u′,  u′ = √(2/π)(1 + 3·0.044715x²).
 */
export const gelu: (x: Tensor, o?: GeluOptions) => Tensor = defineOp({
  name: 'gelu',
  forward: (_ctx, x: Tensor, o: GeluOptions = {}) => {
    const approx = o.approximate ?? 'none';
    if (approx !== 'none' && approx !== 'tanh') throw new Error(`webgrad.gelu: approximate must be 'none' or 'tanh' (got '${approx}')`);
    return runElementwise('gelu', approx === 'none' ? `T(0.5) * a * (T(1.0) + ${ERF('a * T(0.7071067811865476)')})` : `a * ${SIGMOID(TWO_U)}`, [check('gelu', x)]);
  },
  backward: (_ctx, g, x: Tensor, o: GeluOptions = {}) => {
    // d/dx xΦ(x) = Φ(x) + xφ(x)
    const d =
      (o.approximate ?? 'none') === 'none'
        ? `b * (T(0.5) * (T(1.0) + ${ERF('a * T(0.7071067811865476)')}) + a * T(0.3989422804014327) * exp(T(-0.5) * a * a))`
        : `b * (${SIGMOID(TWO_U)} + a * ${SIGMOID(TWO_U)} * ${SIGMOID_NEG(TWO_U)} * T(2.0) * ${K0} * (T(1.0) + T(0.134145) * a * a))`;
    return [fused(d, x, g)];
  },
});
const TWO_U = `(T(2.0) * ${K0} * (a + T(0.044715) * a * a * a))`;

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

/** x as float32 (x itself when it already is, as torch); no gradient flows to integers. */
export const float = defineOp({ name: 'float', forward: (_ctx, x: Tensor) => (x.dtype === 'float32' ? x : runElementwise('float', 'a', [x], { outDtype: 'float32' })) });
/** x as int32, truncating toward zero as torch (x itself when it already is int32); not differentiable. */
export const int = defineOp({ name: 'int', forward: (_ctx, x: Tensor) => (x.dtype === 'int32' ? x : runElementwise('int', 'a', [x], { outDtype: 'int32' })) });

/** A copy (differentiable). */
export const clone = defineOp({
  name: 'clone',
  forward: (_ctx, x: Tensor) => runElementwise('clone', 'a', [check('clone', x)], { outDtype: x.dtype }),
  backward: (_ctx, g) => [g],
});

/** Broadcast x to `shape` (materialised). d expand = sum over the broadcast dimensions (done by the tape). */
export const expand = defineOp({
  name: 'expand',
  forward: (_ctx, x: Tensor, shape: Shape) => {
    check('expand', x);
    const target = shape.map((d, i) => (d === -1 ? x.shape[i - (shape.length - x.shape.length)] : d));
    const out = broadcastShapes('expand', x.shape, target);
    if (!sameShape(out, target)) throw new Error(`webgrad.expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
    return runElementwise('expand', 'a', [x], { outShape: target, strides: [broadcastStrides(x.shape, target)], outDtype: x.dtype });
  },
  backward: (_ctx, g) => [g],
});
