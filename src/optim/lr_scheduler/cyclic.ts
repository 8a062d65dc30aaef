/**
 * Cyclical schedules (Leslie Smith): CyclicLR and OneCycleLR. Both cycle the momentum inversely to
 * the lr: `group.momentum` for SGD/RMSprop-style groups, or beta1 (`group.betas[0]`) for groups with
 * `betas` (Adam family), as torch 2.x does. torch 1.13's CyclicLR accepts momentum only; its
 * OneCycleLR already handles betas. Both are per-batch schedules: call `step()` after every batch.
 */
import {
  LRScheduler,
  checkOptimizer,
  checkPositive,
  checkInteger,
  checkNumber,
  fail,
  perGroup,
  type ParamGroup,
  type SchedulableOptimizer,
} from './scheduler.js';

/** For each group, whether its momentum is beta1 (it has `betas`) rather than `momentum`. */
function momentumSlots(scheduler: string, optimizer: SchedulableOptimizer): boolean[] {
  return optimizer.paramGroups.map((g, i) => {
    if (Array.isArray(g.betas)) return true;
    if (typeof g.momentum === 'number') return false;
    return fail(
      scheduler,
      'cycleMomentum',
      `is true but paramGroups[${i}] has neither momentum nor betas`,
      'use an optimizer with momentum (SGD, RMSprop) or betas (Adam family), or pass { cycleMomentum: false }',
    );
  });
}

/** Write the momentum (or beta1, as a new betas array: arrays may be shared between groups). */
function setMomentum(group: ParamGroup, useBeta1: boolean, value: number): void {
  if (useBeta1) group.betas = [value, ...(group.betas as number[]).slice(1)];
  else group.momentum = value;
}

/** CyclicLR's amplitude policies, torch's names. */
export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

/** Options of CyclicLR (torch's base_lr, max_lr, step_size_up, mode, ...). */
export interface CyclicLROptions {
  /** Lower lr boundary, one number or one per group; also the lr set at construction. */
  baseLr: number | number[];
  /** Upper lr boundary, one number or one per group (reached only if the scale is 1). */
  maxLr: number | number[];
  /** Steps in the increasing half of a cycle. Default 2000. */
  stepSizeUp?: number;
  /** Steps in the decreasing half. Default: stepSizeUp. */
  stepSizeDown?: number;
  /** Amplitude policy, ignored when scaleFn is given. Default 'triangular'. */
  mode?: CyclicMode;
  /** exp_range's decay: the amplitude is scaled by gamma^t. Default 1. */
  gamma?: number;
  /** Custom amplitude scale in [0, 1], of the cycle number or of the step (see scaleMode). Not saved by stateDict. */
  scaleFn?: (x: number) => number;
  /** What scaleFn receives: the cycle number (from 1) or the step index. Default 'cycle'. */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum (or beta1) inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  /** Momentum at the lr peak. Default 0.8. */
  baseMomentum?: number | number[];
  /** Momentum at the lr trough. Default 0.9. */
  maxMomentum?: number | number[];
  lastEpoch?: number;
}

