/**
 * The MNIST sections: the LR range test (exercise 10), the optimizer showdown trained live in the tab
 * (exercise 6), weight-trajectory PCA (exercise 8), the loss landscape (exercise 9) and batch size vs
 * gradient variance (exercise 5). They are heavy on a software adapter, so each starts on a button press.
 * Data, model and evaluation come from the lab's shared exercise modules; the analysis from wg.analysis.
 */
import * as webgrad from 'webgrad';
import * as Plot from '@observablehq/plot';
import type { Wg, Tensor } from '../exercises/common.js';
import { mnist, mlp, evaluate, MODELS, type Model } from '../exercises/mnist.js';
import * as batchSize from '../exercises/batch_size.js';
import { h, numberField, checks, select, table, fmt, nextFrame } from './ui.js';
import { COLORS } from './optimizers.js';
import { lab } from './hooks.js';

// the exercise modules are typed against the library's sources; the page holds the built package
const wg = webgrad as unknown as Wg;

const TRAIN = 8000;
const TEST = 2000;

function button(id: string, text: string, root: HTMLElement, out: HTMLElement, job: (status: (s: string) => void) => Promise<void>): HTMLButtonElement {
  const b = h('button', { id }, text);
  const status = h('p', { class: 'status' });
  b.addEventListener('click', async () => {
    b.disabled = true;
    status.classList.remove('error');
    try {
      await job((s) => (status.textContent = s));
    } catch (e) {
      status.textContent = `Failed: ${(e as Error).message}`;
      status.classList.add('error');
      console.warn(e);
    } finally {
      b.disabled = false;
    }
  });
  root.append(b, status, out);
  return b;
}

const disposeModel = (m: Model) => m.parameters().forEach((p: Tensor) => (p.grad?.dispose(), p.dispose()));

// ---------------------------------------------------------------- LR finder (exercise 10)
export function mountLrFinder(root: HTMLElement): void {
  const iters = numberField('lrf.iters', 'sweep steps', 100, () => {}, '1');
  const batch = numberField('lrf.batch', 'batch', 64, () => {}, '1');
  const epochs = numberField('lrf.epochs', 'then train epochs', 1, () => {}, '1');
  root.append(
    h('p', {}, "Leslie Smith's range test with wg.optim.lrFinder on the MLP 784 → 128 → 10 and Adam: the lr grows exponentially from 1e−7 to 10, one batch per step, until the smoothed loss exceeds 4× its best. The suggestion is the steepest descent of the smoothed curve; the model is then trained with it."),
    h('div', { class: 'controls' }, iters.el, batch.el, epochs.el),
  );
  const out = h('div', { class: 'row' });
  button('lrf-run', 'Run the range test', root, out, async (status) => {
    status('loading the digits…');
    const data = await mnist(wg, TRAIN, TEST);
    const model = mlp(wg);
    const opt = new wg.optim.Adam(model.parameters(), { lr: 1e-3 });
    const loader = new wg.nn.DataLoader(data.train, { batchSize: Math.max(1, Math.round(batch.value)), shuffle: true, seed: 0 });
    status('sweeping the lr…');
    const r = await wg.optim.lrFinder(model, (m, [x, y]: [Tensor, Tensor]) => wg.nn.functional.crossEntropy((m as Model).forward(x), y), loader, {
      startLr: 1e-7,
      endLr: 10,
      numIter: Math.max(5, Math.round(iters.value)),
      divergeThreshold: 4,
      optimizer: opt,
    });
    const pts = r.lrs.map((lr, i) => ({ lr, loss: r.losses[i], raw: r.rawLosses[i] }));
    const marks: Plot.Markish[] = [
      Plot.line(pts, { x: 'lr', y: 'raw', stroke: '#bbb' }),
      Plot.line(pts, { x: 'lr', y: 'loss', stroke: '#d62728', strokeWidth: 2 }),
    ];
    if (r.suggestion) marks.push(Plot.ruleX([r.suggestion], { stroke: 'black', strokeDasharray: '4 3' }), Plot.text([r.suggestion], { x: (d: number) => d, frameAnchor: 'top', dy: 10, text: (d: number) => `suggested ${fmt(d, 2)}` }));
    out.replaceChildren(
      h('div', { class: 'chart' }, Plot.plot({ width: 560, height: 280, x: { type: 'log', label: 'lr' }, y: { label: 'training loss (smoothed; raw in grey)', grid: true }, marks })),
    );
    lab.lrFinder = { suggestion: r.suggestion, points: pts.length };
    if (!r.suggestion) {
      status('too few points for a suggestion');
      disposeModel(model);
      opt.dispose();
      return;
    }
    for (const g of opt.paramGroups) g.lr = r.suggestion;
    const n = Math.max(0, Math.round(epochs.value));
    for (let e = 1; e <= n; e++) {
      status(`training epoch ${e}/${n} with lr ${fmt(r.suggestion, 2)}…`);
      for (const [x, y] of loader) {
        opt.zeroGrad();
        const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
        loss.backward();
        loss.dispose();
        opt.step();
      }
    }
    const acc = await evaluate(wg, model, data.test);
    status(`suggested lr ${fmt(r.suggestion, 3)}; after ${n} epoch(s) of Adam at that lr: held-out accuracy ${(acc.accuracy * 100).toFixed(1)}% (loss ${fmt(acc.loss)})`);
    disposeModel(model);
    opt.dispose();
  });
}

