/**
 * Closed-loop parity with torch (test/fixtures/optim.json): whole training loops, where every step's
 * gradient depends on the previous update. Rounding differences (GPU reductions and fused kernels vs
 * torch's CPU kernels, ~1e-7 relative per op) are fed back and grow, so the tolerances are looser than
 * the open-loop 1e-5: Rosenbrock runs 200 steps through a curved valley (the README suggests 1e-3
 * absolute on the point), the MLP runs 20 steps (1e-4 relative on losses and parameters).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import fx from '../fixtures/optim.json';
import * as wg from '../../src/index.js';
import { expectClose } from '../helpers/expect_close.js';
import { rosenbrock } from './problems.js';

type T = { shape: number[]; data: number[] };
type Named = T & { name: string };
type Ctor = new (params: unknown, options: Record<string, unknown>) => wg.optim.Optimizer<{ lr: number }>;
const optimClass = (name: string) => (wg.optim as unknown as Record<string, Ctor>)[name];

interface Rosen {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  steps: number;
  trajectory: { step: number; x: number; y: number; loss: number }[];
  final: { x: number; y: number; loss: number };
}
interface Mlp {
  x: T;
  targets: number[];
  numClasses: number;
  initialParams: Named[];
  runs: { name: string; optimizer: string; options: Record<string, unknown>; losses: number[]; finalLoss: number; finalParams: Named[] }[];
}
const closed = (fx as unknown as { closedLoop: { rosenbrock: Rosen[]; mlp: Mlp } }).closedLoop;


beforeAll(async () => {
  await wg.init();
});

describe('closed loop: Rosenbrock, 200 steps', () => {
  for (const run of closed.rosenbrock) {
    it(run.name, async () => {
      const x = wg.tensor([-2], { requiresGrad: true });
      const y = wg.tensor([2], { requiresGrad: true });
      const opt = new (optimClass(run.optimizer))([x, y], run.options);
      for (let k = 0; k <= run.steps; k++) {
        opt.zeroGrad();
        const f = rosenbrock(x, y);
        const mark = run.trajectory.find((p) => p.step === k);
        if (mark) {
          const [xv, yv, fv] = [await x.item(), await y.item(), await f.item()];
          expect(Math.abs(xv - mark.x), `${run.name} x at step ${k}`).toBeLessThan(1e-3);
          expect(Math.abs(yv - mark.y), `${run.name} y at step ${k}`).toBeLessThan(1e-3);
          expect(Math.abs(fv - mark.loss), `${run.name} loss at step ${k}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(mark.loss)));
        }
        if (k === run.steps) {
          f.dispose();
          break;
        }
        f.backward();
        f.dispose();
        opt.step();
      }
      opt.dispose();
    });
  }
});

/** Linear(4,8) → Tanh → Linear(8,3), cross-entropy (mean) through logSoftmax and one-hot targets. */
function mlpLoss(params: wg.Tensor[], x: wg.Tensor, onehot: wg.Tensor): wg.Tensor {
  const [w1, b1, w2, b2] = params;
  const h = wg.mm(x, w1, false, true).add(b1).tanh();
  const z = wg.mm(h, w2, false, true).add(b2);
  return z.logSoftmax(1).mul(onehot).sum().mul(-1 / x.shape[0]);
}

describe('closed loop: MLP, 20 steps', () => {
  const m = closed.mlp;
  for (const run of m.runs) {
    for (const foreach of [false, true]) {
      it(`${run.name}${foreach ? ' (foreach)' : ''}`, async () => {
        const x = wg.tensor(m.x.data, m.x.shape);
        const oh = new Float32Array(m.targets.length * m.numClasses);
        m.targets.forEach((c, i) => (oh[i * m.numClasses + c] = 1));
        const onehot = wg.tensor(oh, [m.targets.length, m.numClasses]);
        const params = m.initialParams.map((p) => wg.tensor(p.data, p.shape, { requiresGrad: true }));
        const opt = new (optimClass(run.optimizer))(params, { ...run.options, foreach });
        for (let k = 0; k < run.losses.length; k++) {
          opt.zeroGrad();
          const loss = mlpLoss(params, x, onehot);
          loss.backward();
          const v = await loss.item();
          loss.dispose();
          expect(Math.abs(v - run.losses[k]), `${run.name} loss at step ${k}`).toBeLessThan(1e-4 * Math.abs(run.losses[k]));
          opt.step();
        }
        const final = wg.noGrad(() => mlpLoss(params, x, onehot));
        expect(Math.abs((await final.item()) - run.finalLoss)).toBeLessThan(1e-4 * run.finalLoss);
        for (const [i, p] of params.entries()) {
          expectClose(await p.toArray(), run.finalParams[i], { rtol: 1e-4, atol: 1e-5, label: `${run.name} ${run.finalParams[i].name}` });
        }
        opt.zeroGrad();
        opt.dispose();
        for (const t of [x, onehot, final, ...params]) t.dispose();
      });
    }
  }
});
