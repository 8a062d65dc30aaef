/**
 * Tensor: a shape, a dtype and a GPU storage, plus what autograd needs (requiresGrad, grad, and the
 * record `node` left by the op that produced it). Data leaves the GPU only through toArray()/item().
 */
import { runtime } from './context.js';
import { numel, fmt, type Shape } from './shape.js';
import { checkShapeFits } from './limits.js';
import { readChecked } from './checks.js';
import { formatTensor } from './print.js';
import * as ops from './ops/index.js';
import type { GeluOptions, Scalar } from './ops/index.js';

/** Element type of a tensor: float32 data, or int32 (class indices, argmax results). */
export type DType = 'float32' | 'int32';
/** A tensor, or a number that broadcasts as a scalar. */
export type TensorLike = Tensor | number;

/** GPU memory shared by a tensor and its reshaped views. */
export interface Storage {
  buffer: GPUBuffer;
  bytes: number;
  refs: number;
}

/** What an op leaves on its output for the backward walk: inputs and the gradient rule. */
export interface TapeNode {
  op: string;
  inputs: readonly TensorLike[];
  /**
   * Given dL/d(out), return dL/d(input) for each input (null where none); shapes may be broadcast.
   * `needs[i]` says whether input i requires grad (torch's needs_input_grad): a rule may skip the rest.
   */
  backward: (grad: Tensor, needs: readonly boolean[]) => (Tensor | null)[];
}

// ---- bookkeeping shared by every tensor (memory stats, grad mode, collection scopes) ----
const live = { tensors: 0, storages: new Set<Storage>() };
let gradEnabled = true;
const scopes: Tensor[][] = [];
let backwardHook: ((root: Tensor, grad: Tensor | null) => void) | null = null;

function releaseStorage(s: Storage): void {
  if (--s.refs === 0) {
    live.storages.delete(s);
    runtime().release(s.buffer);
  }
}
const finalizer =
  typeof FinalizationRegistry !== 'undefined' ? new FinalizationRegistry<Storage>((s) => { live.tensors--; releaseStorage(s); }) : null;

/** Whether operations are recorded on the autograd tape now (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}
/** Run fn and return the tensors it created (used by autograd to free a rule's temporaries). */
export function collect<T>(fn: () => T): { result: T; created: Tensor[] } {
  scopes.push([]);
  try {
    const result = fn();
    return { result, created: scopes[scopes.length - 1] };
  } finally {
    scopes.pop();
  }
}
/** Count t as created in the enclosing collect() scope (an op's output, made inside the op's own scope). */
export function adopt(t: Tensor): void {
  scopes[scopes.length - 1]?.push(t);
}
/** Installed by the package entry point: the autograd walk that Tensor.backward() runs. */
export function setBackwardHook(fn: typeof backwardHook): void {
  backwardHook = fn;
}
export function liveMemory(): { tensors: number; bytes: number } {
  let bytes = 0;
  for (const s of live.storages) bytes += s.bytes;
  return { tensors: live.tensors, bytes };
}

