/**
 * Layers: Linear, Sequential, the activations, Dropout, Flatten. Each is a small Module whose forward
 * calls tensor ops; autograd needs nothing from them.
 */
import { Tensor, Generator, reshape, relu, tanh, sigmoid, gelu, fmt, type GeluOptions } from '../tensor/index.js';
import { Module, Parameter } from './module.js';
import { kaimingUniform, uniform, calculateFanInAndFanOut } from './init.js';
import { dropout, linear } from './functional.js';

function input(who: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`webgrad.nn.${who}: forward expects a Tensor (got ${typeof x})`);
  return x;
}

/** Options of {@link Linear}. */
export interface LinearOptions {
  bias?: boolean;
  /** Draw the initial values from this generator (default: the global one, wg.manualSeed). */
  generator?: Generator;
}

/**
 * y = x·Wᵀ + b with W of shape [out, in] (torch's layout); Wᵀ is folded into the matmul kernel's
 * indexing, never materialised. x may be [in], [N, in], [B, T, in] (a batched product with W shared
 * over the batch) or have more leading dims (flattened to [−1, in] by a view).
 * Init as torch: kaimingUniform(W, { a: √5 }) = U(−1/√in, 1/√in), and b ~ U(−1/√in, 1/√in).
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, { bias = true, generator }: LinearOptions = {}) {
    super();
    for (const [k, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`webgrad.nn.Linear: ${k} must be a non-negative integer (got ${v})`);
    }
    this.weight = Parameter(kaimingUniform(Tensor.empty([outFeatures, inFeatures]), { a: Math.sqrt(5), generator }));
    if (bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      this.bias = Parameter(uniform(Tensor.empty([outFeatures]), -bound, bound, { generator }));
    } else {
      this.bias = null;
    }
  }

  forward(x: Tensor): Tensor {
    input('Linear', x);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`webgrad.nn.Linear(${this.inFeatures}, ${this.outFeatures}): expected an input whose last dimension is ${this.inFeatures}, got shape ${fmt(x.shape)}`);
    }
    return linear(x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Applies its modules in order; children are named '0', '1', ... as in torch. */
export class Sequential extends Module {
  [index: number]: Module;
  readonly length: number;

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new Error(`webgrad.nn.Sequential: argument ${i} is not a Module`);
      this[i] = m;
    });
    this.length = modules.length;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.length; i++) {
      const next = this[i].forward(y);
      // under noGrad nothing records the hidden activations; free them as they are consumed
      if (y !== x && y !== next && !next.node) y.dispose();
      y = next;
    }
    return y;
  }

  /** The modules in order. */
  *[Symbol.iterator](): IterableIterator<Module> {
    for (let i = 0; i < this.length; i++) yield this[i];
  }
}

/** max(x, 0), elementwise (torch.nn.ReLU). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(input('ReLU', x));
  }
}
/** tanh(x), elementwise (torch.nn.Tanh). */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(input('Tanh', x));
  }
}
/** 1 / (1 + e^-x), elementwise (torch.nn.Sigmoid). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(input('Sigmoid', x));
  }
}
/** GELU; { approximate: 'tanh' } for the tanh form (torch's approximate='tanh'). */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor({ approximate = 'none' }: GeluOptions = {}) {
    super();
    this.approximate = approximate;
  }
  forward(x: Tensor): Tensor {
    return gelu(input('GELU', x), { approximate: this.approximate });
  }
  protected override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * Inverted dropout in training mode, the identity in eval() mode (see nn.functional.dropout).
 * new Dropout(p) or new Dropout({ p, seed }); a seed gives the layer its own generator, so its masks
 * are reproducible independently of other random draws.
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: Generator | undefined;
  constructor(pOrOptions: number | { p?: number; seed?: number; generator?: Generator } = 0.5) {
    super();
    const o = typeof pOrOptions === 'number' ? { p: pOrOptions } : pOrOptions;
    this.p = o.p ?? 0.5;
    if (!(this.p >= 0 && this.p <= 1)) throw new Error(`webgrad.nn.Dropout: p must be a probability in [0, 1] (got ${this.p})`);
    this.generator = o.generator ?? (o.seed !== undefined ? new Generator(o.seed) : undefined);
  }
  forward(x: Tensor): Tensor {
    return dropout(input('Dropout', x), this.p, this.training, { generator: this.generator });
  }
  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Flattens dims startDim..endDim into one (defaults 1 and −1: keep the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    input('Flatten', x);
    const norm = (d: number) => (d < 0 ? d + x.ndim : d);
    const [s, e] = [norm(this.startDim), norm(this.endDim)];
    if (s < 0 || e >= x.ndim || s > e) {
      throw new Error(`webgrad.nn.Flatten(${this.startDim}, ${this.endDim}): dims out of range for an input of shape ${fmt(x.shape)}`);
    }
    const merged = x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
    return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
  }
}

/** Returns its input (torch.nn.Identity), handy as a placeholder. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
