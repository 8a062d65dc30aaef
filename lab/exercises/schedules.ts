/**
 * Exercise 4: learning-rate schedules on f(x) = (x − 5)² from x = 0 [500 steps]: constant 0.1, step
 * decay (0.5, halve every 100), exponential (0.5·0.99^t), cosine (0.5, T = 500), warmup 50 + cosine.
 * Every run is torch's SGD driven by the library's schedulers (StepLR, ExponentialLR, CosineAnnealingLR,
 * SequentialLR of LinearLR and CosineAnnealingLR). Added settings: larger constant lrs, the same
 * schedules with noisy gradients, warmup on a quartic (x − 5)⁴/4 whose curvature is largest at the
 * start, and the two momentum forms under a schedule.
 */
import { type Wg, type Tensor, type Progress, type Claim, noop, r, fmt, read, options } from './common.js';

export const meta = { id: 4, title: 'Learning-rate schedules' };

export interface Options {
  steps: number;
  start: number;
  target: number;
  /** Standard deviation of the gradient noise in the noisy variant. */
  noise: number;
  extraConstants: number[];
  /** Run the noisy and quartic variants (the lesson settings). */
  variants: boolean;
  /** x is read back every `every` steps for the charts (the first step within 0.01 is tracked on the GPU every step). */
  every: number;
}
export const defaults: Options = { steps: 500, start: 0, target: 5, noise: 2, extraConstants: [0.5, 0.9, 1.05], variants: true, every: 5 };

