/**
 * Exercise 13: second-order and newer methods beside Adam on the same problems: L-BFGS (full batch,
 * strong Wolfe line search), Lion, Muon and SAM (around SGD with momentum), on Rosenbrock and on the
 * MNIST MLP; and how close Muon's Newton–Schulz iteration gets to the orthogonal factor U Vᵀ, measured
 * by the singular values of its output (float64 eigen-solve of XᵀX) against an exact U Vᵀ.
 */
import { type Wg, type Tensor, type Progress, type Claim, noop, r, fmt, read, options } from './common.js';
import { rosenbrock, rosenbrockLoss, setRosenbrockGrad, race } from './race.js';
import { mnist, mlp, train, evaluate } from './mnist.js';

export const meta = { id: 13, title: 'L-BFGS, Lion, Muon and SAM beside Adam' };

export interface Options {
  rosenSteps: number;
  lbfgsSteps: number;
  trainCount: number;
  testCount: number;
  epochs: number;
  batchSize: number;
  lbfgsSamples: number;
  nsShape: [number, number];
}
export const defaults: Options = { rosenSteps: 5000, lbfgsSteps: 50, trainCount: 8000, testCount: 2000, epochs: 5, batchSize: 64, lbfgsSamples: 2000, nsShape: [128, 64] };
export const quick: Partial<Options> = { rosenSteps: 2000, trainCount: 2000, testCount: 1000, epochs: 1, lbfgsSamples: 1000 };

/** Singular values of a row-major m×n matrix (float64, from the eigenvalues of AᵀA) and its right vectors. */
function svd(wg: Wg, a: ArrayLike<number>, m: number, n: number) {
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += a[k * n + i] * a[k * n + j];
    G[i * n + j] = G[j * n + i] = s;
  }
  const { values, vectors } = wg.analysis.symmetricEigen(G, n);
  return { s: values.map((v) => Math.sqrt(Math.max(v, 0))), V: vectors };
}

