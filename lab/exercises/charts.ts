/**
 * Charts of the lab, built from the exercises' results with Observable Plot (browser DOM; the report
 * renders them in headless Chromium). Every chart has a title, labelled axes with units and a legend.
 *   figures(id, result) -> [{ name, title, render: () => Element }]
 */
import * as Plot from '@observablehq/plot';

export interface Figure {
  name: string;
  title: string;
  render: () => Element;
}

type Row = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const W = 720;
const H = 380;

interface LineSpec {
  title: string;
  x: string;
  y: string;
  z: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  marks?: Plot.Markish[];
  dots?: boolean;
}

function lines(data: Row[], s: LineSpec): Element {
  return Plot.plot({
    title: s.title,
    width: W,
    height: H,
    marginLeft: 64,
    grid: true,
    x: { label: s.xLabel, type: s.logX ? 'log' : 'linear' },
    y: { label: s.yLabel, type: s.logY ? 'log' : 'linear' },
    color: { legend: true, label: s.z },
    marks: [
      Plot.line(data, { x: s.x, y: s.y, stroke: s.z, strokeWidth: 1.6 }),
      ...(s.dots ? [Plot.dot(data, { x: s.x, y: s.y, fill: s.z, r: 2.5 })] : []),
      ...(s.marks ?? []),
    ],
  });
}

function bars(data: Row[], s: { title: string; x: string; y: string; fill: string; xLabel: string; yLabel: string; fx?: string }): Element {
  return Plot.plot({
    title: s.title,
    width: W,
    height: H,
    marginLeft: 64,
    marginBottom: 50,
    grid: true,
    x: { label: s.xLabel, tickRotate: -20 },
    y: { label: s.yLabel },
    color: { legend: true, label: s.fill },
    ...(s.fx ? { fx: { label: s.fx } } : {}),
    marks: [Plot.barY(data, { x: s.x, y: s.y, fill: s.fill, ...(s.fx ? { fx: s.fx } : {}) }), Plot.ruleY([0])],
  });
}

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const pos = (v: unknown) => finite(v) && (v as number) > 0;

/** Rosenbrock contour (log10 f) with optimizer paths. */
function rosenbrockPaths(paths: { label: string; path: [number, number, number][] }[], title: string): Element {
  const rows = paths.flatMap((p) => p.path.filter(([, x, y]) => finite(x) && finite(y) && Math.abs(x) < 3 && Math.abs(y) < 4).map(([step, x, y]) => ({ run: p.label, step, x, y })));
  return Plot.plot({
    title,
    width: W,
    height: 460,
    grid: true,
    x: { label: 'x (dimensionless)', domain: [-2.5, 2] },
    y: { label: 'y (dimensionless)', domain: [-1, 3.5] },
    color: { legend: true, label: 'run' },
    marks: [
      Plot.contour({ fill: (x: number, y: number) => Math.log10((1 - x) ** 2 + 100 * (y - x * x) ** 2 + 1e-3), x1: -2.5, x2: 2, y1: -1, y2: 3.5, stroke: '#999', strokeOpacity: 0.5, fillOpacity: 0.15, thresholds: 20 } as Any),
      Plot.line(rows, { x: 'x', y: 'y', stroke: 'run', strokeWidth: 1.8 }),
      Plot.dot([{ x: 1, y: 1 }], { x: 'x', y: 'y', r: 6, stroke: 'black', symbol: 'star' }),
      Plot.text([{ x: 1, y: 1, t: 'minimum (1, 1)' }], { x: 'x', y: 'y', text: 't', dy: -12 }),
    ],
  });
}