export type ScheduleName = 'constant' | 'step' | 'exponential' | 'cosine' | 'warmup+cosine';
export const MATERIAL: { schedule: ScheduleName; lr: number }[] = [
  { schedule: 'constant', lr: 0.1 },
  { schedule: 'step', lr: 0.5 },
  { schedule: 'exponential', lr: 0.5 },
  { schedule: 'cosine', lr: 0.5 },
  { schedule: 'warmup+cosine', lr: 0.5 },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function makeScheduler(wg: Wg, name: ScheduleName, opt: any, steps: number): { step(): void } | null {
  const S = wg.optim.lrScheduler;
  switch (name) {
    case 'constant': return null;
    case 'step': return new S.StepLR(opt, { stepSize: 100, gamma: 0.5 });
    case 'exponential': return new S.ExponentialLR(opt, { gamma: 0.99 });
    case 'cosine': return new S.CosineAnnealingLR(opt, { TMax: steps });
    case 'warmup+cosine': return new S.SequentialLR(opt, { schedulers: [new S.LinearLR(opt, { startFactor: 0.02, totalIters: 50 }), new S.CosineAnnealingLR(opt, { TMax: steps - 50 })], milestones: [50] });
  }
}

interface Spec {
  schedule: ScheduleName;
  lr: number;
  variant: 'material' | 'added' | 'noisy' | 'quartic';
}
export interface ScheduleRun extends Spec {
  finalX: number | null;
  loss: number | null;
  firstStepWithin0_01: number | null;
  /** Mean |x − 5| over the samples of the last 50 steps (the noise floor in the noisy variant). */
  lastMeanError: number | null;
  /** x at steps 0, every, 2·every, ... */
  xs: (number | null)[];
  every: number;
  lrs: number[];
}

/** Run the specs side by side; x of every run is read back each step. */
export async function runSchedules(wg: Wg, specs: Spec[], o: Options, progress: Progress = noop, label = 'schedules'): Promise<ScheduleRun[]> {
  const runs = specs.map((s) => {
    const x = wg.tensor([o.start], [1], { requiresGrad: true });
    const opt = new wg.optim.SGD([x], { lr: s.lr });
    return { s, x, opt, sched: makeScheduler(wg, s.schedule, opt, o.steps), xs: [o.start] as number[], lrs: [] as number[], first: wg.full([1], -1) };
  });
  for (let t = 1; t <= o.steps; t++) {
    for (const u of runs) {
      u.lrs.push(u.opt.paramGroups[0].lr);
      u.opt.zeroGrad();
      let noise: Tensor | null = null;
      const d = u.x.sub(o.target);
      let l = u.s.variant === 'quartic' ? d.pow(4).mul(0.25).sum() : d.square().sum();
      if (u.s.variant === 'noisy') {
        // f_t(x) = (x − 5)² + ξ_t x, ξ_t ~ N(0, σ²): an unbiased, noisy gradient 2(x − 5) + ξ_t
        noise = wg.randn([1], { seed: 1000 + t }).mul(o.noise);
        l = l.add(u.x.mul(noise).sum());
      }
      l.backward();
      u.opt.step();
      l.dispose();
      noise?.dispose();
      u.sched?.step();
      const first = wg.fused('select(a, c, (a < T(0)) & (abs(b - d) < T(0.01)))', u.first, u.x, t, o.target);
      u.first.dispose();
      u.first = first;
    }
    if (t % o.every === 0) {
      const vals = await read(runs.map((u) => u.x));
      runs.forEach((u, k) => u.xs.push(vals[k][0]));
    }
    if (t % 25 === 0) progress(t, o.steps, label);
  }
  const firsts = await read(runs.map((u) => u.first));
  const finals = await read(runs.map((u) => u.x));
  return runs.map((u, k) => {
    const xs = u.xs;
    const x = finals[k][0];
    const err = (v: number) => Math.abs(v - o.target);
    const first = firsts[k][0];
    const tail = xs.slice(-Math.max(1, Math.floor(50 / o.every)));
    u.first.dispose();
    u.x.grad?.dispose();
    u.x.dispose();
    u.opt.dispose();
    return {
      ...u.s,
      finalX: r(x),
      loss: r(u.s.variant === 'quartic' ? 0.25 * (x - o.target) ** 4 : (x - o.target) ** 2),
      firstStepWithin0_01: first < 0 ? null : first,
      every: o.every,
      lastMeanError: r(tail.reduce((s, v) => s + err(v), 0) / tail.length),
      xs: xs.map((v) => r(v, 6)),
      lrs: u.lrs.map((v) => r(v, 6) ?? 0),
    };
  });
}

/**
 * The two momentum forms on (x − 5)² with a given lr sequence: A is torch's SGD (v ← βv + g, x ← x − ηv);
 * B is written out here (v ← βv + ηg, x ← x − v), the form the material calls equivalent.
 */
export async function momentumForms(wg: Wg, lrs: number[], beta = 0.9, start = 0, target = 5) {
  const xa = wg.tensor([start], [1], { requiresGrad: true });
  const opt = new wg.optim.SGD([xa], { lr: lrs[0], momentum: beta });
  let xb = wg.tensor([start], [1], { requiresGrad: true });
  let vb = wg.zeros([1]);
  const a: number[] = [start];
  const b: number[] = [start];
  for (const lr of lrs) {
    opt.paramGroups[0].lr = lr;
    opt.zeroGrad();
    const la = xa.sub(target).square().sum();
    la.backward();
    opt.step();
    la.dispose();
    const lb = xb.sub(target).square().sum();
    lb.backward();
    lb.dispose();
    wg.noGrad(() => {
      const v = vb.mul(beta).add(xb.grad!.mul(lr));
      const x = xb.sub(v);
      xb.grad!.dispose();
      xb.grad = null;
      for (const t of [vb, xb]) t.dispose();
      vb = v;
      xb = x;
      xb.requiresGrad = true;
    });
    const [va, vbv] = await read([xa, xb]);
    a.push(va[0]);
    b.push(vbv[0]);
  }
  for (const t of [xa.grad, xa, xb, vb]) t?.dispose();
  opt.dispose();
  const maxDiff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  return { a: a.map((v) => r(v)), b: b.map((v) => r(v)), maxDiff: r(maxDiff) };
}

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const specs: Spec[] = [
    ...MATERIAL.map((m) => ({ ...m, variant: 'material' as const })),
    ...o.extraConstants.map((lr) => ({ schedule: 'constant' as const, lr, variant: 'added' as const })),
    ...(o.variants ? [
      ...MATERIAL.map((m) => ({ ...m, variant: 'noisy' as const })),
      { schedule: 'constant' as const, lr: 0.5, variant: 'quartic' as const },
      { schedule: 'cosine' as const, lr: 0.5, variant: 'quartic' as const },
      { schedule: 'warmup+cosine' as const, lr: 0.5, variant: 'quartic' as const },
    ] : []),
  ];
  const all = await runSchedules(wg, specs, o, progress);
  const runs = all.filter((u) => u.variant === 'material');
  const n = 200;
  const constant = await momentumForms(wg, new Array(n).fill(0.01));
  const stepped = await momentumForms(wg, Array.from({ length: n }, (_, t) => (t < 50 ? 0.01 : 0.001)));
  const get = (schedule: ScheduleName, variant: Spec['variant'], lr?: number) => all.find((u) => u.schedule === schedule && u.variant === variant && (lr === undefined || u.lr === lr));
  const oscillates = (u?: ScheduleRun) => !!u && u.xs.slice(1, Math.ceil(40 / o.every)).some((v) => v !== null && v > o.target + 1e-3);
  const c01 = get('constant', 'material')!;
  const c09 = get('constant', 'added', 0.9);
  const st = get('step', 'material')!;
  const cos = get('cosine', 'material')!;
  const wu = get('warmup+cosine', 'material')!;
  const qc = get('cosine', 'quartic');
  const qw = get('warmup+cosine', 'quartic');
  const noisyC = get('constant', 'noisy');
  const noisyBest = all.filter((u) => u.variant === 'noisy').sort((a, b) => (a.lastMeanError ?? Infinity) - (b.lastMeanError ?? Infinity))[0];
  const within = (u?: ScheduleRun) => (u ? (u.firstStepWithin0_01 ?? 'never') : 'not run');
  const c105 = get('constant', 'added', 1.05);
  const verdict = (parts: boolean[]): Claim['verdict'] => (parts.every(Boolean) ? 'holds' : parts.some(Boolean) ? 'holds in part' : 'does not hold');
  const claims: Claim[] = [
    {
      claim: 'Schedules on (x-5)^2 from 0 with lr0 = 0.5: "a constant lr may oscillate, step decay causes instability, warmup helps".',
      setting: `${o.steps} steps of SGD; constant 0.1, step (0.5, x0.5 every 100), exponential (0.5 * 0.99^t), cosine (0.5, T = ${o.steps}), warmup 50 + cosine`,
      verdict: verdict([oscillates(c01), st.finalX === null || Math.abs(st.finalX - o.target) > 0.01, (wu.firstStepWithin0_01 ?? Infinity) < (cos.firstStepWithin0_01 ?? Infinity)]),
      evidence: `f'' = 2, so lr 0.5 = 1/f'' lands on x = 5 in one step: step decay reaches 0.01 at step ${within(st)}, cosine at ${within(cos)}, warmup + cosine only at ${within(wu)} (warmup delays it). ` +
        `Step decay ends at x = ${fmt(st.finalX)}: no instability. Constant 0.1 approaches monotonically (x_t = 5(1 - 0.8^t), within 0.01 at step ${within(c01)}, oscillates: ${oscillates(c01) ? 'yes' : 'no'}); a constant lr oscillates only above 0.5 (lr 0.9: ${oscillates(c09) ? 'oscillates' : 'no oscillation'}, within 0.01 at step ${within(c09)}) and diverges above 1 (lr 1.05: final x = ${c105 ? (c105.finalX === null ? 'infinity' : fmt(c105.finalX)) : 'not run'}).`,
      lesson: !noisyC || !qc || !qw ? undefined : `Where schedules and warmup do help: with noisy gradients (noise sd ${o.noise}) a constant lr 0.1 stalls at a noise floor (mean |x-5| over the last 50 steps ${fmt(noisyC.lastMeanError)}), the decaying schedules go below it (best: ${noisyBest.schedule}, ${fmt(noisyBest.lastMeanError)}). ` +
        `On the quartic (x-5)^4/4, whose curvature 3(x-5)^2 = 75 at the start makes lr 0.5 unstable, cosine from 0.5 ends at x = ${qc.finalX === null ? 'infinity (diverged)' : fmt(qc.finalX)} while warmup 50 + cosine ends at ${fmt(qw.finalX)}: warmup helps when the early curvature is high.`,
    },
    {
      claim: '"Both momentum forms (v = beta v + g, p -= eta v) and (v = beta v + eta g, p -= v) are equivalent" - also when the lr changes during training?',
      setting: `(x-5)^2 from 0, beta 0.9, ${n} steps; form A = torch SGD momentum, form B written out; lr 0.01 constant, and 0.01 -> 0.001 at step 50`,
      verdict: verdict([(constant.maxDiff ?? Infinity) < 1e-3, (stepped.maxDiff ?? Infinity) < 1e-3]),
      evidence: `Constant lr: the largest difference between the two paths is ${fmt(constant.maxDiff)} (float32 rounding): equivalent. With the lr cut at step 50 it is ${fmt(stepped.maxDiff)}: ` +
        'form A multiplies the whole velocity, past gradients included, by the new lr at once; form B keeps the old lr inside v and only new gradients get the new lr. They are equivalent only for a constant lr.',
    },
  ];
  return {
    settings: o,
    runs: runs.map(({ schedule, lr, finalX, loss, firstStepWithin0_01, xs, lrs, every }) => ({ schedule, lr, finalX, loss, firstStepWithin0_01, xs, lrs, every })),
    added: all.filter((u) => u.variant !== 'material'),
    momentumForms: { constant, stepped },
    claims,
  };
}
