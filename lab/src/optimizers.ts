/**
 * The optimizers the lab races: each is the library's own class on the GPU. `beta` is the one momentum-like
 * knob each exposes on the page (SGD's momentum, Adam's beta1, RMSprop's alpha, Adadelta's rho).
 */
import * as wg from 'webgrad';

type Fused = InstanceType<typeof wg.optim.FusedOptimizer>;

export interface OptimizerSpec {
  label: string;
  lr: number;
  beta?: number;
  betaName?: string;
  /** The update rule as the paper writes it (shown beside the kernel). */
  rule: string;
  make(params: wg.Tensor[], lr: number, beta: number, extra?: Record<string, unknown>): Fused;
}

export const OPTIMIZERS: Record<string, OptimizerSpec> = {
  sgd: {
    label: 'SGD',
    lr: 1e-3,
    rule: 'p ← p − lr·g',
    make: (p, lr, _b, x) => new wg.optim.SGD(p, { lr, ...x }),
  },
  momentum: {
    label: 'Momentum',
    lr: 1e-3,
    beta: 0.9,
    betaName: 'momentum',
    rule: 'b ← μ·b + g;  p ← p − lr·b   (torch form; heavy ball)',
    make: (p, lr, beta, x) => new wg.optim.SGD(p, { lr, momentum: beta, ...x }),
  },
  nesterov: {
    label: 'Nesterov',
    lr: 1e-3,
    beta: 0.9,
    betaName: 'momentum',
    rule: 'b ← μ·b + g;  p ← p − lr·(g + μ·b)',
    make: (p, lr, beta, x) => new wg.optim.SGD(p, { lr, momentum: beta, nesterov: true, ...x }),
  },
  rmsprop: {
    label: 'RMSprop',
    lr: 1e-3,
    beta: 0.99,
    betaName: 'alpha',
    rule: 'v ← α·v + (1−α)·g²;  p ← p − lr·g / (√v + ε)',
    make: (p, lr, beta, x) => new wg.optim.RMSprop(p, { lr, alpha: beta, ...x }),
  },
  adam: {
    label: 'Adam',
    lr: 0.01,
    beta: 0.9,
    betaName: 'beta1',
    rule: 'm ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε)',
    make: (p, lr, beta, x) => new wg.optim.Adam(p, { lr, betas: [beta, 0.999], ...x }),
  },
  adamw: {
    label: 'AdamW',
    lr: 0.01,
    beta: 0.9,
    betaName: 'beta1',
    rule: 'p ← p·(1 − lr·λ);  then the Adam update',
    make: (p, lr, beta, x) => new wg.optim.AdamW(p, { lr, betas: [beta, 0.999], ...x }),
  },
  nadam: {
    label: 'NAdam',
    lr: 0.01,
    beta: 0.9,
    betaName: 'beta1',
    rule: 'Adam with a Nesterov look-ahead on m and a momentum-decay schedule μₜ',
    make: (p, lr, beta, x) => new wg.optim.NAdam(p, { lr, betas: [beta, 0.999], ...x }),
  },
  radam: {
    label: 'RAdam',
    lr: 0.01,
    beta: 0.9,
    betaName: 'beta1',
    rule: 'Adam whose adaptive term is switched on (with a variance rectification rₜ) once ρₜ > 5',
    make: (p, lr, beta, x) => new wg.optim.RAdam(p, { lr, betas: [beta, 0.999], ...x }),
  },
  adamax: {
    label: 'Adamax',
    lr: 0.01,
    beta: 0.9,
    betaName: 'beta1',
    rule: 'm ← β1·m + (1−β1)·g;  u ← max(β2·u, |g| + ε);  p ← p − lr/(1−β1ᵗ)·m/u',
    make: (p, lr, beta, x) => new wg.optim.Adamax(p, { lr, betas: [beta, 0.999], ...x }),
  },
  adagrad: {
    label: 'Adagrad',
    lr: 0.1,
    rule: 's ← s + g²;  p ← p − lr·g / (√s + ε)',
    make: (p, lr, _b, x) => new wg.optim.Adagrad(p, { lr, ...x }),
  },
  adadelta: {
    label: 'Adadelta',
    lr: 1,
    beta: 0.9,
    betaName: 'rho',
    rule: 'v ← ρv + (1−ρ)g²;  Δ ← √(u+ε)/√(v+ε)·g;  u ← ρu + (1−ρ)Δ²;  p ← p − lr·Δ',
    make: (p, lr, beta, x) => new wg.optim.Adadelta(p, { lr, rho: beta, ...x }),
  },
  lion: {
    label: 'Lion',
    lr: 1e-3,
    beta: 0.9,
    betaName: 'beta1',
    rule: 'c ← β1·m + (1−β1)·g;  p ← p − lr·sign(c);  m ← β2·m + (1−β2)·g',
    make: (p, lr, beta, x) => new wg.optim.Lion(p, { lr, betas: [beta, 0.99], ...x }),
  },
};

export const OPTIMIZER_OPTIONS: [string, string][] = Object.entries(OPTIMIZERS).map(([k, s]) => [k, s.label]);

/** Categorical colours for the optimizers, stable across charts. */
export const COLORS: Record<string, string> = {
  sgd: '#1f77b4', momentum: '#ff7f0e', nesterov: '#8c564b', rmsprop: '#2ca02c', adam: '#d62728', adamw: '#9467bd',
  nadam: '#e377c2', radam: '#7f7f7f', adamax: '#bcbd22', adagrad: '#17becf', adadelta: '#393b79', lion: '#637939',
};

/**
 * Records a small tensor's values at every step without reading anything back: row k of a [K, n]
 * accumulator gets the tensor at step k (one-hot column times the values, all on the GPU), and one
 * toArray() per K steps brings the whole chunk home.
 */
export class Recorder {
  private acc: wg.Tensor;
  private rows = 0;
  private static hot = new Map<number, wg.Tensor[]>();

  constructor(readonly n: number, readonly capacity = 50) {
    this.acc = wg.zeros([capacity, n]);
  }

  private oneHot(k: number): wg.Tensor {
    let list = Recorder.hot.get(this.capacity);
    if (!list) {
      list = Array.from({ length: this.capacity }, (_, i) => {
        const e = new Float32Array(this.capacity);
        e[i] = 1;
        return wg.tensor(e, [this.capacity, 1]);
      });
      Recorder.hot.set(this.capacity, list);
    }
    return list[k];
  }

  get full(): boolean {
    return this.rows === this.capacity;
  }

  push(t: wg.Tensor): void {
    if (this.full) throw new Error(`Recorder: ${this.capacity} rows are full; flush() first`);
    wg.noGrad(() => {
      const row = this.oneHot(this.rows).mul(t);
      const next = this.acc.add(row);
      row.dispose();
      this.acc.dispose();
      this.acc = next;
    });
    this.rows++;
  }

  /** The recorded rows (each of n values), and a fresh accumulator. */
  async flush(): Promise<number[][]> {
    if (this.rows === 0) return [];
    const data = await this.acc.toArray();
    const out = Array.from({ length: this.rows }, (_, k) => Array.from(data.subarray(k * this.n, (k + 1) * this.n)));
    this.acc.dispose();
    this.acc = wg.zeros([this.capacity, this.n]);
    this.rows = 0;
    return out;
  }

  dispose(): void {
    this.acc.dispose();
  }
}
