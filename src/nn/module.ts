/**
 * Module: the base class of layers and models, as torch.nn.Module, without registration calls.
 * A module's parameters and children are found by looking at its own properties:
 *  - a Tensor made with nn.Parameter(), or any leaf tensor with requiresGrad, is a parameter;
 *  - a Module is a child, an array of Modules is a list of children (named key.0, key.1, ...).
 * Names follow torch: `0.weight`, `layers.1.bias`. Properties are visited in creation order (JavaScript
 * puts integer-like keys such as Sequential's '0', '1' first), and a tensor reached twice (shared
 * weights) is listed once, under its first name, as torch does. Private (#) fields are not seen.
 * Buffers (torch's register_buffer: BatchNorm's running statistics) are tensors marked with
 * registerBuffer(): saved and loaded by stateDict()/loadStateDict() but not parameters (no gradient,
 * not optimised).
 */
import { Tensor, runtime, fmt, sameShape } from '../tensor/index.js';

const parameterSet = new WeakSet<Tensor>();
const bufferSet = new WeakSet<Tensor>();

/**
 * torch.nn.Parameter: mark a tensor as a parameter (sets requiresGrad) and return it. A parameter stays
 * one even when requiresGrad is later switched off (frozen), so it keeps its place in stateDict().
 */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!(t instanceof Tensor)) throw new Error('webgrad.nn.Parameter: expected a Tensor');
  if (!t.isLeaf) throw new Error('webgrad.nn.Parameter: the tensor has a tape record (it was computed from others); pass t.detach()');
  t.requiresGrad = requiresGrad;
  parameterSet.add(t);
  return t;
}

/** True for a tensor marked as a parameter by {@link Parameter}. */
export function isParameter(v: unknown): v is Tensor {
  return v instanceof Tensor && !v.disposed && (parameterSet.has(v) || (v.isLeaf && v.requiresGrad));
}

/** What loadStateDict did not match: keys the dict lacked and keys the module does not have. */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A value for loadStateDict: a tensor, or flat row-major data of the right length. */
export type StateValue = Tensor | Float32Array | Int32Array | readonly number[];

/** Base of all layers and models (torch.nn.Module): parameters, submodules, train/eval, stateDict. Subclasses assign parameters and submodules as fields and implement forward. */
export abstract class Module {
  /** true after train() (the default), false after eval(); layers such as Dropout read it. */
  training = true;

  /** The module's computation; call it as `model.forward(x)` (or `model.call(x)`). */
  abstract forward(input: Tensor, ...rest: any[]): Tensor;

  /** Shorthand for forward (torch's module(x)). */
  call(input: Tensor, ...rest: any[]): Tensor {
    return this.forward(input, ...rest);
  }

  /** Direct children with their property names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, v] of Object.entries(this)) {
      if (v instanceof Module) out.push([key, v]);
      else if (Array.isArray(v)) v.forEach((m, i) => m instanceof Module && out.push([`${key}.${i}`, m]));
    }
    return out;
  }
  /** The direct submodules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  /** This module and all below it, depth first, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }
  /** This module and all its submodules, depth first. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with torch's dotted names, e.g. ['0.weight', t], each tensor once. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const add = (name: string, t: Tensor) => {
      if (!seen.has(t)) out.push([name, t]);
      seen.add(t);
    };
    for (const [prefix, m] of this.namedModules()) {
      const dotted = (key: string) => (prefix ? `${prefix}.${key}` : key);
      for (const [key, v] of Object.entries(m)) {
        if (isParameter(v)) add(dotted(key), v);
        else if (Array.isArray(v)) v.forEach((p, i) => isParameter(p) && add(dotted(`${key}.${i}`), p));
      }
    }
    return out;
  }
  /** All parameters (tensors with requiresGrad) of this module and its submodules, in registration order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Mark `t` as this module's buffer `name` (torch's register_buffer) and assign it; returns it. */
  protected registerBuffer<T extends Tensor>(name: string, t: T): T {
    if (!(t instanceof Tensor) || isParameter(t)) throw new Error(`webgrad.nn.${this.constructor.name}.registerBuffer: '${name}' must be a Tensor that is not a parameter`);
    bufferSet.add(t);
    (this as unknown as Record<string, Tensor>)[name] = t;
    return t;
  }
  /** Buffers with dotted names, as namedParameters(). */
  namedBuffers(): [string, Tensor][] {
    return this.namedState().filter(([, t]) => bufferSet.has(t));
  }
  /** All buffers of this module and its submodules. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }
  /** Parameters and buffers in property order per module (torch's state_dict order), each tensor once. */
  private namedState(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const isState = (v: unknown): v is Tensor => isParameter(v) || (v instanceof Tensor && bufferSet.has(v) && !v.disposed);
    for (const [prefix, m] of this.namedModules()) {
      const add = (key: string, v: unknown) => {
        if (isState(v) && !seen.has(v)) out.push([prefix ? `${prefix}.${key}` : key, v]);
        if (isState(v)) seen.add(v);
      };
      for (const [key, v] of Object.entries(m)) {
        if (Array.isArray(v)) v.forEach((t, i) => add(`${key}.${i}`, t));
        else add(key, v);
      }
    }
    return out;
  }

