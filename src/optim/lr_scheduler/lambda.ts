/**
 * Schedules given by user functions of the step: LambdaLR and MultiplicativeLR (torch 1.13).
 * The functions are not part of `stateDict()` (as in torch, where plain functions are not saved):
 * pass the same functions to the constructor before `loadStateDict`.
 */
import { LRScheduler, fail, type SchedulableOptimizer } from './scheduler.js';

/** A factor as a function of the step index t (torch calls it `epoch`). */
export type LrLambda = (t: number) => number;

function lambdas(scheduler: string, optimizer: SchedulableOptimizer, lrLambda: LrLambda | LrLambda[]): LrLambda[] {
  const groups = optimizer?.paramGroups?.length ?? 0;
  const fns = Array.isArray(lrLambda) ? [...lrLambda] : new Array<LrLambda>(groups).fill(lrLambda);
  if (Array.isArray(lrLambda) && fns.length !== groups) {
    fail(scheduler, 'lrLambda', `has ${fns.length} functions but the optimizer has ${groups} param groups`, 'pass one function, or one per group');
  }
  fns.forEach((f, i) => {
    if (typeof f !== 'function') fail(scheduler, Array.isArray(lrLambda) ? `lrLambda[${i}]` : 'lrLambda', `must be a function (t) => factor, got ${typeof f}`, 'e.g. { lrLambda: (t) => 0.95 ** t }');
  });
  return fns;
}

/** Options of LambdaLR: lr = base lr × lrLambda(step). */
export interface LambdaLROptions {
  /** factor(t), one function for all groups or one per group. */
  lrLambda: LrLambda | LrLambda[];
  lastEpoch?: number;
}

/**
 * The initial lr times a user factor.
 *
 *   eta_t = eta_0 * lambda(t)
 *
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.LambdaLR.html
 */
export class LambdaLR extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    const { lrLambda, lastEpoch = -1 } = options ?? ({} as LambdaLROptions);
    const fns = lambdas('LambdaLR', optimizer, lrLambda);
    super(optimizer, lastEpoch, 'LambdaLR');
    this.lrLambdas = fns;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch));
  }
}

/** Options of MultiplicativeLR: lr ← lr × lrLambda(step) each step. */
export interface MultiplicativeLROptions {
  /** factor(t) applied to the current lr at each step t > 0; one function or one per group. */
  lrLambda: LrLambda | LrLambda[];
  lastEpoch?: number;
}

/**
 * Multiply the current lr by a user factor at every step.
 *
 *   eta_t = eta_{t-1} * lambda(t)   (t > 0),   eta_0 = initial lr
 *
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.MultiplicativeLR.html
 */
export class MultiplicativeLR extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: MultiplicativeLROptions) {
    const { lrLambda, lastEpoch = -1 } = options ?? ({} as MultiplicativeLROptions);
    const fns = lambdas('MultiplicativeLR', optimizer, lrLambda);
    super(optimizer, lastEpoch, 'MultiplicativeLR');
    this.lrLambdas = fns;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch > 0) return groups.map((g, i) => g.lr * this.lrLambdas[i](this.lastEpoch));
    return groups.map((g) => g.lr);
  }
}
