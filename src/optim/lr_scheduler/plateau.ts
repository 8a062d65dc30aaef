/**
 * ReduceLROnPlateau (torch 1.13 semantics): cut the lr when a monitored metric stops improving.
 * It is driven by a metric, not by the step count, so it is not an LRScheduler and cannot be put in
 * SequentialLR or ChainedScheduler; it has the same getLastLr / stateDict / loadStateDict methods.
 */
import { checkOptimizer, checkInteger, checkNumber, fail, fromJson, perGroup, toJson, cloneOptimizer, type SchedulableOptimizer, type SchedulerStateDict } from './scheduler.js';

/** Options of ReduceLROnPlateau (torch's mode, factor, patience, threshold, cooldown, min_lr, eps). */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should go down (a loss); 'max': up (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr * factor, in [0, 1). Default 0.1. */
  factor?: number;
  /** Steps without improvement tolerated before cutting the lr. Default 10. */
  patience?: number;
  /** How much better counts as better (see thresholdMode). Default 1e-4. */
  threshold?: number;
  /** 'rel': better than best * (1 -/+ threshold); 'abs': better than best -/+ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a cut before counting bad steps again. Default 0. */
  cooldown?: number;
  /** Lower bound on the lr, one number or one per group. Default 0. */
  minLr?: number | number[];
  /** Cuts smaller than eps are skipped. Default 1e-8. */
  eps?: number;
}

/**
 * Reduce the lr by `factor` when the metric has not improved for more than `patience` steps.
 *
 *   better(a)  = a < best * (1 - threshold)   ('min', 'rel');   a < best - threshold   ('min', 'abs')
 *                a > best * (1 + threshold)   ('max', 'rel');   a > best + threshold   ('max', 'abs')
 *   each step: if better(metric) { best = metric; bad = 0 } else bad += 1;
 *              during cooldown bad = 0;
 *              if bad > patience: lr = max(lr * factor, minLr) (if that lowers it by more than eps),
 *                                 cooldown restarts, bad = 0
 *
 * Defaults: mode 'min', factor 0.1, patience 10, threshold 1e-4, thresholdMode 'rel', cooldown 0,
 * minLr 0, eps 1e-8. The metric is a number: await loss.item() first.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html
 */
export class ReduceLROnPlateau {
  optimizer: SchedulableOptimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  /** Best metric so far (Infinity / -Infinity before the first step). */
  best: number;
  /** Consecutive steps without improvement. */
  numBadEpochs = 0;
  /** Steps of cooldown left. */
  cooldownCounter = 0;
  /** Number of steps taken (torch's `last_epoch`). */
  lastEpoch = 0;
  protected lastLr: number[];

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const N = 'ReduceLROnPlateau';
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    checkOptimizer(optimizer, N);
    if (mode !== 'min' && mode !== 'max') fail(N, 'mode', `must be 'min' or 'max', got '${String(mode)}'`, "use 'min' for a loss, 'max' for an accuracy");
    checkNumber(N, 'factor', factor, 'e.g. { factor: 0.1 }');
    if (factor < 0 || factor >= 1) fail(N, 'factor', `must be in [0, 1), got ${factor}`, 'the lr is multiplied by factor on a plateau, e.g. { factor: 0.5 }');
    checkInteger(N, 'patience', patience, 0, 'pass how many steps without improvement to tolerate, e.g. { patience: 10 }');
    checkNumber(N, 'threshold', threshold, 'e.g. { threshold: 1e-4 }');
    if (threshold < 0) fail(N, 'threshold', `must be >= 0, got ${threshold}`, 'it is the margin a new value must beat the best by');
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') fail(N, 'thresholdMode', `must be 'rel' or 'abs', got '${String(thresholdMode)}'`, "use 'rel' (default) or 'abs'");
    checkInteger(N, 'cooldown', cooldown, 0, 'pass how many steps to wait after a cut, e.g. { cooldown: 0 }');
    checkNumber(N, 'eps', eps, 'e.g. { eps: 1e-8 }');
    this.optimizer = optimizer;
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.minLrs = perGroup(N, 'minLr', minLr, optimizer.paramGroups.length);
    this.eps = eps;
    this.best = this.modeWorse();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Record one value of the monitored metric (e.g. the validation loss) and cut the lr on a plateau. */
  step(metric: number): void {
    if (typeof metric !== 'number') {
      throw new Error(`ReduceLROnPlateau.step: metric must be a number, got ${typeof metric}; pass await loss.item()`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad steps during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
      if (g.lr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** The lrs after the last step, one per param group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The lrs the optimizer would use for the given metric sequence (first entry: now); nothing changes. */
  preview(metrics: number[]): number[][] {
    const copy = Object.create(ReduceLROnPlateau.prototype) as ReduceLROnPlateau;
    copy.loadStateDict(this.stateDict());
    copy.optimizer = cloneOptimizer(this.optimizer);
    const out = [copy.optimizer.paramGroups.map((g) => g.lr)];
    for (const m of metrics) {
      copy.step(m);
      out.push(copy.getLastLr());
    }
    return out;
  }

  /** Every field except the optimizer, as JSON (best may be Infinity: stored as 'Infinity'). */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [key, value] of Object.entries(this)) if (key !== 'optimizer') out[key] = toJson(value);
    return out;
  }

  /** Restore what stateDict() returned. */
  loadStateDict(state: SchedulerStateDict): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(state)) if (key !== 'optimizer') self[key] = fromJson(value);
  }
}
