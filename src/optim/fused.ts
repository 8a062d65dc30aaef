/**
 * First-order optimizers as fused GPU kernels. A subclass declares its update rule (src/shaders/optim.ts):
 *
 *   rule(group)        → { state: ['m', 'v'], scalars: ['lr', 'beta1', ...], update: 'WGSL lines' }
 *                        (options that change the code path, such as amsgrad or nesterov, pick the lines)
 *   scalars(group, st) → the scalar values for this parameter's step st.step, computed in float64 here
 *                        (bias corrections, step sizes) and uploaded as f32 uniforms
 *
 * and this class runs it: per step, one dispatch per parameter with a gradient, which reads param, grad
 * and state once and writes param and state once; nothing is read back and changing lr (or any scalar)
 * compiles nothing: the WGSL text depends only on the rule and the tensor width.
 *
 * Modes, chosen at construction (`{ foreach, skipNonFinite }` beside the optimizer's options); by default
 * (foreach: 'auto') each param group takes the faster of the two for its shape (see preferForeach):
 *  - foreach: true — each param group is packed into an arena (see arena.ts) and updated in ONE
 *    dispatch per group per step. Gradients and parameters are copied in and parameters copied out
 *    (copies, not dispatches); the state lives in the arena. Worth it for models with many small
 *    tensors, where dispatch overhead dominates; for a few large tensors the copies cost bandwidth.
 *    `opt.state.get(p).m` then returns a copy of p's slice (a new tensor: dispose it).
 *  - skipNonFinite: true — before the update, one small kernel per gradient (per arena) sets a GPU flag
 *    if any gradient holds NaN or ±Inf; the update kernels read the flag and leave every parameter and
 *    state untouched for that step, and a GPU counter records it: `await opt.skippedSteps()` reads it
 *    (the only readback). Like torch's GradScaler, which skips optimizer.step() on overflow; unlike it,
 *    the decision never reaches the CPU, so the per-parameter `step` still counts the skipped step
 *    (step-dependent scalars such as Adam's bias corrections are computed on the CPU in float64 and
 *    would need a readback to know). For Adam that shifts the bias correction by one step per skip,
 *    which matters only in the first ~1/(1−beta2) steps.
 */
import { Tensor, runtime, fmt, fillTensor, launch, type Work as Amount } from '../tensor/index.js';
import { maxGroups } from '../tensor/context.js';
import { optimizerWgsl, nonFiniteWgsl, segmentStride, OPTIM_WG, type UpdateRule } from '../shaders/optim.js';
import { Optimizer, copyTensor, jsonCopy, type ParamGroup, type ParamState, type Params } from './optimizer.js';
import { Arena } from './arena.js';
import { checkBoolean, fail } from './validate.js';

/** Options every fused optimizer takes besides its own: `foreach` groups parameters into one arena and one dispatch per group. */
export type FusedConfig = {
  /** Update each param group in one dispatch from a packed arena (see above). Default 'auto': per group, the faster mode. */
  foreach?: boolean | 'auto';
  /** Skip the whole step on the GPU when a gradient holds NaN/Inf (see above). Default false. */
  skipNonFinite?: boolean;
};

interface Dispatch {
  wgsl: string;
  buffers: Record<string, GPUBuffer>;
  uniforms: Record<string, number>;
  work: Amount;
}

/** One group's share of a step: checks to run if guarded, updates, and what to do after. */
interface Work {
  checks: Dispatch[];
  updates: Dispatch[];
  after: () => void;
}

/**
 * Whether one arena dispatch (foreach) beats one dispatch per tensor (fused) for a group of tensors of
 * these sizes. Cost model: fused pays a dispatch per tensor, foreach one dispatch plus copying each
 * gradient and parameter in and the parameter out (24 B per element). Dispatch cost and copy bandwidth
 * per adapter kind: SwiftShader 0.4 ms a dispatch and ~100 GB/s of effective copy cost, fitted to
 * bench:optim (64 tensors of 16K-256K: foreach 1.3-2.4x faster) and npm run bench (4 tensors of 1M:
 * foreach 96 ms, fused 110 ms); GPUs ~10 µs and ~300 GB/s (not measured here: no GPU).
 */
