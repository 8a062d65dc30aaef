/**
 * A float64 CPU reference for the tensor ops, written to be obviously right rather than fast: every op
 * walks output indices one by one. `Ref` mirrors Tensor's method names and arguments, so a test can
 * write a function once, `(x, y) => x.mul(y).sum(1)`, and run it on both (see gradcheck.ts).
 *
 * It shares no code with src/: broadcasting, reductions and the special functions are re-derived here
 * from their definitions (NumPy broadcasting rules, torch semantics), which is what makes it a reference.
 */
export { Rng } from './rng.js';
export { expectClose, type CloseOptions } from './expect_close.js';

export type Nested = number | Nested[];
type Like = Ref | number;

export const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

export function stridesOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Multi-index of flat position `i` in a row-major array of `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = shape[d] === 0 ? 0 : i % shape[d];
    i = shape[d] === 0 ? 0 : Math.floor(i / shape[d]);
  }
  return idx;
}

/** NumPy broadcasting: align from the right; each pair of sizes must match or one must be 1. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`reference: shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Flat index into `shape` of the element that broadcasting places at output multi-index `idx`. */
function broadcastIndex(idx: readonly number[], shape: readonly number[]): number {
  const off = idx.length - shape.length;
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : idx[d + off]);
  return flat;
}

function normDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (dim < -r || dim >= r) throw new Error(`reference: dim ${dim} out of range for rank ${rank}`);
  return dim < 0 ? dim + r : dim;
}

