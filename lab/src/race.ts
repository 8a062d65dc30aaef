/**
 * Exercise 1 (and 2, 3 in two dimensions): the optimizer race. Every selected optimizer is the library's
 * class stepping a 2-element parameter tensor on the GPU: loss = f(p) written with webgrad ops,
 * loss.backward(), opt.step(). Positions are recorded on the GPU and read back once per chunk of steps.
 */
import * as wg from 'webgrad';
import * as Plot from '@observablehq/plot';
import { PROBLEMS, PROBLEM_OPTIONS, gpu, valueAt, distanceToMinimum, type Problem } from './problems.js';
import { OPTIMIZERS, OPTIMIZER_OPTIONS, COLORS, Recorder } from './optimizers.js';
import { h, slider, select, checks, numberField, debounce, table, fmt, nextFrame, type Control } from './ui.js';
import { lab } from './hooks.js';

const CHUNK = 50;

export interface RaceResult {
  key: string;
  path: number[][];
  diverged: boolean;
}

/** Steps until the distance to the nearest global minimum first drops below tol (null: never). */
export function stepsTo(problem: Problem, path: number[][], tol: number): number | null {
  const i = path.findIndex(([x, y]) => distanceToMinimum(problem, x, y) < tol);
  return i < 0 ? null : i;
}

export function pathLength(path: number[][]): number {
  let s = 0;
  for (let i = 1; i < path.length; i++) s += Math.hypot(path[i][0] - path[i - 1][0], path[i][1] - path[i - 1][1]);
  return s;
}

/** Loss of problem at p (a [2] tensor), built from webgrad ops. */
function lossOf(problem: Problem, p: wg.Tensor, ex: wg.Tensor, ey: wg.Tensor): wg.Tensor {
  const x = p.mul(ex).sum();
  const y = p.mul(ey).sum();
  return problem.f(x, y, gpu);
}