  /** Set training mode here and in every child; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Evaluation mode (Dropout becomes the identity); same as train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Drop every parameter's gradient (setToNone, torch's default) or fill it with zeros. */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else {
        runtime().write(p.grad.buffer('zeroGrad'), new Float32Array(p.grad.size));
      }
    }
  }

  /**
   * { name: parameter or buffer }, each module's in property order. The values are the tensors
   * themselves, not copies (torch's are detached aliases of the same storage too): clone() one to keep
   * a snapshot, and do not dispose them.
   */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedState());
  }

  /**
   * Copy values into the existing parameter buffers (no reallocation: optimizers that hold the
   * parameters see the new values). With strict (the default) the keys must match exactly.
   */
  loadStateDict(sd: Record<string, StateValue>, { strict = true }: { strict?: boolean } = {}): LoadResult {
    const own = this.namedState();
    const names = new Set(own.map(([n]) => n));
    const missingKeys = own.map(([n]) => n).filter((n) => !(n in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !names.has(k));
    const who = `webgrad.nn.${this.constructor.name}.loadStateDict`;
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new Error(`${who}: ${parts.join('; ')} (the model has ${[...names].join(', ')}); pass { strict: false } to load the matching keys only`);
    }
    // Check everything before writing anything, so a failed load leaves the model unchanged.
    const plan = own.filter(([n]) => n in sd).map(([n, p]) => {
      const v = sd[n];
      if (v instanceof Tensor) {
        if (!sameShape(v.shape, p.shape)) throw new Error(`${who}: '${n}' has shape ${fmt(v.shape)} in the state dict but ${fmt(p.shape)} in the model`);
        if (v.dtype !== p.dtype) throw new Error(`${who}: '${n}' is ${v.dtype} in the state dict but ${p.dtype} in the model`);
        v.buffer('loadStateDict');
      } else if (v?.length !== p.size) {
        throw new Error(`${who}: '${n}' has ${v?.length} values in the state dict but the tensor ${fmt(p.shape)} holds ${p.size}`);
      }
      return [p, v] as const;
    });
    const rt = runtime();
    for (const [p, v] of plan) {
      if (v instanceof Tensor) {
        if (v !== p) rt.copy(v.buffer('loadStateDict'), p.buffer('loadStateDict'), p.size * 4);
      } else {
        rt.write(p.buffer('loadStateDict'), p.dtype === 'int32' ? Int32Array.from(v) : v instanceof Float32Array ? v : Float32Array.from(v));
      }
    }
    return { missingKeys, unexpectedKeys };
  }

  /** The module tree as text, torch's repr style. */
  toString(): string {
    const kids = this.namedChildren();
    if (!kids.length) return `${this.constructor.name}(${this.extraRepr()})`;
    const inner = kids.map(([n, m]) => `  (${n}): ${String(m).replace(/\n/g, '\n  ')}`).join('\n');
    return `${this.constructor.name}(\n${inner}\n)`;
  }
  /** Shown inside the parentheses of toString() (torch's extra_repr). */
  protected extraRepr(): string {
    return '';
  }
}
