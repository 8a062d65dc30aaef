/**
 * The optimizer base: torch.optim.Optimizer's contract, trimmed and typed.
 *
 *   const opt = new wg.optim.Adam(model.parameters(), { lr: 1e-3 });
 *   opt.zeroGrad(); loss.backward(); opt.step();       // step() encodes the update; nothing waits
 *   const loss = await opt.step(closure);               // closure: zeroGrad, forward, backward, return loss
 *
 * - `paramGroups`: [{ params, lr, ...options }]. Options are read at every step, so writing `group.lr`
 *   (a scheduler does) takes effect at the next step; first-order optimizers pass them to their fused
 *   kernel as uniforms, which never recompiles anything.
 * - `state`: Map<Tensor, { step, ...state }>, owned by the optimizer (it disposes state tensors in
 *   loadStateDict and dispose()), created lazily at a parameter's first step with a gradient.
 *   Parameters whose `grad` is null are skipped: unchanged value and state, no step counted.
 * - `stateDict()`: torch's layout, `{ state: { [paramIndex]: { step, m: Tensor, ... } }, paramGroups:
 *   [{ params: [indices], lr, ... }] }`, parameters numbered across groups in order. The tensors in it
 *   are snapshots (GPU copies, no readback) that belong to the caller: the optimizer keeps training
 *   without changing them, `wg.save` reads them, and the caller may dispose them. Everything else is
 *   plain JSON. `loadStateDict(sd)` copies the tensors in, so the dict can be loaded more than once, and
 *   a run resumed from it continues bit for bit.
 *
 * https://pytorch.org/docs/1.13/optim.html
 */
import { Tensor, runtime, fmt, fillTensor } from '../tensor/index.js';
import { checkGroupKeys, checkKnownOptions, checkNonNegative, checkParamsArgument, fail } from './validate.js';

/** A closure re-evaluates the model: zeroGrad, forward, backward, and returns the loss. A Tensor
 * returned is read back (after the update is encoded, so the GPU stays busy) and then disposed. */
export type Closure = () => number | Tensor | Promise<number | Tensor>;

/** A value in an optimizer's per-parameter state: a number, flag, string, tensor, or a list of them. */
export type StateValue = number | boolean | string | null | Tensor | StateValue[];
/** Per-parameter state: `step` and the optimizer's own entries. */
export type ParamState = { [key: string]: StateValue };

/** A param group: the parameters and every option (defaults filled in). A type, not an interface, so
 * that it reads as `{ lr: number; [option: string]: unknown }` to schedulers. */
export type ParamGroup<O> = O & { params: Tensor[] };
/** What the constructor and addParamGroup take: parameters and overrides of the defaults. */
export type ParamGroupInput<O> = { params: Iterable<Tensor> } & Partial<O> & { [key: string]: unknown };
/** What an optimizer takes: tensors, or param groups `{ params, ...overrides }`. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** The serialisable state of an optimizer: per-parameter state by index and the param groups' options. */
export type OptimizerStateDict = {
  state: { [paramIndex: number]: ParamState };
  paramGroups: ({ params: number[] } & { [option: string]: unknown })[];
};

/** A GPU copy of a tensor (no tape, no readback), optionally with another shape of the same size. */
export function copyTensor(t: Tensor, who = 'copy', shape: readonly number[] = t.shape): Tensor {
  const out = Tensor.empty(shape, t.dtype);
  runtime().copy(t.buffer(who), out.buffer(who), t.size * 4);
  return out;
}

/** Copy src's data into dst's storage (same size). */
export function copyInto(src: Tensor, dst: Tensor, who = 'copy'): void {
  runtime().copy(src.buffer(who), dst.buffer(who), src.size * 4);
}