// ---------------------------------------------------------------- showdown (exercise 6)
const SHOWDOWN: Record<string, { label: string; make: (p: Tensor[]) => { zeroGrad(): void; step(): unknown; dispose(): void } }> = {
  sgd: { label: 'SGD 0.01', make: (p) => new wg.optim.SGD(p, { lr: 0.01 }) },
  momentum: { label: 'Momentum 0.01, 0.9', make: (p) => new wg.optim.SGD(p, { lr: 0.01, momentum: 0.9 }) },
  nesterov: { label: 'Nesterov 0.01, 0.9', make: (p) => new wg.optim.SGD(p, { lr: 0.01, momentum: 0.9, nesterov: true }) },
  rmsprop: { label: 'RMSprop 0.001', make: (p) => new wg.optim.RMSprop(p, { lr: 0.001 }) },
  adam: { label: 'Adam 0.001', make: (p) => new wg.optim.Adam(p, { lr: 0.001 }) },
  adamw: { label: 'AdamW 0.001', make: (p) => new wg.optim.AdamW(p, { lr: 0.001 }) },
};

export function mountShowdown(root: HTMLElement): void {
  const epochs = numberField('mnist.epochs', 'epochs', 10, () => {}, '1');
  const batch = numberField('mnist.batch', 'batch', 64, () => {}, '1');
  const chosen = checks('mnist.opt', 'Optimizers', Object.entries(SHOWDOWN).map(([k, v]) => [k, v.label]), Object.keys(SHOWDOWN), () => {});
  const modelKind = select('mnist.model', 'model', Object.entries(MODELS).map(([k, v]) => [k, v.label]), 'mlp', () => {});
  root.append(
    h('p', {}, `The MLP 784 → 128 (ReLU) → 10 (or another model from the list), the same initial weights for every optimizer, ${TRAIN} training digits, ${TEST} held out. The optimizers take turns batch by batch, so their curves grow together; losses are read back every 10 steps, accuracy after each epoch.`),
    h('p', {}, 'The transformer: each image row is a token (Linear 28 → 32 plus a learned position), one pre-LN block of 4-head self-attention and a GELU MLP, the mean over rows, a linear head.'),
    h('div', { class: 'controls' }, epochs.el, batch.el, modelKind.el),
    chosen.el,
  );
  const out = h('div', {});
  button('mnist-run', 'Train', root, out, async (status) => {
    status('loading the digits…');
    const data = await mnist(wg, TRAIN, TEST);
    const keys = chosen.value;
    const runs = keys.map((k) => {
      const model = MODELS[modelKind.value].make(wg, 0, 128);
      return { k, model, opt: SHOWDOWN[k].make(model.parameters()), pending: [] as [number, Tensor][] };
    });
    const losses: { k: string; step: number; loss: number }[] = [];
    const accs: { k: string; epoch: number; acc: number; train: number }[] = [];
    const draw = () => {
      const color = { domain: keys.map((k) => SHOWDOWN[k].label), range: keys.map((k) => COLORS[k]), legend: true };
      out.replaceChildren(
        h('div', { class: 'row' },
          h('div', { class: 'chart' }, h('b', {}, 'training loss'), Plot.plot({ width: 540, height: 280, y: { type: 'log', grid: true, label: 'loss' }, x: { label: 'step' }, color, marks: [Plot.line(losses, Plot.windowY({ k: 9, anchor: 'end' }, { x: 'step', y: 'loss', z: 'k', stroke: (d: { k: string }) => SHOWDOWN[d.k].label }))] })),
          h('div', { class: 'chart' }, h('b', {}, 'held-out accuracy'), Plot.plot({ width: 420, height: 280, y: { grid: true, label: 'accuracy', percent: true }, x: { label: 'epoch' }, color, marks: [Plot.line(accs, { x: 'epoch', y: 'acc', z: 'k', stroke: (d: { k: string }) => SHOWDOWN[d.k].label, marker: 'dot' })] }))),
        table([
          ['optimizer', 'last epoch', 'held-out accuracy', 'training accuracy', 'generalisation gap'],
          ...keys.map((k) => {
            const a = accs.filter((r) => r.k === k).pop();
            return [SHOWDOWN[k].label, a ? String(a.epoch) : '–', a ? `${(a.acc * 100).toFixed(2)}%` : '–', a ? `${(a.train * 100).toFixed(2)}%` : '–', a ? `${((a.train - a.acc) * 100).toFixed(2)} pts` : '–'];
          }),
        ]),
      );
    };
    const E = Math.max(1, Math.round(epochs.value));
    const trainSubset = { x: data.train.x.subarray(0, TEST * 784), y: data.train.y.subarray(0, TEST), n: TEST, xShape: [TEST, 784] as [number, number] };
    const t0 = performance.now();
    try {
      for (let e = 1; e <= E; e++) {
        const loader = new wg.nn.DataLoader(data.train, { batchSize: Math.max(1, Math.round(batch.value)), shuffle: true, seed: e, dropLast: true });
        let step = (e - 1) * loader.length;
        for (const [x, y] of loader) {
          step++;
          for (const r of runs) {
            r.opt.zeroGrad();
            const loss = wg.nn.functional.crossEntropy(r.model.forward(x), y);
            loss.backward();
            r.opt.step();
            r.pending.push([step, loss]);
          }
          if (step % 10 === 0) {
            for (const r of runs) {
              const values = await Promise.all(r.pending.map(([, t]) => t.item()));
              r.pending.forEach(([s, t], i) => {
                losses.push({ k: r.k, step: s, loss: values[i] });
                t.dispose();
              });
              r.pending = [];
            }
            status(`epoch ${e}/${E}, step ${step} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
            draw();
            await nextFrame();
          }
        }
        for (const r of runs) {
          const val = await evaluate(wg, r.model, data.test);
          const tr = await evaluate(wg, r.model, trainSubset);
          accs.push({ k: r.k, epoch: e, acc: val.accuracy, train: tr.accuracy });
        }
        draw();
      }
      status(`done: ${E} epochs in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      lab.showdown = { accs };
    } finally {
      for (const r of runs) {
        r.pending.forEach(([, t]) => t.dispose());
        r.opt.dispose();
        disposeModel(r.model);
      }
    }
  });
}

// ---------------------------------------------------------------- PCA (exercise 8)
async function flatWeights(model: Model): Promise<number[]> {
  const arrays = await Promise.all(model.parameters().map((p: Tensor) => p.toArray()));
  return arrays.flatMap((a) => Array.from(a));
}

export function mountPca(root: HTMLElement): void {
  const hidden = numberField('pca.hidden', 'hidden units', 32, () => {}, '1');
  const epochs = numberField('pca.epochs', 'epochs', 2, () => {}, '1');
  const every = numberField('pca.every', 'snapshot every (steps)', 10, () => {}, '1');
  root.append(
    h('p', {}, 'A 2-layer net (784 → hidden → 10) trained from the same start by SGD (lr 0.05) and Adam (lr 0.001). The flattened weights are snapshotted along training; wg.analysis.pca finds the two directions of largest variance of all snapshots together, and both paths are drawn in that plane.'),
    h('div', { class: 'controls' }, hidden.el, epochs.el, every.el),
  );
  const out = h('div', { class: 'row' });
  button('pca-run', 'Train and project', root, out, async (status) => {
    status('loading the digits…');
    const data = await mnist(wg, TRAIN, TEST);
    const H = Math.max(1, Math.round(hidden.value));
    const rows: number[][] = [];
    const who: { k: string; step: number }[] = [];
    for (const [k, make] of [
      ['SGD', (p: Tensor[]) => new wg.optim.SGD(p, { lr: 0.05 })],
      ['Adam', (p: Tensor[]) => new wg.optim.Adam(p, { lr: 0.001 })],
    ] as const) {
      const model = mlp(wg, H, 0);
      const opt = make(model.parameters());
      let step = 0;
      rows.push(await flatWeights(model));
      who.push({ k, step });
      for (let e = 1; e <= Math.max(1, Math.round(epochs.value)); e++) {
        for (const [x, y] of new wg.nn.DataLoader(data.train, { batchSize: 64, shuffle: true, seed: e, dropLast: true })) {
          opt.zeroGrad();
          const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
          loss.backward();
          loss.dispose();
          opt.step();
          if (++step % Math.max(1, Math.round(every.value)) === 0) {
            rows.push(await flatWeights(model));
            who.push({ k, step });
            status(`${k}: step ${step}`);
          }
        }
      }
      opt.dispose();
      disposeModel(model);
    }
    status('PCA of the snapshots…');
    const r = await wg.analysis.pca(rows, 2);
    const pts = r.scores.map((s, i) => ({ ...who[i], pc1: s[0], pc2: s[1] }));
    lab.pca = { explained: r.explained, points: pts.length };
    out.replaceChildren(
      h('div', { class: 'chart' }, Plot.plot({
        width: 560,
        height: 400,
        x: { label: `PC1 (${(r.explained[0] * 100).toFixed(1)}% of the variance)` },
        y: { label: `PC2 (${(r.explained[1] * 100).toFixed(1)}%)` },
        color: { domain: ['SGD', 'Adam'], range: [COLORS.sgd, COLORS.adam], legend: true },
        marks: [Plot.line(pts, { x: 'pc1', y: 'pc2', stroke: 'k', marker: 'dot' }), Plot.dot(pts.filter((p) => p.step === 0), { x: 'pc1', y: 'pc2', r: 6, fill: 'black' })],
      })),
    );
    status(`${rows.length} snapshots of ${rows[0].length} weights; PC1 + PC2 explain ${((r.explained[0] + r.explained[1]) * 100).toFixed(1)}%`);
  });
}

// ---------------------------------------------------------------- loss landscape (exercise 9)
export function mountLandscape(root: HTMLElement): void {
  const small = numberField('land.small', 'small batch', 16, () => {}, '1');
  const large = numberField('land.large', 'large batch', 1024, () => {}, '1');
  const epochs = numberField('land.epochs', 'epochs', 3, () => {}, '1');
  const grid = numberField('land.grid', 'grid points per axis', 11, () => {}, '1');
  root.append(
    h('p', {}, 'Two MLPs trained with Adam (lr 0.001) from the same start, one with small batches and one with large; around each solution, wg.analysis.lossLandscape evaluates the held-out loss on θ* + αδ + βη with filter-normalised random directions δ, η (Li et al. 2018: each filter of δ scaled to the norm of the same filter of θ*, biases left at 0), α, β ∈ [−1, 1].'),
    h('div', { class: 'controls' }, small.el, large.el, epochs.el, grid.el),
  );
  const out = h('div', {});
  button('land-run', 'Train both and map the landscapes', root, out, async (status) => {
    status('loading the digits…');
    const data = await mnist(wg, TRAIN, TEST);
    const n = Math.max(3, Math.round(grid.value));
    const axis = Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
    const evalX = wg.tensor(data.test.x.subarray(0, 1000 * 784), [1000, 784]);
    const evalY = Int32Array.from(data.test.y.subarray(0, 1000));
    const cells: { who: string; a: number; b: number; loss: number }[] = [];
    const slices: { who: string; a: number; loss: number }[] = [];
    const summary: (string | number)[][] = [['solution', 'held-out accuracy', 'loss at θ*', 'mean loss rise at |α| = 1 (1-D)']];
    try {
      for (const B of [Math.round(small.value), Math.round(large.value)]) {
        const who = `batch ${B}`;
        const model = mlp(wg, 128, 0);
        const opt = new wg.optim.Adam(model.parameters(), { lr: 0.001 });
        for (let e = 1; e <= Math.max(1, Math.round(epochs.value)); e++) {
          status(`${who}: epoch ${e}`);
          for (const [x, y] of new wg.nn.DataLoader(data.train, { batchSize: B, shuffle: true, seed: e, dropLast: true })) {
            opt.zeroGrad();
            const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
            loss.backward();
            loss.dispose();
            opt.step();
          }
          await nextFrame();
        }
        opt.dispose();
        const params = model.parameters();
        const d1 = wg.analysis.filterNormalizedDirection(params, { seed: 1 });
        const d2 = wg.analysis.filterNormalizedDirection(params, { seed: 2 });
        const lossFn = () => wg.nn.functional.crossEntropy(model.forward(evalX), evalY);
        status(`${who}: ${n}×${n} landscape…`);
        const surf = await wg.analysis.lossLandscape(params, [d1, d2], lossFn, { alphas: axis, betas: axis });
        (surf.losses as number[][]).forEach((row, j) => row.forEach((loss, i) => cells.push({ who, a: axis[i], b: axis[j], loss })));
        const line = await wg.analysis.lossLandscape(params, [d1], lossFn, { alphas: axis });
        (line.losses as number[]).forEach((loss, i) => slices.push({ who, a: axis[i], loss }));
        const acc = await evaluate(wg, model, data.test);
        const l = line.losses as number[];
        const mid = l[(n - 1) / 2] ?? l[Math.floor(n / 2)];
        summary.push([who, `${(acc.accuracy * 100).toFixed(2)}%`, mid, (l[0] + l[n - 1]) / 2 - mid]);
        [...d1, ...d2].forEach((t) => t.dispose());
        disposeModel(model);
      }
    } finally {
      evalX.dispose();
    }
    lab.landscape = { cells: cells.length, summary };
    out.replaceChildren(
      h('div', { class: 'row' },
        ...[...new Set(cells.map((c) => c.who))].map((who) =>
          h('div', { class: 'chart' }, h('b', {}, who), Plot.plot({
            width: 340,
            height: 300,
            x: { label: 'α' },
            y: { label: 'β' },
            color: { type: 'log', scheme: 'Viridis', legend: true, label: 'held-out loss' },
            marks: [Plot.raster(cells.filter((c) => c.who === who), { x: 'a', y: 'b', fill: 'loss', interpolate: 'barycentric', x1: -1, x2: 1, y1: -1, y2: 1 }), Plot.contour(cells.filter((c) => c.who === who), { x: 'a', y: 'b', value: 'loss', interpolate: 'barycentric', x1: -1, x2: 1, y1: -1, y2: 1, stroke: 'white', strokeOpacity: 0.5, thresholds: 10 }), Plot.dot([[0, 0]], { x: (d: number[]) => d[0], y: (d: number[]) => d[1], fill: 'white', stroke: 'black', r: 3 })],
          })),
        ),
        h('div', { class: 'chart' }, h('b', {}, '1-D slices along δ'), Plot.plot({ width: 340, height: 300, x: { label: 'α' }, y: { label: 'held-out loss', grid: true }, color: { legend: true }, marks: [Plot.line(slices, { x: 'a', y: 'loss', stroke: 'who', marker: 'dot' })] })),
      ),
      table(summary),
    );
    status('done');
  });
}

// ---------------------------------------------------------------- batch size (exercise 5)
export function mountBatch(root: HTMLElement): void {
  root.append(h('p', {}, 'Linear regression y = Xw + noise (n = 10,000, 5 features, noise 0.5), SGD with batch sizes 1 … full; the minibatch gradient variance measured on the GPU against σ²/B, and the weight error per epoch at a fixed lr and under the linear and square-root lr scaling rules. (The lab\'s exercise 5 module.)'));
  const out = h('div', {});
  button('batch-run', 'Run exercise 5', root, out, async (status) => {
    const r = await batchSize.run(wg, {}, (done, total, label) => status(`${done}/${total} ${label ?? ''}`));
    lab.batch = { variance: r.variance };
    const variance = r.variance.flatMap((v) => [
      { B: v.batchSize, value: v.measured, kind: 'measured (GPU)' },
      { B: v.batchSize, value: v.expected, kind: 'σ²/B·(n−B)/(n−1)' },
    ]).filter((d) => d.value !== null && d.value > 0);
    const errors = r.runs.flatMap((u) => u.errors.map((e, i) => ({ rule: u.rule, B: `B=${u.batchSize}`, epoch: i + 1, err: e })).filter((d) => d.err !== null && d.err > 0));
    out.replaceChildren(
      h('div', { class: 'row' },
        h('div', { class: 'chart' }, h('b', {}, 'gradient variance vs batch size'), Plot.plot({ width: 420, height: 300, x: { type: 'log', label: 'batch size' }, y: { type: 'log', label: 'trace Cov(gradient)', grid: true }, color: { legend: true }, marks: [Plot.line(variance, { x: 'B', y: 'value', stroke: 'kind', marker: 'dot' })] })),
        h('div', { class: 'chart' }, h('b', {}, 'weight error per epoch (fixed lr | linear | sqrt scaling)'), Plot.plot({ width: 620, height: 300, fx: { label: null }, y: { type: 'log', label: '‖w − w*‖', grid: true }, x: { label: 'epoch' }, color: { legend: true }, marks: [Plot.line(errors, { fx: 'rule', x: 'epoch', y: 'err', stroke: 'B', marker: 'dot' })] }))),
      ...r.claims.map((c) => h('p', {}, h('b', {}, `${c.claim} — ${c.verdict}. `), c.evidence)),
    );
    status('done');
  });
}
