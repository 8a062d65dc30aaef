/**
 * More creation functions: eye, linspace, randint, randperm, zerosLike, onesLike. Values are made on
 * the CPU and uploaded once, like the others in create.ts; random ones come from the seeded Generator.
 */
import type { Tensor } from './tensor.js';
import { fromData, full, Generator, defaultGenerator, type CreateOptions, type RandomOptions } from './create.js';
import { fmt, type Shape } from './shape.js';
import { checkShapeFits } from './limits.js';

const count = (op: string, what: string, v: number) => {
  if (!Number.isInteger(v) || v < 0) throw new Error(`webgrad.${op}: ${what} must be a non-negative integer (got ${v})`);
  return v;
};

/** An n×m matrix (m = n by default) with ones on the diagonal (torch.eye). */
export function eye(n: number, m = n, o: CreateOptions = {}): Tensor {
  count('eye', 'n', n);
  count('eye', 'm', m);
  const data = new Float32Array(checkShapeFits('eye', [n, m]));
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromData(data, [n, m], o, 'eye');
}

/** `steps` evenly spaced values from start to end, both included, computed as torch does (torch.linspace). */
export function linspace(start: number, end: number, steps: number, o: CreateOptions = {}): Tensor {
  count('linspace', 'steps', steps);
  const f = Math.fround;
  const step = steps > 1 ? f(f(f(end) - f(start)) / (steps - 1)) : 0;
  // torch fills the first half forward from start and the second backward from end, so both ends are exact
  const half = Math.floor(steps / 2);
  const data = Float32Array.from({ length: steps }, (_, i) =>
    steps === 1 ? start : i < half ? f(f(start) + f(step * i)) : f(f(end) - f(step * (steps - 1 - i))));
  return fromData(data, [steps], o, 'linspace');
}

const generatorOf = (o: RandomOptions) => o.generator ?? (o.seed !== undefined ? new Generator(o.seed) : defaultGenerator);

/** int32 integers drawn uniformly from [low, high) (torch.randint). */
export function randint(low: number, high: number, shape: Shape, o: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || high - low > 2 ** 32 || low < -(2 ** 31) || high > 2 ** 31) {
    throw new Error(`webgrad.randint: needs integers low < high within int32 (got low ${low}, high ${high})`);
  }
  if (!Array.isArray(shape)) throw new Error(`webgrad.randint: shape must be an array of sizes (got ${fmt([shape as unknown as number])})`);
  const g = generatorOf(o);
  const data = new Int32Array(checkShapeFits('randint', shape));
  for (let i = 0; i < data.length; i++) data[i] = low + g.int(high - low);
  return fromData(data, shape, { ...o, dtype: 'int32' }, 'randint');
}

/** A random permutation of 0..n−1 as int32 (torch.randperm), by Fisher–Yates. */
export function randperm(n: number, o: RandomOptions = {}): Tensor {
  count('randperm', 'n', n);
  const g = generatorOf(o);
  const data = Int32Array.from({ length: checkShapeFits('randperm', [n]) }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(i + 1);
    [data[i], data[j]] = [data[j], data[i]];
  }
  return fromData(data, [n], { ...o, dtype: 'int32' }, 'randperm');
}

/** Zeros of x's shape and dtype (torch.zeros_like). */
export const zerosLike = (x: Tensor, o: CreateOptions = {}) => full(x.shape, 0, { dtype: x.dtype, ...o }, 'zerosLike');
/** Ones of x's shape and dtype (torch.ones_like). */
export const onesLike = (x: Tensor, o: CreateOptions = {}) => full(x.shape, 1, { dtype: x.dtype, ...o }, 'onesLike');
