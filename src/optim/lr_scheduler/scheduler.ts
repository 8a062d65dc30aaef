/**
 * The learning-rate scheduler base: torch.optim.lr_scheduler._LRScheduler (LRScheduler in torch 2.x).
 *
 * A scheduler owns a step counter `lastEpoch` and, on every `step()`, writes a new learning rate into
 * each of its optimizer's param groups (`group.lr`). The optimizer's fused kernel reads `group.lr` from
 * a uniform at its next step, so a schedule never recompiles anything.
 *
 * Contract, as in torch 1.13:
 * - On construction with `lastEpoch = -1` every group gets `initialLr` (torch's `initial_lr`) set to its
 *   current lr unless already present; `baseLrs` are these initial lrs. With `lastEpoch >= 0` (resuming)
 *   every group must already carry `initialLr`.
 * - The constructor steps once (`lastEpoch` -1 -> 0), so right after construction `group.lr` holds the
 *   lr for the first optimizer step. Call `scheduler.step()` after `optimizer.step()`.
 * - `step()` uses the chainable (recursive) form `getLr()`, which reads the groups' current lr, so that
 *   several schedulers can act on one optimizer (ChainedScheduler). `step(epoch)` jumps to `epoch` and
 *   uses the closed form where the scheduler has one.
 * - `stateDict()` holds every field but the optimizer and functions (torch's `__dict__` minus the
 *   optimizer); it is plain JSON and `loadStateDict` restores it exactly. Save the optimizer's state
 *   with it: the current lr lives in the param groups.
 *
 * Subclasses set their options after `super(...)` and then call `this.initialStep()` at the end of
 * their own constructor (a base constructor cannot call an overridden method that reads fields the
 * subclass has not set yet).
 *
 * https://pytorch.org/docs/1.13/optim.html#how-to-adjust-learning-rate
 */

/** What a scheduler needs from an optimizer; webgrad's Optimizer satisfies it structurally. */
export interface SchedulableOptimizer {
  paramGroups: Array<{ lr: number; [option: string]: unknown }>;
}

/** A param group as a scheduler sees it. */
export type ParamGroup = SchedulableOptimizer['paramGroups'][number];

/** JSON value: what `stateDict()` returns is made only of these. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A scheduler's state: plain JSON, safe for JSON.stringify / JSON.parse. */
export type SchedulerStateDict = { [key: string]: JsonValue };

/** Base of the schedulers (torch.optim.lr_scheduler.LRScheduler): step(), getLastLr(), stateDict / loadStateDict; each writes lr into the optimizer's param groups. */
export abstract class LRScheduler {
  /** The optimizer whose param groups this scheduler writes. */
  optimizer: SchedulableOptimizer;
  /** Each group's `initialLr` at construction: the eta_max / base of the schedule. */
  baseLrs: number[];
  /** Index of the last step taken (torch's `last_epoch`); 0 right after construction. */
  lastEpoch: number;
  /** How many times `step` has run, the constructor's step included (torch's `_step_count`). */
  protected stepCount = 0;
  /** The lrs written by the last step (torch's `_last_lr`). */
  protected lastLr: number[] = [];

  constructor(optimizer: SchedulableOptimizer, lastEpoch = -1, name = 'LRScheduler') {
    checkOptimizer(optimizer, name);
    checkInteger(name, 'lastEpoch', lastEpoch, -1, 'use -1 to start a new schedule, or the index of the last step taken to resume one');
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (typeof g.initialLr !== 'number') {
          throw new Error(
            `${name}: lastEpoch is ${lastEpoch} (resuming) but paramGroups[${i}] has no initialLr; ` +
              `load the optimizer's stateDict saved with the schedule first, or pass lastEpoch: -1 to start afresh`,
          );
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The chainable form: the lrs for step `lastEpoch`, usually from each group's current lr. */
  protected abstract getLr(): number[];

  /** The closed form used by `step(epoch)`; null where torch has none (then `getLr` is used). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * torch's `_initial_step`: reset the step count and take the first step (lastEpoch -1 -> 0).
   * Called at the end of each subclass constructor, and by SequentialLR on its first scheduler.
   */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advance one step (or jump to `epoch`, torch's deprecated form) and write the new lrs. */
  step(epoch?: number): void {
    this.stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      if (!Number.isFinite(epoch)) throw new Error(`${this.constructor.name}.step: epoch must be a finite number, got ${epoch}`);
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.writeLrs(values);
  }

  /** Write `values` into the groups and remember them as the last lrs. */
  protected writeLrs(values: number[]): void {
    const groups = this.optimizer.paramGroups;
    groups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The lrs computed by the last step, one per param group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /**
   * Every field except the optimizer, functions and child schedulers (composites add their
   * children's states), as plain JSON.
   */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [key, value] of Object.entries(this)) {
      if (key === 'optimizer' || isBehaviour(value)) continue;
      out[key] = toJson(value);
    }
    return out;
  }

  /** Restore a state from `stateDict()` (possibly after a JSON round trip). Functions are kept. */
  loadStateDict(state: SchedulerStateDict): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(state)) {
      if (key === 'optimizer' || isBehaviour(self[key])) continue;
      self[key] = fromJson(value);
    }
  }

