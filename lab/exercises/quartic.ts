/**
 * Exercise 2: local vs global minimum on f(x) = 0.1x⁴ − 3x² + x from x = −3 [lr 0.1, 20 steps].
 * Plain gradient descent is torch's SGD. The material's momentum recipe, v ← 0.9v + 0.1g, x ← x − lr·v,
 * is not torch's (torch: v ← βv + g, and v₁ = g), so it is written out below and labelled
 * recipe 'material'; torch's heavy ball (SGD momentum 0.9) runs beside it. The stationary points are
 * found numerically (roots of f′(x) = 0.4x³ − 6x + 1) rather than assumed.
 */
import { type Wg, type Tensor, type Progress, type Claim, noop, r, fmt, read, options, roots } from './common.js';

export const meta = { id: 2, title: 'Local vs global minimum (quartic)' };

export interface Options {
  start: number;
  lr: number;
  beta: number;
  steps: number;
  /** The lesson search: start, steps and the (lr, beta) grid for torch's heavy-ball momentum. */
  lessonStart: number;
  lessonSteps: number;
  lessonLrs: number[];
  lessonBetas: number[];
}
export const defaults: Options = { start: -3, lr: 0.1, beta: 0.9, steps: 20, lessonStart: 6, lessonSteps: 200, lessonLrs: [0.005, 0.01], lessonBetas: [0.95] };

export const f = (x: number): number => 0.1 * x ** 4 - 3 * x ** 2 + x;
export const df = (x: number): number => 0.4 * x ** 3 - 6 * x + 1;
export const quarticLoss = (x: Tensor): Tensor => x.pow(4).mul(0.1).sub(x.square().mul(3)).add(x).sum();

export interface QuarticRun {
  method: 'gd' | 'momentum';
  recipe: 'torch' | 'material';
  start: number;
  lr: number;
  beta: number | null;
  steps: number;
  finalX: number | null;
  finalLoss: number | null;
  path: number[];
}

/** Many runs side by side, one scalar tensor each; the path of every run is read back each step. */
async function runAll(wg: Wg, specs: Omit<QuarticRun, 'finalX' | 'finalLoss' | 'path'>[], progress: Progress, label: string): Promise<QuarticRun[]> {
  const steps = Math.max(...specs.map((s) => s.steps));
  const state = specs.map((s) => {
    const x = wg.tensor([s.start], [1], { requiresGrad: true });
    if (s.recipe === 'material') return { s, x, v: wg.zeros([1]), opt: null as null | InstanceType<Wg['optim']['SGD']>, path: [s.start] };
    return { s, x, v: null as Tensor | null, opt: new wg.optim.SGD([x], { lr: s.lr, momentum: s.method === 'momentum' ? s.beta! : 0 }), path: [s.start] };
  });
  for (let t = 1; t <= steps; t++) {
    for (const u of state) {
      if (t > u.s.steps) continue;
      if (u.opt) {
        u.opt.zeroGrad();
        const l = quarticLoss(u.x);
        l.backward();
        u.opt.step();
        l.dispose();
      } else {
        // the material's recipe, as it writes it: v = 0.9v + 0.1g ; x = x - lr*v   (g from autograd)
        u.x.grad?.dispose();
        u.x.grad = null;
        const l = quarticLoss(u.x);
        l.backward();
        l.dispose();
        wg.noGrad(() => {
          const v = u.v!.mul(u.s.beta!).add(u.x.grad!.mul(1 - u.s.beta!));
          const x = u.x.sub(v.mul(u.s.lr));
          u.v!.dispose();
          u.v = v;
          u.x.grad!.dispose();
          u.x.grad = null;
          u.x.dispose();
          u.x = x;
          u.x.requiresGrad = true;
        });
      }
    }
    const vals = await read(state.map((u) => u.x));
    state.forEach((u, k) => t <= u.s.steps && u.path.push(vals[k][0]));
    progress(t, steps, label);
  }
  return state.map((u) => {
    const x = u.path[u.path.length - 1];
    for (const t of [u.x.grad, u.x, u.v]) t?.dispose();
    u.opt?.dispose();
    return { ...u.s, finalX: r(x), finalLoss: r(f(x)), path: u.path.map((v) => r(v, 6) ?? NaN) };
  });
}

