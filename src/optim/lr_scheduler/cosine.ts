/**
 * Cosine schedules from SGDR (Loshchilov & Hutter, 2017, https://arxiv.org/abs/1608.03983):
 * CosineAnnealingLR (one half-cosine, continuing as a cosine wave past TMax) and
 * CosineAnnealingWarmRestarts (restarts with periods T0, T0*TMult, T0*TMult^2, ...). torch 1.13 semantics.
 */
import { LRScheduler, checkInteger, checkNumber, checkPositive, pyMod, type SchedulableOptimizer } from './scheduler.js';

/** Options of CosineAnnealingLR (torch's T_max, eta_min). */
export interface CosineAnnealingLROptions {
  /** Half-period of the cosine, in steps: the lr reaches etaMin at t = TMax. */
  TMax: number;
  /** Minimum lr. Default 0. */
  etaMin?: number;
  lastEpoch?: number;
}

/**
 * Cosine annealing from the initial lr eta_max down to etaMin over TMax steps.
 *
 *   eta_t = eta_min + (eta_max - eta_min) * (1 + cos(pi * T_cur / T_max)) / 2
 *
 * `step()` uses torch's recursive form, which changes the current lr by the ratio of consecutive
 * cosine factors (so it chains with other schedulers):
 *
 *   eta_{t+1} = eta_min + (eta_t - eta_min) * (1 + cos(pi (t+1) / T_max)) / (1 + cos(pi t / T_max)),
 *   and where that ratio is 0/0, at T_cur = (2k+1) T_max:
 *   eta_{t+1} = eta_t + (eta_max - eta_min) * (1 - cos(pi / T_max)) / 2.
 *
 * Past TMax the lr therefore climbs back up: the schedule is a cosine wave of period 2*TMax (SGDR's
 * annealing without the restarts; use CosineAnnealingWarmRestarts for restarts).
 * Defaults: etaMin = 0. https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html
 */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    const { TMax, etaMin = 0, lastEpoch = -1 } = options ?? ({} as CosineAnnealingLROptions);
    checkPositive('CosineAnnealingLR', 'TMax', TMax, 'pass the number of steps to anneal over, e.g. { TMax: totalSteps }');
    checkNumber('CosineAnnealingLR', 'etaMin', etaMin, 'pass the lr to anneal down to, e.g. { etaMin: 0 }');
    super(optimizer, lastEpoch, 'CosineAnnealingLR');
    this.TMax = TMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: t, TMax, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (t === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && t > 0) {
      // Resumed with lastEpoch > 0 and nothing to recurse from yet: the closed form.
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / TMax))) / 2);
    }
    if (pyMod(t - 1 - TMax, 2 * TMax) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / TMax))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * t) / TMax)) / (1 + Math.cos((Math.PI * (t - 1)) / TMax));
    return groups.map((g) => ratio * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: t, TMax, etaMin } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / TMax))) / 2);
  }
}

/** Options of CosineAnnealingWarmRestarts (torch's T_0, T_mult, eta_min). */
export interface CosineAnnealingWarmRestartsOptions {
  /** Steps (or epochs) until the first restart. */
  T0: number;
  /** Factor by which the period grows after each restart (an integer >= 1). Default 1. */
  TMult?: number;
  /** Minimum lr. Default 0. */
  etaMin?: number;
  lastEpoch?: number;
}

/**
 * SGDR: cosine annealing with warm restarts.
 *
 *   eta_t = eta_min + (eta_max - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2
 *
 * where T_cur counts steps since the last restart and T_i is the current period: T_0, then
 * T_0 * T_mult, T_0 * T_mult^2, ... At a restart T_cur = 0 and eta_t = eta_max (the initial lr).
 * `step(epoch)` accepts fractional epochs (call `step(epoch + i / itersPerEpoch)` after each batch).
 * Example (T_0 = 10, T_mult = 2, eta_max = 0.1): restarts at t = 10 and 30, so t = 15 has T_cur = 5,
 * T_i = 20 and eta = 0.05 (1 + cos(pi/4)) = 0.0853553...
 *
 * Defaults: TMult = 1, etaMin = 0.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.html
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0: number;
  /** The current period T_i. */
  Ti: number;
  TMult: number;
  etaMin: number;
  /** Steps since the last restart, T_cur (fractional after `step(epoch)` with a fractional epoch). */
  TCur: number;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    const { T0, TMult = 1, etaMin = 0, lastEpoch = -1 } = options ?? ({} as CosineAnnealingWarmRestartsOptions);
    checkInteger('CosineAnnealingWarmRestarts', 'T0', T0, 1, 'pass the length of the first cycle in steps, e.g. { T0: 10 }');
    checkInteger('CosineAnnealingWarmRestarts', 'TMult', TMult, 1, 'pass 1 for equal cycles or 2 to double each cycle');
    checkNumber('CosineAnnealingWarmRestarts', 'etaMin', etaMin, 'pass the lr to anneal down to, e.g. { etaMin: 0 }');
    super(optimizer, lastEpoch, 'CosineAnnealingWarmRestarts');
    this.T0 = T0;
    this.Ti = T0;
    this.TMult = TMult;
    this.etaMin = etaMin;
    this.TCur = lastEpoch;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.TCur) / this.Ti))) / 2);
  }

  /** Advance one step, or jump to `epoch` (fractional allowed, e.g. `epoch + batch / batches`). */
  override step(epoch?: number): void {
    this.stepCount += 1;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.TCur = this.TCur + 1;
      if (this.TCur >= this.Ti) {
        this.TCur = this.TCur - this.Ti;
        this.Ti = this.Ti * this.TMult;
      }
    } else {
      if (!Number.isFinite(epoch) || epoch < 0) {
        throw new Error(`CosineAnnealingWarmRestarts.step: epoch must be a non-negative number, got ${epoch}`);
      }
      const { T0, TMult } = this;
      if (epoch >= T0) {
        if (TMult === 1) {
          this.TCur = epoch % T0;
        } else {
          // Which cycle: the largest n with T0 (TMult^n - 1) / (TMult - 1) <= epoch.
          const n = Math.trunc(Math.log((epoch / T0) * (TMult - 1) + 1) / Math.log(TMult));
          this.TCur = epoch - (T0 * (TMult ** n - 1)) / (TMult - 1);
          this.Ti = T0 * TMult ** n;
        }
      } else {
        this.Ti = T0;
        this.TCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this.writeLrs(this.getLr());
  }
}