export async function newtonSchulzCheck(wg: Wg, shape: [number, number], stepsList = [1, 2, 3, 5, 10]) {
  const [m, n] = shape;
  const G = wg.randn([m, n], { seed: 7 });
  const g = Array.from(await G.toArray());
  // exact U Vᵀ = G V S⁻¹ Vᵀ (float64)
  const { s, V } = svd(wg, g, m, n);
  const UVt = new Float64Array(m * n);
  for (let k = 0; k < n; k++) {
    const gv = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) gv[i] += g[i * n + j] * V[k][j];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) UVt[i * n + j] += (gv[i] / s[k]) * V[k][j];
  }
  const norm = Math.sqrt(UVt.reduce((a, v) => a + v * v, 0));
  const rows = [];
  for (const steps of stepsList) {
    const X = wg.optim.newtonSchulz5(G, steps);
    const x = Array.from(await X.toArray());
    X.dispose();
    const sv = svd(wg, x, m, n).s;
    const err = Math.sqrt(x.reduce((a, v, i) => a + (v - UVt[i]) ** 2, 0)) / norm;
    rows.push({ steps, minSingular: r(Math.min(...sv)), maxSingular: r(Math.max(...sv)), relError: r(err), singularValues: sv.map((v) => r(v, 4)) });
  }
  G.dispose();
  return { shape, conditionG: r(s[0] / s[s.length - 1]), rows };
}

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  // Rosenbrock from (-2, 2): Adam and Lion in the race loop, SAM and L-BFGS with closures
  const start: [number, number] = [-2, 2];
  const raced = await race(wg, { steps: o.rosenSteps, starts: [start], every: 20, configs: [{ optimizer: 'Adam', lr: 1e-2 }, { optimizer: 'Lion', lr: 1e-3 }] }, progress, 'Rosenbrock');
  const rosen = raced.map((u) => ({ method: `${u.optimizer} lr ${u.lr}`, steps: u.steps, evaluations: u.steps, final: u.final, distance: u.distance, loss: u.loss, path: u.path }));
  {
    const x = wg.tensor([start[0]], [1], { requiresGrad: true });
    const y = wg.tensor([start[1]], [1], { requiresGrad: true });
    const opt = new wg.optim.SAM([x, y], wg.optim.SGD, { lr: 1e-3, momentum: 0.9, rho: 0.05 });
    const path: [number, number, number][] = [[0, ...start]];
    for (let t = 1; t <= o.rosenSteps; t++) {
      await opt.step(() => {
        setRosenbrockGrad(wg, x, y);
        return 0;
      });
      if (t % 20 === 0) {
        const [a, b] = await read([x, y]);
        path.push([t, a[0], b[0]]);
        progress(t, o.rosenSteps, 'SAM Rosenbrock');
      }
    }
    const [a, b] = await read([x, y]);
    rosen.push({ method: 'SAM (SGD momentum 0.9, lr 1e-3, rho 0.05)', steps: o.rosenSteps, evaluations: 2 * o.rosenSteps, final: [a[0], b[0]], distance: r(Math.hypot(a[0] - 1, b[0] - 1)), loss: r(rosenbrock(a[0], b[0])), path });
    for (const t of [x.grad, y.grad, x, y]) t?.dispose();
    opt.dispose();
  }
  {
    const x = wg.tensor([start[0]], [1], { requiresGrad: true });
    const y = wg.tensor([start[1]], [1], { requiresGrad: true });
    const opt = new wg.optim.LBFGS([x, y], { lr: 1, maxIter: 20, lineSearchFn: 'strong_wolfe' });
    let evals = 0;
    const path: [number, number, number][] = [[0, ...start]];
    for (let t = 1; t <= o.lbfgsSteps; t++) {
      await opt.step(() => {
        evals++;
        opt.zeroGrad();
        const l = rosenbrockLoss(x, y);
        l.backward();
        return l;
      });
      const [a, b] = await read([x, y]);
      path.push([t, a[0], b[0]]);
    }
    const [a, b] = [path[path.length - 1][1], path[path.length - 1][2]];
    rosen.push({ method: 'L-BFGS (strong Wolfe)', steps: o.lbfgsSteps, evaluations: evals, final: [a, b], distance: r(Math.hypot(a - 1, b - 1)), loss: r(rosenbrock(a, b)), path });
    for (const t of [x.grad, y.grad, x, y]) t?.dispose();
    opt.dispose();
  }
  progress(1, 1, 'Rosenbrock done');
  // MNIST MLP
  const data = await mnist(wg, o.trainCount, o.testCount);
  const mnistRuns = [];
  const methods: { method: string; make: (p: Tensor[]) => any; sam?: boolean }[] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    { method: 'Adam lr 1e-3', make: (p) => new wg.optim.Adam(p, { lr: 1e-3 }) },
    { method: 'Lion lr 1e-4', make: (p) => new wg.optim.Lion(p, { lr: 1e-4 }) },
    { method: 'Muon lr 0.02', make: (p) => new wg.optim.Muon(p, { lr: 0.02 }) },
    { method: 'SAM (SGD momentum 0.9, lr 0.05, rho 0.05)', make: (p) => new wg.optim.SAM(p, wg.optim.SGD, { lr: 0.05, momentum: 0.9, rho: 0.05 }), sam: true },
  ];
  for (const m of methods) {
    const model = mlp(wg, 128, 0);
    const opt = m.make(model.parameters());
    const stepFn = m.sam
      ? async (x: Tensor, y: Tensor) => {
        let first: Tensor | null = null;
        await opt.step(() => {
          opt.zeroGrad();
          const l = wg.nn.functional.crossEntropy(model.forward(x), y);
          l.backward();
          if (!first) first = l.keep();
          return l;
        });
        return first!;
      }
      : undefined;
    const res = await train(wg, model, opt, data, { epochs: o.epochs, batchSize: o.batchSize, every: 5, stepFn, progress, label: m.method });
    const last = res.epochs[res.epochs.length - 1];
    mnistRuns.push({ method: m.method, valAccuracy: r(last.valAccuracy), trainLoss: r(last.trainLoss), seconds: r(res.seconds, 3), stepsPerSecond: r(res.stepsPerSecond, 4), losses: res.losses.map(([s, l]) => [s, r(l, 4)]) });
    opt.dispose();
    for (const p of model.parameters()) p.dispose();
  }
  {
    const model = mlp(wg, 128, 0);
    const n = Math.min(o.lbfgsSamples, data.train.n);
    const x = wg.tensor(data.train.x.subarray(0, n * 784), [n, 784]);
    const y = data.train.y.slice(0, n);
    const opt = new wg.optim.LBFGS(model.parameters(), { lr: 1, maxIter: 20, historySize: 20, lineSearchFn: 'strong_wolfe' });
    const losses: [number, number][] = [];
    let evals = 0;
    const t0 = performance.now();
    for (let t = 1; t <= 5; t++) {
      const l = await opt.step(() => {
        evals++;
        opt.zeroGrad();
        const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
        loss.backward();
        return loss;
      });
      losses.push([evals, r(Number(l), 4) ?? NaN]);
      progress(t, 5, 'L-BFGS MNIST');
    }
    const ev = await evaluate(wg, model, data.test);
    const tr = await evaluate(wg, model, { x: data.train.x.subarray(0, n * 784), y: data.train.y.subarray(0, n), n, xShape: [n, 784] });
    mnistRuns.push({ method: `L-BFGS full batch (${n} digits, strong Wolfe)`, valAccuracy: r(ev.accuracy), trainLoss: r(tr.loss), seconds: r((performance.now() - t0) / 1000, 3), stepsPerSecond: null, evaluations: evals, losses });
    x.dispose();
    opt.dispose();
    for (const p of model.parameters()) p.dispose();
  }
  const ns = await newtonSchulzCheck(wg, o.nsShape);
  const five = ns.rows.find((q) => q.steps === 5)!;
  const claims: Claim[] = [{
    claim: '"Newton-Schulz finds the orthogonal factor U V^T" (how close, after 5 steps, in singular values?).',
    setting: `Muon's quintic iteration (coefficients 3.4445, -4.775, 2.0315) on a random ${o.nsShape.join('x')} Gaussian matrix (condition number ${fmt(ns.conditionG)})`,
    verdict: (five.maxSingular ?? 0) - (five.minSingular ?? 0) < 0.01 ? 'holds' : 'holds in part',
    evidence: `After 5 steps the singular values lie in [${fmt(five.minSingular)}, ${fmt(five.maxSingular)}] instead of all 1; relative Frobenius distance to the exact U V^T: ${fmt(five.relError)}. ` +
      `${ns.rows.map((q) => `${q.steps} steps: [${fmt(q.minSingular)}, ${fmt(q.maxSingular)}]`).join('; ')}. The coefficients trade exactness for speed: they push every singular value into a band around 1 quickly but do not converge to 1.`,
  }];
  return { settings: o, rosenbrock: rosen, mnist: mnistRuns, newtonSchulz: ns, claims };
}
