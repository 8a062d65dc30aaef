// Parity with PyTorch: every per-op case of test/fixtures/autograd.json (format in
// test/fixtures/README.md) rebuilt from `op` + `args`, run forward, out.backward(upstream), and
// compared with torch's output and input gradients. crossEntropy, mseLoss and the MLP are covered with nn.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import fx from '../fixtures/autograd.json';
import { expectClose } from '../helpers/reference.js';

beforeAll(async () => {
  await wg.init();
});

interface FxTensor {
  shape: number[];
  data: number[];
}
interface FxCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: FxTensor[];
  output: FxTensor;
  upstream: FxTensor;
  grads: FxTensor[];
}

const NOT_HERE = new Set(['crossEntropy', 'mseLoss']);
const cases = (fx.cases as unknown as FxCase[]).filter((c) => !NOT_HERE.has(c.op));

/** The op as a user writes it, from the fixture's camelCase name and args. */
function apply(c: FxCase, xs: wg.Tensor[]): wg.Tensor {
  const a = c.args as {
    scalar?: number; exponent?: number; approximate?: 'none' | 'tanh'; dim0?: number; dim1?: number;
    shape?: number[]; dim?: number; keepdim?: boolean;
  };
  const [x, y] = xs;
  switch (c.op) {
    case 'add': case 'sub': case 'mul': case 'div':
      return x[c.op](a.scalar ?? y);
    case 'neg': case 'exp': case 'log': case 'sqrt': case 'abs': case 'relu': case 'tanh': case 'sigmoid':
      return x[c.op]();
    case 'pow':
      return x.pow(a.exponent!);
    case 'gelu':
      return x.gelu({ approximate: a.approximate });
    case 'matmul':
      return x.matmul(y);
    case 'transpose':
      return x.transpose(a.dim0!, a.dim1!);
    case 'reshape':
      return x.reshape(a.shape!);
    case 'sum': case 'mean':
      return a.dim === undefined ? x[c.op]() : x[c.op](a.dim, a.keepdim ?? false);
    case 'max':
      return x.max(a.dim, a.keepdim ?? false);
    case 'softmax': case 'logSoftmax':
      return x[c.op](a.dim!);
    default:
      throw new Error(`fixture case ${c.name}: no rule to build op '${c.op}'`);
  }
}

describe('autograd parity with torch (test/fixtures/autograd.json)', () => {
  it('has the per-op cases the fixture README lists', () => {
    const ops = new Set(cases.map((c) => c.op));
    for (const op of ['add', 'sub', 'mul', 'div', 'neg', 'pow', 'exp', 'log', 'sqrt', 'abs', 'relu', 'tanh', 'sigmoid', 'gelu',
      'matmul', 'transpose', 'reshape', 'sum', 'mean', 'max', 'softmax', 'logSoftmax']) {
      expect(ops.has(op), op).toBe(true);
    }
    expect(cases.length).toBeGreaterThanOrEqual(78);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const xs = c.inputs.map((t) => wg.tensor(t.data, t.shape, { requiresGrad: true }));
      const up = wg.tensor(c.upstream.data, c.upstream.shape);
      const out = apply(c, xs);
      try {
        expect(out.shape).toEqual(c.output.shape);
        // float32 on both sides: single ops agree to a few ULP (transcendentals and sums a few more)
        expectClose(await out.toArray(), c.output.data, { rtol: 2e-5, atol: 1e-6, shape: c.output.shape, label: `${c.name} output` });
        out.backward(up);
        for (let i = 0; i < xs.length; i++) {
          const g = xs[i].grad;
          expect(g, `${c.name}: input ${i} has no grad`).not.toBeNull();
          expect(g!.shape).toEqual(c.grads[i].shape);
          expectClose(await g!.toArray(), c.grads[i].data, { rtol: 2e-5, atol: 1e-6, shape: c.grads[i].shape, label: `${c.name} grad ${i}` });
        }
      } finally {
        for (const x of xs) {
          x.grad?.dispose();
          x.dispose();
        }
        out.dispose();
        up.dispose();
      }
    });
  }
});
