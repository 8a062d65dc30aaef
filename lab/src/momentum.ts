/**
 * Heavy-ball momentum on the quadratic f = ½(μx² + Ly²): in each eigen-direction the iteration
 * (p_{t+1}, p_t) = M (p_t, p_{t-1}) with M = [[1 + β − ηλ, −β], [1, 0]] converges at the rate of M's
 * spectral radius; the slowest direction sets the rate (Polyak 1964; Goh, "Why Momentum Really Works",
 * Distill 2017). Click the diagram to pick (lr, β): wg.optim.SGD with that momentum runs on the GPU and
 * its distance to the minimum is drawn beside the predicted ρᵗ.
 */
import * as wg from 'webgrad';
import * as Plot from '@observablehq/plot';
import { h, slider, numberField, debounce, fmt, table } from './ui.js';
import { Recorder } from './optimizers.js';
import { lab } from './hooks.js';

/** Spectral radius of the heavy-ball iteration for one eigenvalue. */
export function rate1(lr: number, beta: number, lambda: number): number {
  const a = 1 + beta - lr * lambda;
  const disc = a * a - 4 * beta;
  if (disc < 0) return Math.sqrt(beta);
  const s = Math.sqrt(disc);
  return Math.max(Math.abs(a + s), Math.abs(a - s)) / 2;
}

export const rate = (lr: number, beta: number, mu: number, L: number) => Math.max(rate1(lr, beta, mu), rate1(lr, beta, L));

/** Polyak's optimal heavy-ball parameters for eigenvalues in [mu, L]. */
export function optimal(mu: number, L: number): { lr: number; beta: number; rate: number } {
  const k = Math.sqrt(L / mu);
  const beta = ((k - 1) / (k + 1)) ** 2;
  return { lr: 4 / (Math.sqrt(L) + Math.sqrt(mu)) ** 2, beta, rate: (k - 1) / (k + 1) };
}