/** An n-dimensional array on the GPU (float32 or int32), with autograd. Create one with `tensor`, `zeros`, `randn`, ...; read it back with `toArray()` / `item()`; free it with `dispose()`. */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  grad: Tensor | null = null;
  /** The record of the op that made this tensor (null for leaves and for results computed without grad). */
  node: TapeNode | null = null;
  private _requiresGrad = false;
  private storage: Storage | null;
  private releasedBy: string | null = null;
  private _kept = false;

  constructor(storage: Storage, shape: Shape, dtype: DType = 'float32') {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    storage.refs++;
    live.storages.add(storage);
    live.tensors++;
    finalizer?.register(this, storage, this);
    scopes[scopes.length - 1]?.push(this);
  }

  /** A new tensor of `shape` backed by freshly allocated (uninitialised) GPU memory. */
  static empty(shape: Shape, dtype: DType = 'float32', op = 'empty'): Tensor {
    const bytes = checkShapeFits(op, shape) * 4;
    return new Tensor({ buffer: runtime().alloc(bytes), bytes, refs: 0 }, shape, dtype);
  }

  get size(): number {
    return numel(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get isLeaf(): boolean {
    return this.node === null;
  }
  get disposed(): boolean {
    return this.storage === null;
  }
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (!v && this.node) throw new Error('webgrad: requiresGrad can only be cleared on leaf tensors; use detach() for a non-leaf');
    if (v && this.dtype !== 'float32') throw new Error(`webgrad: only float32 tensors can require gradients (this one is ${this.dtype}, as torch refuses for integers); convert with .float() first`);
    this._requiresGrad = v;
  }
  /** @internal set by ops on outputs that carry a tape record. */
  markRequiresGrad(): void {
    this._requiresGrad = true;
  }

  /** The GPU buffer; `op` names who wants it, for the error on use after dispose. */
  buffer(op = 'use'): GPUBuffer {
    if (!this.storage) {
      const why = this.releasedBy
        ? `it was an intermediate of a finished ${this.releasedBy}, whose memory webgrad releases to keep training loops flat. ` +
          'Read it before backward(), compute it under wg.noGrad(), or call .keep() on it before backward()'
        : 'it was disposed';
      throw new Error(`webgrad.${op}: tensor of shape ${fmt(this.shape)} cannot be used: ${why}.`);
    }
    return this.storage.buffer;
  }
  /** @internal a new tensor of another shape over the same storage (reshape). */
  view(shape: Shape): Tensor {
    this.buffer('reshape');
    return new Tensor(this.storage!, shape, this.dtype);
  }

  /** Copy the data to the CPU. The only way data leaves the GPU. */
  async toArray(): Promise<Float32Array | Int32Array> {
    const buf = await readChecked(this.buffer('toArray'), this.size * 4);
    return this.dtype === 'int32' ? new Int32Array(buf) : new Float32Array(buf);
  }
  /** Nested JS arrays in the tensor's shape. */
  async tolist(): Promise<unknown> {
    const flat = Array.from(await this.toArray());
    const build = (dim: number, off: number): unknown => {
      if (dim === this.shape.length) return flat[off];
      const stride = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }
  /** The value of a one-element tensor as a number; waits for the GPU. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`webgrad.item: only one-element tensors can be converted to a number (shape ${fmt(this.shape)})`);
    return (await this.toArray())[0];
  }

  /** Free the GPU memory now. Idempotent. */
  dispose(): void {
    this.release(null);
  }
  /** @internal release with a reason shown if the tensor is used later. */
  release(reason: string | null): void {
    if (!this.storage) return;
    finalizer?.unregister(this);
    live.tensors--;
    releaseStorage(this.storage);
    this.storage = null;
    this.releasedBy = reason;
    this.node = null;
  }
  /** Exempt this intermediate from the release that follows backward(). */
  keep(): this {
    this._kept = true;
    return this;
  }
  get kept(): boolean {
    return this._kept;
  }

  /** A tensor sharing this data with no tape history. */
  detach(): Tensor {
    return this.view(this.shape);
  }

  /** Reverse-mode autodiff from this tensor (see src/autograd). */
  backward(grad: Tensor | null = null): void {
    if (!backwardHook) throw new Error('webgrad: autograd is not loaded; import webgrad from its package entry point');
    backwardHook(this, grad);
  }

  /** Shape, dtype and whether it requires grad, and how to see the values (no GPU read: they live on the GPU). */
  toString(): string {
    return `Tensor(shape=${fmt(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}; values on the GPU: see them with \`await x.print()\`)`;
  }
  /** Print the values as torch does (`tensor([[1.0000, 2.0000], ...])`, with dtype and grad suffixes) and return the text; waits for the GPU. */
  async print(): Promise<string> {
    const text = formatTensor(await this.toArray(), this.shape, this.dtype, { requiresGrad: this.requiresGrad, op: this.node?.op ?? null });
    console.log(text);
    return text;
  }

  // ---- op methods (declared in ./ops) ----
  /** Elementwise sum with broadcasting (torch.add). */
  add(o: TensorLike): Tensor { return ops.add(this, o); }
  /** Elementwise difference with broadcasting (torch.sub). */
  sub(o: TensorLike): Tensor { return ops.sub(this, o); }
  /** Elementwise product with broadcasting (torch.mul). */
  mul(o: TensorLike): Tensor { return ops.mul(this, o); }
  /** Elementwise quotient with broadcasting (torch.div). */
  div(o: TensorLike): Tensor { return ops.div(this, o); }
  /** Elementwise power to a scalar exponent (torch.pow). */
  pow(p: Scalar): Tensor { return ops.pow(this, p); }
  /** Elementwise maximum with broadcasting (torch.maximum). */
  maximum(o: TensorLike): Tensor { return ops.maximum(this, o); }
  /** Elementwise minimum with broadcasting (torch.minimum). */
  minimum(o: TensorLike): Tensor { return ops.minimum(this, o); }
  /** Elementwise negation. */
  neg(): Tensor { return ops.neg(this); }
  /** Elementwise e^x. */
  exp(): Tensor { return ops.exp(this); }
  /** Elementwise natural logarithm. */
  log(): Tensor { return ops.log(this); }
  /** Elementwise square root. */
  sqrt(): Tensor { return ops.sqrt(this); }
  /** Elementwise absolute value. */
  abs(): Tensor { return ops.abs(this); }
  /** Elementwise max(x, 0). */
  relu(): Tensor { return ops.relu(this); }
  /** Elementwise hyperbolic tangent. */
  tanh(): Tensor { return ops.tanh(this); }
  /** Elementwise 1 / (1 + e^-x). */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /** Elementwise GELU, exact (erf) or with `{ approximate: 'tanh' }` (torch.nn.functional.gelu). */
  gelu(o?: GeluOptions): Tensor { return ops.gelu(this, o); }
  /** Elementwise x * x. */
  square(): Tensor { return ops.mul(this, this); }
  /** Elementwise clamp into [min, max]; either bound may be null (torch.clamp). */
  clamp(min: number | null, max: number | null = null): Tensor { return ops.clamp(this, min, max); }
  /** Elementwise x > o as float32 0/1 (torch returns bool). */
  gt(o: TensorLike): Tensor { return ops.gt(this, o); }
  /** Elementwise x < o as float32 0/1. */
  lt(o: TensorLike): Tensor { return ops.lt(this, o); }
  /** Elementwise x >= o as float32 0/1. */
  ge(o: TensorLike): Tensor { return ops.ge(this, o); }
  /** Elementwise x <= o as float32 0/1. */
  le(o: TensorLike): Tensor { return ops.le(this, o); }
  /** Elementwise x == o as float32 0/1. */
  eq(o: TensorLike): Tensor { return ops.eq(this, o); }
  /** Matrix product of 2-D or batched 3-D tensors (torch.matmul). */
  matmul(o: Tensor): Tensor { return ops.matmul(this, o); }
  /** Swap two dimensions (torch.transpose). */
  transpose(d0: number, d1: number): Tensor { return ops.transpose(this, d0, d1); }
  get T(): Tensor { return ops.transpose(this, -2, -1); }
  /** The same elements in a new shape; one dimension may be -1 (torch.reshape). */
  reshape(shape: Shape): Tensor { return ops.reshape(this, shape); }
  /** Flatten the dimensions startDim..endDim into one (torch.flatten). */
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  /** Broadcast to a larger shape (torch.expand). */
  expand(shape: Shape): Tensor { return ops.expand(this, shape); }
  /** Sum over `dim` (all dimensions when omitted), keeping reduced dimensions as size 1 when `keepdim` (torch.sum). */
  sum(dim?: number | number[] | null, keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  /** Mean over `dim` (all dimensions when omitted) (torch.mean). */
  mean(dim?: number | number[] | null, keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  /** Maximum over `dim`: the values, torch's `.values` (the global maximum when `dim` is omitted). */
  max(dim?: number, keepdim = false): Tensor { return ops.max(this, dim, keepdim); }
  /** Index of the maximum over `dim` as an int32 tensor (torch.argmax). */
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }
  /** Softmax along `dim` (torch.softmax). */
  softmax(dim: number): Tensor { return ops.softmax(this, dim); }
  /** Log of the softmax along `dim`, computed stably (torch.log_softmax). */
  logSoftmax(dim: number): Tensor { return ops.logSoftmax(this, dim); }
  /** A copy with its own storage, recorded for autograd (torch.clone). */
  clone(): Tensor { return ops.clone(this); }
  /** This tensor as float32 (torch's `.float()`). */
  float(): Tensor { return ops.float(this); }
  /** An int32 copy, truncating toward zero as torch's `.int()`. */
  int(): Tensor { return ops.int(this); }
  /** Drop dims of size 1 (only `dim` when given) (torch.squeeze). */
  squeeze(dim?: number): Tensor { return ops.squeeze(this, dim); }
  /** Insert a dim of size 1 at `dim` (torch.unsqueeze). */
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  /** Reorder the dims: output dim i is input dim dims[i] (torch.permute). */
  permute(dims: readonly number[]): Tensor { return ops.permute(this, dims); }
  /** Pieces along `dim` of `sizeOrSizes` elements each, or of the listed sizes (torch.split). */
  split(sizeOrSizes: number | readonly number[], dim = 0): Tensor[] { return ops.split(this, sizeOrSizes, dim); }
  /** `n` pieces along `dim` (fewer when they do not divide evenly) (torch.chunk). */
  chunk(n: number, dim = 0): Tensor[] { return ops.chunk(this, n, dim); }
  /** The slice [start, start + length) along `dim` (torch.narrow). */
  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  /** Values picked along `dim` by an int32 index of the same rank (torch.gather). */
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  /** `value` where mask (0/1, broadcast to this shape) is nonzero (torch.masked_fill). */
  maskedFill(mask: Tensor, value: number): Tensor { return ops.maskedFill(this, mask, value); }
  /** Minimum over `dim`: the values (the global minimum when `dim` is omitted) (torch.min). */
  min(dim?: number, keepdim = false): Tensor { return ops.min(this, dim, keepdim); }
  /** Index of the first minimum over `dim` as int32 (torch.argmin). */
  argmin(dim?: number, keepdim = false): Tensor { return ops.argmin(this, dim, keepdim); }
  /** log Σ exp over `dim`, computed stably (torch.logsumexp). */
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return ops.logsumexp(this, dim, keepdim); }
  /** Running sums along `dim` (torch.cumsum). */
  cumsum(dim: number): Tensor { return ops.cumsum(this, dim); }
  /** Variance over `dim` (all when omitted), divisor N − correction (torch.var). */
  var(dim?: number | readonly number[] | null, o?: ops.VarOptions): Tensor { return ops.variance(this, dim, o); }
  /** Standard deviation over `dim` (all when omitted) (torch.std). */
  std(dim?: number | readonly number[] | null, o?: ops.VarOptions): Tensor { return ops.std(this, dim, o); }
  /** The p-norm over `dim` (all when omitted) (torch.norm). */
  norm(p = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor { return ops.norm(this, p, dim, keepdim); }
  /** Elementwise sine. */
  sin(): Tensor { return ops.sin(this); }
  /** Elementwise cosine. */
  cos(): Tensor { return ops.cos(this); }
  /** Elementwise 1/√x. */
  rsqrt(): Tensor { return ops.rsqrt(this); }
  /** Elementwise sign: −1, 0 or 1. */
  sign(): Tensor { return ops.sign(this); }
  /** The lower triangle of the last two dims (torch.tril). */
  tril(diagonal = 0): Tensor { return ops.tril(this, diagonal); }
  /** The upper triangle of the last two dims (torch.triu). */
  triu(diagonal = 0): Tensor { return ops.triu(this, diagonal); }
  /** The entries at `index` (int32, 0-D or 1-D) along `dim` (torch.index_select). */
  indexSelect(dim: number, index: ops.Index): Tensor { return ops.indexSelect(this, dim, index); }
}
