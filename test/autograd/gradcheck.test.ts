// Every differentiable op's GPU gradient against float64 central differences of the CPU reference
// (see test/helpers/gradcheck.ts), on random inputs, with broadcasting, and in compositions.
import { describe, it, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { Ref, Rng, matmulRef } from '../helpers/reference.js';
import { gradcheck } from '../helpers/gradcheck.js';

beforeAll(async () => {
  await wg.init();
});

const rng = new Rng(11);
const randn = (...shape: number[]) => rng.randn(shape);
const nonzero = (...shape: number[]) => rng.awayFrom(shape, [0], 0.3);
const positive = (...shape: number[]) => rng.uniform(shape, 0.3, 2.5);
/** Distinct values (gaps ≥ 0.05 between any two), so max/maximum never meet a tie. */
const distinct = (...shape: number[]) => {
  const n = shape.reduce((p, d) => p * d, 1);
  const p = rng.permutation(n);
  return new Ref(p.map((k) => Math.fround(0.1 * (k - n / 2) + 0.02 * rng.next())), shape);
};

type Case = [name: string, fn: (...xs: Ref[]) => Ref, inputs: () => Ref[]];

const BROADCAST: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[3, 1], [1, 4]],
  [[2, 3, 4], [4]],
  [[], [2, 3]],
  [[2, 3], []],
  [[2, 1, 4], [3, 1]],
];

describe('binary ops, broadcasting (grads summed back to each input shape)', () => {
  for (const [sa, sb] of BROADCAST) {
    const cases: Case[] = [
      ['add', (a, b) => a.add(b), () => [randn(...sa), randn(...sb)]],
      ['sub', (a, b) => a.sub(b), () => [randn(...sa), randn(...sb)]],
      ['mul', (a, b) => a.mul(b), () => [randn(...sa), randn(...sb)]],
      ['div', (a, b) => a.div(b), () => [randn(...sa), nonzero(...sb)]],
      // maximum/minimum: operands drawn from one set of distinct values, so they never tie
      ['maximum', (a, b) => a.maximum(b), () => splitDistinct(sa, sb)],
      ['minimum', (a, b) => a.minimum(b), () => splitDistinct(sa, sb)],
    ];
    for (const [name, fn, inputs] of cases) {
      it(`${name} [${sa}] with [${sb}]`, () => gradcheck(fn, inputs(), { label: `${name} [${sa}] [${sb}]` }));
    }
  }

  it('with a number on either side', async () => {
    const x = nonzero(2, 3);
    await gradcheck((a) => a.add(2.5).mul(-1.5).sub(0.5).div(4), [x], { label: 'tensor op number' });
    await gradcheck({ gpu: (a) => wg.sub(2, a), cpu: (a) => Ref.of(2).sub(a) }, [x], { label: '2 - x' });
    await gradcheck({ gpu: (a) => wg.div(3, a), cpu: (a) => Ref.of(3).div(a) }, [x], { label: '3 / x' });
    await gradcheck({ gpu: (a) => wg.maximum(0.1, a), cpu: (a) => Ref.of(0.1).maximum(a) }, [x], { label: 'maximum(0.1, x)' });
  });
});

function splitDistinct(sa: number[], sb: number[]): Ref[] {
  const na = sa.reduce((p, d) => p * d, 1);
  const nb = sb.reduce((p, d) => p * d, 1);
  const all = distinct(na + nb);
  return [new Ref(all.data.slice(0, na), sa), new Ref(all.data.slice(na), sb)];
}

