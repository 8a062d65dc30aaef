/**
 * The foreach arena: one param group packed into one GPU buffer per role, so that the group updates in
 * ONE dispatch instead of one per parameter.
 *
 *   param arena  [ p₀ ....|pad| p₁ .......|pad| p₂ ... ]     each parameter at an offset that is a
 *   grad arena   [ g₀ ....|pad| g₁ .......|pad| g₂ ... ]     multiple of 4 floats (vec4 loads)
 *   state arenas [ m₀ ....|pad| m₁ .......|pad| m₂ ... ]     (one per state slot: m, v, ...)
 *
 * The model keeps its own parameter tensors (every op binds a whole buffer, so a tensor cannot be a
 * window into a larger one): each step copies the gradients and parameters in and the parameters back
 * out with copyBufferToBuffer, which is a copy, not a dispatch. State lives only here. The dispatch
 * cuts the arena into chunks of similar size (never straddling two parameters), one workgroup each;
 * the segment table has one row per chunk (start, end, active, then its parameter's scalars), so a
 * group of a 16M-element matrix and many biases is balanced, and lr, bias corrections, ... can differ
 * per parameter (their step counts can).
 *
 * Padding lanes hold zeros in every arena: zero gradients keep zero state and zero updates for every
 * rule here, so they never produce NaN and are never copied out.
 */
import { Tensor, runtime, fmt, fillTensor } from '../tensor/index.js';

export class Arena {
  readonly params: readonly Tensor[];
  /** Start of each parameter, in floats (a multiple of 4). */
  readonly offsets: number[] = [];
  /** Total floats, padding included (a multiple of 4). */
  readonly total: number;
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly slots = new Map<string, Tensor>();

  constructor(params: readonly Tensor[]) {
    this.params = [...params]; // a snapshot: the group's list must not change under the offsets
    let at = 0;
    for (const p of params) {
      this.offsets.push(at);
      at += Math.ceil(p.size / 4) * 4;
    }
    this.total = Math.max(at, 4);
    this.param = Tensor.empty([this.total]);
    this.grad = Tensor.empty([this.total]);
    fillTensor(this.param, 0);
    fillTensor(this.grad, 0);
  }

  /** The arena of a state slot, created filled with `init` on first use. */
  slot(name: string, init: number): Tensor {
    let t = this.slots.get(name);
    if (!t) {
      t = Tensor.empty([this.total]);
      fillTensor(t, init);
      this.slots.set(name, t);
    }
    return t;
  }

  /** Index of a parameter in the arena. */
  indexOf(p: Tensor): number {
    return this.params.indexOf(p);
  }

  private chunkCache: { size: number; list: { k: number; start: number; end: number }[] } | null = null;

  /**
   * The arena cut into chunks of at most `size` vec4s, never straddling two parameters: one workgroup
   * per chunk, so a 16M-element tensor and a bias get work in proportion to their sizes.
   */
  chunks(size: number): { k: number; start: number; end: number }[] {
    if (this.chunkCache?.size !== size) {
      const list: { k: number; start: number; end: number }[] = [];
      this.params.forEach((p, k) => {
        const first = this.offsets[k] / 4;
        const end = first + Math.ceil(p.size / 4);
        for (let start = first; start < end; start += size) list.push({ k, start, end: Math.min(end, start + size) });
      });
      this.chunkCache = { size, list };
    }
    return this.chunkCache.list;
  }

  gatherGrad(k: number, grad: Tensor): void {
    runtime().copy(grad.buffer('optimizer step'), this.grad.buffer('optimizer step'), grad.size * 4, 0, this.offsets[k] * 4);
  }

  gatherParam(k: number): void {
    const p = this.params[k];
    runtime().copy(p.buffer('optimizer step'), this.param.buffer('optimizer step'), p.size * 4, 0, this.offsets[k] * 4);
  }

  scatterParam(k: number): void {
    const p = this.params[k];
    runtime().copy(this.param.buffer('optimizer step'), p.buffer('optimizer step'), p.size * 4, this.offsets[k] * 4, 0);
  }

  /** A caller-owned copy of parameter k's part of a slot. */
  read(k: number, name: string): Tensor {
    const p = this.params[k];
    const out = Tensor.empty(p.shape);
    runtime().copy(this.slots.get(name)!.buffer('stateDict'), out.buffer('stateDict'), p.size * 4, this.offsets[k] * 4, 0);
    return out;
  }

  /** Copy t into parameter k's part of a slot. */
  write(k: number, name: string, init: number, t: Tensor): void {
    const p = this.params[k];
    if (t.size !== p.size) throw new Error(`webgrad.optim: state '${name}' has shape ${fmt(t.shape)} but its parameter has shape ${fmt(p.shape)}`);
    runtime().copy(t.buffer('loadStateDict'), this.slot(name, init).buffer('loadStateDict'), p.size * 4, 0, this.offsets[k] * 4);
  }

  /** Reset parameter k's part of every slot to its initial value (a parameter without state). */
  reset(k: number, inits: Record<string, number>): void {
    const p = this.params[k];
    for (const [name, t] of this.slots) {
      const data = new Float32Array(Math.ceil(p.size / 4) * 4).fill(inits[name] ?? 0);
      runtime().write(t.buffer('loadStateDict'), data, this.offsets[k] * 4);
    }
  }

  dispose(): void {
    this.param.dispose();
    this.grad.dispose();
    for (const t of this.slots.values()) t.dispose();
    this.slots.clear();
  }
}