/**
 * erf in float64 to ~1e-15: for |x| < 6 the everywhere-convergent series with positive terms
 *   erf(x) = 2/√π · e^(−x²) · Σ_n 2ⁿ x^(2n+1) / (1·3·…·(2n+1))        (A&S 7.1.6)
 * (no cancellation), and ±1 beyond, where erfc(6) ≈ 2e-17 is below double precision.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 0; n < 500 && term > sum * 1e-17; n++) {
    term *= (2 * ax * ax) / (2 * n + 3);
    sum += term;
  }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum);
}

/** GELU: x·Φ(x) = 0.5x(1 + erf(x/√2)); tanh form 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (Hendrycks & Gimpel 2016). */
export function gelu(x: number, approximate: 'none' | 'tanh' = 'none'): number {
  if (approximate === 'tanh') return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export class Ref {
  readonly shape: number[];
  readonly data: Float64Array;

  constructor(data: ArrayLike<number>, shape: readonly number[]) {
    if (data.length !== numel(shape)) throw new Error(`reference: ${data.length} values for shape [${shape}]`);
    this.shape = [...shape];
    this.data = Float64Array.from(data);
  }
  /** From nested arrays (or a number, giving a 0-d array). */
  static of(nested: Nested): Ref {
    const shape: number[] = [];
    for (let c: Nested = nested; Array.isArray(c); c = c[0]) shape.push(c.length);
    return new Ref((Array.isArray(nested) ? (nested as unknown[]).flat(Infinity) : [nested]) as number[], shape);
  }
  static full(shape: readonly number[], v: number): Ref {
    return new Ref(new Float64Array(numel(shape)).fill(v), shape);
  }
  get size(): number {
    return this.data.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Every value rounded to float32 (large values become ±Inf, as in float32 arithmetic). */
  f32(): Ref {
    return this.map(Math.fround);
  }
  map(f: (v: number, i: number) => number): Ref {
    return new Ref(this.data.map(f), this.shape);
  }

  // ---- elementwise ----
  zip(o: Like, f: (a: number, b: number) => number): Ref {
    const b = typeof o === 'number' ? Ref.of(o) : o;
    const shape = broadcastShape(this.shape, b.shape);
    const out = new Float64Array(numel(shape));
    for (let i = 0; i < out.length; i++) {
      const idx = unravel(i, shape);
      out[i] = f(this.data[broadcastIndex(idx, this.shape)], b.data[broadcastIndex(idx, b.shape)]);
    }
    return new Ref(out, shape);
  }
  add(o: Like): Ref { return this.zip(o, (a, b) => a + b); }
  sub(o: Like): Ref { return this.zip(o, (a, b) => a - b); }
  mul(o: Like): Ref { return this.zip(o, (a, b) => a * b); }
  div(o: Like): Ref { return this.zip(o, (a, b) => a / b); }
  maximum(o: Like): Ref { return this.zip(o, (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))); }
  minimum(o: Like): Ref { return this.zip(o, (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b))); }
  gt(o: Like): Ref { return this.zip(o, (a, b) => +(a > b)); }
  lt(o: Like): Ref { return this.zip(o, (a, b) => +(a < b)); }
  ge(o: Like): Ref { return this.zip(o, (a, b) => +(a >= b)); }
  le(o: Like): Ref { return this.zip(o, (a, b) => +(a <= b)); }
  eq(o: Like): Ref { return this.zip(o, (a, b) => +(a === b)); }
  /** x^p for a number p; negative bases with non-integer p give NaN (as torch). */
  pow(p: number): Ref { return this.map((x) => Math.pow(x, p)); }
  neg(): Ref { return this.map((x) => -x); }
  exp(): Ref { return this.map(Math.exp); }
  log(): Ref { return this.map(Math.log); }
  sqrt(): Ref { return this.map(Math.sqrt); }
  abs(): Ref { return this.map(Math.abs); }
  relu(): Ref { return this.map((x) => (x > 0 ? x : 0)); }
  tanh(): Ref { return this.map(Math.tanh); }
  sigmoid(): Ref { return this.map((x) => 1 / (1 + Math.exp(-x))); }
  gelu(o: { approximate?: 'none' | 'tanh' } = {}): Ref { return this.map((x) => gelu(x, o.approximate)); }
  square(): Ref { return this.map((x) => x * x); }
  clamp(min: number | null, max: number | null = null): Ref {
    return this.map((x) => Math.min(Math.max(x, min ?? -Infinity), max ?? Infinity));
  }
  clone(): Ref { return this.map((x) => x); }

  // ---- shape ----
  reshape(shape: readonly number[]): Ref {
    const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    const to = shape.map((d) => (d === -1 ? this.size / known : d));
    if (numel(to) !== this.size) throw new Error(`reference: cannot reshape [${this.shape}] to [${shape}]`);
    return new Ref(this.data, to);
  }
  flatten(startDim = 0): Ref {
    const s = normDim(startDim, this.ndim);
    return this.reshape([...this.shape.slice(0, s), -1]);
  }
  /** out[idx] = this[idx permuted back]: out.shape[k] = this.shape[perm[k]]. */
  permute(perm: readonly number[]): Ref {
    const shape = perm.map((p) => this.shape[p]);
    const st = stridesOf(this.shape);
    const out = new Float64Array(this.size);
    for (let i = 0; i < out.length; i++) {
      const idx = unravel(i, shape);
      out[i] = this.data[idx.reduce((s, v, k) => s + v * st[perm[k]], 0)];
    }
    return new Ref(out, shape);
  }
  transpose(d0: number, d1: number): Ref {
    const perm = this.shape.map((_, i) => i);
    const a = normDim(d0, this.ndim);
    const b = normDim(d1, this.ndim);
    if (this.ndim < 2) return this.clone();
    [perm[a], perm[b]] = [perm[b], perm[a]];
    return this.permute(perm);
  }
  get T(): Ref {
    return this.transpose(-2, -1);
  }
  expand(shape: readonly number[]): Ref {
    const target = shape.map((d, i) => (d === -1 ? this.shape[i - (shape.length - this.ndim)] : d));
    return this.zip(Ref.full(target, 0), (a) => a);
  }

  // ---- matmul ----
  matmul(o: Ref): Ref {
    return matmulRef(this, o);
  }

  // ---- reductions ----
  /** Reduce `dims` (all when omitted) with `f` over the list of values, keeping size-1 dims if asked. */
  reduce(dim: number | number[] | null | undefined, keepdim: boolean, f: (vals: number[]) => number): Ref {
    const dims = dim === undefined || dim === null ? this.shape.map((_, i) => i) : (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, this.ndim));
    const keepShape = this.shape.map((d, i) => (dims.includes(i) ? 1 : d));
    const groups: number[][] = Array.from({ length: numel(keepShape) }, () => []);
    for (let i = 0; i < this.size; i++) {
      const idx = unravel(i, this.shape).map((v, d) => (dims.includes(d) ? 0 : v));
      groups[broadcastIndex(idx, keepShape)].push(this.data[i]);
    }
    const out = new Ref(groups.map(f), keepShape);
    return keepdim ? out : out.reshape(this.shape.filter((_, i) => !dims.includes(i)));
  }
  sum(dim?: number | number[] | null, keepdim = false): Ref {
    return this.reduce(dim, keepdim, (v) => v.reduce((s, x) => s + x, 0));
  }
  mean(dim?: number | number[] | null, keepdim = false): Ref {
    return this.reduce(dim, keepdim, (v) => v.reduce((s, x) => s + x, 0) / v.length);
  }
  /** Values of the maximum (NaN if any element is NaN, as torch). */
  max(dim?: number, keepdim = false): Ref {
    return this.reduce(dim, keepdim, (v) => v.reduce((m, x) => (Number.isNaN(m) ? m : x > m || Number.isNaN(x) ? x : m), -Infinity));
  }
  min(dim?: number, keepdim = false): Ref {
    return this.reduce(dim, keepdim, (v) => v.reduce((m, x) => (Number.isNaN(m) ? m : x < m || Number.isNaN(x) ? x : m), Infinity));
  }
  /** Index of the first maximum along dim (over the flattened array when dim is omitted). */
  argmax(dim?: number, keepdim = false): Ref {
    const first = (v: number[]) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);
    if (dim === undefined) return new Ref([first([...this.data])], []);
    return this.reduce(dim, keepdim, first);
  }
  softmax(dim: number): Ref {
    return this.logSoftmax(dim).exp();
  }
  /** log softmax_i = x_i − m − log Σ_j exp(x_j − m), m = max_j x_j (exact in float64 for any logits). */
  logSoftmax(dim: number): Ref {
    const d = normDim(dim, this.ndim);
    if (this.ndim === 0) return this.map(() => 0);
    const m = this.max(d, true);
    const shifted = this.sub(m);
    const lse = shifted.exp().sum(d, true).log();
    return shifted.sub(lse);
  }
}

