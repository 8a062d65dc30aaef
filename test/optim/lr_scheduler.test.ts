// Learning-rate schedules against PyTorch 1.13 fixtures (test/fixtures/gen_lr_scheduler.py), plus
// state-dict round trips, momentum/beta1 cycling, previews, validation and the lab's hand numbers.
// Pure TypeScript: no GPU, no Node built-ins (this file also runs in headless Chrome).
import { describe, it, expect } from 'vitest';
import fx from '../fixtures/lr_scheduler.json';
import * as lrs from '../../src/optim/lr_scheduler/index.js';
import type { LRScheduler, SchedulableOptimizer, SchedulerStateDict } from '../../src/optim/lr_scheduler/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Case {
  name: string;
  kind: string;
  options: { [k: string]: Json };
  optimizer: 'sgd' | 'adam';
  groups: Array<{ [k: string]: Json }>;
  steps: number;
  epochs?: Array<number | null>;
  metrics?: number[];
  track?: 'momentum' | 'beta1';
  lr: number[][];
  momentum?: number[][];
  beta1?: number[][];
  expectErrorOnNextStep?: string;
}
const cases = (fx as unknown as { cases: Case[] }).cases;

// The same functions as FUNCTIONS in gen_lr_scheduler.py.
const FUNCTIONS: Record<string, (x: number) => number> = {
  exp95: (e) => 0.95 ** e,
  inverse: (e) => 1.0 / (1.0 + 0.05 * e),
  warmupDecay: (e) => Math.min(1.0, (e + 1) / 10) * 0.99 ** e,
  const97: () => 0.97,
  stepwise: (e) => (e % 10 === 0 ? 0.9 : 1.0),
  halfCos: (x) => 0.5 * (1 + Math.cos((x * Math.PI) / 100)),
};

function resolve(options: { [k: string]: Json }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    const isFn = (x: Json) => x !== null && typeof x === 'object' && !Array.isArray(x) && 'fn' in x;
    if (isFn(v)) out[k] = FUNCTIONS[(v as { fn: string }).fn];
    else if (Array.isArray(v) && v.length > 0 && isFn(v[0])) out[k] = v.map((f) => FUNCTIONS[(f as { fn: string }).fn]);
    else out[k] = v;
  }
  return out;
}

type Scheduler = LRScheduler | lrs.ReduceLROnPlateau;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function build(kind: string, opt: SchedulableOptimizer, options: { [k: string]: Json }): Scheduler {
  const o = resolve(options) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const children = () => (options.schedulers as Array<{ kind: string; options: { [k: string]: Json } }>).map((c) => build(c.kind, opt, c.options) as LRScheduler);
  switch (kind) {
    case 'SequentialLR':
      return new lrs.SequentialLR(opt, { schedulers: children(), milestones: o.milestones });
    case 'ChainedScheduler':
      return new lrs.ChainedScheduler(children());
    default: {
      const Ctor = (lrs as unknown as Record<string, new (opt: SchedulableOptimizer, o: unknown) => Scheduler>)[kind];
      if (!Ctor) throw new Error(`no scheduler ${kind}`);
      return new Ctor(opt, o);
    }
  }
}

function makeOptimizer(c: Case): SchedulableOptimizer {
  return { paramGroups: JSON.parse(JSON.stringify(c.groups)) };
}

function snapshot(opt: SchedulableOptimizer, track?: string) {
  const lr = opt.paramGroups.map((g) => g.lr);
  const m =
    track === 'momentum' ? opt.paramGroups.map((g) => g.momentum as number) : track === 'beta1' ? opt.paramGroups.map((g) => (g.betas as number[])[0]) : null;
  return { lr, m };
}

function stepCase(c: Case, s: Scheduler, i: number): void {
  if (c.metrics) (s as lrs.ReduceLROnPlateau).step(c.metrics[i]);
  else if (c.epochs && c.epochs[i] !== null) (s as LRScheduler).step(c.epochs[i] as number);
  else (s as LRScheduler).step();
}

