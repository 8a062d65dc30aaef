// Matrix products against the float64 reference, for every kernel schedule ('tiled', 'blocked',
// 'naive'), every transposed-operand variant of mm(a, b, transA, transB), batches and broadcast batches.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as wg from '../../src/index.js';
import { Rng, matmulRef, matmulEntry, expectClose } from '../helpers/reference.js';
import { toGpu, expectTensor, withMatmulVariant, MATMUL_VARIANTS } from '../helpers/gpu.js';
import { chooseBlock, MATMUL_BLOCKS } from '../../src/shaders/matmul.js';
import { runtime } from '../../src/tensor/context.js';

beforeAll(async () => {
  await wg.init();
});
afterAll(() => {
  wg.setMatmulVariant(null);
});

const rng = new Rng(2);
/** Stored shape of an operand that is used transposed or not. */
const stored = (rows: number, cols: number, trans: boolean, batch?: number) => {
  const s = trans ? [cols, rows] : [rows, cols];
  return batch === undefined ? s : [batch, ...s];
};
// float32 accumulation over K terms of unit-variance products: error grows like √K·ε
const tol = (K: number) => ({ rtol: 1e-5, atol: 2e-6 * Math.sqrt(Math.max(K, 1)) * 4 });

// M x K x N. The 'blocked' schedule loads vec4s when K (and N, or M for a transposed A) are multiples of
// 4, with a block per thread that chooseBlock picks by size (every block is covered by the test after
// this list); 260x68x132 has partial edge blocks; the odd sizes take the scalar path.
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [12, 16, 20],
  [7, 16, 12],
  [257, 129, 65],
  [260, 68, 132],
];
const TRANS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

describe("matmul, 'blocked' schedule: every block size", () => {
  it('each block chooseBlock can pick computes the four transposed-operand products (sizes found by the chooser on this machine)', async () => {
    const dims = [7, 12, 20, 36, 64, 68, 128, 132, 260];
    const found = new Map<string, [number, number]>();
    for (const M of dims) for (const N of dims) {
      const key = chooseBlock(M, N, 1, runtime().cores).join('x');
      if (!found.has(key)) found.set(key, [M, N]);
    }
    expect([...found.keys()].sort()).toEqual(MATMUL_BLOCKS.map((b) => b.join('x')).sort());
    await withMatmulVariant('blocked', async () => {
      for (const [block, [M, N]] of found) {
        for (const [tA, tB] of TRANS) {
          const K = 68;
          const a = rng.randn(stored(M, K, tA));
          const b = rng.randn(stored(K, N, tB));
          const [ta, tb] = [toGpu(a), toGpu(b)];
          const c = wg.mm(ta, tb, tA, tB);
          await expectTensor(c, matmulRef(a, b, tA, tB), { ...tol(K), label: `block ${block}: ${M}x${K}x${N} transA=${tA} transB=${tB}` });
          for (const t of [ta, tb, c]) t.dispose();
        }
      }
    });
  });
});