export function preferForeach(sizes: readonly number[], software: boolean): boolean {
  if (sizes.length < 2) return false;
  const [dispatchMs, bytesPerMs] = software ? [0.4, 100e6] : [0.01, 300e6];
  const elements = sizes.reduce((s, n) => s + n, 0);
  return (sizes.length - 1) * dispatchMs > (24 * elements) / bytesPerMs;
}

/** Base of the first-order optimizers: an update rule turned into one fused GPU kernel per parameter (or per group with `foreach`). */
export abstract class FusedOptimizer<O extends { lr: number }> extends Optimizer<O> {
  readonly foreach: boolean | 'auto';
  readonly skipNonFinite: boolean;
  private arenas = new Map<ParamGroup<O>, Arena>();
  private modes = new Map<ParamGroup<O>, boolean>();
  private guard: Tensor | null = null;
  private zero: Tensor | null = null;

  constructor(params: Params<O>, options: Partial<O> & FusedConfig, name: string) {
    const { foreach = 'auto', skipNonFinite = false, ...rest } = options ?? {};
    super(params, rest as Partial<O>, name);
    if (foreach !== 'auto') checkBoolean(name, 'foreach', foreach);
    checkBoolean(name, 'skipNonFinite', skipNonFinite);
    this.foreach = foreach;
    this.skipNonFinite = skipNonFinite;
  }

  /** The update rule for a group's options. */
  protected abstract rule(group: ParamGroup<O>): UpdateRule;
  /** Scalar values for one parameter's step (st.step is already incremented), in float64. */
  protected abstract scalars(group: ParamGroup<O>, st: ParamState): Record<string, number>;
  /** Whether the fused kernel updates this parameter (Muon takes its matrices elsewhere); true by default. */
  protected fusedParam(_p: Tensor): boolean {
    return true;
  }
  /** The value a state slot starts at (Adagrad's initialAccumulatorValue); 0 by default. */
  protected initial(_group: ParamGroup<O>, _slot: string): number {
    return 0;
  }

  /**
   * The WGSL that step() dispatches to update parameter `p` (default: the first parameter of the first
   * group): the exact text handed to the GPU, for reading the rule beside its kernel. The text depends only
   * on the rule, the layout (foreach: the group's arena) and whether p's size is a multiple of 4.
   */
  kernelSource(p?: Tensor): string {
    const group = p ? this.groupOf(p) : this.paramGroups[0];
    const param = p ?? group?.params[0];
    if (!group || !param) fail(this.name, 'kernelSource: the optimizer has no parameters');
    if (!this.fusedParam(param)) fail(this.name, `kernelSource: a parameter of shape ${fmt(param.shape)} is not updated by the fused kernel; pass one that is`);
    return this.updateWgsl(group, param.size % 4 === 0);
  }

  private updateWgsl(group: ParamGroup<O>, vec4: boolean): string {
    const rule = this.rule(group);
    return this.usesForeach(group)
      ? optimizerWgsl({ rule, layout: 'arena', guard: this.skipNonFinite })
      : optimizerWgsl({ rule, layout: 'tensor', vec4, guard: this.skipNonFinite });
  }

  /** Steps skipped because a gradient was not finite (skipNonFinite); reads one GPU counter. */
  async skippedSteps(): Promise<number> {
    if (!this.guard) return 0;
    return new Uint32Array(await runtime().read(this.guard.buffer('skippedSteps'), 8))[1];
  }

  protected update(): void {
    // validate everything before touching any state, so that an error leaves the optimizer as it was
    for (const g of this.paramGroups) {
      this.checkLr(g);
      this.validate(g);
      for (const p of g.params) {
        if (p.grad && (p.grad.size !== p.size || p.grad.dtype !== 'float32')) {
          fail(this.name, `a parameter of shape ${fmt(p.shape)} has a gradient of shape ${fmt(p.grad.shape)} (${p.grad.dtype}); the gradient must match its parameter`);
        }
      }
    }
    const rt = runtime();
    const work = this.paramGroups.map((g) => (this.usesForeach(g) ? this.arenaWork(g) : this.tensorWork(g)));
    if (this.skipNonFinite) {
      this.guard ??= zeroed([2], 'int32');
      this.zero ??= zeroed([1], 'int32');
      rt.copy(this.zero.buffer('step'), this.guard.buffer('step'), 4);
      for (const w of work) for (const d of w.checks) launch({ ...d, buffers: { ...d.buffers, guard: this.guard.buffer('step') }, label: `${this.name} non-finite check` });
    }
    let first = true;
    for (const w of work) {
      for (const d of w.updates) {
        if (this.guard) {
          d.buffers.guard = this.guard.buffer('step');
          d.uniforms.countSkip = first ? 1 : 0;
        }
        first = false;
        launch({ ...d, label: `${this.name} ${d.buffers.seg ? 'foreach' : 'update'}` });
      }
    }
    for (const w of work) w.after();
  }

