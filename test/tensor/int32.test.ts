// int32 tensors: every op gives torch's answer (exact integers where torch keeps int, float32 where it
// promotes) or refuses with the op, the dtype and `.float()`. References are computed exactly on the CPU.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

const I = (data: number[], shape?: number[]) => wg.tensor(Int32Array.from(data), shape ?? [data.length]);
async function expectInt(t: wg.Tensor, want: number[], shape?: number[]): Promise<void> {
  expect(t.dtype).toBe('int32');
  if (shape) expect(t.shape).toEqual(shape);
  const got = await t.toArray();
  expect(got).toBeInstanceOf(Int32Array);
  expect(Array.from(got)).toEqual(want);
  t.dispose();
}
async function expectFloat(t: wg.Tensor, want: number[], rtol = 0): Promise<void> {
  expect(t.dtype).toBe('float32');
  const got = Array.from(await t.toArray());
  want.forEach((w, i) => expect(Math.abs(got[i] - w), `element ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(rtol * Math.abs(w)));
  t.dispose();
}
// values beyond 2^24, where a float32 round trip would lose the last digits
const BIG = [16777217, -16777219, 2000000011, -7, 0, 123456789];

describe('int32 arithmetic stays exact and int32', () => {
  it('add, sub, mul, neg, abs, relu with tensors and integer scalars (wrapping like torch int32)', async () => {
    const a = I(BIG);
    const b = I([3, 5, 1, -2, 9, -1]);
    const wrap = (v: number) => v | 0;
    await expectInt(a.add(b), BIG.map((v, i) => wrap(v + [3, 5, 1, -2, 9, -1][i])));
    await expectInt(a.sub(b), BIG.map((v, i) => wrap(v - [3, 5, 1, -2, 9, -1][i])));
    await expectInt(b.mul(b), [9, 25, 1, 4, 81, 1]);
    await expectInt(a.mul(2), BIG.map((v) => wrap(v * 2))); // 4000000022 wraps, as torch.int32
    await expectInt(a.add(1), BIG.map((v) => v + 1));
    await expectInt(a.neg(), BIG.map((v) => -v | 0));
    await expectInt(a.abs(), BIG.map((v) => Math.abs(v)));
    await expectInt(a.relu(), BIG.map((v) => Math.max(v, 0)));
    await expectInt(wg.sub(10, b), [7, 5, 9, 12, 1, 11]);
    a.dispose();
    b.dispose();
  });

  it('maximum, minimum, clamp, integer pow, square', async () => {
    const a = I([5, -3, 16777217, 0]);
    const b = I([4, -1, 16777216, 0]);
    await expectInt(a.maximum(b), [5, -1, 16777217, 0]);
    await expectInt(a.minimum(b), [4, -3, 16777216, 0]);
    await expectInt(a.clamp(-2, 6), [5, -2, 6, 0]);
    await expectInt(a.clamp(0), [5, 0, 16777217, 0]);
    await expectInt(a.clamp(null, 1), [1, -3, 1, 0]);
    const s = I([3, -2, 7, 0]);
    await expectInt(s.pow(3), [27, -8, 343, 0]);
    await expectInt(s.pow(0), [1, 1, 1, 1]);
    await expectInt(s.square(), [9, 4, 49, 0]);
    await expectInt(I([4097]).pow(2), [16785409]); // above 2^24: exact only in integer arithmetic
    for (const t of [a, b, s]) t.dispose();
  });

  it('sum, max, argmax over dims and everything (row and column schedules)', async () => {
    const rows = 3;
    const cols = 70; // > 32: the workgroup-per-row schedule
    const data = Array.from({ length: rows * cols }, (_, i) => ((i * 2654435761) % 1000003) * 3 - 1500000 + (i === 17 ? 2000000000 : 0));
    const x = I(data, [rows, cols]);
    const rowSum = (r: number) => data.slice(r * cols, (r + 1) * cols).reduce((p, v) => (p + v) | 0, 0);
    await expectInt(x.sum(1), [0, 1, 2].map(rowSum), [3]);
    await expectInt(x.sum(), [data.reduce((p, v) => (p + v) | 0, 0)], []);
    await expectInt(x.sum(0), Array.from({ length: cols }, (_, c) => data[c] + data[cols + c] + data[2 * cols + c]), [cols]);
    await expectInt(x.max(1), [0, 1, 2].map((r) => Math.max(...data.slice(r * cols, (r + 1) * cols))));
    await expectInt(x.max(), [Math.max(...data)]);
    const am = x.argmax(1);
    expect(Array.from(await am.toArray())).toEqual([0, 1, 2].map((r) => { const row = data.slice(r * cols, (r + 1) * cols); return row.indexOf(Math.max(...row)); }));
    am.dispose();
    // values that differ only beyond float32 precision
    const close = I([16777217, 16777218, 16777216]);
    const a2 = close.argmax();
    expect(await a2.item()).toBe(1);
    await expectInt(close.max(), [16777218]);
    for (const t of [x, close, a2]) t.dispose();
  });

  it('matmul of int32 tensors is exact: [[1,2],[3,4]] @ itself = [[7,10],[15,22]]', async () => {
    const a = I([1, 2, 3, 4], [2, 2]);
    await expectInt(a.matmul(a), [7, 10, 15, 22], [2, 2]);
    // odd sizes, batched, values whose products pass 2^24
    const [B, M, K, N] = [2, 5, 3, 7];
    const A = Array.from({ length: B * M * K }, (_, i) => (i * 37) % 4001 - 2000);
    const Bm = Array.from({ length: K * N }, (_, i) => (i * 53) % 3001 - 1500);
    const want: number[] = [];
    for (let b = 0; b < B; b++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += A[b * M * K + i * K + k] * Bm[k * N + j];
      want.push(acc);
    }
    const ta = I(A, [B, M, K]);
    const tb = I(Bm, [K, N]);
    await expectInt(ta.matmul(tb), want, [B, M, N]);
    for (const t of [a, ta, tb]) t.dispose();
  });

  it('comparisons of int32 tensors are exact beyond 2^24 (0/1 float32, as the float comparisons)', async () => {
    const a = I([16777217, 5, -3]);
    const b = I([16777216, 5, -2]);
    await expectFloat(a.gt(b), [1, 0, 0]);
    await expectFloat(a.eq(b), [0, 1, 0]);
    await expectFloat(a.le(b), [0, 1, 1]);
    a.dispose();
    b.dispose();
  });
});

describe('int32 promotes to float32 where torch does', () => {
  it('div, exp, log, sqrt, tanh, sigmoid, gelu give float32', async () => {
    const a = I([1, 4, 9]);
    await expectFloat(a.div(I([2, 8, 3])), [0.5, 0.5, 3]);
    await expectFloat(a.div(2), [0.5, 2, 4.5]);
    await expectFloat(a.exp(), [1, 4, 9].map(Math.exp), 1e-6);
    await expectFloat(a.log(), [1, 4, 9].map(Math.log), 1e-6);
    await expectFloat(a.sqrt(), [1, 2, 3], 1e-7);
    await expectFloat(a.tanh(), [1, 4, 9].map(Math.tanh), 1e-6);
    await expectFloat(a.sigmoid(), [1, 4, 9].map((v) => 1 / (1 + Math.exp(-v))), 1e-6);
    const g = a.gelu();
    expect(g.dtype).toBe('float32');
    g.dispose();
    await expectFloat(a.pow(0.5), [1, 2, 3], 1e-6);
    a.dispose();
  });

  it('int32 mixed with float32 (tensor or non-integer scalar) gives float32', async () => {
    const a = I([1, 2, 3]);
    const f = wg.tensor([0.5, 0.25, 2]);
    await expectFloat(a.add(f), [1.5, 2.25, 5]);
    await expectFloat(f.mul(a), [0.5, 0.5, 6]);
    await expectFloat(a.add(0.5), [1.5, 2.5, 3.5]);
    await expectFloat(a.maximum(f), [1, 2, 3]);
    a.dispose();
    f.dispose();
  });

  it('matmul of int32 with float32, and Linear.forward on int32 input, promote', async () => {
    const a = I([1, 2, 3, 4], [2, 2]);
    const f = wg.tensor([[0.5, 1], [2, -1]]);
    await expectFloat(a.matmul(f), [4.5, -1, 9.5, -1]);
    const lin = new wg.nn.Linear(2, 3);
    const [w, b] = await Promise.all([lin.weight.toArray(), lin.bias!.toArray()]);
    const y = lin.forward(a);
    const x = [1, 2, 3, 4];
    const want = [0, 1].flatMap((r) => [0, 1, 2].map((o) => Math.fround(x[r * 2] * w[o * 2] + x[r * 2 + 1] * w[o * 2 + 1] + b[o])));
    await expectFloat(y, want, 1e-6);
    // with grad: the weight's gradient flows through the promoted input
    const loss = lin.forward(a).sum();
    loss.backward();
    expect(Array.from(await lin.weight.grad!.toArray())).toEqual([4, 6, 4, 6, 4, 6]);
    for (const t of [a, f, loss, lin.weight.grad!, ...lin.parameters()]) t.dispose();
  });

  it('x.float() and x.int() (truncation toward zero), and back', async () => {
    const f = wg.tensor([2.7, -2.7, 0.5, -0.5, 16777216, 3]);
    await expectInt(f.int(), [2, -2, 0, 0, 16777216, 3]);
    const i = I([7, -16777217]);
    await expectFloat(i.float(), [7, -16777216]);
    expect(f.float()).toBe(f);
    expect(i.int()).toBe(i);
    f.dispose();
    i.dispose();
  });
});

describe('int32 is refused where torch refuses, naming the op and .float()', () => {
  it('mean, softmax, logSoftmax, crossEntropy logits, mseLoss, dropout, requiresGrad, negative integer pow', () => {
    const a = I([1, 2, 3, 4], [2, 2]);
    expect(() => a.mean()).toThrow(/webgrad\.mean: the mean of an int32 tensor \(shape \[2, 2\]\) is not defined.*x\.float\(\)\.mean\(\)/);
    expect(() => a.mean(0)).toThrow(/webgrad\.mean/);
    expect(() => a.softmax(-1)).toThrow(/webgrad\.softmax: input is int32.*x\.float\(\)/);
    expect(() => a.logSoftmax(0)).toThrow(/webgrad\.logSoftmax: input is int32/);
    expect(() => wg.nn.functional.crossEntropy(a, [0, 1])).toThrow(/crossEntropy: logits must be float32 \(got int32\); convert with \.float\(\)/);
    expect(() => wg.nn.functional.mseLoss(a, a)).toThrow(/mseLoss: input is int32.*\.float\(\)/);
    expect(() => wg.nn.functional.dropout(a, 0.5)).toThrow(/dropout: input is int32.*\.float\(\)/);
    expect(() => (a.requiresGrad = true)).toThrow(/only float32 tensors can require gradients \(this one is int32.*\.float\(\)/);
    expect(() => a.pow(-1)).toThrow(/pow: integers to negative integer powers are not allowed.*x\.float\(\)\.pow\(-1\)/);
    a.dispose();
  });
});