export function mountMomentum(root: HTMLElement): void {
  const rerun = debounce(() => void draw(), 250);
  const kappa = slider('mom.kappa', 'condition number κ = L/μ (μ = 1)', { min: 1, max: 1000, value: 10, log: true }, rerun);
  const lr = numberField('mom.lr', 'lr', 0.1, rerun);
  const beta = numberField('mom.beta', 'β', 0.5, rerun);
  const steps = numberField('mom.steps', 'steps', 100, rerun, '1');
  const chart = h('div', { class: 'chart', id: 'mom-chart' });
  const run = h('div', { class: 'chart', id: 'mom-run' });
  const facts = h('div', {});
  root.append(
    h('p', {}, 'Convergence rate ρ (per step; smaller is faster, ≥ 1 diverges) of SGD with heavy-ball momentum on f = ½(μx² + Ly²), over lr (in units of 1/L) and β. The star is Polyak\'s optimum. Click the diagram to choose (lr, β) and run it on the GPU.'),
    h('div', { class: 'controls' }, kappa.el, lr.el, beta.el, steps.el),
    h('div', { class: 'row' }, chart, run),
    facts,
  );

  let token = 0;
  async function draw(): Promise<void> {
    const mine = ++token;
    const mu = 1;
    const L = kappa.value;
    const best = optimal(mu, L);
    const rateFill = (x: number, y: number) => Math.min(rate(x / L, y, mu, L), 1.02);
    const plot = Plot.plot({
      width: 460,
      height: 380,
      x: { domain: [0, 4], label: 'lr · L' },
      y: { domain: [0, 1], label: 'β' },
      color: { type: 'linear', scheme: 'Turbo', domain: [0, 1.02], legend: true, label: 'rate ρ' },
      marks: [
        Plot.raster({ fill: rateFill, x1: 0, x2: 4, y1: 0, y2: 1, pixelSize: 4 }),
        Plot.contour({ value: rateFill, x1: 0, x2: 4, y1: 0, y2: 1, thresholds: [0.5, 0.8, 0.9, 0.95, 0.99, 1], stroke: 'white', strokeOpacity: 0.6 }),
        Plot.dot([[best.lr * L, best.beta]], { x: (d: number[]) => d[0], y: (d: number[]) => d[1], symbol: 'star', fill: 'white', stroke: 'black', r: 8 }),
        Plot.dot([[lr.value * L, beta.value]], { x: (d: number[]) => d[0], y: (d: number[]) => d[1], fill: 'black', stroke: 'white', r: 5 }),
      ],
    });
    const sx = plot.scale('x') as { invert?: (v: number) => number };
    const sy = plot.scale('y') as { invert?: (v: number) => number };
    const svg = (plot instanceof SVGSVGElement ? plot : plot.querySelector('svg')) as SVGSVGElement;
    svg.style.cursor = 'crosshair';
    svg.addEventListener('click', (ev) => {
      const box = svg.getBoundingClientRect();
      const x = sx.invert?.(ev.clientX - box.left);
      const y = sy.invert?.(ev.clientY - box.top);
      if (x === undefined || y === undefined || !(x >= 0 && x <= 4 && y >= 0 && y < 1)) return;
      lr.set(Number((x / L).toPrecision(3)));
      beta.set(Number(y.toPrecision(3)));
      void draw();
    });
    chart.replaceChildren(plot);
    const rho = rate(lr.value, beta.value, mu, L);
    facts.replaceChildren(
      table([
        ['setting', 'lr', 'β', 'rate ρ', 'steps to shrink the error 1000×'],
        ['your choice', lr.value, beta.value, rho, rho < 1 ? Math.ceil(Math.log(1e-3) / Math.log(rho)) : 'diverges'],
        ['Polyak optimum', best.lr, best.beta, best.rate, Math.ceil(Math.log(1e-3) / Math.log(best.rate))],
        ['plain GD, lr = 1/λmax', 1 / L, 0, rate(1 / L, 0, mu, L), rate(1 / L, 0, mu, L) < 1 ? Math.ceil(Math.log(1e-3) / Math.log(rate(1 / L, 0, mu, L))) : 'never'],
        ['plain GD, lr = 2/(μ+L)', 2 / (mu + L), 0, rate(2 / (mu + L), 0, mu, L), Math.ceil(Math.log(1e-3) / Math.log(Math.max(rate(2 / (mu + L), 0, mu, L), 1e-12)))],
      ]),
      h('p', { class: 'status' }, `κ = ${fmt(L)}. For plain GD the best fixed step is 2/(μ+L), not 1/λmax: it balances the two directions, ρ = (κ−1)/(κ+1) instead of 1 − 1/κ.`),
    );
    // the real optimizer on the GPU
    const T = Math.max(1, Math.min(2000, Math.round(steps.value)));
    const p = wg.tensor([1, 1], [2], { requiresGrad: true });
    const diag = wg.tensor([mu, L]);
    const opt = new wg.optim.SGD([p], { lr: lr.value, momentum: beta.value });
    const rec = new Recorder(2);
    const path: number[][] = [[1, 1]];
    try {
      for (let t = 0; t < T; t++) {
        opt.zeroGrad();
        const loss = p.square().mul(diag).sum().mul(0.5);
        loss.backward();
        loss.dispose();
        opt.step();
        rec.push(p);
        if (rec.full || t === T - 1) path.push(...(await rec.flush()));
        if (mine !== token) return;
      }
    } finally {
      rec.dispose();
      opt.dispose();
      p.grad?.dispose();
      p.dispose();
      diag.dispose();
    }
    const dist = path.map(([x, y], t) => ({ t, v: Math.hypot(x, y) })).filter((d) => Number.isFinite(d.v) && d.v > 0);
    const predicted = path.map((_, t) => ({ t, v: Math.SQRT2 * rho ** t })).filter((d) => d.v > 1e-30 && Number.isFinite(d.v));
    lab.momentum = { lr: lr.value, beta: beta.value, kappa: L, rho, path };
    run.replaceChildren(
      h('b', {}, 'Distance to the minimum: GPU run (solid) vs √2·ρᵗ (dashed)'),
      Plot.plot({
        width: 460,
        height: 340,
        x: { label: 'step' },
        y: { type: 'log', label: '‖p‖', grid: true },
        marks: [Plot.line(dist, { x: 't', y: 'v', stroke: '#d62728' }), Plot.line(predicted, { x: 't', y: 'v', stroke: '#333', strokeDasharray: '4 3' })],
      }),
    );
  }
  void draw();
}