  /** The mode of a group: the option, or under 'auto' the faster one for its tensors (decided once). */
  usesForeach(group: ParamGroup<O>): boolean {
    if (this.foreach !== 'auto') return this.foreach;
    let m = this.modes.get(group);
    if (m === undefined) {
      m = group.params.every((p) => this.fusedParam(p)) && preferForeach(group.params.map((p) => p.size), runtime().software);
      this.modes.set(group, m);
    }
    return m;
  }

  /** This parameter's state, created (slots filled with their initial values) at its first step. */
  private stateOf(group: ParamGroup<O>, p: Tensor, rule: UpdateRule): ParamState {
    let st = this.state.get(p);
    if (!st) this.state.set(p, (st = { step: 0 }));
    if (!this.usesForeach(group)) {
      for (const slot of rule.state) {
        if (!(st[slot] instanceof Tensor)) {
          const t = Tensor.empty(p.shape);
          fillTensor(t, this.initial(group, slot));
          st[slot] = t;
        }
      }
    }
    return st;
  }

  private tensorWork(group: ParamGroup<O>): Work {
    const rule = this.rule(group);
    const work: Work = { checks: [], updates: [], after: () => {} };
    for (const p of group.params) {
      const grad = p.grad;
      if (!grad || p.size === 0 || !this.fusedParam(p)) continue;
      const st = this.stateOf(group, p, rule);
      st.step = (st.step as number) + 1;
      const vec4 = p.size % 4 === 0;
      const count = vec4 ? p.size / 4 : p.size;
      const buffers: Record<string, GPUBuffer> = { param: p.buffer('optimizer step'), grad: grad.buffer('optimizer step') };
      for (const slot of rule.state) buffers[`state_${slot}`] = (st[slot] as Tensor).buffer('optimizer step');
      work.updates.push({
        wgsl: this.updateWgsl(group, vec4),
        buffers,
        uniforms: { n: p.size, ...this.scalars(group, st) },
        work: { gridStride: count, size: OPTIM_WG },
      });
      if (this.skipNonFinite) {
        work.checks.push({ wgsl: nonFiniteWgsl({ vec4 }), buffers: { x: grad.buffer('optimizer step') }, uniforms: { n: p.size }, work: { gridStride: count, size: OPTIM_WG } });
      }
    }
    return work;
  }

  private arenaOf(group: ParamGroup<O>): Arena {
    let a = this.arenas.get(group);
    if (!a) this.arenas.set(group, (a = new Arena(group.params)));
    if (a.params.length !== group.params.length || a.params.some((p, i) => p !== group.params[i])) {
      fail(this.name, "foreach: a param group's parameter list changed after its arena was built; add parameters with addParamGroup instead");
    }
    return a;
  }

