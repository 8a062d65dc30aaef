/**
 * L-BFGS against torch.optim.LBFGS traces (test/fixtures/optim.json). As the fixture README says,
 * L-BFGS near a minimum is sensitive to rounding (the line search branches on f32 comparisons), so the
 * first outer step is compared tightly and later ones by closeness to the minimum; evaluation counts
 * exactly on the first call only.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import fx from '../fixtures/optim.json';
import * as wg from '../../src/index.js';
import { expectClose } from '../helpers/expect_close.js';
import { rosenbrock } from './problems.js';

type T = { shape: number[]; data: number[] };
interface Outer { x: number | T; y?: number; loss: number; closureEvals: number; funcEvals: number; nIter: number }
interface Run {
  name: string;
  problem: 'rosenbrock' | 'quadratic';
  options: Record<string, unknown>;
  start?: { x: number; y: number };
  A?: T;
  b?: T;
  x0?: T;
  outerSteps: Outer[];
  finalValue: number;
  solution?: { x: number[]; value: number };
}
const runs = (fx as unknown as { lbfgs: Run[] }).lbfgs;

beforeAll(async () => {
  await wg.init();
});

describe('LBFGS parity with torch', () => {
  for (const run of runs) {
    it(run.name, async () => {
      let params: wg.Tensor[];
      let f: () => wg.Tensor;
      const consts: wg.Tensor[] = [];
      if (run.problem === 'rosenbrock') {
        params = [wg.tensor([run.start!.x], { requiresGrad: true }), wg.tensor([run.start!.y], { requiresGrad: true })];
        f = () => rosenbrock(params[0], params[1]);
      } else {
        const A = wg.tensor(run.A!.data, run.A!.shape);
        const b = wg.tensor(run.b!.data, run.b!.shape);
        consts.push(A, b);
        params = [wg.tensor(run.x0!.data, run.x0!.shape, { requiresGrad: true })];
        const x = params[0];
        // 0.5 * sum(x * (A @ x)) - sum(b * x), as torch's script
        f = () => x.mul(A.matmul(x)).sum().mul(0.5).sub(b.mul(x).sum());
      }
      const opt = new wg.optim.LBFGS(params, run.options);
      let evals = 0;
      const closure = () => {
        opt.zeroGrad();
        const loss = f();
        loss.backward();
        evals++;
        return loss;
      };
      for (const [k, want] of run.outerSteps.entries()) {
        const loss = await opt.step(closure);
        const st = opt.state.get(params[0])!;
        const where = `${run.name} outer step ${k + 1}`;
        if (k === 0) {
          expect(Math.abs(loss - want.loss), `${where} loss`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.loss)));
          expect(evals, `${where} closure calls`).toBe(want.closureEvals);
          expect(st.funcEvals, `${where} funcEvals`).toBe(want.funcEvals);
          expect(st.nIter, `${where} nIter`).toBe(want.nIter);
          if (run.problem === 'rosenbrock') {
            expect(Math.abs((await params[0].item()) - (want.x as number)), `${where} x`).toBeLessThan(1e-4);
            expect(Math.abs((await params[1].item()) - want.y!), `${where} y`).toBeLessThan(1e-4);
          } else {
            expectClose(await params[0].toArray(), want.x as T, { rtol: 1e-4, atol: 1e-5, label: `${where} x` });
          }
        }
      }
      // the end point: the minimum ((1, 1) for Rosenbrock, A⁻¹b for the quadratic), as torch reached it
      if (run.problem === 'rosenbrock') {
        const last = run.outerSteps[run.outerSteps.length - 1];
        expect(Math.abs((await params[0].item()) - 1)).toBeLessThan(Math.max(2e-3, 2 * Math.abs((last.x as number) - 1)));
        expect(Math.abs((await params[1].item()) - 1)).toBeLessThan(Math.max(4e-3, 2 * Math.abs(last.y! - 1)));
      } else {
        expectClose(await params[0].toArray(), run.solution!.x, { rtol: 1e-4, atol: 1e-4, label: `${run.name} solution` });
      }
      expect(evals).toBeGreaterThanOrEqual(run.outerSteps[0].closureEvals);
      opt.zeroGrad();
      opt.dispose();
      for (const t of [...params, ...consts]) t.dispose();
    });
  }

  it('resumes from stateDict (history, direction, counters) bit for bit', async () => {
    const rosen = runs.find((r) => r.name === 'rosenbrock_strong_wolfe')!;
    const make = (x: number, y: number) => [wg.tensor([x], { requiresGrad: true }), wg.tensor([y], { requiresGrad: true })];
    const a = make(rosen.start!.x, rosen.start!.y);
    const optA = new wg.optim.LBFGS(a, { ...rosen.options, maxIter: 4 });
    const closureFor = (opt: wg.optim.LBFGS, ps: wg.Tensor[]) => () => {
      opt.zeroGrad();
      const loss = rosenbrock(ps[0], ps[1]);
      loss.backward();
      return loss;
    };
    await optA.step(closureFor(optA, a));
    await optA.step(closureFor(optA, a));
    const sd = optA.stateDict();
    expect(sd.state[0].nIter).toBeGreaterThan(4);
    expect((sd.state[0].oldDirs as wg.Tensor[]).length).toBeGreaterThan(0);
    const b = make(await a[0].item(), await a[1].item());
    const optB = new wg.optim.LBFGS(b, { ...rosen.options, maxIter: 4 });
    optB.loadStateDict(sd);
    for (const v of Object.values(sd.state[0]).flat()) if (v instanceof wg.Tensor) v.dispose();
    for (let k = 0; k < 2; k++) {
      expect(await optB.step(closureFor(optB, b))).toBe(await optA.step(closureFor(optA, a)));
    }
    expect([await b[0].item(), await b[1].item()]).toEqual([await a[0].item(), await a[1].item()]);
    for (const o of [optA, optB]) (o.zeroGrad(), o.dispose());
    [...a, ...b].forEach((t) => t.dispose());
  });

  it('needs a closure, and one param group', async () => {
    const x = wg.tensor([1], { requiresGrad: true });
    const opt = new wg.optim.LBFGS([x]);
    expect(() => opt.step()).toThrow(/LBFGS: step\(\) needs a closure/);
    expect(() => new wg.optim.LBFGS([{ params: [x] }, { params: [wg.tensor([2], { requiresGrad: true })] }])).toThrow(/param groups/);
    expect(() => new wg.optim.LBFGS([x], { lineSearchFn: 'wolfe' as 'strong_wolfe' })).toThrow(/lineSearchFn must be null or 'strong_wolfe'/);
  });
});