/**
 * Cyclical learning rates (Smith, 2017, https://arxiv.org/abs/1506.01186): the lr goes linearly from
 * base_lr up to max_lr in stepSizeUp steps and back down in stepSizeDown steps, forever.
 *
 *   cycle = floor(1 + t / (up + down)),   x = 1 + t / (up + down) - cycle          (position in cycle, [0, 1))
 *   h     = x / r if x <= r else (x - 1) / (r - 1),   r = up / (up + down)          (0 -> 1 -> 0)
 *   lr_t  = base_lr + (max_lr - base_lr) * h * scale
 *   m_t   = max_m  - (max_m  - base_m)   * h * scale
 *
 * scale: triangular 1; triangular2 1 / 2^(cycle - 1) (halve the amplitude each cycle); exp_range
 * gamma^t; or scaleFn(cycle or t). Defaults: stepSizeUp = 2000, mode = 'triangular', gamma = 1,
 * cycleMomentum = true, baseMomentum = 0.8, maxMomentum = 0.9.
 * Differences from torch 1.13 (as torch 2.x): groups with `betas` get beta1 cycled, and the momentum
 * bounds come from the options even when resuming (1.13 re-read them from the groups).
 * https://pytorch.org/docs/2.0/generated/torch.optim.lr_scheduler.CyclicLR.html
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: CyclicMode;
  gamma: number;
  /** The custom scale function, when one was given in the options (else null). */
  scaleFnCustom: ((x: number) => number) | null;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  useBeta1: boolean[];
  baseMomentums: number[];
  maxMomentums: number[];

  constructor(optimizer: SchedulableOptimizer, options: CyclicLROptions) {
    const o = options ?? ({} as CyclicLROptions);
    const { stepSizeUp = 2000, mode = 'triangular', gamma = 1, scaleFn, scaleMode = 'cycle', cycleMomentum = true, lastEpoch = -1 } = o;
    const N = 'CyclicLR';
    checkOptimizer(optimizer, N);
    const n = optimizer.paramGroups.length;
    if (o.baseLr === undefined) fail(N, 'baseLr', 'is missing', 'pass the lower lr boundary, e.g. { baseLr: 1e-4, maxLr: 1e-2 }');
    if (o.maxLr === undefined) fail(N, 'maxLr', 'is missing', 'pass the upper lr boundary, e.g. { baseLr: 1e-4, maxLr: 1e-2 }');
    const baseLrs = perGroup(N, 'baseLr', o.baseLr, n);
    const maxLrs = perGroup(N, 'maxLr', o.maxLr, n);
    checkPositive(N, 'stepSizeUp', stepSizeUp, 'pass the length of the rising half-cycle in steps, e.g. { stepSizeUp: 2000 }');
    const stepSizeDown = o.stepSizeDown ?? stepSizeUp;
    checkPositive(N, 'stepSizeDown', stepSizeDown, 'pass the length of the falling half-cycle in steps, or leave it out to use stepSizeUp');
    if (scaleFn !== undefined && typeof scaleFn !== 'function') fail(N, 'scaleFn', `must be a function (x) => scale, got ${typeof scaleFn}`, 'or leave it out and pick a mode');
    if (!scaleFn && !['triangular', 'triangular2', 'exp_range'].includes(mode)) {
      fail(N, 'mode', `must be 'triangular', 'triangular2' or 'exp_range', got '${String(mode)}'`, 'or pass a scaleFn');
    }
    if (scaleMode !== 'cycle' && scaleMode !== 'iterations') fail(N, 'scaleMode', `must be 'cycle' or 'iterations', got '${String(scaleMode)}'`, 'see the CyclicLR docs');
    checkPositive(N, 'gamma', gamma, "exp_range scales the amplitude by gamma^t; use a value just below 1, e.g. 0.99994");
    checkInteger(N, 'lastEpoch', lastEpoch, -1, 'use -1 to start a new schedule');
    const baseMomentums = cycleMomentum ? perGroup(N, 'baseMomentum', o.baseMomentum ?? 0.8, n) : [];
    const maxMomentums = cycleMomentum ? perGroup(N, 'maxMomentum', o.maxMomentum ?? 0.9, n) : [];
    const useBeta1 = cycleMomentum ? momentumSlots(N, optimizer) : [];

    if (lastEpoch === -1) optimizer.paramGroups.forEach((g, i) => (g.lr = baseLrs[i]));
    if (cycleMomentum && lastEpoch === -1) {
      optimizer.paramGroups.forEach((g, i) => {
        setMomentum(g, useBeta1[i], maxMomentums[i]);
        g.maxMomentum = maxMomentums[i];
        g.baseMomentum = baseMomentums[i];
      });
    }
    super(optimizer, lastEpoch, N);
    this.maxLrs = maxLrs;
    this.totalSize = stepSizeUp + stepSizeDown;
    this.stepRatio = stepSizeUp / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    this.scaleFnCustom = scaleFn ?? null;
    this.scaleMode = scaleFn ? scaleMode : mode === 'exp_range' ? 'iterations' : 'cycle';
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    this.initialStep();
    // As torch: the first step used the groups' initialLr; from now on the lower bound is baseLr.
    this.baseLrs = baseLrs;
  }

  /** The amplitude scale at cycle number or step x. */
  scaleFn(x: number): number {
    if (this.scaleFnCustom) return this.scaleFnCustom(x);
    if (this.mode === 'triangular2') return 1 / 2 ** (x - 1);
    if (this.mode === 'exp_range') return this.gamma ** x;
    return 1;
  }

  /** The lrs at step lastEpoch; also writes the cycled momentum (or beta1) into the groups. */
  protected getLr(): number[] {
    const t = this.lastEpoch;
    const cycle = Math.floor(1 + t / this.totalSize);
    const x = 1 + t / this.totalSize - cycle;
    const h = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scaleFn(this.scaleMode === 'cycle' ? cycle : t);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * h * scale);
    if (this.cycleMomentum) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const m = this.maxMomentums[i] - (this.maxMomentums[i] - this.baseMomentums[i]) * h * scale;
        setMomentum(g, this.useBeta1[i], m);
      });
    }
    return lrs;
  }
}

/** Options of OneCycleLR (torch's max_lr, total_steps, pct_start, anneal_strategy, ...). */
export interface OneCycleLROptions {
  /** Peak lr, one number or one per group. */
  maxLr: number | number[];
  /** Steps in the whole cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr. Default 0.3. */
  pctStart?: number;
  /** Shape of each phase. Default 'cos'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or beta1) inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  /** Momentum at the lr peak. Default 0.85. */
  baseMomentum?: number | number[];
  /** Momentum at the start and end. Default 0.95. */
  maxMomentum?: number | number[];
  /** Initial lr = maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** Final lr = initial lr / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Use the paper's three phases (up, symmetric down, annihilate) instead of fastai's two. Default false. */
  threePhase?: boolean;
  lastEpoch?: number;
}