  private arenaWork(group: ParamGroup<O>): Work {
    const rule = this.rule(group);
    const arena = this.arenaOf(group);
    const stride = segmentStride(rule);
    const scalars: (Float32Array | null)[] = group.params.map((p, k) => {
      if (!p.grad || p.size === 0) return null;
      const st = this.stateOf(group, p, rule);
      this.exposeSlots(st, arena, k, rule);
      st.step = (st.step as number) + 1;
      const values = this.scalars(group, st);
      arena.gatherGrad(k, p.grad);
      arena.gatherParam(k);
      return Float32Array.from(rule.scalars, (name) => values[name]);
    });
    if (scalars.every((v) => v === null)) return { checks: [], updates: [], after: () => {} };
    // about maxGroups() chunks in all (more when there are more parameters), at least a workgroup's width each
    const size = Math.max(OPTIM_WG, Math.ceil(arena.total / 4 / maxGroups() / OPTIM_WG) * OPTIM_WG);
    const chunks = arena.chunks(size);
    const rows = new Uint32Array(Math.max(chunks.length, 1) * stride);
    const bits = new Float32Array(rows.buffer);
    chunks.forEach((c, w) => {
      const v = scalars[c.k];
      if (!v) return;
      rows.set([c.start, c.end, 1], w * stride);
      bits.set(v, w * stride + 4);
    });
    const rt = runtime();
    // a fresh (pooled) buffer per step: writing it never has to wait for the previous step's dispatch
    const seg = rt.alloc(rows.byteLength);
    rt.write(seg, rows);
    const buffers: Record<string, GPUBuffer> = { param: arena.param.buffer('optimizer step'), grad: arena.grad.buffer('optimizer step'), seg };
    for (const slot of rule.state) buffers[`state_${slot}`] = arena.slot(slot, this.initial(group, slot)).buffer('optimizer step');
    const work: Amount = { groups: chunks.length };
    const uniforms = { chunks: chunks.length };
    return {
      checks: this.skipNonFinite ? [{ wgsl: nonFiniteWgsl({ vec4: true, arena: { stride } }), buffers: { x: buffers.grad, seg }, uniforms, work }] : [],
      updates: [{ wgsl: this.updateWgsl(group, true), buffers, uniforms: { ...uniforms }, work }],
      after: () => {
        scalars.forEach((v, k) => v && arena.scatterParam(k));
        rt.release(seg);
      },
    };
  }

  /** In foreach mode the slots live in the arena: reading st.m returns a copy of this parameter's slice. */
  private exposeSlots(st: ParamState, arena: Arena, k: number, rule: UpdateRule): void {
    for (const slot of rule.state) {
      if (Object.getOwnPropertyDescriptor(st, slot)) continue;
      Object.defineProperty(st, slot, { get: () => arena.read(k, slot), enumerable: false, configurable: true });
    }
  }

  protected override exportState(p: Tensor, st: ParamState): ParamState {
    const out: ParamState = {};
    for (const [k, v] of Object.entries(st)) out[k] = v instanceof Tensor ? copyTensor(v, 'stateDict') : jsonCopy(v);
    if (this.usesForeach(this.groupOf(p))) {
      const group = this.groupOf(p);
      const arena = this.arenaOf(group);
      for (const slot of arena.slots.keys()) out[slot] = arena.read(arena.indexOf(p), slot);
    }
    return out;
  }

  protected override importState(p: Tensor, st: ParamState): void {
    const group = this.groupOf(p);
    const mine: ParamState = {};
    const arena = this.usesForeach(group) ? this.arenaOf(group) : null;
    const k = arena?.indexOf(p) ?? -1;
    for (const [key, v] of Object.entries(st)) {
      if (v instanceof Tensor) {
        if (v.size !== p.size) fail(this.name, `loadStateDict: state '${key}' has shape ${fmt(v.shape)} but its parameter has shape ${fmt(p.shape)}`);
        if (arena) arena.write(k, key, this.initial(group, key), v);
        else mine[key] = copyTensor(v, 'loadStateDict', p.shape);
      } else {
        mine[key] = jsonCopy(v);
      }
    }
    if (arena) {
      for (const slot of arena.slots.keys()) {
        if (!Object.getOwnPropertyDescriptor(mine, slot)) Object.defineProperty(mine, slot, { get: () => arena.read(k, slot), enumerable: false, configurable: true });
      }
    }
    this.state.set(p, mine);
  }

  protected override clearState(): void {
    super.clearState();
    for (const a of this.arenas.values()) a.dispose();
    this.arenas.clear();
  }

  override dispose(): void {
    super.dispose();
    this.guard?.dispose();
    this.zero?.dispose();
    this.guard = this.zero = null;
  }

  private groupOf(p: Tensor): ParamGroup<O> {
    const g = this.paramGroups.find((grp) => grp.params.includes(p));
    if (!g) fail(this.name, `a parameter of shape ${fmt(p.shape)} is in no param group`);
    return g;
  }
}

function zeroed(shape: number[], dtype: 'float32' | 'int32'): Tensor {
  const t = Tensor.empty(shape, dtype);
  fillTensor(t, 0);
  return t;
}
