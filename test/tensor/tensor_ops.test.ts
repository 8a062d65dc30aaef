// The second wave of tensor ops against torch 1.13 (test/fixtures/gen_tensor_ops.py): every case's
// output(s) and the gradient of Σ out·upstream for each float32 input; int32 results exactly. Each case
// must also leave no tensor behind once its results and gradients are disposed.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { expectClose } from '../helpers/expect_close.js';
import fx from '../fixtures/tensor_ops.json';

beforeAll(async () => {
  await wg.init();
});

type Num = number | string | null;
interface Packed { shape: number[]; dtype: 'float32' | 'int32'; data: Num[] }
interface Case { name: string; op: string; args: unknown[]; inputs: Packed[]; outs: Packed[]; upstream: (Packed | null)[]; grads: (Packed | null)[] }

const num = (v: Num): number => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const values = (p: Packed) => p.data.map(num);
/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (ins: wg.Tensor[], a: any[]) => wg.Tensor | wg.Tensor[];
const unary = (op: 'sin' | 'cos' | 'square' | 'rsqrt' | 'sign'): Fn => ([x]) => x[op]();
const OPS: Record<string, Fn> = {
  squeeze: ([x], a) => x.squeeze(...a),
  unsqueeze: ([x], [d]) => x.unsqueeze(d),
  permute: ([x], [d]) => x.permute(d),
  flatten: ([x], a) => x.flatten(...a),
  cat: (ins, [d]) => wg.cat(ins, d),
  stack: (ins, [d]) => wg.stack(ins, d),
  split: ([x], [s, d]) => x.split(s, d),
  chunk: ([x], [n, d]) => x.chunk(n, d),
  narrow: ([x], [d, s, l]) => x.narrow(d, s, l),
  tril: ([x], [k]) => x.tril(k),
  triu: ([x], [k]) => x.triu(k),
  gather: ([x, i], [d]) => x.gather(d, i),
  where: (ins, [how]) =>
    how === 'a=2.5' ? wg.where(ins[0], 2.5, ins[1]) : how === 'b=-1' ? wg.where(ins[0], ins[1], -1) : wg.where(ins[0], ins[1], ins[2]),
  maskedFill: ([x, m], [v]) => x.maskedFill(m, v),
  min: ([x], a) => x.min(...a),
  argmin: ([x], a) => x.argmin(...a),
  logsumexp: ([x], [d, k]) => x.logsumexp(d, k),
  cumsum: ([x], [d]) => x.cumsum(d),
  var: ([x], [d, o]) => x.var(d, o),
  std: ([x], [d, o]) => x.std(d, o),
  norm: ([x], [p, d, k]) => x.norm(num(p), d ?? undefined, k),
  sin: unary('sin'), cos: unary('cos'), square: unary('square'), rsqrt: unary('rsqrt'), sign: unary('sign'),
  eye: (_, a) => wg.eye(...(a as [number, number])),
  linspace: (_, [a, b, s]) => wg.linspace(a, b, s),
  zerosLike: ([x]) => wg.zerosLike(x),
  onesLike: ([x]) => wg.onesLike(x),
};
const TOL: Record<string, { rtol: number; atol: number }> = {
  norm: { rtol: 2e-4, atol: 1e-5 }, logsumexp: { rtol: 1e-5, atol: 2e-5 }, cumsum: { rtol: 1e-5, atol: 1e-5 },
  sin: { rtol: 1e-5, atol: 2e-6 }, cos: { rtol: 1e-5, atol: 2e-6 }, var: { rtol: 1e-5, atol: 1e-5 }, std: { rtol: 1e-5, atol: 1e-5 },
};

async function check(t: wg.Tensor, want: Packed, label: string) {
  expect(t.shape, `${label} shape`).toEqual(want.shape);
  expect(t.dtype, `${label} dtype`).toBe(want.dtype);
  const got = await t.toArray();
  if (want.dtype === 'int32') expect(Array.from(got), label).toEqual(want.data);
  else expectClose(got, values(want), { ...(TOL[label.split(' ')[0]] ?? { rtol: 1e-5, atol: 1e-6 }), label, shape: want.shape });
}

describe('tensor ops against torch', () => {
  for (const c of (fx as unknown as { cases: Case[] }).cases) {
    it(c.name, async () => {
      const before = wg.memory().tensors;
      const wantsGrad = c.grads.some((g) => g !== null);
      const ins = c.inputs.map((p) => wg.tensor(p.dtype === 'int32' ? Int32Array.from(p.data as number[]) : Float32Array.from(values(p)), p.shape,
        { requiresGrad: wantsGrad && p.dtype === 'float32' }));
      const res = OPS[c.op](ins, c.args);
      const outs = Array.isArray(res) ? res : [res];
      expect(outs.length, 'number of outputs').toBe(c.outs.length);
      for (const [i, o] of outs.entries()) await check(o, c.outs[i], `${c.op} out ${i}`);
      if (wantsGrad) {
        const ups = c.upstream.map((u) => (u ? wg.tensor(Float32Array.from(values(u)), u.shape) : null));
        const parts = outs.flatMap((o, i) => (ups[i] && o.requiresGrad ? [o.mul(ups[i]!).sum()] : []));
        const loss = parts.reduce((a, b) => a.add(b));
        loss.backward();
        ups.forEach((u) => u?.dispose());
        for (const [i, g] of c.grads.entries()) {
          if (!g) continue;
          const got = ins[i].grad ?? wg.zerosLike(ins[i]);
          await check(got, g, `${c.op} grad ${i}`);
          got.dispose();
        }
        loss.dispose();
      }
      for (const t of [...outs, ...ins]) t.dispose();
      // ≤: a garbage collection may free an earlier test's dropped tensors meanwhile (a leak only adds)
      expect(wg.memory().tensors, 'tensors left behind').toBeLessThanOrEqual(before);
    });
  }
});
