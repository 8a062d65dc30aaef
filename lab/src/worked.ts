/**
 * Exercise 11: numbers a learner can check by hand, one step at a time. Each "Next step" runs one step of
 * the library's optimizer on the GPU and reads the result back; beside it the page shows the hand
 * calculation, done in float64 from the formula. The step count is in the URL, so a link reopens the
 * same step.
 */
import * as wg from 'webgrad';
import * as Plot from '@observablehq/plot';
import { h, select, fmt } from './ui.js';
import { getParam, setParam, onExternalChange } from './state.js';
import { lab } from './hooks.js';

interface Hand {
  /** the value after this step, in float64 */
  w: number;
  /** the calculation as a learner writes it */
  text: string;
}

interface Example {
  label: string;
  steps: number;
  /** hand calculation of step t (1-based) from the float64 state */
  hand(t: number, s: Record<string, number>): Hand;
  init: Record<string, number>;
  /** the library run: build it, then one call per step resolving to the GPU's value */
  gpu(): { step(t: number): Promise<number>; dispose(): void };
}

const p = (v: number) => fmt(v, 6);

function sgdRun(w0: number, lr: number, momentum: number, loss: (w: wg.Tensor) => wg.Tensor) {
  const w = wg.tensor([w0], [1], { requiresGrad: true });
  const opt = new wg.optim.SGD([w], { lr, momentum });
  return {
    async step() {
      opt.zeroGrad();
      const l = loss(w);
      l.backward();
      l.dispose();
      opt.step();
      return (await w.toArray())[0];
    },
    dispose() {
      opt.dispose();
      w.grad?.dispose();
      w.dispose();
    },
  };
}

const EXAMPLES: Record<string, Example> = {
  gd: {
    label: 'GD on (w − 3)² from w = 0, lr 0.1 (3 steps)',
    steps: 3,
    init: { w: 0 },
    hand(t, s) {
      const g = 2 * (s.w - 3);
      const w = s.w - 0.1 * g;
      const text = `step ${t}: g = 2(w − 3) = 2(${p(s.w)} − 3) = ${p(g)};  w ← w − lr·g = ${p(s.w)} − 0.1·(${p(g)}) = ${p(w)}`;
      s.w = w;
      return { w, text };
    },
    gpu: () => sgdRun(0, 0.1, 0, (w) => w.sub(3).square().sum()),
  },
  adam: {
    label: 'Adam on w² from w = 10, lr 0.1 (the first step, then two more)',
    steps: 3,
    init: { w: 10, m: 0, v: 0 },
    hand(t, s) {
      const g = 2 * s.w;
      s.m = 0.9 * s.m + 0.1 * g;
      s.v = 0.999 * s.v + 0.001 * g * g;
      const mh = s.m / (1 - 0.9 ** t);
      const vh = s.v / (1 - 0.999 ** t);
      const w = s.w - (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
      const text =
        `step ${t}: g = 2w = ${p(g)};  m = 0.9m + 0.1g = ${p(s.m)};  v = 0.999v + 0.001g² = ${p(s.v)}\n` +
        `        m̂ = m/(1 − 0.9^${t}) = ${p(mh)};  v̂ = v/(1 − 0.999^${t}) = ${p(vh)};  w ← w − 0.1·m̂/(√v̂ + 1e−8) = ${p(w)}`;
      s.w = w;
      return { w, text };
    },
    gpu() {
      const w = wg.tensor([10], [1], { requiresGrad: true });
      const opt = new wg.optim.Adam([w], { lr: 0.1 });
      return {
        async step() {
          opt.zeroGrad();
          const l = w.square().sum();
          l.backward();
          l.dispose();
          opt.step();
          return (await w.toArray())[0];
        },
        dispose() {
          opt.dispose();
          w.grad?.dispose();
          w.dispose();
        },
      };
    },
  },
  momentum: {
    label: 'Momentum on w² from w = 10, β 0.9, lr 0.1 (2 steps, torch form b ← βb + g)',
    steps: 2,
    init: { w: 10, b: 0 },
    hand(t, s) {
      const g = 2 * s.w;
      const b = t === 1 ? g : 0.9 * s.b + g;
      const w = s.w - 0.1 * b;
      const text = `step ${t}: g = 2w = ${p(g)};  b = ${t === 1 ? 'g (first step)' : `0.9·${p(s.b)} + ${p(g)}`} = ${p(b)};  w ← w − 0.1·b = ${p(w)}`;
      s.b = b;
      s.w = w;
      return { w, text };
    },
    gpu: () => sgdRun(10, 0.1, 0.9, (w) => w.square().sum()),
  },
  sgdr: {
    label: 'SGDR (CosineAnnealingWarmRestarts, T0 = 10, TMult = 2, lr 0.1) at t = 5, 15, 35',
    steps: 3,
    init: {},
    hand(t) {
      const at = [5, 15, 35][t - 1];
      let start = 0;
      let Ti = 10;
      while (at >= start + Ti) {
        start += Ti;
        Ti *= 2;
      }
      const cur = at - start;
      const lr = 0.5 * 0.1 * (1 + Math.cos((Math.PI * cur) / Ti));
      return { w: lr, text: `t = ${at}: the cycle started at ${start}, Tᵢ = ${Ti}, T_cur = ${cur};  lr = ½·0.1·(1 + cos(π·${cur}/${Ti})) = ${p(lr)}` };
    },
    gpu() {
      const opt = { paramGroups: [{ lr: 0.1 }] };
      const s = new wg.optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { T0: 10, TMult: 2 });
      let t = 0;
      return {
        async step(k: number) {
          const at = [5, 15, 35][k - 1];
          while (t < at) {
            s.step();
            t++;
          }
          return opt.paramGroups[0].lr;
        },
        dispose() {},
      };
    },
  },
};

