/**
 * Exercise 4 and a timeline for every scheduler of wg.optim.lrScheduler with its options. The timeline
 * drives the library's own scheduler classes on an optimizer-like object (no GPU needed to see an lr);
 * the exercise runs SGD on the GPU under each schedule on f(x) = (x − 5)² from 0.
 */
import * as wg from 'webgrad';
import * as Plot from '@observablehq/plot';
import { h, numberField, select, table, debounce, type Control } from './ui.js';
import { lab } from './hooks.js';

type Sched = { step(metric?: number): void };
type Opt = { paramGroups: { lr: number; [k: string]: unknown }[] };
type Values = Record<string, number | string>;
const S = wg.optim.lrScheduler;

interface SchedSpec {
  options: Record<string, number | string[]>;
  make(opt: Opt, o: Values, steps: number): Sched;
  note?: string;
}

/** Every scheduler, its options (a number, or the choices of a string option) and how to build it. */
export const SCHEDULERS: Record<string, SchedSpec> = {
  StepLR: { options: { stepSize: 100, gamma: 0.5 }, make: (opt, o) => new S.StepLR(opt, { stepSize: +o.stepSize, gamma: +o.gamma }) },
  MultiStepLR: {
    options: { milestone1: 150, milestone2: 350, gamma: 0.1 },
    make: (opt, o) => new S.MultiStepLR(opt, { milestones: [+o.milestone1, +o.milestone2], gamma: +o.gamma }),
  },
  ExponentialLR: { options: { gamma: 0.99 }, make: (opt, o) => new S.ExponentialLR(opt, { gamma: +o.gamma }) },
  PolynomialLR: { options: { totalIters: 400, power: 2 }, make: (opt, o) => new S.PolynomialLR(opt, { totalIters: +o.totalIters, power: +o.power }) },
  LinearLR: {
    options: { startFactor: 0.1, endFactor: 1, totalIters: 100 },
    make: (opt, o) => new S.LinearLR(opt, { startFactor: +o.startFactor, endFactor: +o.endFactor, totalIters: +o.totalIters }),
  },
  ConstantLR: { options: { factor: 0.25, totalIters: 100 }, make: (opt, o) => new S.ConstantLR(opt, { factor: +o.factor, totalIters: +o.totalIters }) },
  CosineAnnealingLR: { options: { TMax: 500, etaMin: 0 }, make: (opt, o) => new S.CosineAnnealingLR(opt, { TMax: +o.TMax, etaMin: +o.etaMin }) },
  CosineAnnealingWarmRestarts: {
    options: { T0: 50, TMult: 2, etaMin: 0 },
    make: (opt, o) => new S.CosineAnnealingWarmRestarts(opt, { T0: +o.T0, TMult: +o.TMult, etaMin: +o.etaMin }),
  },
  CyclicLR: {
    options: { baseLr: 0.01, maxLr: 0.5, stepSizeUp: 50, mode: ['triangular', 'triangular2', 'exp_range'], gamma: 0.995 },
    make: (opt, o) => new S.CyclicLR(opt, { baseLr: +o.baseLr, maxLr: +o.maxLr, stepSizeUp: +o.stepSizeUp, mode: o.mode as wg.optim.lrScheduler.CyclicMode, gamma: +o.gamma }),
  },
  OneCycleLR: {
    options: { maxLr: 0.5, pctStart: 0.3, annealStrategy: ['cos', 'linear'] },
    make: (opt, o, steps) => new S.OneCycleLR(opt, { maxLr: +o.maxLr, totalSteps: steps, pctStart: +o.pctStart, annealStrategy: o.annealStrategy as 'cos' | 'linear' }),
  },
  'SequentialLR (warmup + cosine)': {
    options: { warmup: 50, startFactor: 0.01 },
    make: (opt, o, steps) => {
      const w = +o.warmup;
      const warm = new S.LinearLR(opt, { startFactor: +o.startFactor, endFactor: 1, totalIters: w });
      const cos = new S.CosineAnnealingLR(opt, { TMax: Math.max(1, steps - w) });
      return new S.SequentialLR(opt, { schedulers: [warm, cos], milestones: [w] });
    },
  },
  'LambdaLR (γ^⌊t/k⌋)': { options: { gamma: 0.8, k: 50 }, make: (opt, o) => new S.LambdaLR(opt, { lrLambda: (t) => Number(o.gamma) ** Math.floor(t / +o.k) }) },
  'MultiplicativeLR (×f per step)': { options: { f: 0.995 }, make: (opt, o) => new S.MultiplicativeLR(opt, { lrLambda: () => +o.f }) },
  ReduceLROnPlateau: {
    options: { factor: 0.5, patience: 20, threshold: 1e-4 },
    note: 'fed a made-up validation loss that stops improving at step 150 (dashed, right axis scaled to the lr)',
    make: (opt, o) => new S.ReduceLROnPlateau(opt, { factor: +o.factor, patience: +o.patience, threshold: +o.threshold }),
  },
};