export function mountRace(root: HTMLElement): void {
  const rerun = debounce(() => void start(), 300);
  const fn = select('race.fn', 'Function', PROBLEM_OPTIONS, 'rosenbrock', (fromUrl) => {
    // a new function starts from its own default point, unless a link says where
    if (!fromUrl) {
      const p = PROBLEMS[fn.value];
      x0.set(p.start[0]);
      y0.set(p.start[1]);
    }
    rerun();
  });
  const problem = () => PROBLEMS[fn.value];
  const x0 = numberField('race.x0', 'start x', problem().start[0], rerun);
  const y0 = numberField('race.y0', 'start y', problem().start[1], rerun);
  const steps = slider('race.steps', 'steps', { min: 10, max: 5000, value: 2000, step: 10, integer: true }, rerun);
  const tol = slider('race.tol', 'tolerance', { min: 1e-3, max: 1, value: 0.1, log: true }, () => drawTable());
  const chosen = checks('race.opt', 'Optimizers', OPTIMIZER_OPTIONS, ['sgd', 'momentum', 'rmsprop', 'adam'], () => {
    buildKnobs();
    rerun();
  });
  const knobs: Record<string, { lr: Control<number>; beta?: Control<number> }> = {};
  for (const [k, spec] of Object.entries(OPTIMIZERS)) {
    knobs[k] = {
      lr: slider(`race.lr.${k}`, 'lr', { min: 1e-5, max: 10, value: spec.lr, log: true }, rerun),
      beta: spec.beta === undefined ? undefined : slider(`race.beta.${k}`, spec.betaName ?? 'beta', { min: 0, max: 0.999, value: spec.beta, step: 0.001 }, rerun),
    };
  }
  const knobBox = h('div', { class: 'knobs' });
  const buildKnobs = () => {
    knobBox.replaceChildren(
      ...chosen.value.map((k) =>
        h('div', { class: 'knob' }, h('b', { style: `color:${COLORS[k]}` }, OPTIMIZERS[k].label), knobs[k].lr.el, ...(knobs[k].beta ? [knobs[k].beta!.el] : [])),
      ),
    );
  };
  buildKnobs();

  const chart = h('div', { class: 'chart', id: 'race-chart' });
  const status = h('p', { class: 'status' });
  const results = h('div', { class: 'results' });
  const formula = h('p', { class: 'formula' });
  root.append(
    h('div', { class: 'controls' }, fn.el, x0.el, y0.el, steps.el, tol.el),
    formula,
    h('div', { class: 'row' }, chart, h('div', { class: 'side' }, chosen.el, knobBox)),
    status,
    results,
  );

  let runs: RaceResult[] = [];
  let token = 0;

  function draw(): void {
    const p = problem();
    formula.textContent = `${p.formula}; start (${fmt(x0.value)}, ${fmt(y0.value)}); global minimum ${p.minima.map(([a, b]) => `(${fmt(a)}, ${fmt(b)})`).join(' and ')}. Drag on the chart to move the start.`;
    const fmin = valueAt(p, ...p.minima[0]);
    const { x: [xa, xb], y: [ya, yb] } = p.view;
    const marks: Plot.Markish[] = [
      Plot.contour({ fill: (x: number, y: number) => Math.log10(valueAt(p, x, y) - fmin + 1e-2), x1: xa, x2: xb, y1: ya, y2: yb, stroke: 'white', strokeOpacity: 0.35, thresholds: 24 }),
    ];
    for (const r of runs) {
      const pts = r.path.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      marks.push(Plot.line(pts, { x: (d: number[]) => d[0], y: (d: number[]) => d[1], stroke: COLORS[r.key], strokeWidth: 1.8, clip: true }));
      const last = pts[pts.length - 1];
      if (last) marks.push(Plot.dot([last], { x: (d: number[]) => d[0], y: (d: number[]) => d[1], fill: COLORS[r.key], r: 4, stroke: 'white', clip: true }));
    }
    marks.push(Plot.dot(p.minima, { x: (d: number[]) => d[0], y: (d: number[]) => d[1], symbol: 'star', fill: 'gold', stroke: 'black', r: 7 }));
    if (p.others) marks.push(Plot.dot(p.others, { x: (d: { at: number[] }) => d.at[0], y: (d: { at: number[] }) => d.at[1], symbol: 'diamond', stroke: 'black', r: 5, title: (d: { kind: string }) => d.kind }));
    marks.push(Plot.dot([[x0.value, y0.value]], { x: (d: number[]) => d[0], y: (d: number[]) => d[1], fill: 'black', stroke: 'white', r: 6 }));
    const plot = Plot.plot({
      width: 560,
      height: 440,
      x: { domain: [xa, xb], label: 'x' },
      y: { domain: [ya, yb], label: 'y' },
      color: { scheme: 'YlGnBu', reverse: true, label: 'log₁₀(f − f*)', legend: false },
      marks,
    });
    enableDrag(plot);
    chart.replaceChildren(plot);
    drawTable();
  }

  function enableDrag(plot: ReturnType<typeof Plot.plot>): void {
    const sx = plot.scale('x') as { invert?: (v: number) => number } | undefined;
    const sy = plot.scale('y') as { invert?: (v: number) => number } | undefined;
    if (!sx?.invert || !sy?.invert) return;
    const svg = (plot instanceof SVGSVGElement ? plot : plot.querySelector('svg')) as SVGSVGElement;
    const at = (ev: PointerEvent): [number, number] => {
      const box = svg.getBoundingClientRect();
      return [sx.invert!(ev.clientX - box.left), sy.invert!(ev.clientY - box.top)];
    };
    let dragging = false;
    const startDot = svg.querySelector('g[aria-label="dot"]:last-of-type circle') as SVGCircleElement | null;
    svg.style.cursor = 'crosshair';
    svg.addEventListener('pointerdown', (ev) => {
      dragging = true;
      svg.setPointerCapture(ev.pointerId);
      move(ev);
    });
    const move = (ev: PointerEvent) => {
      if (!dragging || !startDot) return;
      const box = svg.getBoundingClientRect();
      startDot.setAttribute('cx', String(ev.clientX - box.left));
      startDot.setAttribute('cy', String(ev.clientY - box.top));
    };
    svg.addEventListener('pointermove', move);
    svg.addEventListener('pointerup', (ev) => {
      if (!dragging) return;
      dragging = false;
      const [x, y] = at(ev);
      x0.set(Number(x.toPrecision(3)));
      y0.set(Number(y.toPrecision(3)));
      void start();
    });
  }

  function drawTable(): void {
    const p = problem();
    const rows: (string | number)[][] = [['optimizer', 'lr', 'beta', 'final x', 'final y', 'distance to min', 'final loss', `steps to dist < ${fmt(tol.value)}`, 'path length']];
    for (const r of runs) {
      const last = r.path[r.path.length - 1];
      const k = knobs[r.key];
      rows.push([
        OPTIMIZERS[r.key].label,
        k.lr.value,
        k.beta ? k.beta.value : '–',
        last[0],
        last[1],
        distanceToMinimum(p, last[0], last[1]),
        valueAt(p, last[0], last[1]),
        r.diverged ? 'diverged' : String(stepsTo(p, r.path, tol.value) ?? 'never'),
        pathLength(r.path),
      ]);
    }
    results.replaceChildren(table(rows));
  }

  async function start(): Promise<void> {
    const mine = ++token;
    const p = problem();
    const total = steps.value;
    const ex = wg.tensor([1, 0]);
    const ey = wg.tensor([0, 1]);
    const runners = chosen.value.map((key) => {
      const param = wg.tensor([x0.value, y0.value], [2], { requiresGrad: true });
      const spec = OPTIMIZERS[key];
      const opt = spec.make([param], knobs[key].lr.value, knobs[key].beta?.value ?? 0);
      return { key, param, opt, rec: new Recorder(2, CHUNK), result: { key, path: [[x0.value, y0.value]], diverged: false } as RaceResult };
    });
    runs = runners.map((r) => r.result);
    lab.race = { done: false, runs };
    const t0 = performance.now();
    try {
      for (let done = 0; done < total && mine === token; ) {
        const n = Math.min(CHUNK, total - done);
        for (const r of runners) {
          if (r.result.diverged) continue;
          for (let k = 0; k < n; k++) {
            r.opt.zeroGrad();
            const loss = lossOf(p, r.param, ex, ey);
            loss.backward();
            loss.dispose();
            r.opt.step();
            r.rec.push(r.param);
          }
        }
        for (const r of runners) {
          if (r.result.diverged) continue;
          const rows = await r.rec.flush();
          r.result.path.push(...rows);
          if (rows.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 1e6 || Math.abs(y) > 1e6)) r.result.diverged = true;
        }
        done += n;
        if (mine !== token) break;
        status.textContent = `${done} / ${total} steps, ${runners.length} optimizers on the GPU (${((performance.now() - t0) / 1000).toFixed(1)} s)`;
        draw();
        await nextFrame();
      }
      if (mine === token) {
        lab.race = { done: true, runs };
        status.textContent += ' — done';
      }
    } finally {
      for (const r of runners) {
        r.rec.dispose();
        r.opt.dispose();
        r.param.grad?.dispose();
        r.param.dispose();
      }
      ex.dispose();
      ey.dispose();
    }
  }

  draw();
  void start();
}
