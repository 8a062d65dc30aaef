/**
 * Exercise 11: worked numbers a learner can check by hand, each computed by the library's optimizers and
 * schedulers, with every step's gradient and update kept for the page to show one at a time.
 *   GD on (w − 3)² from 0, lr 0.1, 3 steps:   w = 0.6, 1.08, 1.464      (g = 2(w − 3); w ← w − 0.1g)
 *   Adam on w² from 10, lr 0.1, 1 step:       w = 9.9                   (m̂/√v̂ = g/|g| = 1 at step 1)
 *   momentum 0.9 on w² from 10, lr 0.1:       w = 8, 4.6                (v₁ = g = 20; v₂ = 0.9·20 + 16 = 34)
 *   SGDR, T0 = 10, TMult = 2, lr 0.1:         t = 5, 15, 35 → 0.05, 0.0853553, 0.0961940
 */
import { type Wg, type Tensor, type Progress, noop, r, read } from './common.js';

export const meta = { id: 11, title: 'Worked numbers to check by hand' };

export type Options = Record<string, never>;
export const defaults: Options = {};

interface Step {
  t: number;
  w: number;
  grad: number;
  next: number;
}

async function trace(wg: Wg, make: (p: Tensor[]) => { zeroGrad(): void; step(): unknown; dispose(): void }, f: (w: Tensor) => Tensor, w0: number, steps: number): Promise<Step[]> {
  const w = wg.tensor([w0], [1], { requiresGrad: true });
  const opt = make([w]);
  const out: Step[] = [];
  for (let t = 1; t <= steps; t++) {
    opt.zeroGrad();
    const [before] = await read([w]);
    const l = f(w);
    l.backward();
    const [g] = await read([w.grad!]);
    opt.step();
    l.dispose();
    const [after] = await read([w]);
    out.push({ t, w: r(before[0])!, grad: r(g[0])!, next: r(after[0])! });
  }
  w.grad?.dispose();
  w.dispose();
  opt.dispose();
  return out;
}

export async function run(wg: Wg, _opts?: Partial<Options>, progress: Progress = noop) {
  const gdSteps = await trace(wg, (p) => new wg.optim.SGD(p, { lr: 0.1 }), (w) => w.sub(3).square().sum(), 0, 3);
  progress(1, 4, 'GD');
  const adamSteps = await trace(wg, (p) => new wg.optim.Adam(p, { lr: 0.1 }), (w) => w.square().sum(), 10, 1);
  progress(2, 4, 'Adam');
  const momentumSteps = await trace(wg, (p) => new wg.optim.SGD(p, { lr: 0.1, momentum: 0.9 }), (w) => w.square().sum(), 10, 2);
  progress(3, 4, 'momentum');
  const S = wg.optim.lrScheduler;
  const sgdrCurve = S.previewSchedule((opt) => new S.CosineAnnealingWarmRestarts(opt, { T0: 10, TMult: 2 }), { steps: 71, lr: 0.1 }).map((g) => g[0]);
  progress(4, 4, 'SGDR');
  const hand = { gd: [0.6, 1.08, 1.464], adam: 9.9, momentum: [8, 4.6], sgdr: [5, 15, 35].map((t) => { const [tc, Ti] = t < 10 ? [t, 10] : t < 30 ? [t - 10, 20] : [t - 30, 40]; return 0.05 * (1 + Math.cos((Math.PI * tc) / Ti)); }) };
  const values = {
    gd: gdSteps.map((s) => s.next),
    adam: adamSteps[0].next,
    momentum: momentumSteps.map((s) => s.next),
    sgdr: [5, 15, 35].map((t) => r(sgdrCurve[t])!),
  };
  return { settings: {}, values, hand: { ...hand, sgdr: hand.sgdr.map((v) => r(v)) }, steps: { gd: gdSteps, adam: adamSteps, momentum: momentumSteps }, sgdrCurve: sgdrCurve.map((v) => r(v)) };
}