describe('unary ops', () => {
  const cases: Case[] = [
    ['neg', (x) => x.neg(), () => [randn(3, 4)]],
    ['exp', (x) => x.exp(), () => [randn(2, 3, 4)]],
    ['log', (x) => x.log(), () => [positive(3, 4)]],
    ['sqrt', (x) => x.sqrt(), () => [positive(3, 4)]],
    ['abs', (x) => x.abs(), () => [nonzero(3, 4)]],
    ['relu', (x) => x.relu(), () => [nonzero(2, 3, 4)]],
    ['tanh', (x) => x.tanh(), () => [rng.randn([3, 4], 2)]],
    ['sigmoid', (x) => x.sigmoid(), () => [rng.randn([3, 4], 3)]],
    ['gelu (exact)', (x) => x.gelu(), () => [rng.randn([3, 5], 2)]],
    ['gelu (tanh)', (x) => x.gelu({ approximate: 'tanh' }), () => [rng.randn([3, 5], 2)]],
    ['square', (x) => x.square(), () => [randn(3, 4)]],
    ['clone', (x) => x.clone(), () => [randn(3, 4)]],
    ['clamp(-0.5, 0.5)', (x) => x.clamp(-0.5, 0.5), () => [rng.awayFrom([4, 5], [-0.5, 0.5], 0.05)]],
    ['clamp(0)', (x) => x.clamp(0), () => [rng.awayFrom([4, 5], [0], 0.05)]],
    ['clamp(null, 0.3)', (x) => x.clamp(null, 0.3), () => [rng.awayFrom([4, 5], [0.3], 0.05)]],
    ['pow 2', (x) => x.pow(2), () => [randn(3, 4)]],
    ['pow 3', (x) => x.pow(3), () => [randn(3, 4)]],
    ['pow -1', (x) => x.pow(-1), () => [nonzero(3, 4)]],
    ['pow -2', (x) => x.pow(-2), () => [nonzero(3, 4)]],
    ['pow 0.5', (x) => x.pow(0.5), () => [positive(3, 4)]],
    ['pow 1.7', (x) => x.pow(1.7), () => [positive(3, 4)]],
    ['pow 0', (x) => x.pow(0), () => [randn(3, 4)]],
    ['pow 1', (x) => x.pow(1), () => [randn(3, 4)]],
    ['0-d input', (x) => x.exp().mul(x), () => [randn()]],
  ];
  for (const [name, fn, inputs] of cases) it(name, () => gradcheck(fn, inputs(), { label: name }));
});

describe('matmul', () => {
  const cases: Case[] = [
    ['2-D [3,4]@[4,5]', (a, b) => a.matmul(b), () => [randn(3, 4), randn(4, 5)]],
    ['batched [2,3,4]@[2,4,5]', (a, b) => a.matmul(b), () => [randn(2, 3, 4), randn(2, 4, 5)]],
    ['3-D x 2-D [2,3,4]@[4,5] (grad of b sums over the batch)', (a, b) => a.matmul(b), () => [randn(2, 3, 4), randn(4, 5)]],
    ['2-D x 3-D [3,4]@[2,4,5]', (a, b) => a.matmul(b), () => [randn(3, 4), randn(2, 4, 5)]],
    ['batch-1 broadcast [1,3,4]@[2,4,5]', (a, b) => a.matmul(b), () => [randn(1, 3, 4), randn(2, 4, 5)]],
    ['the same matrix twice: a@a', (a) => a.matmul(a), () => [randn(4, 4)]],
    // multiples of 4: forward and both backward products take the vec4 kernels
    ['vec4 sizes [4,8]@[8,12]', (a, b) => a.matmul(b), () => [randn(4, 8), randn(8, 12)]],
    ['vec4 sizes, batched [2,4,8]@[8,12]', (a, b) => a.matmul(b), () => [randn(2, 4, 8), randn(8, 12)]],
  ];
  for (const [name, fn, inputs] of cases) it(name, () => gradcheck(fn, inputs(), { label: name }));

  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
    it(`mm(a, b, transA=${tA}, transB=${tB}), 2-D and batched`, async () => {
      const fn = { gpu: (a: wg.Tensor, b: wg.Tensor) => wg.mm(a, b, tA, tB), cpu: (a: Ref, b: Ref) => matmulRef(a, b, tA, tB) };
      await gradcheck(fn, [randn(...(tA ? [4, 3] : [3, 4])), randn(...(tB ? [5, 4] : [4, 5]))], { label: 'mm 2-D' });
      await gradcheck(fn, [randn(...(tA ? [2, 4, 3] : [2, 3, 4])), randn(...(tB ? [5, 4] : [4, 5]))], { label: 'mm batched' });
    });
  }
});

describe('shape ops', () => {
  const cases: Case[] = [
    ['transpose(0, 1)', (x) => x.transpose(0, 1), () => [randn(3, 4)]],
    ['transpose(0, 2) of 3-D', (x) => x.transpose(0, 2), () => [randn(2, 3, 4)]],
    ['transpose(-1, -2) of 3-D', (x) => x.transpose(-1, -2), () => [randn(2, 3, 4)]],
    ['T', (x) => x.T, () => [randn(3, 4)]],
    ['reshape with -1', (x) => x.reshape([4, -1]), () => [randn(2, 3, 4)]],
    ['flatten(1)', (x) => x.flatten(1), () => [randn(2, 3, 4)]],
    ['expand [3,1] -> [2,3,4]', (x) => x.expand([2, 3, 4]), () => [randn(3, 1)]],
    ['expand [] -> [2,3]', (x) => x.expand([2, 3]), () => [randn()]],
  ];
  for (const [name, fn, inputs] of cases) it(name, () => gradcheck(fn, inputs(), { label: name }));
});

