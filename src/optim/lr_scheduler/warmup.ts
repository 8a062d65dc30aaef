/**
 * Warmup-style factors: LinearLR and ConstantLR (torch 1.13 semantics). Both scale the initial lr by
 * a factor for the first `totalIters` steps; combine them with another schedule through SequentialLR
 * (warmup, then decay) or ChainedScheduler (both at once).
 */
import { LRScheduler, checkInteger, checkNumber, fail, type SchedulableOptimizer } from './scheduler.js';

/** Options of LinearLR: scale lr linearly from startFactor to endFactor over totalIters. */
export interface LinearLROptions {
  /** Factor applied to the lr at step 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor reached at step `totalIters` and kept afterwards, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Steps over which the factor moves linearly. Default 5. */
  totalIters?: number;
  lastEpoch?: number;
}

/**
 * Linear warmup (or decay) of a multiplicative factor.
 *
 *   eta_t = eta_0 * (startFactor + (endFactor - startFactor) * min(t, totalIters) / totalIters)
 *
 * Stepped with `step()`, torch applies it recursively, as the ratio of consecutive factors:
 *   eta_t = eta_{t-1} * (1 + (endFactor - startFactor) / (totalIters * startFactor + (t - 1) * (endFactor - startFactor)))
 * which is the same in exact arithmetic and is what lets it chain with other schedules.
 *
 * Defaults: startFactor = 1/3, endFactor = 1, totalIters = 5.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.LinearLR.html
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: LinearLROptions = {}) {
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5, lastEpoch = -1 } = options;
    checkNumber('LinearLR', 'startFactor', startFactor, 'e.g. { startFactor: 0.1 } to start at a tenth of the lr');
    if (startFactor <= 0 || startFactor > 1) {
      fail('LinearLR', 'startFactor', `must be in (0, 1], got ${startFactor}`, 'the factor multiplies the initial lr; to warm up from 0 use a small positive factor such as 1e-3');
    }
    checkNumber('LinearLR', 'endFactor', endFactor, 'e.g. { endFactor: 1 }');
    if (endFactor < 0 || endFactor > 1) fail('LinearLR', 'endFactor', `must be in [0, 1], got ${endFactor}`, 'the factor multiplies the initial lr');
    checkInteger('LinearLR', 'totalIters', totalIters, 1, 'pass the warmup length in steps, e.g. { totalIters: 50 }');
    super(optimizer, lastEpoch, 'LinearLR');
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return groups.map((g) => g.lr);
    const d = this.endFactor - this.startFactor;
    const ratio = 1 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d);
    return groups.map((g) => g.lr * ratio);
  }

  protected override closedFormLr(): number[] {
    const t = Math.min(this.totalIters, this.lastEpoch);
    return this.baseLrs.map((lr) => lr * (this.startFactor + ((this.endFactor - this.startFactor) * t) / this.totalIters));
  }
}

/** Options of ConstantLR: scale lr by factor for totalIters steps. */
export interface ConstantLROptions {
  /** Factor applied to the lr until step `totalIters`, in (0, 1]. Default 1/3. */
  factor?: number;
  /** Step at which the lr returns to its initial value. Default 5. */
  totalIters?: number;
  lastEpoch?: number;
}

/**
 * A constant factor for the first steps, then the initial lr.
 *
 *   eta_t = eta_0 * factor   for t < totalIters
 *   eta_t = eta_0            for t >= totalIters
 *
 * Defaults: factor = 1/3, totalIters = 5.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ConstantLR.html
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: ConstantLROptions = {}) {
    const { factor = 1 / 3, totalIters = 5, lastEpoch = -1 } = options;
    checkNumber('ConstantLR', 'factor', factor, 'e.g. { factor: 0.5 }');
    if (factor <= 0 || factor > 1) {
      fail('ConstantLR', 'factor', `must be in (0, 1], got ${factor}`, 'the factor multiplies the initial lr and is divided out at totalIters');
    }
    checkInteger('ConstantLR', 'totalIters', totalIters, 1, 'pass the number of steps to hold the factor, e.g. { totalIters: 5 }');
    super(optimizer, lastEpoch, 'ConstantLR');
    this.factor = factor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    const restored = this.lastEpoch >= this.totalIters ? 1 - this.factor : 0;
    return this.baseLrs.map((lr) => lr * (this.factor + restored));
  }
}