/** One phase of OneCycleLR: where it ends (a step) and the lr/momentum it anneals between. */
export interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle policy (Smith & Topin, 2017, https://arxiv.org/abs/1708.07120): warm up from
 * maxLr / divFactor to maxLr over the first pctStart of totalSteps, then anneal to
 * maxLr / divFactor / finalDivFactor; the momentum moves the opposite way (maxMomentum -> baseMomentum
 * -> maxMomentum). Each phase from a to b over steps [s, e]:
 *
 *   cos:    value = b + (a - b) / 2 * (1 + cos(pi * (t - s) / (e - s)))
 *   linear: value = a + (b - a) * (t - s) / (e - s)
 *
 * Two phases (fastai, the default) end at pctStart * totalSteps - 1 and totalSteps - 1; threePhase
 * makes the descent symmetric (ending at 2 * pctStart * totalSteps - 2) and adds a final anneal from
 * the initial lr to the minimum. Stepping beyond totalSteps throws, as in torch.
 * Groups get initialLr, maxLr, minLr (and maxMomentum, baseMomentum) keys, as torch's do.
 * Defaults: pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true, baseMomentum = 0.85,
 * maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.OneCycleLR.html
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  phases: Phase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean[];

  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions) {
    const o = options ?? ({} as OneCycleLROptions);
    const N = 'OneCycleLR';
    const { pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true, divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1 } = o;
    checkOptimizer(optimizer, N);
    const n = optimizer.paramGroups.length;
    let totalSteps: number;
    if (o.totalSteps !== undefined) {
      checkInteger(N, 'totalSteps', o.totalSteps, 1, 'pass the number of optimizer steps in the whole cycle');
      totalSteps = o.totalSteps;
    } else if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) {
      checkInteger(N, 'epochs', o.epochs, 1, 'pass both epochs and stepsPerEpoch, or totalSteps');
      checkInteger(N, 'stepsPerEpoch', o.stepsPerEpoch, 1, 'pass both epochs and stepsPerEpoch (batches per epoch), or totalSteps');
      totalSteps = o.epochs * o.stepsPerEpoch;
    } else {
      fail(N, 'totalSteps', 'is missing', 'pass { totalSteps } or both { epochs, stepsPerEpoch }');
    }
    if (o.maxLr === undefined) fail(N, 'maxLr', 'is missing', 'pass the peak lr, e.g. { maxLr: 0.01 } (the LR finder suggests one)');
    const maxLrs = perGroup(N, 'maxLr', o.maxLr, n);
    checkNumber(N, 'pctStart', pctStart, 'e.g. { pctStart: 0.3 }');
    if (pctStart < 0 || pctStart > 1) fail(N, 'pctStart', `must be in [0, 1], got ${pctStart}`, 'it is the fraction of the cycle spent warming up');
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') fail(N, 'annealStrategy', `must be 'cos' or 'linear', got '${String(annealStrategy)}'`, "use 'cos' (default)");
    checkPositive(N, 'divFactor', divFactor, 'the initial lr is maxLr / divFactor');
    checkPositive(N, 'finalDivFactor', finalDivFactor, 'the final lr is maxLr / divFactor / finalDivFactor');
    checkInteger(N, 'lastEpoch', lastEpoch, -1, 'use -1 to start a new schedule');
    const maxMomentums = cycleMomentum ? perGroup(N, 'maxMomentum', o.maxMomentum ?? 0.95, n) : [];
    const baseMomentums = cycleMomentum ? perGroup(N, 'baseMomentum', o.baseMomentum ?? 0.85, n) : [];
    const useBeta1 = cycleMomentum ? momentumSlots(N, optimizer) : [];

    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
        if (cycleMomentum) {
          setMomentum(g, useBeta1[i], maxMomentums[i]);
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        }
      });
    }
    super(optimizer, lastEpoch, N);
    this.totalSteps = totalSteps;
    const up = pctStart * totalSteps - 1;
    this.phases = threePhase
      ? [
          { endStep: up, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pctStart * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: up, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.initialStep();
  }

  /** Anneal from `start` to `end` as pct goes from 0 to 1. */
  anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    const cosOut = Math.cos(Math.PI * pct) + 1;
    return end + ((start - end) / 2) * cosOut;
  }

  protected getLr(): number[] {
    const t = this.lastEpoch;
    if (t > this.totalSteps) {
      throw new Error(
        `OneCycleLR: Tried to step ${t + 1} times. The specified number of total steps is ${this.totalSteps}; ` +
          'create the scheduler with totalSteps (or epochs * stepsPerEpoch) covering the whole run',
      );
    }
    return this.optimizer.paramGroups.map((g, gi) => {
      const num = (key: string) => g[key] as number;
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i];
        if (t <= phase.endStep || i === this.phases.length - 1) {
          const pct = (t - start) / (phase.endStep - start);
          if (this.cycleMomentum) setMomentum(g, this.useBeta1[gi], this.anneal(num(phase.startMomentum), num(phase.endMomentum), pct));
          return this.anneal(num(phase.startLr), num(phase.endLr), pct);
        }
        start = phase.endStep;
      }
      throw new Error('OneCycleLR: unreachable (no phase)');
    });
  }
}