describe('matmul with a fused bias (linear)', () => {
  it('every schedule and transposed-operand variant: equals mm + add bit for bit, matches float64, and the bias gradient is the column sum', async () => {
    for (const variant of MATMUL_VARIANTS) {
      await withMatmulVariant(variant, async () => {
        for (const [M, K, N, batch] of [[7, 13, 5], [12, 16, 20], [130, 36, 68], [7, 16, 12, 3]] as [number, number, number, number?][]) {
          for (const [tA, tB] of TRANS) {
            const a = rng.randn(stored(M, K, tA, batch));
            const b = rng.randn(stored(K, N, tB));
            const bias = rng.randn([N]);
            const up = rng.randn(batch ? [batch, M, N] : [M, N]);
            const [ta, tb, tu] = [toGpu(a), toGpu(b), toGpu(up)];
            const tbias = wg.tensor(Float32Array.from(bias.data), [N], { requiresGrad: true });
            const label = `${variant} ${batch ?? ''}x${M}x${K}x${N} transA=${tA} transB=${tB}`;
            const c = wg.mm(ta, tb, tA, tB, 'matmul', tbias);
            const plain = wg.noGrad(() => { const p = wg.mm(ta, tb, tA, tB); const s = wg.add(p, tbias); p.dispose(); return s; });
            expect(Array.from(await c.toArray()), label).toEqual(Array.from(await plain.toArray()));
            await expectTensor(c, matmulRef(a, b, tA, tB).add(bias), { ...tol(K), label });
            const loss = c.mul(tu).sum();
            loss.backward();
            const colSum = batch ? up.sum(0).sum(0) : up.sum(0);
            await expectTensor(tbias.grad!, colSum, { rtol: 1e-5, atol: 1e-4, label: `${label} bias grad` });
            for (const t of [ta, tb, tu, tbias.grad!, tbias, c, plain, loss]) t.dispose();
          }
        }
      });
    }
  });

  it('refuses a bias that is not [N]', () => {
    const [a, b] = [wg.zeros([3, 4]), wg.zeros([4, 5])];
    expect(() => wg.mm(a, b, false, false, 'matmul', wg.zeros([4]))).toThrow(/webgrad.matmul: .*fused bias must be float32 of shape \[5\]/);
    for (const t of [a, b]) t.dispose();
  });
});

for (const variant of MATMUL_VARIANTS) {
  describe(`matmul, '${variant}' schedule`, () => {
    for (const [M, K, N] of SIZES) {
      it(`${M}x${K}x${N}, all four transposed-operand variants`, async () => {
        await withMatmulVariant(variant, async () => {
          for (const [tA, tB] of TRANS) {
            const a = rng.randn(stored(M, K, tA));
            const b = rng.randn(stored(K, N, tB));
            const ta = toGpu(a);
            const tb = toGpu(b);
            const c = wg.mm(ta, tb, tA, tB);
            await expectTensor(c, matmulRef(a, b, tA, tB), { ...tol(K), label: `${variant} ${M}x${K}x${N} transA=${tA} transB=${tB}` });
            for (const t of [ta, tb, c]) t.dispose();
          }
        });
      });
    }

    it('batched 3-D, and a 2-D or batch-1 operand broadcast over the batch, with transposes', async () => {
      await withMatmulVariant(variant, async () => {
        const cases: [number[], number[], boolean, boolean][] = [
          [[3, 7, 5], [3, 5, 6], false, false],
          [[3, 7, 5], [5, 6], false, false],
          [[7, 5], [3, 5, 6], false, false],
          [[1, 7, 5], [3, 5, 6], false, false],
          [[3, 7, 5], [1, 5, 6], false, false],
          [[3, 5, 7], [3, 6, 5], true, true],
          [[3, 5, 7], [5, 6], true, false],
          [[7, 5], [3, 6, 5], false, true],
          [[2, 33, 17], [2, 17, 20], false, false],
          // vec4-friendly batches: small blocks, and 8 batches of 64x128 outputs for the big blocks
          [[3, 8, 16], [16, 12], false, false],
          [[3, 16, 8], [3, 12, 16], true, true],
          [[8, 64, 32], [8, 32, 128], false, false],
          [[64, 32], [8, 128, 32], false, true],
        ];
        for (const [sa, sb, tA, tB] of cases) {
          const a = rng.randn(sa);
          const b = rng.randn(sb);
          const ta = toGpu(a);
          const tb = toGpu(b);
          const c = wg.mm(ta, tb, tA, tB);
          await expectTensor(c, matmulRef(a, b, tA, tB), { ...tol(sa[sa.length - 1]), label: `${variant} [${sa}]x[${sb}] ${tA} ${tB}` });
          for (const t of [ta, tb, c]) t.dispose();
        }
      });
    });

    it('an empty inner dimension (K = 0) gives zeros; empty M or N give empty results', async () => {
      await withMatmulVariant(variant, async () => {
        // the output buffer may come from the pool holding old values: K = 0 must still write zeros
        const junk = wg.full([12], 7);
        junk.dispose();
        const a = wg.zeros([3, 0]);
        const b = wg.zeros([0, 4]);
        const c = a.matmul(b);
        expect(c.shape).toEqual([3, 4]);
        expect(Array.from(await c.toArray())).toEqual(new Array(12).fill(0));
        const e1 = wg.zeros([0, 3]).matmul(wg.zeros([3, 4]));
        const e2 = wg.zeros([2, 3]).matmul(wg.zeros([3, 0]));
        expect(e1.shape).toEqual([0, 4]);
        expect(e2.shape).toEqual([2, 0]);
        expect((await e1.toArray()).length).toBe(0);
        for (const t of [a, b, c, e1, e2]) t.dispose();
      });
    });
  });
}