const builders: Record<number, (r: Any) => Figure[]> = {
  1: (res) => {
    const runs = res.runs as Any[];
    const label = (u: Any) => `${u.optimizer} lr ${u.lr} from (${u.start})`;
    return [
      { name: 'race_paths', title: 'Rosenbrock: paths from (-2, 2)', render: () => rosenbrockPaths(runs.filter((u) => u.start[0] === -2).map((u) => ({ label: `${u.optimizer} lr ${u.lr}`, path: u.path })), `Rosenbrock paths from (-2, 2), ${res.settings.steps} steps (contours: log10 f)`) },
      { name: 'race_paths_b', title: 'Rosenbrock: paths from (-1, 2)', render: () => rosenbrockPaths(runs.filter((u) => u.start[0] === -1).map((u) => ({ label: `${u.optimizer} lr ${u.lr}`, path: u.path })), `Rosenbrock paths from (-1, 2), ${res.settings.steps} steps (contours: log10 f)`) },
      { name: 'race_distance', title: 'Distance to the optimum over steps', render: () => lines(runs.flatMap((u) => u.path.map(([s, x, y]: number[]) => ({ run: label(u), step: s, d: Math.hypot(x - 1, y - 1) }))).filter((q: Any) => q.step > 0 && pos(q.d)), { title: 'Distance to (1, 1) vs step', x: 'step', y: 'd', z: 'run', xLabel: 'step (optimizer updates)', yLabel: 'distance to (1, 1) (log scale)', logY: true }) },
    ];
  },
  2: (res) => {
    const curve = Array.from({ length: 241 }, (_, i) => { const x = -6 + i * 0.05; return { x, f: 0.1 * x ** 4 - 3 * x * x + x }; });
    const pathRows = (runs: Any[]) => runs.flatMap((u: Any) => u.path.map((x: number, t: number) => ({ run: `${u.method} (${u.recipe}${u.beta ? `, beta ${u.beta}` : ''}, lr ${u.lr}, from ${u.start})`, t, x, f: 0.1 * x ** 4 - 3 * x * x + x })));
    const lessonRuns = res.lesson ? (res.lessonRuns as Any[]).filter((u) => u.lr === res.lesson.lr && (u.method === 'gd' || u.beta === res.lesson.beta)) : [];
    const onCurve = (runs: Any[], title: string) => () => Plot.plot({
      title, width: W, height: H, grid: true, marginLeft: 56,
      x: { label: 'x (dimensionless)' }, y: { label: 'f(x) (dimensionless)' }, color: { legend: true, label: 'run' },
      marks: [Plot.line(curve, { x: 'x', y: 'f', stroke: '#aaa' }), Plot.line(pathRows(runs), { x: 'x', y: 'f', stroke: 'run', marker: 'dot' }),
        Plot.dot(res.stationary, { x: 'x', y: 'f', symbol: 'kind', r: 5, stroke: 'black', tip: true }), Plot.text(res.stationary, { x: 'x', y: 'f', text: (d: Any) => `${d.kind} ${d.x.toFixed(2)}`, dy: 14 })],
    });
    return [
      { name: 'quartic_stated', title: 'The stated setting', render: onCurve(res.runs, 'Quartic from x = -3, lr 0.1, 20 steps: paths on f') },
      { name: 'quartic_steps', title: 'x over steps', render: () => lines(pathRows([...res.runs, ...lessonRuns]), { title: 'x over steps (stated setting and the lesson setting)', x: 't', y: 'x', z: 'run', xLabel: 'step', yLabel: 'x (dimensionless)' }) },
      ...(lessonRuns.length ? [{ name: 'quartic_lesson', title: 'Where momentum does reach the global minimum', render: onCurve(lessonRuns, `From x = ${res.settings.lessonStart}: GD vs heavy-ball momentum, lr ${res.lesson.lr}`) }] : []),
    ];
  },
  3: (res) => {
    const pos2 = (name: string, tr: Any) => tr.positions.flatMap((p: number[], k: number) => [{ run: `${name} x`, step: tr.steps[k], v: Math.abs(p[0]) }, { run: `${name} y`, step: tr.steps[k], v: Math.abs(p[1]) }]);
    return [
      { name: 'bowl_positions', title: 'Positions per coordinate', render: () => lines([...pos2('SGD', res.sgd), ...pos2('Adam', res.adam)].filter((q) => pos(q.v)), { title: '|x| and |y| over steps on 0.5x^2 + 5y^2, lr 0.1', x: 'step', y: 'v', z: 'run', xLabel: 'step', yLabel: '|coordinate| (log scale)', logY: true }) },
      { name: 'bowl_adam_state', title: "Adam's effective lr and step per coordinate", render: () => lines(res.perStep.flatMap((q: Any) => [
        { series: 'effective lr x (flat)', t: q.t, v: q.effectiveLr[0] }, { series: 'effective lr y (steep)', t: q.t, v: q.effectiveLr[1] },
        { series: 'step taken |dx|', t: q.t, v: q.taken[0] }, { series: 'step taken |dy|', t: q.t, v: q.taken[1] }]).filter((q: Any) => pos(q.v)),
      { title: "Adam: effective lr = lr/(sqrt(v_hat)+eps) and the step taken, per coordinate", x: 't', y: 'v', z: 'series', xLabel: 'step', yLabel: 'value (log scale; lr and steps in x units)', logY: true }) },
      { name: 'bowl_bias', title: 'Bias correction over a long run', render: () => lines(res.biasRatio.map((q: Any) => ({ series: 'uncorrected / corrected update', t: q.t, v: q.ratio })), { title: 'Adam: size of the uncorrected update relative to the corrected one', x: 't', y: 'v', z: 'series', xLabel: 'step (log scale)', yLabel: 'ratio', logX: true, dots: true, marks: [Plot.ruleY([1])] }) },
      { name: 'bowl_gd_lr', title: 'Fixed GD step on the quadratic', render: () => lines(res.gd.filter((q: Any) => pos(q.distance)).map((q: Any) => ({ series: 'GD after 100 steps', lr: q.lr, d: q.distance })), { title: 'GD: distance to the minimum after 100 steps vs the fixed lr', x: 'lr', y: 'd', z: 'series', xLabel: 'lr (step size)', yLabel: 'distance (log scale)', logY: true, dots: true, marks: [Plot.ruleX([1 / Math.max(...res.eigenvalues)], { stroke: 'red' }), Plot.text([{ x: 1 / Math.max(...res.eigenvalues), t: '1/lambda_max' }], { x: 'x', frameAnchor: 'top', text: 't', dy: 10 }), Plot.ruleX([2 / (res.eigenvalues[0] + res.eigenvalues[1])], { stroke: 'green' }), Plot.text([{ x: 2 / (res.eigenvalues[0] + res.eigenvalues[1]), t: '2/(lambda_min+lambda_max)' }], { x: 'x', frameAnchor: 'top', text: 't', dy: 24 })] }) },
      { name: 'bowl_lesson', title: 'A flatter bowl: Adam ahead', render: () => lines([...pos2('SGD', { positions: res.lesson.sgd, steps: res.lesson.sgd.map((_: unknown, i: number) => i) }), ...pos2('Adam', { positions: res.lesson.adam, steps: res.lesson.adam.map((_: unknown, i: number) => i) })].filter((q) => pos(q.v)), { title: `Bowl ${res.lesson.curvature[0] / 2}x^2 + ${res.lesson.curvature[1] / 2}y^2: |x|, |y| over steps, lr 0.1`, x: 'step', y: 'v', z: 'run', xLabel: 'step', yLabel: '|coordinate| (log scale)', logY: true }) },
    ];
  },
  4: (res) => {
    const name = (u: Any) => `${u.schedule} (lr0 ${u.lr})`;
    const err = (runs: Any[]) => runs.flatMap((u) => u.xs.map((x: number, k: number) => ({ run: name(u), t: k * (u.every ?? 1), e: Math.abs(x - 5) }))).filter((q: Any) => pos(q.e) && q.e < 1e6);
    return [
      { name: 'schedules_lr', title: 'The lr curves', render: () => lines(res.runs.flatMap((u: Any) => u.lrs.map((lr: number, t: number) => ({ run: name(u), t, lr }))), { title: 'Learning rate per step', x: 't', y: 'lr', z: 'run', xLabel: 'step', yLabel: 'learning rate' }) },
      { name: 'schedules_error', title: 'Distance to the optimum', render: () => lines(err(res.runs), { title: '|x - 5| per step on (x - 5)^2 (material settings)', x: 't', y: 'e', z: 'run', xLabel: 'step', yLabel: '|x - 5| (log scale)', logY: true }) },
      { name: 'schedules_constants', title: 'Larger constant lrs', render: () => lines(err(res.added.filter((u: Any) => u.variant === 'added').map((u: Any) => ({ ...u, xs: u.xs.slice(0, Math.ceil(60 / (u.every ?? 1))) }))), { title: 'Constant lr 0.5, 0.9, 1.05: |x - 5| over the first 60 steps', x: 't', y: 'e', z: 'run', xLabel: 'step', yLabel: '|x - 5| (log scale)', logY: true }) },
      { name: 'schedules_noisy', title: 'Noisy gradients', render: () => lines(err(res.added.filter((u: Any) => u.variant === 'noisy')), { title: `With gradient noise (sd ${res.settings.noise}): |x - 5| per step`, x: 't', y: 'e', z: 'run', xLabel: 'step', yLabel: '|x - 5| (log scale)', logY: true }) },
      { name: 'schedules_quartic', title: 'Warmup on a quartic', render: () => lines(err(res.added.filter((u: Any) => u.variant === 'quartic')), { title: 'f = (x - 5)^4 / 4 from 0: |x - 5| per step (a missing line diverged)', x: 't', y: 'e', z: 'run', xLabel: 'step', yLabel: '|x - 5| (log scale)', logY: true }) },
      { name: 'momentum_forms', title: 'Momentum forms under an lr drop', render: () => lines(['a', 'b'].flatMap((k) => res.momentumForms.stepped[k].map((x: number, t: number) => ({ run: k === 'a' ? 'form A: v = bv + g, p -= lr v (torch)' : 'form B: v = bv + lr g, p -= v', t, x }))), { title: 'Two momentum forms, lr 0.01 -> 0.001 at step 50', x: 't', y: 'x', z: 'run', xLabel: 'step', yLabel: 'x (dimensionless)', marks: [Plot.ruleX([50], { stroke: '#999' })] }) },
    ];
  },
  5: (res) => [
    { name: 'batch_error', title: 'Weight error per epoch (fixed lr)', render: () => lines(res.runs.filter((u: Any) => u.rule === 'fixed').flatMap((u: Any) => u.errors.map((e: number, i: number) => ({ batch: `batch ${u.batchSize}`, epoch: i + 1, e }))).filter((q: Any) => pos(q.e)), { title: `||w - w*|| after each epoch, SGD lr ${res.settings.lr}`, x: 'epoch', y: 'e', z: 'batch', xLabel: 'epoch', yLabel: 'weight error (log scale)', logY: true, dots: true }) },
    { name: 'batch_variance', title: 'Gradient variance vs batch size', render: () => lines(res.variance.flatMap((v: Any) => [{ series: 'measured (GPU minibatch gradients)', B: v.batchSize, v: v.measured }, { series: 'closed form sigma^2/B (n-B)/(n-1)', B: v.batchSize, v: v.expected }]).filter((q: Any) => pos(q.v)), { title: 'Variance of the minibatch gradient at w = 0 (trace)', x: 'B', y: 'v', z: 'series', xLabel: 'batch size (log scale)', yLabel: 'variance (log scale)', logX: true, logY: true, dots: true }) },
    { name: 'batch_rules', title: 'Linear vs square-root lr scaling', render: () => lines(res.runs.filter((u: Any) => pos(u.finalError) && u.finalError < 1e3).map((u: Any) => ({ rule: u.rule, B: u.batchSize, e: u.finalError })), { title: 'Final weight error by batch size and lr rule (missing points diverged)', x: 'B', y: 'e', z: 'rule', xLabel: 'batch size (log scale)', yLabel: 'final weight error (log scale)', logX: true, logY: true, dots: true }) },
    { name: 'batch_time', title: 'Throughput', render: () => bars(res.runs.filter((u: Any) => u.rule === 'fixed').map((u: Any) => ({ batch: String(u.batchSize), sps: u.stepsPerSecond * u.batchSize })), { title: 'Samples per second by batch size', x: 'batch', y: 'sps', fill: 'batch', xLabel: 'batch size', yLabel: 'samples / s' }) },
  ],
  6: (res) => [
    { name: 'mnist_loss', title: 'Training loss', render: () => lines(res.runs.flatMap((u: Any) => u.losses.map(([s, l]: number[]) => ({ optimizer: `${u.optimizer} lr ${u.lr}`, s, l }))), { title: `MNIST MLP: training loss (batch ${res.settings.batchSize})`, x: 's', y: 'l', z: 'optimizer', xLabel: 'step', yLabel: 'cross-entropy (nats, log scale)', logY: true }) },
    { name: 'mnist_acc', title: 'Validation accuracy', render: () => lines(res.runs.flatMap((u: Any) => u.epochs.map((e: Any) => ({ optimizer: `${u.optimizer} lr ${u.lr}`, epoch: e.epoch, acc: 100 * e.valAccuracy }))), { title: 'Held-out accuracy per epoch', x: 'epoch', y: 'acc', z: 'optimizer', xLabel: 'epoch', yLabel: 'accuracy (%)', dots: true }) },
    { name: 'mnist_gap', title: 'Generalisation gap', render: () => bars(res.runs.map((u: Any) => ({ optimizer: u.optimizer, gap: 100 * u.gap })), { title: 'Train accuracy - held-out accuracy after the last epoch', x: 'optimizer', y: 'gap', fill: 'optimizer', xLabel: 'optimizer', yLabel: 'gap (percentage points)' }) },
    { name: 'mnist_finder', title: 'LR finder (Adam)', render: () => lines(res.lrFinder.lrs.map((lr: number, i: number) => ({ series: 'smoothed loss', lr, l: res.lrFinder.losses[i] })), { title: `LR finder on Adam: suggestion ${res.lrFinder.suggestion}`, x: 'lr', y: 'l', z: 'series', xLabel: 'learning rate (log scale)', yLabel: 'smoothed loss (nats)', logX: true, marks: res.lrFinder.suggestion ? [Plot.ruleX([res.lrFinder.suggestion], { stroke: 'red' })] : [] }) },
    { name: 'mnist_schedules', title: 'Cosine vs step decay', render: () => lines(res.schedules.flatMap((u: Any) => u.losses.map(([s, l]: number[]) => ({ schedule: `${u.optimizer} + ${u.schedule}`, s, l }))), { title: `${res.best} with cosine vs step decay: training loss`, x: 's', y: 'l', z: 'schedule', xLabel: 'step', yLabel: 'cross-entropy (nats, log scale)', logY: true }) },
  ],
  7: (res) => [
    { name: 'adamw_norms', title: 'Parameter norms', render: () => lines(res.runs.flatMap((u: Any) => u.paramNorms.map(([e, n]: number[]) => ({ method: u.method, e, n }))), { title: 'Global parameter norm per epoch', x: 'e', y: 'n', z: 'method', xLabel: 'epoch', yLabel: '||theta||_2', dots: true }) },
    { name: 'adamw_acc', title: 'Held-out accuracy', render: () => lines(res.runs.flatMap((u: Any) => u.epochs.map((e: Any) => ({ method: u.method, epoch: e.epoch, acc: 100 * e.valAccuracy }))), { title: 'Held-out accuracy per epoch', x: 'epoch', y: 'acc', z: 'method', xLabel: 'epoch', yLabel: 'accuracy (%)', dots: true }) },
    { name: 'adamw_uniform', title: 'How uniformly the weights shrink', render: () => bars(res.uniformity.flatMap((u: Any) => [{ method: u.method, group: 'lowest-v quartile', ratio: u.lowV }, { method: u.method, group: 'highest-v quartile', ratio: u.highV }]), { title: '|w| relative to the no-decay run, by gradient second moment', x: 'group', y: 'ratio', fill: 'group', fx: 'method', xLabel: 'weights grouped by v', yLabel: '|w| / |w without decay|' }) },
  ],
  8: (res) => [
    { name: 'trajectories_pca', title: 'Weight trajectories in PCA space', render: () => lines(res.points, { title: `SGD vs Adam weight trajectories (PC1 ${(100 * res.explained[0]).toFixed(1)}%, PC2 ${(100 * res.explained[1]).toFixed(1)}% of the variance)`, x: 'pc1', y: 'pc2', z: 'optimizer', xLabel: 'PC1 (weight units)', yLabel: 'PC2 (weight units)', dots: true, marks: [Plot.text(res.points.filter((p: Any) => p.step === 0), { x: 'pc1', y: 'pc2', text: () => 'init', dy: -10 })] }) },
  ],
  9: (res) => [
    { name: 'landscape_slices', title: '1-D slices', render: () => lines(res.solutions.flatMap((s: Any) => s.slice.alphas.map((a: number, i: number) => ({ solution: `batch ${s.batchSize} (sharpness ${s.sharpness})`, a, l: s.slice.losses[i] }))).filter((q: Any) => pos(q.l)), { title: 'Loss along one filter-normalised direction', x: 'a', y: 'l', z: 'solution', xLabel: 'alpha (filter-normalised units)', yLabel: 'training loss (nats, log scale)', logY: true }) },
    ...res.solutions.map((s: Any) => ({ name: `landscape_${s.batchSize}`, title: `2-D surface, batch ${s.batchSize}`, render: () => Plot.plot({
      title: `Loss surface around the batch-${s.batchSize} solution (log10 loss)`, width: 520, height: 460, x: { label: 'alpha (filter-normalised units)' }, y: { label: 'beta (filter-normalised units)' }, color: { legend: true, label: 'log10 training loss (nats)', scheme: 'viridis' },
      marks: [Plot.contour(s.surface.losses.flatMap((row: number[], j: number) => row.map((l: number, i: number) => ({ a: s.surface.alphas[i], b: s.surface.betas[j], v: Math.log10(Math.max(l, 1e-6)) }))), { x: 'a', y: 'b', fill: 'v', thresholds: 15 } as Any), Plot.dot([{ a: 0, b: 0 }], { x: 'a', y: 'b', stroke: 'white', symbol: 'star', r: 6 })],
    }) })),
  ],
  10: (res) => [
    { name: 'lr_range', title: 'Loss vs lr', render: () => lines(res.lrs.flatMap((lr: number, i: number) => [{ series: 'smoothed', lr, l: res.losses[i] }, { series: 'raw', lr, l: res.rawLosses[i] }]).filter((q: Any) => pos(q.l)), { title: `LR range test (${res.optimizer}): suggestion ${res.suggestion}${res.stoppedEarlyAt ? `, stopped at ${res.stoppedEarlyAt}` : ''}`, x: 'lr', y: 'l', z: 'series', xLabel: 'learning rate (log scale)', yLabel: 'training loss (nats, log scale)', logX: true, logY: true, marks: res.suggestion ? [Plot.ruleX([res.suggestion], { stroke: 'red' })] : [] }) },
    { name: 'lr_range_train', title: 'Training with the picked lr', render: () => lines(res.trainings.flatMap((u: Any) => u.losses.map(([s, l]: number[]) => ({ run: `${u.role} (${u.lr})`, s, l }))).filter((q: Any) => pos(q.l)), { title: 'Training loss with the picked lr, a tenth of it and ten times it', x: 's', y: 'l', z: 'run', xLabel: 'step', yLabel: 'cross-entropy (nats, log scale)', logY: true }) },
  ],
  11: (res) => [
    { name: 'worked_steps', title: 'Worked steps', render: () => lines([
      ...[0, ...res.values.gd].map((w: number, t: number) => ({ run: 'GD on (w-3)^2, lr 0.1', t, w })),
      ...[10, res.values.adam].map((w: number, t: number) => ({ run: 'Adam on w^2, lr 0.1', t, w })),
      ...[10, ...res.values.momentum].map((w: number, t: number) => ({ run: 'momentum 0.9 on w^2, lr 0.1', t, w })),
    ], { title: 'Worked numbers: w after each step', x: 't', y: 'w', z: 'run', xLabel: 'step', yLabel: 'w (dimensionless)', dots: true, marks: [Plot.text([...res.values.gd.map((w: number, i: number) => ({ t: i + 1, w })), { t: 1, w: res.values.adam }, ...res.values.momentum.map((w: number, i: number) => ({ t: i + 1, w }))], { x: 't', y: 'w', text: (d: Any) => String(d.w), dx: 18 })] }) },
    { name: 'worked_sgdr', title: 'SGDR', render: () => lines(res.sgdrCurve.map((lr: number, t: number) => ({ series: 'CosineAnnealingWarmRestarts T0 = 10, TMult = 2', t, lr })), { title: 'SGDR lr (base 0.1), marked at t = 5, 15, 35', x: 't', y: 'lr', z: 'series', xLabel: 'step', yLabel: 'learning rate', marks: [Plot.dot([5, 15, 35].map((t, i) => ({ t, lr: res.values.sgdr[i] })), { x: 't', y: 'lr', r: 5, fill: 'red' }), Plot.text([5, 15, 35].map((t, i) => ({ t, lr: res.values.sgdr[i] })), { x: 't', y: 'lr', text: (d: Any) => d.lr.toFixed(4), dy: -12 })] }) },
  ],
  12: (res) => [
    { name: 'clip_norms', title: 'Global gradient norm', render: () => lines(res.runs.flatMap((u: Any) => u.records.map((q: Any) => ({ run: u.clip ? `clipped at ${u.clip}` : 'not clipped', step: q.step, n: q.norm }))).filter((q: Any) => pos(q.n)), { title: `Gradient norm before clipping (bad batch at step ${res.settings.badStep}; red: spike warnings)`, x: 'step', y: 'n', z: 'run', xLabel: 'step', yLabel: 'global gradient 2-norm (log scale)', logY: true, marks: [Plot.dot(res.runs.flatMap((u: Any) => u.warnings), { x: 'step', y: 'norm', r: 6, stroke: 'red' })] }) },
    { name: 'clip_layers', title: 'Per-layer gradient norms', render: () => lines(res.runs[0].records.flatMap((q: Any) => Object.entries(q.layers).map(([k, v]) => ({ layer: k, step: q.step, n: v }))).filter((q: Any) => pos(q.n)), { title: 'Per-layer gradient norms (run without clipping)', x: 'step', y: 'n', z: 'layer', xLabel: 'step', yLabel: 'gradient 2-norm (log scale)', logY: true }) },
    { name: 'clip_loss', title: 'Training loss', render: () => lines(res.runs.flatMap((u: Any) => u.records.map((q: Any) => ({ run: u.clip ? `clipped at ${u.clip}` : 'not clipped', step: q.step, l: q.loss }))).filter((q: Any) => pos(q.l)), { title: 'Training loss with and without clipping', x: 'step', y: 'l', z: 'run', xLabel: 'step', yLabel: 'cross-entropy (nats, log scale)', logY: true }) },
  ],
  13: (res) => [
    { name: 'newer_rosenbrock', title: 'Rosenbrock paths', render: () => rosenbrockPaths(res.rosenbrock.map((u: Any) => ({ label: u.method, path: u.path })), 'Rosenbrock from (-2, 2): Adam, Lion, SAM, L-BFGS') },
    { name: 'newer_mnist', title: 'MNIST training loss', render: () => lines(res.mnist.filter((u: Any) => u.stepsPerSecond !== null).flatMap((u: Any) => u.losses.map(([s, l]: number[]) => ({ method: u.method, s, l }))).filter((q: Any) => pos(q.l)), { title: 'MNIST MLP: training loss', x: 's', y: 'l', z: 'method', xLabel: 'step', yLabel: 'cross-entropy (nats, log scale)', logY: true }) },
    { name: 'newer_ns', title: 'Newton-Schulz singular values', render: () => lines(res.newtonSchulz.rows.flatMap((q: Any) => [{ series: 'largest singular value', steps: q.steps, s: q.maxSingular }, { series: 'smallest singular value', steps: q.steps, s: q.minSingular }]), { title: `Newton-Schulz on a ${res.newtonSchulz.shape.join('x')} matrix: singular values of the output (exact U V^T: all 1)`, x: 'steps', y: 's', z: 'series', xLabel: 'iterations', yLabel: 'singular value', dots: true, marks: [Plot.ruleY([1], { stroke: '#999' })] }) },
  ],
};

export function figures(id: number, result: unknown): Figure[] {
  const b = builders[id];
  return b ? b(result) : [];
}
