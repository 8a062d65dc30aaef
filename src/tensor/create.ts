/**
 * Creating tensors: from nested arrays or flat data, constants, ranges, and seeded random numbers.
 * Random numbers come from a seeded generator on the CPU (xoshiro128**), so runs are reproducible
 * across adapters; they are uploaded once.
 */
import { Tensor, type DType } from './tensor.js';
import { runtime } from './context.js';
import { numel, fmt, type Shape } from './shape.js';
import { checkShapeFits } from './limits.js';

/** Options of the creation functions: the element type and whether the tensor requires grad. */
export interface CreateOptions {
  requiresGrad?: boolean;
  dtype?: DType;
}
/** Options of the random creation functions: CreateOptions plus a seed or a generator. */
export interface RandomOptions extends CreateOptions {
  seed?: number;
  generator?: Generator;
}

/** Numbers nested in arrays, one level per dimension (as torch.tensor takes them). */
export type Nested = number | Nested[];

/** xoshiro128** (Blackman & Vigna), seeded through splitmix32. */
export class Generator {
  private s = new Uint32Array(4);
  constructor(seed = 0) {
    this.manualSeed(seed);
  }
  /** Restart this generator's sequence from `seed`. */
  manualSeed(seed: number): this {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    return this;
  }
  /** Uniform in [0, 1). */
  next(): number {
    const s = this.s;
    const r = Math.imul(((Math.imul(s[1], 5) << 7) | (Math.imul(s[1], 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = ((s[3] << 11) | (s[3] >>> 21)) >>> 0;
    return r / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u1 = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * this.next());
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  get state(): number[] {
    return [...this.s];
  }
  set state(v: number[]) {
    this.s.set(v);
  }
}

/** The default generator (torch.manual_seed). */
export const defaultGenerator = new Generator(0x5eed);
/** Seed the default generator that randn, rand, init and Dropout draw from (torch.manual_seed). */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

function inferShape(op: string, data: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as Nested;
  }
  const check = (x: Nested, depth: number): void => {
    if (depth === shape.length) {
      if (typeof x !== 'number') throw new Error(`webgrad.${op}: expected a number at depth ${depth}, got ${typeof x}`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new Error(`webgrad.${op}: ragged nested array (expected length ${shape[depth]} at depth ${depth}); all rows must have the same length`);
    }
    x.forEach((y) => check(y, depth + 1));
  };
  check(data, 0);
  return shape;
}

/** Upload flat data as a new tensor. */
export function fromData(data: ArrayLike<number>, shape: Shape, o: CreateOptions = {}, op = 'tensor'): Tensor {
  const dtype = o.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`webgrad.tensor: unsupported dtype '${dtype}' (float32 or int32)`);
  if (checkShapeFits(op, shape) !== data.length) {
    throw new Error(`webgrad.${op}: ${data.length} values do not fill shape ${fmt(shape)} (${numel(shape)} elements)`);
  }
  const t = Tensor.empty(shape, dtype, op);
  const typed = dtype === 'int32' ? Int32Array.from(data) : data instanceof Float32Array ? data : Float32Array.from(data);
  runtime().write(t.buffer('tensor'), typed);
  if (o.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * wg.tensor(nested) or wg.tensor(flat, shape): float32 unless an Int32Array or { dtype: 'int32' } is given.
 */
export function tensor(data: Nested | ArrayLike<number>, shapeOrOptions?: Shape | CreateOptions, options?: CreateOptions): Tensor {
  const shape = Array.isArray(shapeOrOptions) ? (shapeOrOptions as Shape) : undefined;
  const o = (Array.isArray(shapeOrOptions) ? options : (shapeOrOptions as CreateOptions | undefined)) ?? {};
  if (typeof data === 'number') return fromData([data], shape ?? [], o);
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    return fromData(data as ArrayLike<number>, shape ?? [(data as ArrayLike<number>).length], o);
  }
  if (Array.isArray(data)) {
    const inferred = inferShape('tensor', data as Nested);
    const flat = (data as unknown[]).flat(Infinity) as number[];
    return fromData(flat, shape ?? inferred, o);
  }
  throw new Error('webgrad.tensor: expected a number, a (nested) array or a typed array');
}

/** A tensor of `shape` filled with `value` (torch.full). */
export function full(shape: Shape, value: number, o: CreateOptions = {}, op = 'full'): Tensor {
  const n = checkShapeFits(op, shape);
  const data = o.dtype === 'int32' ? new Int32Array(n).fill(value) : new Float32Array(n).fill(value);
  return fromData(data, shape, o, op);
}
/** A tensor of `shape` filled with 0 (torch.zeros). */
export const zeros = (shape: Shape, o: CreateOptions = {}) => full(shape, 0, o, 'zeros');
/** A tensor of `shape` filled with 1 (torch.ones). */
export const ones = (shape: Shape, o: CreateOptions = {}) => full(shape, 1, o, 'ones');

/** Values start, start+step, ... below end (torch.arange); arange(n) counts 0..n-1. */
export function arange(start: number, end?: number, step = 1, o: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new Error('webgrad.arange: step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkShapeFits('arange', [n]);
  return fromData(Float32Array.from({ length: n }, (_, i) => start + i * step), [n], o, 'arange');
}

function randomData(op: string, shape: Shape, o: RandomOptions, draw: (g: Generator) => number): Float32Array {
  const n = checkShapeFits(op, shape);
  const g = o.generator ?? (o.seed !== undefined ? new Generator(o.seed) : defaultGenerator);
  const out = new Float32Array(n);
  for (let i = 0; i < out.length; i++) out[i] = draw(g);
  return out;
}
/** Standard normal samples; { seed } makes them reproducible. */
export const randn = (shape: Shape, o: RandomOptions = {}) => fromData(randomData('randn', shape, o, (g) => g.normal()), shape, o, 'randn');
/** Uniform samples in [0, 1). */
export const rand = (shape: Shape, o: RandomOptions = {}) => fromData(randomData('rand', shape, o, (g) => g.next()), shape, o, 'rand');
/** Uniform samples in [low, high) (used by nn.init). */
export const uniform = (shape: Shape, low: number, high: number, o: RandomOptions = {}) =>
  fromData(randomData('uniform', shape, o, (g) => low + (high - low) * g.next()), shape, o, 'uniform');