describe('matmul, large', () => {
  it('1024x1024x1024 on the default schedule: 256 sampled entries match the float64 reference', async () => {
    const n = 1024;
    const a = rng.uniform([n, n], -1, 1);
    const b = rng.uniform([n, n], -1, 1);
    const ta = toGpu(a);
    const tb = toGpu(b);
    const c = ta.matmul(tb);
    const got = await c.toArray();
    const idx = Array.from({ length: 256 }, () => [rng.int(0, n - 1), rng.int(0, n - 1)]);
    // include the corners: tile edges are where indexing bugs live
    idx.push([0, 0], [0, n - 1], [n - 1, 0], [n - 1, n - 1]);
    const actual = idx.map(([i, j]) => got[i * n + j]);
    const expected = idx.map(([i, j]) => matmulEntry(a, b, i, j));
    expectClose(actual, expected, { rtol: 1e-4, atol: 1e-4, label: '1024^3 sampled' });
    for (const t of [ta, tb, c]) t.dispose();
  });
});

describe('matmul errors', () => {
  it('name the op and both shapes, and say what to do', () => {
    const a = wg.zeros([2, 3]);
    const b = wg.zeros([4, 5]);
    expect(() => a.matmul(b)).toThrow(/webgrad\.matmul: cannot multiply \[2, 3\] by \[4, 5\]: inner dimensions differ \(3 vs 4\)/);
    const v = wg.zeros([3]);
    expect(() => a.matmul(v)).toThrow(/matmul.*\[2, 3\].*\[3\].*2-D or 3-D/);
    const four = wg.zeros([1, 1, 2, 3]);
    expect(() => four.matmul(wg.zeros([3, 2]))).toThrow(/matmul.*\[1, 1, 2, 3\]/);
    const p = wg.zeros([2, 2, 3]);
    const q = wg.zeros([3, 3, 2]);
    expect(() => p.matmul(q)).toThrow(/matmul.*batch sizes 2 and 3/);
    for (const t of [a, b, v, four, p, q]) t.dispose();
  });

  it('a disposed operand is named in the error', () => {
    const a = wg.zeros([2, 2]);
    const b = wg.zeros([2, 2]);
    b.dispose();
    expect(() => a.matmul(b)).toThrow(/matmul.*disposed/);
    a.dispose();
  });
});

describe('matmul, the schedule override', () => {
  it('setMatmulVariant(null) restores the per-adapter default', () => {
    const before = wg.matmulVariant();
    wg.setMatmulVariant('naive');
    expect(wg.matmulVariant()).toBe('naive');
    wg.setMatmulVariant(null);
    expect(wg.matmulVariant()).toBe(before);
    expect(['tiled', 'blocked']).toContain(before);
  });

  it('all schedules agree on one product (bit-for-bit is not required, closeness is)', async () => {
    const a = rng.randn([31, 40]);
    const b = rng.randn([40, 9]);
    const want = matmulRef(a, b);
    const ta = toGpu(a);
    const tb = toGpu(b);
    for (const v of MATMUL_VARIANTS) {
      await withMatmulVariant(v, async () => {
        const c = ta.matmul(tb);
        await expectTensor(c, want, { ...tol(40), label: v });
        c.dispose();
      });
    }
    ta.dispose();
    tb.dispose();
  });
});
