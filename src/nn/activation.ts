/**
 * More small modules: LeakyReLU, SiLU and Softmax (the functional forms as modules), and ModuleList,
 * a list of submodules registered under torch's names '0', '1', ... (its parameters are '0.weight', ...).
 */
import { Tensor, leakyRelu, silu, softmax, fmt } from '../tensor/index.js';
import { Module } from './module.js';

function input(who: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`webgrad.nn.${who}: forward expects a Tensor (got ${typeof x})`);
  return x;
}

/** x for x > 0, negativeSlope·x otherwise (torch.nn.LeakyReLU, default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) throw new Error(`webgrad.nn.LeakyReLU: negativeSlope must be a finite number (got ${negativeSlope})`);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(input('LeakyReLU', x), this.negativeSlope);
  }
  protected override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** x·σ(x) (torch.nn.SiLU). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(input('SiLU', x));
  }
}

/** Softmax along `dim` (torch.nn.Softmax; the dim is required: torch's implicit choice is deprecated). */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`webgrad.nn.Softmax: dim must be an integer (got ${dim}), e.g. new Softmax(-1)`);
  }
  forward(x: Tensor): Tensor {
    return softmax(input('Softmax', x), this.dim);
  }
  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Holds submodules in a list (torch.nn.ModuleList): list[i], list.at(-1), for..of, length,
 * append(m), extend(ms). It has no forward of its own: a model's forward loops over it.
 */
export class ModuleList extends Module {
  [index: number]: Module;
  #length = 0;

  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }
  get length(): number {
    return this.#length;
  }
  /** Add a module at the end; returns this. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw new Error(`webgrad.nn.ModuleList.append: expected a Module (got ${m === null ? 'null' : typeof m})`);
    this[this.#length++] = m;
    return this;
  }
  /** Add modules at the end; returns this. */
  extend(ms: Iterable<Module>): this {
    for (const m of ms) this.append(m);
    return this;
  }
  /** The module at index i; negative indices count from the end. */
  at(i: number): Module {
    const j = i < 0 ? i + this.#length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.#length) throw new Error(`webgrad.nn.ModuleList.at: index ${i} is out of range for a list of ${this.#length}`);
    return this[j];
  }
  /** The modules in order. */
  *[Symbol.iterator](): IterableIterator<Module> {
    for (let i = 0; i < this.#length; i++) yield this[i];
  }
  forward(x: Tensor): Tensor {
    throw new Error(`webgrad.nn.ModuleList: a ModuleList has no forward (input ${x instanceof Tensor ? fmt(x.shape) : typeof x}); call its modules in your model's forward`);
  }
}
