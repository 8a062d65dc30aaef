/**
 * Schedules made of schedules (torch 1.13 semantics): SequentialLR runs one after another at
 * milestones (warmup, then decay); ChainedScheduler steps several at once, their factors multiplying
 * (it relies on the chainable `step()` of each). Their state dicts nest the children's.
 */
import { LRScheduler, checkInteger, fail, type SchedulableOptimizer, type SchedulerStateDict } from './scheduler.js';

function checkChildren(name: string, schedulers: unknown, optimizer: SchedulableOptimizer | undefined): LRScheduler[] {
  if (!Array.isArray(schedulers) || schedulers.length === 0) {
    fail(name, 'schedulers', 'must be a non-empty array of schedulers', 'e.g. [new LinearLR(opt, { totalIters: 50 }), new CosineAnnealingLR(opt, { TMax: 450 })]');
  }
  const first = optimizer ?? (schedulers[0] as LRScheduler)?.optimizer;
  schedulers.forEach((s: unknown, i: number) => {
    if (!(s instanceof LRScheduler)) {
      fail(name, `schedulers[${i}]`, 'is not an LRScheduler (ReduceLROnPlateau cannot be combined)', 'pass schedulers built on this optimizer');
    }
    if (s.optimizer !== first) {
      fail(name, `schedulers[${i}]`, 'drives a different optimizer', 'build every scheduler on the same optimizer');
    }
  });
  return schedulers as LRScheduler[];
}

/** Nest the children's states under `schedulers`; restore them likewise. */
abstract class CompositeScheduler extends LRScheduler {
  schedulers!: LRScheduler[];

  protected getLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: SchedulerStateDict): void {
    super.loadStateDict(state);
    const children = state.schedulers;
    if (!Array.isArray(children) || children.length !== this.schedulers.length) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: the state holds ${Array.isArray(children) ? children.length : 'no'} scheduler states ` +
          `but this one has ${this.schedulers.length} schedulers; build it with the same schedulers as the one saved`,
      );
    }
    children.forEach((s, i) => this.schedulers[i].loadStateDict(s as SchedulerStateDict));
  }

  override cloneOnto(optimizer: SchedulableOptimizer): this {
    const copy = super.cloneOnto(optimizer);
    copy.schedulers = this.schedulers.map((s) => s.cloneOnto(optimizer));
    return copy;
  }
}

/** Options of SequentialLR: the schedulers and the steps at which to switch between them. */
export interface SequentialLROptions {
  /** The schedulers, in order, all built on this optimizer. */
  schedulers: LRScheduler[];
  /** Steps at which to switch to the next scheduler: strictly increasing, one fewer than schedulers. */
  milestones: number[];
  lastEpoch?: number;
}

/**
 * Run schedulers one after another: scheduler k drives steps [milestones[k-1], milestones[k]).
 *
 *   eta_t = S_k(t - milestones[k-1]),   k = |{ m in milestones : m <= t }|
 *
 * At a milestone the next scheduler restarts from its own step 0 (`step(0)`, its closed form where it
 * has one, so e.g. a cosine restarts from the initial lr), then steps normally. Construction resets the
 * lrs to the initial lrs, undoes the children's constructor steps and re-takes only the first one's.
 * Typical warmup: new SequentialLR(opt, { schedulers: [new LinearLR(opt, { startFactor: 0.01,
 * totalIters: 50 }), new CosineAnnealingLR(opt, { TMax: 450 })], milestones: [50] }).
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.SequentialLR.html
 */
export class SequentialLR extends CompositeScheduler {
  milestones: number[];

  constructor(optimizer: SchedulableOptimizer, options: SequentialLROptions) {
    const { schedulers, milestones, lastEpoch = -1 } = options ?? ({} as SequentialLROptions);
    const N = 'SequentialLR';
    const children = checkChildren(N, schedulers, optimizer);
    if (!Array.isArray(milestones) || milestones.length !== children.length - 1) {
      fail(N, 'milestones', `must hold ${children.length - 1} step indices (one fewer than the ${children.length} schedulers), got ${JSON.stringify(milestones)}`, 'e.g. { milestones: [50] } to switch from the first scheduler to the second at step 50');
    }
    milestones.forEach((m, i) => {
      checkInteger(N, `milestones[${i}]`, m, 1, 'milestones are the steps at which the next scheduler takes over');
      if (i > 0 && m <= milestones[i - 1]) fail(N, 'milestones', `must be strictly increasing, got [${milestones.join(', ')}]`, 'sort them and drop repeats');
    });
    checkInteger(N, 'lastEpoch', lastEpoch, -1, 'use -1 to start a new schedule');
    super(optimizer, -1, N);
    this.schedulers = children;
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of children) s.lastEpoch -= 1;
    children[0].initialStep();
    this.lastLr = children[0].getLastLr();
  }

  override step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }
}

/**
 * Step several schedulers together; since each multiplies the current lr (chainable form), their
 * factors compose:  eta_t = eta_0 * prod_k f_k(t)  for multiplicative schedules.
 *
 * Example: ConstantLR(factor 0.1, totalIters 2) with ExponentialLR(gamma 0.9) on lr 1 gives
 * 0.1, 0.09, 0.81, 0.729, ... (what torch 1.13 computes; its docs print the list shifted by one step).
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ChainedScheduler.html
 */
export class ChainedScheduler extends CompositeScheduler {
  constructor(schedulers: LRScheduler[]) {
    const children = checkChildren('ChainedScheduler', schedulers, undefined);
    super(children[0].optimizer, -1, 'ChainedScheduler');
    this.schedulers = [...children];
    this.lastEpoch = 0;
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  override step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
}