  /**
   * A copy of this scheduler, in its current state, that drives `optimizer` instead. Used by
   * `preview`; composite schedulers override it to copy their children too.
   */
  cloneOnto(optimizer: SchedulableOptimizer): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as Record<string, unknown>;
    for (const [key, value] of Object.entries(this)) copy[key] = key === 'optimizer' ? optimizer : deepCopy(value);
    return copy as this;
  }

  /**
   * The lrs of the next `steps` optimizer steps, one number[] (per group) each, computed on copies
   * of the scheduler and of the param groups: neither this scheduler nor its optimizer changes.
   * The first entry is the current lr of each group (the lr the next optimizer step uses).
   */
  preview(steps: number): number[][] {
    checkInteger(this.constructor.name + '.preview', 'steps', steps, 0, 'pass how many steps to show');
    const optimizer = cloneOptimizer(this.optimizer);
    const copy = this.cloneOnto(optimizer);
    const out: number[][] = [];
    for (let t = 0; t < steps; t++) {
      if (t > 0) copy.step();
      out.push(optimizer.paramGroups.map((g) => g.lr));
    }
    return out;
  }
}

// ---- helpers shared by the scheduler files -------------------------------------------------------

/** A throwaway copy of an optimizer's param groups (tensors in `params` are shared, never touched). */
export function cloneOptimizer(optimizer: SchedulableOptimizer): SchedulableOptimizer {
  const copyGroup = (g: ParamGroup) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, deepCopy(v)])) as ParamGroup;
  return { paramGroups: optimizer.paramGroups.map(copyGroup) };
}

export function checkOptimizer(optimizer: SchedulableOptimizer, name: string): void {
  if (!optimizer || !Array.isArray(optimizer.paramGroups) || optimizer.paramGroups.length === 0) {
    throw new Error(`${name}: expected an optimizer with a non-empty paramGroups array (e.g. new wg.optim.SGD(params, { lr }))`);
  }
  optimizer.paramGroups.forEach((g, i) => {
    if (typeof g.lr !== 'number' || !Number.isFinite(g.lr)) {
      throw new Error(`${name}: paramGroups[${i}].lr must be a finite number, got ${String(g.lr)}`);
    }
  });
}

/** Throw `${scheduler}: ${option} ${problem}; ${fix}`. */
export function fail(scheduler: string, option: string, problem: string, fix: string): never {
  throw new Error(`${scheduler}: ${option} ${problem}; ${fix}`);
}

export function checkNumber(scheduler: string, option: string, value: unknown, fix: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(scheduler, option, `must be a finite number, got ${String(value)}`, fix);
}

export function checkPositive(scheduler: string, option: string, value: unknown, fix: string): asserts value is number {
  checkNumber(scheduler, option, value, fix);
  if (value <= 0) fail(scheduler, option, `must be > 0, got ${value}`, fix);
}

export function checkInteger(scheduler: string, option: string, value: unknown, min: number, fix: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(scheduler, option, `must be an integer >= ${min}, got ${String(value)}`, fix);
  }
}

/** A number or one number per group -> one number per group (torch's `_format_param`). */
export function perGroup(scheduler: string, option: string, value: number | readonly number[], groups: number): number[] {
  const values = typeof value === 'number' ? new Array<number>(groups).fill(value) : [...value];
  if (values.length !== groups) {
    fail(scheduler, option, `has ${values.length} values but the optimizer has ${groups} param groups`, 'pass one number, or one per group');
  }
  values.forEach((v, i) => checkNumber(scheduler, `${option}[${i}]`, v, 'pass finite numbers'));
  return values;
}

/** Python's `a % b` (the sign of the divisor), for formulas ported from torch. */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Functions and schedulers are behaviour, not state: stateDict skips them, loadStateDict keeps them. */
function isBehaviour(value: unknown): boolean {
  const one = (v: unknown) => typeof v === 'function' || v instanceof LRScheduler;
  return one(value) || (Array.isArray(value) && value.some(one));
}

function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepCopy(v)]));
  }
  return value; // numbers, strings, functions, tensors, schedulers (composites re-point those)
}

/** Deep copy to JSON; JSON has no Infinity or NaN, so they travel as the strings 'Infinity' etc. */
export function toJson(value: unknown): JsonValue {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v !== 'function').map(([k, v]) => [k, toJson(v)]));
  }
  throw new Error(`stateDict: cannot serialise a ${typeof value}`);
}

export function fromJson(value: JsonValue): unknown {
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (value === 'NaN') return NaN;
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
  return value;
}