/** The made-up metric that ReduceLROnPlateau watches: falls, then plateaus with a small wiggle. */
export const plateauMetric = (t: number) => (t < 150 ? 1 - t / 200 : 0.25 + 0.002 * Math.sin(t));

/** The lr at each of `steps` optimizer steps (entry 0: right after construction). */
export function timeline(name: string, o: Values, steps: number, lr0: number): number[] {
  const opt: Opt = { paramGroups: [{ lr: lr0, momentum: 0.9, betas: [0.9, 0.999] }] };
  const s = SCHEDULERS[name].make(opt, o, steps);
  const out: number[] = [];
  for (let t = 0; t < steps; t++) {
    if (t > 0) s.step(name === 'ReduceLROnPlateau' ? plateauMetric(t) : undefined);
    out.push(opt.paramGroups[0].lr);
  }
  return out;
}

/** Exercise 4's five schedules, lr0 = 0.5 except the constant 0.1 (the material's settings). */
const EX4: [string, number, (opt: Opt) => Sched | null][] = [
  ['constant 0.1', 0.1, () => null],
  ['step decay (0.5, halve every 100)', 0.5, (opt) => new S.StepLR(opt, { stepSize: 100, gamma: 0.5 })],
  ['exponential (0.5·0.99ᵗ)', 0.5, (opt) => new S.ExponentialLR(opt, { gamma: 0.99 })],
  ['cosine (0.5, T = 500)', 0.5, (opt) => new S.CosineAnnealingLR(opt, { TMax: 500 })],
  [
    'warmup 50 + cosine',
    0.5,
    (opt) => new S.SequentialLR(opt, { schedulers: [new S.LinearLR(opt, { startFactor: 0.02, totalIters: 50 }), new S.CosineAnnealingLR(opt, { TMax: 450 })], milestones: [50] }),
  ],
];

