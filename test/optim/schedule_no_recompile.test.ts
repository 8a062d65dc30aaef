import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

/**
 * A schedule only changes the scalar the fused optimizer kernel reads from its uniform buffer: changing the
 * lr every step compiles nothing and reads nothing back.
 */
describe('lr schedules drive the fused kernels without recompiling', () => {
  beforeAll(async () => {
    await wg.init();
  });

  for (const [name, make] of [
    ['Adam + CosineAnnealingLR', (p: wg.Tensor[]) => new wg.optim.Adam(p, { lr: 0.01 })],
    ['SGD momentum + OneCycleLR', (p: wg.Tensor[]) => new wg.optim.SGD(p, { lr: 0.01, momentum: 0.9 })],
  ] as const) {
    it(name, async () => {
      const w = wg.randn([64, 32], { seed: 1, requiresGrad: true });
      const opt = make([w]);
      const sched = name.includes('Cosine')
        ? new wg.optim.lrScheduler.CosineAnnealingLR(opt, { TMax: 40 })
        : new wg.optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 40 });
      const step = () => {
        opt.zeroGrad();
        w.square().mean().backward();
        opt.step();
        sched.step();
      };
      step();
      step();
      await wg.sync();
      const before = wg.stats();
      const lrs = new Set<number>();
      for (let i = 0; i < 30; i++) {
        step();
        lrs.add(opt.paramGroups[0].lr);
      }
      await wg.sync();
      const after = wg.stats();
      expect(lrs.size).toBe(30); // the lr really changed every step
      expect(after.kernels).toBe(before.kernels);
      expect(after.compiles).toBe(before.compiles);
      expect(after.readbacks).toBe(before.readbacks);
    });
  }
});