describe('reductions and softmax', () => {
  const cases: Case[] = [
    ['sum()', (x) => x.sum(), () => [randn(3, 4)]],
    ['sum(0)', (x) => x.sum(0), () => [randn(3, 4)]],
    ['sum(1, keepdim)', (x) => x.sum(1, true), () => [randn(3, 4)]],
    ['sum([0, 2]) of 3-D', (x) => x.sum([0, 2]), () => [randn(2, 3, 4)]],
    ['sum(-1, keepdim) of 3-D', (x) => x.sum(-1, true), () => [randn(2, 3, 4)]],
    ['mean()', (x) => x.mean(), () => [randn(3, 4)]],
    ['mean(0)', (x) => x.mean(0), () => [randn(3, 4)]],
    ['mean(1, keepdim)', (x) => x.mean(1, true), () => [randn(3, 4)]],
    ['mean([1, 2], keepdim) of 3-D', (x) => x.mean([1, 2], true), () => [randn(2, 3, 4)]],
    ['max(1)', (x) => x.max(1), () => [distinct(3, 5)]],
    ['max(0, keepdim)', (x) => x.max(0, true), () => [distinct(3, 5)]],
    ['max(1) of 3-D', (x) => x.max(1), () => [distinct(2, 3, 4)]],
    ['max()', (x) => x.max(), () => [distinct(3, 4)]],
    ['max of 0-d', (x) => x.max(0), () => [randn()]],
    ['softmax(-1)', (x) => x.softmax(-1), () => [randn(3, 5)]],
    ['softmax(0)', (x) => x.softmax(0), () => [randn(3, 5)]],
    ['softmax(1) of 3-D', (x) => x.softmax(1), () => [randn(2, 3, 4)]],
    ['logSoftmax(-1)', (x) => x.logSoftmax(-1), () => [randn(3, 5)]],
    ['logSoftmax(0)', (x) => x.logSoftmax(0), () => [randn(3, 5)]],
    ['logSoftmax(1) of 3-D', (x) => x.logSoftmax(1), () => [randn(2, 3, 4)]],
  ];
  for (const [name, fn, inputs] of cases) it(name, () => gradcheck(fn, inputs(), { label: name }));
});

describe('compositions (the tape: reuse, broadcasting inside a graph)', () => {
  const cases: Case[] = [
    ['x*x + x (one tensor used three times)', (x) => x.mul(x).add(x), () => [randn(3, 4)]],
    ['an MLP layer: tanh(x@w + b).mean()', (x, w, b) => x.matmul(w).add(b).tanh().mean(), () => [randn(5, 4), randn(4, 3), randn(3)]],
    ['log-sum-exp by hand', (x) => x.sub(x.max(1, true)).exp().sum(1).log(), () => [distinct(3, 4)]],
    [
      'softmax cross-entropy by hand',
      (x, t) => x.logSoftmax(-1).mul(t).sum(-1).mean().neg(),
      () => [randn(4, 5), rng.uniform([4, 5], 0, 1)],
    ],
    ['gelu(x) * sigmoid(y), broadcast', (x, y) => x.gelu().mul(y.sigmoid()), () => [randn(2, 3, 4), randn(3, 1)]],
    ['normalise rows: x / sqrt(mean(x^2))', (x) => x.div(x.pow(2).mean(-1, true).sqrt()), () => [randn(3, 6)]],
  ];
  for (const [name, fn, inputs] of cases) it(name, () => gradcheck(fn, inputs(), { label: name }));
});

describe('the checker itself', () => {
  it('rejects a wrong gradient with a correct forward (d(x·x) computed as x, not 2x)', async () => {
    const wrong = { gpu: (x: wg.Tensor) => x.detach().mul(x), cpu: (x: Ref) => x.mul(x) };
    let message = '';
    await gradcheck(wrong, [randn(3, 4)], { label: 'wrong rule' }).catch((e: Error) => (message = e.message));
    if (!/wrong rule d\/dinput0: \d+ of 12 elements differ/.test(message)) throw new Error(`gradcheck accepted a wrong gradient (${message})`);
  });
});
