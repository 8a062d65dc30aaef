/**
 * Exercise 3: inside Adam on the ill-conditioned bowl f = 0.5x² + 5y² from (10, 1). The library's Adam runs
 * on the GPU; its state tensors m and v (opt.state.get(p)) are recorded every step, and the page derives
 * the bias corrections and the effective per-coordinate step from them. SGD runs beside it.
 */
import * as wg from 'webgrad';
import * as Plot from '@observablehq/plot';
import { PROBLEMS, gpu } from './problems.js';
import { Recorder } from './optimizers.js';
import { h, slider, debounce, table, fmt } from './ui.js';
import { lab } from './hooks.js';

const bowl = PROBLEMS.ravine;

interface Row {
  t: number;
  coord: string;
  value: number;
}

export function mountAdam(root: HTMLElement): void {
  const rerun = debounce(() => void run(), 300);
  const lr = slider('adam.lr', 'lr', { min: 1e-3, max: 3, value: 0.1, log: true }, rerun);
  const b1 = slider('adam.beta1', 'β1', { min: 0, max: 0.999, value: 0.9, step: 0.001 }, rerun);
  const b2 = slider('adam.beta2', 'β2', { min: 0.5, max: 0.9999, value: 0.999, step: 0.0001 }, rerun);
  const eps = slider('adam.eps', 'ε', { min: 1e-10, max: 1, value: 1e-8, log: true }, rerun);
  const steps = slider('adam.steps', 'steps', { min: 10, max: 500, value: 100, step: 10, integer: true }, rerun);
  const charts = h('div', { class: 'row' });
  const note = h('div', {});
  root.append(
    h('p', {}, `${bowl.formula}, from (10, 1). Adam and SGD with the same lr. m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ); the step Adam takes in each coordinate is lr·m̂/(√v̂+ε). The dashed lines are what the step would be without the bias corrections, lr·m/(√v+ε).`),
    h('div', { class: 'controls' }, lr.el, b1.el, b2.el, eps.el, steps.el),
    charts,
    note,
  );

  let token = 0;
  async function run(): Promise<void> {
    const mine = ++token;
    const T = steps.value;
    const ex = wg.tensor([1, 0]);
    const ey = wg.tensor([0, 1]);
    const pa = wg.tensor([10, 1], [2], { requiresGrad: true });
    const ps = wg.tensor([10, 1], [2], { requiresGrad: true });
    const adam = new wg.optim.Adam([pa], { lr: lr.value, betas: [b1.value, b2.value], eps: eps.value });
    const sgd = new wg.optim.SGD([ps], { lr: lr.value });
    const recs = { p: new Recorder(2), m: new Recorder(2), v: new Recorder(2), s: new Recorder(2) };
    const out = { p: [[10, 1]], m: [[0, 0]], v: [[0, 0]], s: [[10, 1]] } as Record<keyof typeof recs, number[][]>;
    try {
      for (let t = 1; t <= T; t++) {
        for (const [p, opt] of [[pa, adam], [ps, sgd]] as const) {
          opt.zeroGrad();
          const loss = bowl.f(p.mul(ex).sum(), p.mul(ey).sum(), gpu);
          loss.backward();
          loss.dispose();
          opt.step();
        }
        const st = adam.state.get(pa)!;
        recs.p.push(pa);
        recs.m.push(st.m as wg.Tensor);
        recs.v.push(st.v as wg.Tensor);
        recs.s.push(ps);
        if (recs.p.full || t === T) for (const k of Object.keys(recs) as (keyof typeof recs)[]) out[k].push(...(await recs[k].flush()));
        if (mine !== token) return;
      }
    } finally {
      Object.values(recs).forEach((r) => r.dispose());
      for (const t of [ex, ey, pa, ps, pa.grad, ps.grad]) t?.dispose();
      adam.dispose();
      sgd.dispose();
    }
    lab.adam = { p: out.p, m: out.m, v: out.v, sgd: out.s };
    draw(out);
  }

  function draw(out: Record<string, number[][]>): void {
    const coords = ['x', 'y'];
    const series = (rows: number[][], f: (v: number, t: number, c: number) => number, from = 0): Row[] =>
      rows.slice(from).flatMap((r, i) => r.map((v, c) => ({ t: i + from, coord: coords[c], value: f(v, i + from, c) })));
    const beta1 = b1.value;
    const beta2 = b2.value;
    const step: Row[] = [];
    const raw: Row[] = [];
    for (let t = 1; t < out.m.length; t++) {
      for (let c = 0; c < 2; c++) {
        const mh = out.m[t][c] / (1 - beta1 ** t);
        const vh = out.v[t][c] / (1 - beta2 ** t);
        step.push({ t, coord: coords[c], value: Math.abs((lr.value * mh) / (Math.sqrt(vh) + eps.value)) });
        raw.push({ t, coord: coords[c], value: Math.abs((lr.value * out.m[t][c]) / (Math.sqrt(out.v[t][c]) + eps.value)) });
      }
    }
    const positions = [
      ...series(out.p, (v) => v).map((r) => ({ ...r, who: `Adam ${r.coord}` })),
      ...series(out.s, (v) => v).map((r) => ({ ...r, who: `SGD ${r.coord}` })),
    ];
    const small = (title: string, marks: Plot.Markish[], y: Plot.ScaleOptions = {}) =>
      h('div', { class: 'chart' }, h('b', {}, title), Plot.plot({ width: 370, height: 220, x: { label: 'step t' }, y: { grid: true, ...y }, color: { legend: true }, marks }));
    const bc = Array.from({ length: out.m.length - 1 }, (_, i) => i + 1).flatMap((t) => [
      { t, value: 1 - beta1 ** t, coord: '1 − β1ᵗ' },
      { t, value: 1 - beta2 ** t, coord: '1 − β2ᵗ' },
    ]);
    charts.replaceChildren(
      small('Position: Adam vs SGD', [Plot.line(positions, { x: 't', y: 'value', stroke: 'who' }), Plot.ruleY([0])], { label: 'coordinate' }),
      small('First moment m', [Plot.line(series(out.m, (v) => v), { x: 't', y: 'value', stroke: 'coord' }), Plot.ruleY([0])], { label: 'm' }),
      small('Second moment v', [Plot.line(series(out.v, (v) => v, 1), { x: 't', y: 'value', stroke: 'coord' })], { type: 'log', label: 'v' }),
      small('Bias corrections', [Plot.line(bc, { x: 't', y: 'value', stroke: 'coord' })], { label: 'factor', domain: [0, 1] }),
      small('Effective step per coordinate', [
        Plot.line(step, { x: 't', y: 'value', stroke: 'coord' }),
        Plot.line(raw, { x: 't', y: 'value', stroke: 'coord', strokeDasharray: '4 3' }),
      ], { type: 'log', label: '|Δp|' }),
    );
    const last = out.p[out.p.length - 1];
    const lastS = out.s[out.s.length - 1];
    const first = step.slice(0, 2);
    note.replaceChildren(
      table([
        ['', 'x', 'y', 'distance to (0, 0)'],
        [`Adam after ${out.p.length - 1} steps`, last[0], last[1], Math.hypot(last[0], last[1])],
        [`SGD after ${out.s.length - 1} steps`, lastS[0], lastS[1], Math.hypot(lastS[0], lastS[1])],
        ['Adam step 1 (x, y)', first[0]?.value ?? NaN, first[1]?.value ?? NaN, `m̂ = g and v̂ = g² at t = 1, so the first step is lr·|g|/(|g|+ε) ≈ lr = ${fmt(lr.value)} in every coordinate`],
      ]),
    );
  }

  void run();
}
