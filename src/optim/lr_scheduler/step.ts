/**
 * Step-based decays: StepLR, MultiStepLR, ExponentialLR, PolynomialLR (torch 1.13 semantics).
 * Each `getLr` is torch's chainable form (it multiplies the group's current lr), each
 * `closedFormLr` the formula in its doc comment, used by `step(epoch)`.
 */
import { LRScheduler, checkInteger, checkNumber, checkPositive, fail, type SchedulableOptimizer } from './scheduler.js';

/** Options of StepLR: multiply lr by gamma every stepSize steps. */
export interface StepLROptions {
  /** Period of the decay, in steps. */
  stepSize: number;
  /** Multiplicative decay factor. Default 0.1. */
  gamma?: number;
  /** Index of the last step taken; -1 starts a new schedule. Default -1. */
  lastEpoch?: number;
}

/**
 * Step decay: multiply the lr by gamma every `stepSize` steps.
 *
 *   eta_t = eta_0 * gamma^floor(t / stepSize)
 *
 * Defaults: gamma = 0.1. https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.StepLR.html
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    const { stepSize, gamma = 0.1, lastEpoch = -1 } = options ?? ({} as StepLROptions);
    checkInteger('StepLR', 'stepSize', stepSize, 1, 'pass the decay period in steps, e.g. { stepSize: 30 }');
    checkPositive('StepLR', 'gamma', gamma, 'pass the decay factor, e.g. { gamma: 0.1 }');
    super(optimizer, lastEpoch, 'StepLR');
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Options of MultiStepLR: multiply lr by gamma at each milestone. */
export interface MultiStepLROptions {
  /** Steps at which to multiply the lr by gamma, in ascending order (a repeated one applies gamma twice). */
  milestones: number[];
  /** Multiplicative decay factor. Default 0.1. */
  gamma?: number;
  lastEpoch?: number;
}

/**
 * Multi-step decay: multiply the lr by gamma each time the step count reaches a milestone.
 *
 *   eta_t = eta_0 * gamma^|{ m in milestones : m <= t }|
 *
 * Defaults: gamma = 0.1. https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.MultiStepLR.html
 */
export class MultiStepLR extends LRScheduler {
  /** Sorted, with repeats (torch keeps a Counter). */
  milestones: number[];
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: MultiStepLROptions) {
    const { milestones, gamma = 0.1, lastEpoch = -1 } = options ?? ({} as MultiStepLROptions);
    if (!Array.isArray(milestones)) fail('MultiStepLR', 'milestones', `must be an array of step indices, got ${String(milestones)}`, 'e.g. { milestones: [30, 80] }');
    milestones.forEach((m, i) => checkInteger('MultiStepLR', `milestones[${i}]`, m, 0, 'milestones are step indices'));
    milestones.forEach((m, i) => {
      if (i > 0 && m < milestones[i - 1]) {
        fail('MultiStepLR', 'milestones', `must be in ascending order, got [${milestones.join(', ')}]`, 'sort them');
      }
    });
    checkPositive('MultiStepLR', 'gamma', gamma, 'pass the decay factor, e.g. { gamma: 0.1 }');
    super(optimizer, lastEpoch, 'MultiStepLR');
    this.milestones = [...milestones];
    this.gamma = gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    const groups = this.optimizer.paramGroups;
    if (hits === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** hits);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((lr) => lr * this.gamma ** passed);
  }
}

/** Options of ExponentialLR: multiply lr by gamma every step. */
export interface ExponentialLROptions {
  /** Multiplicative decay factor per step. */
  gamma: number;
  lastEpoch?: number;
}

/**
 * Exponential decay: multiply the lr by gamma every step.
 *
 *   eta_t = eta_0 * gamma^t
 *
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ExponentialLR.html
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions) {
    const { gamma, lastEpoch = -1 } = options ?? ({} as ExponentialLROptions);
    checkPositive('ExponentialLR', 'gamma', gamma, 'pass the per-step decay factor, e.g. { gamma: 0.99 }');
    super(optimizer, lastEpoch, 'ExponentialLR');
    this.gamma = gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** this.lastEpoch);
  }
}

/** Options of PolynomialLR: decay to 0 over totalIters with the given power. */
export interface PolynomialLROptions {
  /** Steps over which the lr decays to 0. Default 5. */
  totalIters?: number;
  /** Power of the polynomial. Default 1. */
  power?: number;
  lastEpoch?: number;
}

/**
 * Polynomial decay to zero over `totalIters` steps.
 *
 *   eta_t = eta_0 * (1 - min(t, totalIters) / totalIters)^power
 *
 * Defaults: totalIters = 5, power = 1. https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.PolynomialLR.html
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: SchedulableOptimizer, options: PolynomialLROptions = {}) {
    const { totalIters = 5, power = 1, lastEpoch = -1 } = options;
    checkInteger('PolynomialLR', 'totalIters', totalIters, 1, 'pass the decay length in steps, e.g. { totalIters: 100 }');
    checkNumber('PolynomialLR', 'power', power, 'e.g. { power: 1 } for a linear decay');
    super(optimizer, lastEpoch, 'PolynomialLR');
    this.totalIters = totalIters;
    this.power = power;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return groups.map((g) => g.lr);
    const t = this.lastEpoch;
    const n = this.totalIters;
    const decay = ((1 - t / n) / (1 - (t - 1) / n)) ** this.power;
    return groups.map((g) => g.lr * decay);
  }

  protected override closedFormLr(): number[] {
    const t = Math.min(this.totalIters, this.lastEpoch);
    return this.baseLrs.map((lr) => lr * (1 - t / this.totalIters) ** this.power);
  }
}