export async function run(wg: Wg, opts?: Partial<Options>, progress: Progress = noop) {
  const o = options(defaults, opts);
  const stationary = roots(df, -10, 10).map((x) => ({ x: r(x), f: r(f(x)), kind: 0.12 * 10 * x * x - 6 > 0 ? 'minimum' : 'maximum' }));
  const minima = stationary.filter((p) => p.kind === 'minimum');
  const globalMin = minima.reduce((a, b) => (b.f! < a.f! ? b : a));
  const localMin = minima.find((m) => m !== globalMin)!;
  const base = { start: o.start, lr: o.lr, steps: o.steps };
  const runs = await runAll(wg, [
    { method: 'gd', recipe: 'torch', beta: null, ...base },
    { method: 'momentum', recipe: 'material', beta: o.beta, ...base },
    { method: 'momentum', recipe: 'torch', beta: o.beta, ...base },
  ], progress, 'stated setting');
  // the lesson: start high on the local minimum's side (f(6) = 27.6, above the barrier's f = 0.08): GD
  // settles in the local minimum; heavy-ball momentum keeps enough speed to cross the barrier?
  const grid = o.lessonLrs.flatMap((lr) => [
    { method: 'gd' as const, recipe: 'torch' as const, beta: null, start: o.lessonStart, lr, steps: o.lessonSteps },
    ...o.lessonBetas.map((beta) => ({ method: 'momentum' as const, recipe: 'torch' as const, beta, start: o.lessonStart, lr, steps: o.lessonSteps })),
  ]);
  const lessonRuns = await runAll(wg, grid, progress, 'lesson search');
  const near = (x: number | null, m: number | null) => x !== null && m !== null && Math.abs(x - m) < 0.1;
  const found = lessonRuns.find((u) => u.method === 'momentum' && near(u.finalX, globalMin.x) && near(lessonRuns.find((g) => g.method === 'gd' && g.lr === u.lr)?.finalX ?? null, localMin.x));
  const gd = runs[0];
  const mat = runs[1];
  const claims: Claim[] = [{
    claim: 'Quartic f(x) = 0.1x^4 - 3x^2 + x from -3, lr 0.1, 20 steps: "plain GD stops in a local minimum near -2, momentum (v = 0.9v + 0.1g) reaches the global one near 2".',
    setting: `start ${o.start}, lr ${o.lr}, ${o.steps} steps; momentum as the material writes it`,
    verdict: near(gd.finalX, -2) && near(mat.finalX, 2) ? 'holds' : 'does not hold',
    evidence: `f'(x) = 0.4x^3 - 6x + 1 = 0 at ${stationary.map((p) => `${fmt(p.x)} (${p.kind}, f = ${fmt(p.f)})`).join(', ')}: there is no stationary point near -2 or 2. ` +
      `The global minimum is x = ${fmt(globalMin.x)} and x = -3 already lies in its basin. GD ends at ${fmt(gd.finalX)}, the material's momentum at ${fmt(mat.finalX)}, torch's heavy ball (lr ${o.lr}) at ${fmt(runs[2].finalX)}.`,
    lesson: found
      ? `Start at ${o.lessonStart} (f = ${fmt(f(o.lessonStart))}, above the barrier), on the side of the local minimum ${fmt(localMin.x)}: GD (torch SGD, lr ${found.lr}, ${found.steps} steps) ends at ${fmt(lessonRuns.find((g) => g.method === 'gd' && g.lr === found.lr)!.finalX)} (local), heavy-ball momentum (torch SGD, momentum ${found.beta}, same lr) ends at ${fmt(found.finalX)} (global): momentum carries it over the barrier at x = ${fmt(stationary.find((p) => p.kind === 'maximum')!.x)}.`
      : `No (lr, beta) in the grid made momentum cross from ${o.lessonStart} while GD stayed local.`,
  }];
  return { settings: o, stationary, runs, lessonRuns, lesson: found ?? null, claims };
}