export function mountWorked(root: HTMLElement): void {
  const which = select('worked.ex', 'Example', Object.entries(EXAMPLES).map(([k, e]) => [k, e.label]), 'gd', (fromUrl) => {
    if (!fromUrl) setParam('worked.step', '0');
    void replay(fromUrl ? Number(getParam('worked.step') ?? 0) || 0 : 0);
  });
  const next = h('button', { id: 'worked-next' }, 'Next step');
  const reset = h('button', {}, 'Reset');
  const log = h('div', { class: 'step', id: 'worked-log' });
  const chart = h('div', { class: 'chart', id: 'worked-chart' });
  root.append(
    h('p', {}, 'The same numbers by hand (float64, left) and from the library on the GPU (float32, right).'),
    h('div', { class: 'controls' }, which.el, next, reset),
    log,
    chart,
  );

  let run: ReturnType<Example['gpu']> | null = null;
  let hand: Record<string, number> = {};
  let rows: { t: number; hand: number; gpu: number; text: string }[] = [];
  let busy = Promise.resolve();

  function render(): void {
    const ex = EXAMPLES[which.value];
    log.textContent = rows.length
      ? rows.map((r) => `${r.text}\n        GPU (webgrad): ${p(r.gpu)}   |hand − GPU| = ${fmt(Math.abs(r.hand - r.gpu), 2)}`).join('\n')
      : `Press "Next step" (${ex.steps} steps).`;
    next.disabled = rows.length >= ex.steps;
    const start = which.value === 'sgdr' ? [] : [{ t: 0, v: ex.init.w, who: 'hand (float64)' }];
    const data = [...start, ...rows.flatMap((r) => [{ t: r.t, v: r.hand, who: 'hand (float64)' }, { t: r.t, v: r.gpu, who: 'GPU (float32)' }])];
    chart.replaceChildren(
      Plot.plot({
        width: 460,
        height: 200,
        x: { label: which.value === 'sgdr' ? 'example' : 'step', domain: [0, ex.steps], ticks: ex.steps },
        y: { label: which.value === 'sgdr' ? 'lr' : 'w', grid: true },
        color: { legend: true },
        marks: [Plot.dot(data, { x: 't', y: 'v', stroke: 'who', r: 4 }), Plot.line(data.filter((d) => d.who !== 'GPU (float32)'), { x: 't', y: 'v', stroke: '#bbb' })],
      }),
    );
    lab.worked = { ex: which.value, rows };
  }

  async function advance(): Promise<void> {
    const ex = EXAMPLES[which.value];
    if (rows.length >= ex.steps) return;
    run ??= ex.gpu();
    const t = rows.length + 1;
    const { w, text } = ex.hand(t, hand);
    const gpu = await run.step(t);
    rows.push({ t, hand: w, gpu, text });
  }

  async function replay(k: number): Promise<void> {
    const job = busy.then(async () => {
      run?.dispose();
      run = null;
      hand = { ...EXAMPLES[which.value].init };
      rows = [];
      for (let i = 0; i < k; i++) await advance();
      render();
    });
    busy = job.catch(() => {});
    return job;
  }

  next.addEventListener('click', () => {
    const job = busy.then(async () => {
      await advance();
      setParam('worked.step', String(rows.length));
      render();
    });
    busy = job.catch(() => {});
  });
  reset.addEventListener('click', () => {
    setParam('worked.step', '0');
    void replay(0);
  });
  onExternalChange('worked.step', () => void replay(Number(getParam('worked.step') ?? 0) || 0));
  const k = Math.max(0, Math.min(EXAMPLES[which.value].steps, Number(getParam('worked.step') ?? 0) || 0));
  setParam('worked.step', String(k));
  void replay(k);
}