/** Run steps [from, to) and return the snapshots after each. */
function run(c: Case, opt: SchedulableOptimizer, s: Scheduler, from: number, to: number) {
  const out = [];
  for (let i = from; i < to; i++) {
    stepCase(c, s, i);
    out.push(snapshot(opt, c.track));
  }
  return out;
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-7 * Math.abs(expected) + 1e-15;
}

function expectSeq(actual: number[][], expected: number[][], what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let t = 0; t < expected.length; t++) {
    for (let g = 0; g < expected[t].length; g++) {
      if (!close(actual[t][g], expected[t][g])) {
        throw new Error(`${what}: step ${t} group ${g}: got ${actual[t][g]}, torch ${expected[t][g]}`);
      }
    }
  }
}

describe('lr_scheduler: every step matches torch 1.13', () => {
  it('covers every scheduler class', () => {
    const kinds = new Set<string>();
    const visit = (kind: string, options: { [k: string]: Json }) => {
      kinds.add(kind);
      if (Array.isArray(options.schedulers)) for (const ch of options.schedulers as Array<{ kind: string; options: { [k: string]: Json } }>) visit(ch.kind, ch.options);
    };
    cases.forEach((c) => visit(c.kind, c.options));
    for (const k of ['StepLR', 'MultiStepLR', 'ExponentialLR', 'PolynomialLR', 'CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'CyclicLR', 'OneCycleLR', 'LinearLR', 'ConstantLR', 'LambdaLR', 'MultiplicativeLR', 'SequentialLR', 'ChainedScheduler', 'ReduceLROnPlateau']) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  for (const c of cases) {
    it(c.name, () => {
      const opt = makeOptimizer(c);
      const s = build(c.kind, opt, c.options);
      const snaps = [snapshot(opt, c.track), ...run(c, opt, s, 0, c.steps)];
      expectSeq(snaps.map((x) => x.lr), c.lr, 'lr');
      const mom = c.track ? c[c.track] : undefined;
      if (mom) expectSeq(snaps.map((x) => x.m as number[]), mom, c.track as string);
      expect(s.getLastLr()).toEqual(opt.paramGroups.map((g) => g.lr));
      if (c.expectErrorOnNextStep) expect(() => (s as LRScheduler).step()).toThrow(c.expectErrorOnNextStep);
    });
  }
});

describe('lr_scheduler: stateDict round trip', () => {
  const SPLIT = 100;
  for (const c of cases.filter((x) => x.steps > SPLIT)) {
    it(c.name, () => {
      const optA = makeOptimizer(c);
      const a = build(c.kind, optA, c.options);
      const full = run(c, optA, a, 0, c.steps);

      const optB = makeOptimizer(c);
      const b = build(c.kind, optB, c.options);
      run(c, optB, b, 0, SPLIT);
      const saved = JSON.parse(JSON.stringify({ sched: b.stateDict(), groups: optB.paramGroups })) as { sched: SchedulerStateDict; groups: SchedulableOptimizer['paramGroups'] };

      const optC = makeOptimizer(c);
      const resumed = build(c.kind, optC, c.options);
      optC.paramGroups = saved.groups; // what Optimizer.loadStateDict does with the groups
      resumed.loadStateDict(saved.sched);
      expect(resumed.getLastLr()).toEqual(b.getLastLr());
      const rest = run(c, optC, resumed, SPLIT, c.steps);
      expect(rest).toEqual(full.slice(SPLIT)); // exact, not approximate
      expect(JSON.parse(JSON.stringify(resumed.stateDict()))).toEqual(JSON.parse(JSON.stringify(a.stateDict())));
    });
  }

  it('ReduceLROnPlateau saves best = Infinity before its first step', () => {
    const s = new lrs.ReduceLROnPlateau({ paramGroups: [{ lr: 0.1 }] });
    const sd = JSON.parse(JSON.stringify(s.stateDict()));
    const t = new lrs.ReduceLROnPlateau({ paramGroups: [{ lr: 0.1 }] }, { mode: 'max' });
    t.loadStateDict(sd);
    expect(t.best).toBe(Infinity);
    expect(t.mode).toBe('min');
  });
});

describe('lr_scheduler: momentum and beta1 cycling', () => {
  // torch 1.13's CyclicLR refuses optimizers without momentum (the fixture records its error);
  // torch 2.x cycles beta1 instead, with the same numbers as the momentum: check them against the
  // SGD fixtures, and betas[1] is left alone.
  it('torch 1.13 refuses CyclicLR on Adam', () => {
    expect((fx as unknown as { cyclicLrAdamRefusedByTorch: string }).cyclicLrAdamRefusedByTorch).toMatch(/momentum/);
  });

  for (const c of cases.filter((x) => x.kind === 'CyclicLR' && x.options.cycleMomentum !== false)) {
    it(`${c.name} on Adam's betas`, () => {
      const opt: SchedulableOptimizer = {
        paramGroups: c.groups.map((g, i) => ({ lr: g.lr as number, betas: [0.5, 0.999 - i / 100] })),
      };
      const s = build(c.kind, opt, c.options);
      const lr = [opt.paramGroups.map((g) => g.lr)];
      const b1 = [opt.paramGroups.map((g) => (g.betas as number[])[0])];
      for (let i = 0; i < c.steps; i++) {
        (s as LRScheduler).step();
        lr.push(opt.paramGroups.map((g) => g.lr));
        b1.push(opt.paramGroups.map((g) => (g.betas as number[])[0]));
        opt.paramGroups.forEach((g, gi) => expect((g.betas as number[])[1]).toBe(0.999 - gi / 100));
      }
      expectSeq(lr, c.lr, 'lr');
      expectSeq(b1, c.momentum as number[][], 'beta1');
    });
  }

  it('CyclicLR beta1 by hand: triangular, up 20, momentum 0.8..0.9', () => {
    const shared = [0.9, 0.999];
    const opt: SchedulableOptimizer = { paramGroups: [{ lr: 1, betas: shared }, { lr: 1, betas: shared }] };
    const s = new lrs.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 20 });
    const at: Record<number, [number, number]> = {};
    for (let t = 0; t <= 60; t++) {
      if (t > 0) s.step();
      at[t] = [opt.paramGroups[0].lr, (opt.paramGroups[0].betas as number[])[0]];
    }
    // h = t/20 rising, (40 - t)/20 falling; lr = 0.01 + 0.09 h; beta1 = 0.9 - 0.1 h
    expect(at[0][0]).toBeCloseTo(0.01, 15);
    expect(at[0][1]).toBeCloseTo(0.9, 15);
    expect(at[10][0]).toBeCloseTo(0.055, 15);
    expect(at[10][1]).toBeCloseTo(0.85, 15);
    expect(at[20][0]).toBeCloseTo(0.1, 15);
    expect(at[20][1]).toBeCloseTo(0.8, 15);
    expect(at[30][1]).toBeCloseTo(0.85, 15);
    expect(at[45][1]).toBeCloseTo(0.875, 15);
    expect(shared).toEqual([0.9, 0.999]); // betas are replaced, never mutated in place
    expect(opt.paramGroups[0].maxMomentum).toBe(0.9);
    expect(opt.paramGroups[0].baseMomentum).toBe(0.8);
  });

  it('momentum cycling needs momentum or betas', () => {
    expect(() => new lrs.OneCycleLR({ paramGroups: [{ lr: 0.1 }] }, { maxLr: 0.1, totalSteps: 10 })).toThrow(/cycleMomentum.*neither momentum nor betas.*cycleMomentum: false/);
    expect(() => new lrs.CyclicLR({ paramGroups: [{ lr: 0.1 }] }, { baseLr: 0.01, maxLr: 0.1, cycleMomentum: false })).not.toThrow();
  });
});

describe('lr_scheduler: SGDR hand numbers (lab exercise 11)', () => {
  // T0 = 10, TMult = 2: cycles [0, 10), [10, 30), [30, 70); T_cur = 5 at t = 5, 15, 35 with T_i = 10, 20, 40.
  const hand = (Ti: number) => 0 + ((0.1 - 0) * (1 + Math.cos((Math.PI * 5) / Ti))) / 2;
  const expected: Record<number, number> = { 5: 0.05, 15: 0.05 * (1 + Math.SQRT1_2), 35: hand(40) };

  it('by the formula', () => {
    expect(hand(10)).toBeCloseTo(0.05, 15);
    expect(hand(20)).toBeCloseTo(0.0853553390593, 12);
    expect(hand(40)).toBeCloseTo(0.0961939766256, 12);
  });

  it('by step()', () => {
    const opt = { paramGroups: [{ lr: 0.1, momentum: 0.9 }] };
    const s = new lrs.CosineAnnealingWarmRestarts(opt, { T0: 10, TMult: 2 });
    for (let t = 1; t <= 35; t++) {
      s.step();
      if (t in expected) expect(opt.paramGroups[0].lr).toBeCloseTo(expected[t], 15);
      if (t === 10 || t === 30) expect(opt.paramGroups[0].lr).toBe(0.1); // restarts
    }
  });

  it('by step(epoch) and by previewSchedule', () => {
    const opt = { paramGroups: [{ lr: 0.1 }] };
    const s = new lrs.CosineAnnealingWarmRestarts(opt, { T0: 10, TMult: 2 });
    for (const t of [35, 5, 15]) {
      s.step(t);
      expect(s.getLastLr()[0]).toBeCloseTo(expected[t], 15);
      expect(s.lastEpoch).toBe(t);
    }
    const seq = lrs.previewSchedule((o) => new lrs.CosineAnnealingWarmRestarts(o, { T0: 10, TMult: 2 }), { steps: 36, lr: 0.1 });
    for (const t of [5, 15, 35]) expect(seq[t][0]).toBeCloseTo(expected[t], 15);
  });
});

describe('lr_scheduler: preview', () => {
  it('previewSchedule returns one number[] per step, first = lr before any step', () => {
    const seq = lrs.previewSchedule((o) => new lrs.StepLR(o, { stepSize: 100, gamma: 0.5 }), { steps: 500, lr: 0.1 });
    expect(seq.length).toBe(500);
    expect(seq[0]).toEqual([0.1]);
    expect(seq[99]).toEqual([0.1]);
    expect(seq[100]).toEqual([0.05]);
    expect(seq[499][0]).toBeCloseTo(0.1 / 16, 15);
    const two = lrs.previewSchedule((o) => new lrs.ExponentialLR(o, { gamma: 0.99 }), { steps: 3, lr: [0.5, 0.1] });
    expect(two).toEqual([[0.5, 0.1], [0.5 * 0.99, 0.1 * 0.99], [0.5 * 0.99 * 0.99, 0.1 * 0.99 * 0.99]]);
  });

  it('warmup 50 + cosine over 500 steps (lab exercise 4)', () => {
    const seq = lrs.previewSchedule(
      (o) =>
        new lrs.SequentialLR(o, {
          schedulers: [new lrs.LinearLR(o, { startFactor: 0.02, totalIters: 50 }), new lrs.CosineAnnealingLR(o, { TMax: 450 })],
          milestones: [50],
        }),
      { steps: 500, lr: 0.5 },
    );
    expect(seq[0][0]).toBeCloseTo(0.01, 15);
    expect(seq[50][0]).toBe(0.5);
    expect(seq[275][0]).toBeCloseTo(0.25, 12);
    expect(seq[499][0]).toBeCloseTo(0.5 * (1 + Math.cos((Math.PI * 449) / 450)) / 2, 12);
  });

  it('preview(steps) changes neither the scheduler nor its optimizer', () => {
    for (const make of [
      (o: SchedulableOptimizer) => new lrs.OneCycleLR(o, { maxLr: 0.1, totalSteps: 100 }),
      (o: SchedulableOptimizer) => new lrs.SequentialLR(o, { schedulers: [new lrs.ConstantLR(o, { factor: 0.5 }), new lrs.CosineAnnealingLR(o, { TMax: 40 })], milestones: [5] }),
      (o: SchedulableOptimizer) => new lrs.ChainedScheduler([new lrs.LinearLR(o), new lrs.ExponentialLR(o, { gamma: 0.95 })]),
    ]) {
      const opt: SchedulableOptimizer = { paramGroups: [{ lr: 0.1, betas: [0.9, 0.999] }, { lr: 0.05, betas: [0.9, 0.999] }] };
      const s = make(opt);
      for (let i = 0; i < 10; i++) s.step();
      const before = JSON.stringify({ s: s.stateDict(), g: opt.paramGroups });
      const p = s.preview(50);
      expect(JSON.stringify({ s: s.stateDict(), g: opt.paramGroups })).toBe(before);
      const real = [opt.paramGroups.map((g) => g.lr)];
      for (let i = 1; i < 50; i++) {
        s.step();
        real.push(opt.paramGroups.map((g) => g.lr));
      }
      expect(p).toEqual(real);
    }
  });

  it('ReduceLROnPlateau.preview(metrics) leaves the real one alone', () => {
    const opt = { paramGroups: [{ lr: 1 }] };
    const s = new lrs.ReduceLROnPlateau(opt, { patience: 1, factor: 0.5 });
    const p = s.preview([3, 3, 3, 3, 3]);
    expect(p.map((x) => x[0])).toEqual([1, 1, 1, 0.5, 0.5, 0.25]);
    expect(opt.paramGroups[0].lr).toBe(1);
    expect(s.best).toBe(Infinity);
  });
});

describe('lr_scheduler: errors name the scheduler, the option and the fix', () => {
  const opt = () => ({ paramGroups: [{ lr: 0.1, momentum: 0.9 }] });
  it.each([
    ['CosineAnnealingLR TMax 0', () => new lrs.CosineAnnealingLR(opt(), { TMax: 0 }), /CosineAnnealingLR: TMax must be > 0, got 0; pass/],
    ['StepLR gamma 0', () => new lrs.StepLR(opt(), { stepSize: 10, gamma: 0 }), /StepLR: gamma must be > 0/],
    ['ExponentialLR gamma -1', () => new lrs.ExponentialLR(opt(), { gamma: -1 }), /ExponentialLR: gamma must be > 0/],
    ['StepLR stepSize missing', () => new lrs.StepLR(opt(), {} as lrs.StepLROptions), /StepLR: stepSize must be an integer >= 1/],
    ['MultiStepLR unsorted', () => new lrs.MultiStepLR(opt(), { milestones: [30, 10] }), /MultiStepLR: milestones must be in ascending order, got \[30, 10\]; sort them/],
    ['SequentialLR repeated milestone', () => {
      const o = opt();
      return new lrs.SequentialLR(o, { schedulers: [new lrs.ConstantLR(o), new lrs.ExponentialLR(o, { gamma: 0.9 }), new lrs.StepLR(o, { stepSize: 5 })], milestones: [10, 10] });
    }, /SequentialLR: milestones must be strictly increasing/],
    ['SequentialLR milestone count', () => {
      const o = opt();
      return new lrs.SequentialLR(o, { schedulers: [new lrs.ConstantLR(o), new lrs.ExponentialLR(o, { gamma: 0.9 })], milestones: [] });
    }, /SequentialLR: milestones must hold 1 step indices/],
    ['SequentialLR other optimizer', () => new lrs.SequentialLR(opt(), { schedulers: [new lrs.ConstantLR(opt())], milestones: [] }), /SequentialLR: schedulers\[0\] drives a different optimizer/],
    ['OneCycleLR no length', () => new lrs.OneCycleLR(opt(), { maxLr: 0.1 }), /OneCycleLR: totalSteps is missing; pass \{ totalSteps \} or both \{ epochs, stepsPerEpoch \}/],
    ['OneCycleLR epochs only', () => new lrs.OneCycleLR(opt(), { maxLr: 0.1, epochs: 3 }), /OneCycleLR: stepsPerEpoch must be an integer >= 1/],
    ['OneCycleLR pctStart', () => new lrs.OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }), /OneCycleLR: pctStart must be in \[0, 1\]/],
    ['OneCycleLR maxLr per group', () => new lrs.OneCycleLR(opt(), { maxLr: [0.1, 0.2], totalSteps: 10 }), /OneCycleLR: maxLr has 2 values but the optimizer has 1 param groups/],
    ['CyclicLR mode', () => new lrs.CyclicLR(opt(), { baseLr: 0.01, maxLr: 0.1, mode: 'sine' as lrs.CyclicMode }), /CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range'/],
    ['SGDR TMult 1.5', () => new lrs.CosineAnnealingWarmRestarts(opt(), { T0: 10, TMult: 1.5 }), /CosineAnnealingWarmRestarts: TMult must be an integer >= 1/],
    ['LinearLR startFactor 0', () => new lrs.LinearLR(opt(), { startFactor: 0 }), /LinearLR: startFactor must be in \(0, 1\]/],
    ['ConstantLR factor 2', () => new lrs.ConstantLR(opt(), { factor: 2 }), /ConstantLR: factor must be in \(0, 1\]/],
    ['LambdaLR wrong count', () => new lrs.LambdaLR(opt(), { lrLambda: [(t) => t, (t) => t] }), /LambdaLR: lrLambda has 2 functions but the optimizer has 1 param groups/],
    ['ReduceLROnPlateau factor 1', () => new lrs.ReduceLROnPlateau(opt(), { factor: 1 }), /ReduceLROnPlateau: factor must be in \[0, 1\)/],
    ['ReduceLROnPlateau mode', () => new lrs.ReduceLROnPlateau(opt(), { mode: 'up' as 'min' }), /ReduceLROnPlateau: mode must be 'min' or 'max'/],
    ['resume without initialLr', () => new lrs.StepLR(opt(), { stepSize: 10, lastEpoch: 5 }), /StepLR: lastEpoch is 5 \(resuming\) but paramGroups\[0\] has no initialLr/],
    ['no optimizer', () => new lrs.ExponentialLR(undefined as unknown as SchedulableOptimizer, { gamma: 0.9 }), /ExponentialLR: expected an optimizer/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it('a failed constructor leaves the groups alone', () => {
    const o = opt();
    expect(() => new lrs.CosineAnnealingLR(o, { TMax: -1 })).toThrow();
    expect(o.paramGroups[0]).toEqual({ lr: 0.1, momentum: 0.9 });
  });
});

describe('lr_scheduler: torch contract details', () => {
  it('records initialLr, steps once on construction and keeps an existing initialLr', () => {
    const opt: SchedulableOptimizer = { paramGroups: [{ lr: 0.1 }, { lr: 0.2, initialLr: 0.4 }] };
    const s = new lrs.ExponentialLR(opt, { gamma: 0.5 });
    expect(s.lastEpoch).toBe(0);
    expect(s.baseLrs).toEqual([0.1, 0.4]);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.4]);
    s.step(3); // closed form from initialLr
    expect(s.getLastLr()).toEqual([0.1 * 0.125, 0.4 * 0.125]);
  });

  it("ChainedScheduler multiplies factors (torch's docs example, as torch 1.13 actually runs it)", () => {
    const opt = { paramGroups: [{ lr: 1 }] };
    const s = new lrs.ChainedScheduler([new lrs.ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new lrs.ExponentialLR(opt, { gamma: 0.9 })]);
    const seq = [s.getLastLr()[0]];
    for (let i = 0; i < 4; i++) {
      s.step();
      seq.push(s.getLastLr()[0]);
    }
    // The docs list 0.09, 0.081, 0.729, ...; torch itself gives these (ExponentialLR's constructor step
    // does not multiply), checked with torch 1.13.
    [0.1, 0.09, 0.81, 0.729, 0.6561].forEach((v, i) => expect(seq[i]).toBeCloseTo(v, 14));
  });

  it('getLastLr returns a copy', () => {
    const s = new lrs.StepLR({ paramGroups: [{ lr: 0.1 }] }, { stepSize: 2 });
    s.getLastLr()[0] = 5;
    expect(s.getLastLr()).toEqual([0.1]);
  });
});
