import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/tensor/index.js';

/**
 * opt.kernelSource(p) is what the lab's "show the kernel" view prints: it must be the very text that
 * step() hands to the GPU for p, in each layout (per tensor, vec4 or scalar width; foreach arena; guarded).
 */
async function dispatchedWgsl(run: () => void): Promise<string[]> {
  const rt = runtime();
  const seen: string[] = [];
  const original = rt.dispatch;
  rt.dispatch = (spec) => {
    seen.push(spec.wgsl);
    original.call(rt, spec);
  };
  try {
    run();
    await rt.sync();
  } finally {
    rt.dispatch = original;
  }
  return seen;
}

describe('optimizer kernelSource()', () => {
  beforeAll(async () => {
    await wg.init();
  });

  const cases = [
    ['SGD momentum, vec4 width', [8], (p: wg.Tensor[]) => new wg.optim.SGD(p, { lr: 0.1, momentum: 0.9 })],
    ['Adam, scalar width (size 3)', [3], (p: wg.Tensor[]) => new wg.optim.Adam(p, { lr: 0.01 })],
    ['RMSprop centered, 2 elements', [2], (p: wg.Tensor[]) => new wg.optim.RMSprop(p, { lr: 0.01, centered: true })],
    ['AdamW foreach (arena)', [5], (p: wg.Tensor[]) => new wg.optim.AdamW(p, { lr: 0.01, foreach: true })],
    ['Lion skipNonFinite (guarded)', [4], (p: wg.Tensor[]) => new wg.optim.Lion(p, { lr: 1e-3, skipNonFinite: true })],
  ] as const;

  for (const [name, shape, make] of cases) {
    it(`${name}: equals the WGSL step() dispatches`, async () => {
      const w = wg.randn([...shape], { seed: 3, requiresGrad: true });
      const opt = make([w]);
      const source = opt.kernelSource();
      expect(opt.kernelSource(w)).toBe(source);
      w.square().sum().backward();
      const fromStep = await dispatchedWgsl(() => opt.step());
      // exactly one update kernel per step for one parameter (the first step also fills the state slots)
      expect(fromStep.filter((t) => t.includes('param[i] = p;'))).toEqual([source]);
      expect(source).toMatch(/@compute/);
      opt.dispose();
      w.dispose();
    });
  }

  it('differs between widths and names the parameter it cannot show', () => {
    const a = wg.randn([4], { seed: 1, requiresGrad: true });
    const b = wg.randn([3], { seed: 2, requiresGrad: true });
    const opt = new wg.optim.Adam([a, b], { lr: 0.01, foreach: false }); // per-tensor kernels: the width shows
    expect(opt.kernelSource(a)).toMatch(/vec4<f32>/);
    expect(opt.kernelSource(b)).not.toMatch(/vec4<f32>/);
    const stranger = wg.randn([2], { seed: 4 });
    expect(() => opt.kernelSource(stranger)).toThrow(/no param group/);
    const m = wg.randn([4, 4], { seed: 5, requiresGrad: true });
    const muon = new wg.optim.Muon([m], { lr: 0.02 });
    expect(() => muon.kernelSource(m)).toThrow(/Muon.*not updated by the fused kernel/);
    for (const t of [a, b, stranger, m]) t.dispose();
  });
});
