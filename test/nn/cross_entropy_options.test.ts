// crossEntropy's weight, ignoreIndex and labelSmoothing against torch 1.13 (fixtures from
// test/fixtures/gen_cross_entropy.py): every reduction, odd sizes, rows all ignored; loss and gradient.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import fx from '../fixtures/cross_entropy.json';
import { expectClose } from '../helpers/reference.js';

const F = wg.nn.functional;
type FxTensor = { shape: number[]; data: (number | null)[] };
interface Case {
  name: string;
  logits: FxTensor;
  target: number[];
  weight?: number[];
  reduction: 'mean' | 'sum' | 'none';
  ignoreIndex: number;
  labelSmoothing: number;
  loss: FxTensor;
  upstream: FxTensor;
  grad: FxTensor;
}
const cases = (fx as unknown as { cases: Case[] }).cases;
const nums = (t: FxTensor) => t.data.map((v) => (v === null ? NaN : v));

beforeAll(async () => {
  await wg.init();
});

async function run(c: Case, targetKind: 'tensor' | 'array', weightKind: 'tensor' | 'array'): Promise<void> {
  const x = wg.tensor(nums(c.logits), c.logits.shape, { requiresGrad: true });
  const oneD = c.logits.shape.length === 1;
  const tgt = targetKind === 'tensor' ? wg.tensor(Int32Array.from(c.target), oneD ? [] : [c.target.length]) : Int32Array.from(c.target);
  const weight = c.weight ? (weightKind === 'tensor' ? wg.tensor(c.weight, [c.weight.length]) : c.weight) : undefined;
  const o = { reduction: c.reduction, ignoreIndex: c.ignoreIndex, labelSmoothing: c.labelSmoothing, ...(weight ? { weight } : {}) };
  const loss = F.crossEntropy(x, tgt, o);
  expect(loss.shape).toEqual(c.loss.shape);
  expectClose(await loss.toArray(), { shape: c.loss.shape, data: nums(c.loss) }, { rtol: 2e-5, atol: 2e-6, label: `${c.name} loss` });
  const up = wg.tensor(nums(c.upstream), c.upstream.shape);
  const root = loss.mul(up).sum();
  root.backward();
  expectClose(await x.grad!.toArray(), { shape: c.grad.shape, data: nums(c.grad) }, { rtol: 2e-5, atol: 2e-6, label: `${c.name} grad` });
  for (const t of [x, x.grad!, loss, up, root]) t.dispose();
  if (tgt instanceof wg.Tensor) tgt.dispose();
  if (weight instanceof wg.Tensor) weight.dispose();
}

describe('crossEntropy with weight / ignoreIndex / labelSmoothing vs torch 1.13', () => {
  it('the fixture covers every reduction with weights, ignored rows, smoothing and all-ignored rows', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const r of ['mean', 'sum', 'none']) {
      const mine = cases.filter((c) => c.reduction === r);
      expect(mine.some((c) => c.weight && c.target.includes(c.ignoreIndex) && c.labelSmoothing > 0)).toBe(true);
      expect(mine.some((c) => c.target.every((t) => t === c.ignoreIndex))).toBe(true);
    }
    // torch: the mean over all-ignored rows is NaN, and its gradient 0
    const allIgnored = cases.find((c) => c.name === 'mean all ignored 4x3')!;
    expect(allIgnored.loss.data[0]).toBe(null);
  });
  for (const c of cases) {
    it(`${c.name} (GPU targets, GPU weight)`, () => run(c, 'tensor', 'tensor'));
  }
  for (const c of cases.filter((c) => c.weight || c.target.includes(c.ignoreIndex))) {
    it(`${c.name} (Int32Array targets, array weight)`, () => run(c, 'array', 'array'));
  }
});

describe('crossEntropy option checks', () => {
  it('refuses unknown options by name (no silently ignored option)', () => {
    const x = wg.zeros([2, 3]);
    expect(() => F.crossEntropy(x, [0, 1], { ignore_index: 1 } as never)).toThrow(/crossEntropy: unknown option 'ignore_index'; use 'ignoreIndex'/);
    expect(() => F.crossEntropy(x, [0, 1], { weights: [1, 1, 1] } as never)).toThrow(/unknown option 'weights'; known options: reduction, labelSmoothing, weight, ignoreIndex/);
    expect(() => F.mseLoss(x, x, { reduce: 'sum' } as never)).toThrow(/mseLoss: unknown option 'reduce'/);
    x.dispose();
  });

  it('checks the weight: one float per class, a constant', () => {
    const x = wg.zeros([2, 3]);
    expect(() => F.crossEntropy(x, [0, 1], { weight: [1, 2] })).toThrow(/weight has 2 values; logits have 3 classes/);
    const w = wg.ones([3], { requiresGrad: true });
    expect(() => F.crossEntropy(x, [0, 1], { weight: w })).toThrow(/weight is a constant here.*weight\.detach\(\)/);
    const wi = wg.tensor([1, 1, 1], [3], { dtype: 'int32' });
    expect(() => F.crossEntropy(x, [0, 1], { weight: wi })).toThrow(/weight must be a float32 tensor of shape \[3\]/);
    for (const t of [x, w, wi]) t.dispose();
  });

  it('CPU targets: -100 is the one legal negative by default; ignoreIndex moves it', () => {
    const x = wg.zeros([2, 3]);
    expect(() => F.crossEntropy(x, [0, -1])).toThrow(/target\[1\] = -1 is not a class index in \[0, 3\).*ignoreIndex \(-100\)/);
    expect(() => F.crossEntropy(x, [0, -100], { ignoreIndex: -1 })).toThrow(/target\[1\] = -100/);
    const ok = F.crossEntropy(x, [0, -1], { ignoreIndex: -1 });
    ok.dispose();
    x.dispose();
  });
});