export function mountSchedules(root: HTMLElement): void {
  const redraw = debounce(() => draw(), 150);
  const names = Object.keys(SCHEDULERS);
  const which = select('sched.name', 'Scheduler', names.map((n) => [n, n]), 'CosineAnnealingWarmRestarts', () => {
    buildOptions();
    draw();
  });
  const steps = numberField('sched.steps', 'steps', 500, redraw, '1');
  const lr0 = numberField('sched.lr', 'initial lr', 0.5, redraw);
  const controls: Record<string, Record<string, Control<number> | Control<string>>> = {};
  for (const [name, spec] of Object.entries(SCHEDULERS)) {
    const key = name.split(' ')[0];
    controls[name] = Object.fromEntries(
      Object.entries(spec.options).map(([k, v]) => [
        k,
        Array.isArray(v) ? select(`sched.${key}.${k}`, k, v.map((c) => [c, c]), v[0], redraw) : numberField(`sched.${key}.${k}`, k, v, redraw),
      ]),
    );
  }
  const optionBox = h('div', { class: 'controls' });
  const buildOptions = () => optionBox.replaceChildren(...Object.values(controls[which.value]).map((c) => c.el));
  buildOptions();
  const chart = h('div', { class: 'chart', id: 'sched-chart' });
  const note = h('p', { class: 'status' });
  const ex4 = h('div', {});
  const runButton = h('button', { id: 'ex4-run' }, 'Run exercise 4 on the GPU');
  root.append(
    h('div', { class: 'controls' }, which.el, steps.el, lr0.el),
    optionBox,
    note,
    chart,
    h('h3', {}, 'Exercise 4: schedules on f(x) = (x − 5)² from x = 0, SGD, 500 steps'),
    h('p', {}, 'The claims to check: "a constant lr may oscillate, step decay causes instability, warmup helps". Each row is wg.optim.SGD with the library scheduler, on the GPU.'),
    runButton,
    ex4,
  );
  runButton.addEventListener('click', () => void runEx4());

  function draw(): void {
    const name = which.value;
    const o: Values = Object.fromEntries(Object.entries(controls[name]).map(([k, c]) => [k, c.value]));
    const n = Math.max(2, Math.min(20000, Math.round(steps.value)));
    let lrs: number[];
    try {
      lrs = timeline(name, o, n, lr0.value);
    } catch (e) {
      note.textContent = (e as Error).message;
      note.classList.add('error');
      return;
    }
    note.classList.remove('error');
    note.textContent = `new wg.optim.lrScheduler.${name.split(' ')[0]}(opt, {...}); lr for each of ${n} optimizer steps. ${SCHEDULERS[name].note ?? ''}`;
    const marks: Plot.Markish[] = [Plot.line(lrs, { x: (_: number, i: number) => i, y: (d: number) => d, stroke: '#d62728' }), Plot.ruleY([0])];
    if (name === 'ReduceLROnPlateau') {
      const scale = Math.max(...lrs);
      marks.push(Plot.line(Array.from({ length: n }, (_, t) => plateauMetric(t) * scale), { x: (_: number, i: number) => i, y: (d: number) => d, stroke: '#777', strokeDasharray: '4 3' }));
    }
    chart.replaceChildren(Plot.plot({ width: 760, height: 240, x: { label: 'optimizer step' }, y: { label: 'lr', grid: true }, marks }));
    lab.schedules = { name, lrs };
  }

  async function runEx4(): Promise<void> {
    runButton.disabled = true;
    ex4.replaceChildren(h('p', { class: 'status' }, 'running…'));
    const T = 500;
    const xs: { t: number; x: number; who: string }[] = [];
    const lrRows: { t: number; lr: number; who: string }[] = [];
    const rows: (string | number)[][] = [['schedule', 'x after step 1', 'final x', 'final loss', 'first step within 0.01 of 5', 'max |x − 5| after step 10']];
    try {
      for (const [who, lr, make] of EX4) {
        const x = wg.tensor([0], [1], { requiresGrad: true });
        const opt = new wg.optim.SGD([x], { lr });
        const sched = make(opt);
        const rec = wg.zeros([T]);
        let acc = rec;
        const lrsSeen: number[] = [];
        for (let t = 0; t < T; t++) {
          lrsSeen.push(opt.paramGroups[0].lr);
          opt.zeroGrad();
          const loss = x.sub(5).square().sum();
          loss.backward();
          loss.dispose();
          opt.step();
          sched?.step();
          // write x into slot t of a [T] vector on the GPU: one readback per schedule
          wg.noGrad(() => {
            const hot = new Float32Array(T);
            hot[t] = 1;
            const e = wg.tensor(hot);
            const next = acc.add(e.mul(x));
            e.dispose();
            acc.dispose();
            acc = next;
          });
        }
        const values = Array.from(await acc.toArray());
        acc.dispose();
        x.grad?.dispose();
        x.dispose();
        opt.dispose();
        values.forEach((v, t) => xs.push({ t: t + 1, x: v, who }));
        lrsSeen.forEach((v, t) => lrRows.push({ t, lr: v, who }));
        const within = values.findIndex((v) => Math.abs(v - 5) < 0.01);
        const last = values[T - 1];
        rows.push([who, values[0], last, (last - 5) ** 2, within < 0 ? 'never' : String(within + 1), Math.max(...values.slice(10).map((v) => Math.abs(v - 5)))]);
      }
    } finally {
      runButton.disabled = false;
    }
    lab.ex4 = { rows };
    const plot = (marks: Plot.Markish[], y: Plot.ScaleOptions) =>
      Plot.plot({ width: 560, height: 240, x: { label: 'step', type: 'log' }, y: { grid: true, ...y }, color: { legend: true }, marks });
    ex4.replaceChildren(
      h('div', { class: 'row' },
        h('div', { class: 'chart' }, h('b', {}, 'x over steps (log step axis)'), plot([Plot.line(xs, { x: 't', y: 'x', stroke: 'who' }), Plot.ruleY([5])], { label: 'x' })),
        h('div', { class: 'chart' }, h('b', {}, 'lr over steps'), plot([Plot.line(lrRows.map((r) => ({ ...r, t: r.t + 1 })), { x: 't', y: 'lr', stroke: 'who' })], { label: 'lr' }))),
      table(rows),
      h('p', {}, 'Why: on (x − 5)² one SGD step is x ← x − lr·2(x − 5), so the error is multiplied by (1 − 2·lr) each step; lr 0.5 lands on x = 5 in one step (see the first column), lr < 0.5 converges monotonically, 0.5 < lr < 1 oscillates while converging, lr > 1 diverges.'),
    );
  }

  draw();
}