export function jsonCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** The optimizer base (torch.optim.Optimizer): param groups, per-parameter state, zeroGrad, step, stateDict / loadStateDict. */
export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: O;
  /** The class name used in error messages. */
  protected readonly name: string;

  constructor(params: Params<O>, defaults: Partial<O>, name: string) {
    this.name = name;
    checkKnownOptions(name, defaults, this.optionNames());
    checkParamsArgument(name, params, (v) => v instanceof Tensor);
    this.defaults = { ...this.defaultOptions(), ...jsonCopy(defaults) } as O;
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) fail(name, 'got an empty parameter list; pass model.parameters() or a list of tensors');
    const groups = (list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : list) as ParamGroupInput<O>[];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Every option's default (torch's defaults, camelCase). */
  protected abstract defaultOptions(): O;
  /** Check a complete group's options; throw with the option's name and the fix. */
  protected abstract validate(group: ParamGroup<O>): void;

  protected optionNames(): string[] {
    return Object.keys(this.defaultOptions());
  }

  /** Add a group of parameters with its own options (torch's add_param_group); missing options take the defaults. */
  addParamGroup(input: ParamGroupInput<O>): void {
    if (!input || typeof input !== 'object' || !('params' in input)) fail(this.name, 'a param group must be an object { params, ...options }');
    const ps = input.params as unknown;
    if (ps === null || typeof ps !== 'object' || typeof (ps as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      if (!(ps instanceof Tensor)) fail(this.name, `a param group's params must be a list of tensors (got ${ps === null ? 'null' : typeof ps})`);
    }
    const params = ps instanceof Tensor ? [ps] : [...(ps as Iterable<Tensor>)];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) {
        const what = p && typeof p === 'object' && typeof (p as { parameters?: unknown }).parameters === 'function' ? 'a Module' : p === null ? 'null' : typeof p;
        fail(this.name, `params[${i}] is not a Tensor (got ${what}); list tensors (model.parameters()) or param groups { params: [...] }, not a mix`);
      }
      if (p.disposed) fail(this.name, `params[${i}] (shape ${fmt(p.shape)}) has been disposed`);
      if (p.dtype !== 'float32') fail(this.name, `params[${i}] is ${p.dtype}; only float32 tensors can be optimized`);
      if (!p.isLeaf) fail(this.name, `params[${i}] (shape ${fmt(p.shape)}) is not a leaf tensor (it has a tape record); optimize the leaves, e.g. p.detach() with requiresGrad`);
      if (!p.requiresGrad) fail(this.name, `params[${i}] (shape ${fmt(p.shape)}) does not require grad, so it never gets a gradient; set requiresGrad = true on it, or leave frozen tensors out (e.g. model.parameters().filter((p) => p.requiresGrad))`);
      if (seen.has(p)) fail(this.name, `params[${i}] (shape ${fmt(p.shape)}) appears in more than one place; each parameter may be listed once`);
      seen.add(p);
    });
    const { params: _, ...overrides } = input;
    checkGroupKeys(this.name, overrides, this.optionNames());
    const group = { ...jsonCopy(this.defaults), ...jsonCopy(overrides), params } as ParamGroup<O>;
    this.validate(group);
    this.paramGroups.push(group);
  }

  /** All parameters, in group order (the indices of stateDict). */
  protected allParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** lr is read at every step: check what a scheduler or the user wrote since. */
  protected checkLr(group: ParamGroup<O>): void {
    checkNonNegative(this.name, 'lr', group.lr, 'a learning rate must be a non-negative number');
  }

  /** Encode one update of every parameter that has a gradient. */
  protected abstract update(): void;

  /** One optimization step. With a closure: evaluate it first (as torch) and resolve to its loss. */
  step(): Promise<void>;
  step(closure: Closure): Promise<number>;
  step(closure?: Closure): Promise<number | void> {
    if (!closure) {
      this.update(); // synchronous: errors throw here, and the dispatches are encoded before step() returns
      return Promise.resolve();
    }
    return this.stepWithClosure(closure);
  }

  /** step(closure): evaluate, then update. Closure-driven optimizers (LBFGS, SAM) override this. */
  protected async stepWithClosure(closure: Closure): Promise<number> {
    const loss = await closure();
    this.update();
    return lossValue(loss);
  }

  /** setToNone (default): drop and dispose the gradients; false: zero them in place. */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const p of this.allParams()) {
      if (!p.grad) continue;
      if (setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else {
        fillTensor(p.grad, 0);
      }
    }
  }

  /** Options and per-parameter state, parameters as indices (torch's state_dict); plain JSON plus tensors, for wg.save. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      return { ...jsonCopy(options), params: params.map((p) => (index.set(p, index.size), index.size - 1)) };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, st] of this.state) {
      const k = index.get(p);
      if (k !== undefined) state[k] = this.exportState(p, st);
    }
    return { state, paramGroups };
  }

  /** Restore what {@link stateDict} returned; the tensors are copied in. */
  loadStateDict(sd: OptimizerStateDict): void {
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      fail(this.name, 'loadStateDict expects { state, paramGroups } as made by stateDict()');
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      fail(this.name, `loadStateDict: the state dict has ${sd.paramGroups.length} param groups, this optimizer has ${this.paramGroups.length}; build the optimizer with the same groups`);
    }
    const byIndex: Tensor[] = [];
    sd.paramGroups.forEach((g, i) => {
      const mine = this.paramGroups[i].params;
      if (!Array.isArray(g.params) || g.params.length !== mine.length) {
        fail(this.name, `loadStateDict: param group ${i} has ${g.params?.length} parameters in the state dict and ${mine.length} here`);
      }
      g.params.forEach((idx, j) => (byIndex[idx] = mine[j]));
    });
    for (const key of Object.keys(sd.state)) {
      if (!byIndex[Number(key)]) fail(this.name, `loadStateDict: state for parameter ${key}, which no param group lists`);
    }
    this.clearState();
    sd.paramGroups.forEach((g, i) => {
      const { params: _, ...options } = g;
      Object.assign(this.paramGroups[i], jsonCopy(options));
    });
    for (const [key, st] of Object.entries(sd.state)) this.importState(byIndex[Number(key)], st);
  }

  /** Free every state tensor; the optimizer can keep stepping (state restarts lazily). */
  dispose(): void {
    this.clearState();
  }

  protected clearState(): void {
    for (const st of this.state.values()) disposeValues(st);
    this.state.clear();
  }

  /** A caller-owned snapshot of one parameter's state. */
  protected exportState(_p: Tensor, st: ParamState): ParamState {
    return Object.fromEntries(Object.entries(st).map(([k, v]) => [k, snapshot(v)]));
  }

  /** Copy one parameter's state in from a state dict. */
  protected importState(p: Tensor, st: ParamState): void {
    this.state.set(p, Object.fromEntries(Object.entries(st).map(([k, v]) => [k, snapshot(v)])));
  }
}

function snapshot(v: StateValue): StateValue {
  if (v instanceof Tensor) return copyTensor(v, 'stateDict');
  if (Array.isArray(v)) return v.map(snapshot);
  return v;
}

export function disposeValues(st: ParamState): void {
  const free = (v: StateValue): void => {
    if (v instanceof Tensor) v.dispose();
    else if (Array.isArray(v)) v.forEach(free);
  };
  Object.values(st).forEach(free);
}

export async function lossValue(loss: number | Tensor): Promise<number> {
  if (typeof loss === 'number') return loss;
  if (!(loss instanceof Tensor)) throw new Error(`webgrad.optim: the closure must return the loss (a number or a Tensor), got ${typeof loss}`);
  const v = await loss.item();
  loss.dispose();
  return v;
}