/**
 * torch.matmul for operands of rank >= 2: C[..., i, j] = Σ_k A[..., i, k] B[..., k, j], leading (batch)
 * dimensions broadcast. `transA`/`transB` use the transpose of the last two dims of A/B (webgrad's mm).
 */
export function matmulRef(a: Ref, b: Ref, transA = false, transB = false): Ref {
  const A = transA ? a.transpose(-2, -1) : a;
  const B = transB ? b.transpose(-2, -1) : b;
  const [M, K] = A.shape.slice(-2);
  const [K2, N] = B.shape.slice(-2);
  if (K !== K2) throw new Error(`reference: matmul inner dims ${K} vs ${K2}`);
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const out = new Float64Array(numel(batch) * M * N);
  const aB = A.shape.slice(0, -2);
  const bB = B.shape.slice(0, -2);
  for (let p = 0; p < numel(batch); p++) {
    const idx = unravel(p, batch);
    const ao = broadcastIndex(idx, aB) * M * K;
    const bo = broadcastIndex(idx, bB) * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A.data[ao + i * K + k] * B.data[bo + k * N + j];
        out[p * M * N + i * N + j] = s;
      }
  }
  return new Ref(out, [...batch, M, N]);
}

/** One entry C[batch..., i, j] of a (possibly transposed-operand) matmul, for spot checks of big products. */
export function matmulEntry(a: Ref, b: Ref, i: number, j: number, transA = false, transB = false, batch = 0): number {
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const K = transA ? ra : ca;
  const ao = a.ndim === 3 ? batch * ra * ca : 0;
  const bo = b.ndim === 3 ? batch * rb * cb : 0;
  let s = 0;
  for (let k = 0; k < K; k++) {
    const x = a.data[ao + (transA ? k * ca + i : i * ca + k)];
    const y = b.data[bo + (transB ? j * cb + k : k * cb + j)];
    s += x * y;
  }
  return s;
}
