// Module, Linear, Sequential and the activation layers: names, state dicts, init, the torch MLP fixture.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import fx from '../fixtures/autograd.json';
import { Ref, Rng, expectClose } from '../helpers/reference.js';
import { toGpu } from '../helpers/gpu.js';

const nn = wg.nn;

beforeAll(async () => {
  await wg.init();
});

const bits = async (t: wg.Tensor) => new Uint32Array((await t.toArray()).buffer);

class Net extends nn.Module {
  layers = [new nn.Linear(4, 3), new nn.Linear(3, 3)];
  act = new nn.Tanh();
  head = new nn.Linear(3, 2, { bias: false });
  scale = nn.Parameter(wg.ones([2]));
  forward(x: wg.Tensor): wg.Tensor {
    let h = x;
    for (const l of this.layers) h = this.act.forward(l.forward(h));
    return this.head.forward(h).mul(this.scale);
  }
}

describe('Module', () => {
  it('names parameters as torch does', () => {
    const seq = new nn.Sequential(new nn.Linear(6, 7), new nn.ReLU(), new nn.Linear(7, 5));
    expect(seq.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['0.weight', [7, 6]], ['0.bias', [7]], ['2.weight', [5, 7]], ['2.bias', [5]],
    ]);
    const net = new Net();
    // a module's own parameters come before its children's, as in torch
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'scale', 'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'head.weight',
    ]);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'layers.0', 'layers.1', 'act', 'head']);
  });

  it('lists a shared parameter once and keeps a frozen one', () => {
    const a = new nn.Linear(3, 3);
    const seq = new nn.Sequential(a, new nn.ReLU(), a);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    a.bias!.requiresGrad = false;
    expect(seq.parameters()).toHaveLength(2);
  });

  it('train() and eval() reach every child', () => {
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Dropout(0.5), new nn.Sequential(new nn.Dropout(0.1)));
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('stateDict → loadStateDict copies exactly, into the same buffers', async () => {
    wg.manualSeed(1);
    const a = new Net();
    wg.manualSeed(2);
    const b = new Net();
    const params = b.parameters();
    const res = b.loadStateDict(a.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.parameters()).toEqual(params); // same tensor objects
    for (const [name, p] of a.namedParameters()) {
      expect(await bits(b.stateDict()[name]), name).toEqual(await bits(p));
    }
    // plain arrays work too
    b.loadStateDict({ ...a.stateDict(), scale: [0.5, -2] });
    expect(Array.from(await b.scale.toArray())).toEqual([0.5, -2]);
  });

  it('loadStateDict names missing, unexpected and mis-shaped keys', async () => {
    const m = new nn.Sequential(new nn.Linear(2, 3));
    const sd = m.stateDict();
    const before = await bits(m[0].parameters()[0]);
    expect(() => m.loadStateDict({ '0.weight': sd['0.weight'] })).toThrow(/missing keys: 0\.bias/);
    expect(() => m.loadStateDict({ ...sd, '1.weight': sd['0.weight'] })).toThrow(/unexpected keys: 1\.weight.*strict: false/);
    const wrong = wg.zeros([2, 3]);
    expect(() => m.loadStateDict({ '0.weight': wrong, '0.bias': sd['0.bias'] })).toThrow(/'0\.weight' has shape \[2, 3\] .* \[3, 2\]/);
    expect(() => m.loadStateDict({ '0.weight': [1, 2], '0.bias': sd['0.bias'] })).toThrow(/2 values .* holds 6/);
    expect(await bits(m[0].parameters()[0])).toEqual(before); // a failed load changes nothing
    const z = wg.zeros([3]);
    expect(m.loadStateDict({ '0.bias': z, extra: z }, { strict: false })).toEqual({ missingKeys: ['0.weight'], unexpectedKeys: ['extra'] });
    expect(Array.from(await (m[0] as wg.nn.Linear).bias!.toArray())).toEqual([0, 0, 0]);
    wrong.dispose();
    z.dispose();
  });

  it('zeroGrad drops or zeroes the gradients', async () => {
    const lin = new nn.Linear(3, 2);
    const x = wg.ones([4, 3]);
    const root = lin.forward(x).sum();
    root.backward();
    root.dispose();
    expect(lin.weight.grad).not.toBeNull();
    lin.zeroGrad({ setToNone: false });
    expect(Array.from(await lin.weight.grad!.toArray())).toEqual([0, 0, 0, 0, 0, 0]);
    lin.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    expect(lin.bias!.grad).toBeNull();
    x.dispose();
  });

  it('prints like torch', () => {
    const s = String(new nn.Sequential(new nn.Linear(2, 3), new nn.GELU({ approximate: 'tanh' }), new nn.Dropout(0.2)));
    expect(s).toContain('(0): Linear(inFeatures=2, outFeatures=3, bias=true)');
    expect(s).toContain("(1): GELU(approximate='tanh')");
    expect(s).toContain('(2): Dropout(p=0.2)');
  });
});

describe('Linear', () => {
  it("initialises weight and bias in U(−1/√in, 1/√in), torch's default", async () => {
    const lin = new nn.Linear(400, 64);
    const bound = 1 / Math.sqrt(400);
    for (const p of [lin.weight, lin.bias!]) {
      const v = Array.from(await p.toArray());
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v)).toBeGreaterThan(0.9 * bound); // spread over the whole range
      expect(Math.min(...v)).toBeLessThan(-0.9 * bound);
    }
    const w = Array.from(await lin.weight.toArray());
    const mean = w.reduce((s, x) => s + x, 0) / w.length;
    const variance = w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(bound ** 2 / 3 / w.length));
    expect(variance).toBeCloseTo(bound ** 2 / 3, 5); // Var U(−b, b) = b²/3
  });

  it('computes x·Wᵀ + b for 1-D, 2-D, 3-D and 4-D inputs, with gradients', async () => {
    const rng = new Rng(11);
    const lin = new nn.Linear(5, 3);
    const W = new Ref(await lin.weight.toArray(), [3, 5]);
    const b = new Ref(await lin.bias!.toArray(), [3]);
    for (const shape of [[5], [4, 5], [2, 3, 5], [2, 1, 2, 5]]) {
      const xr = rng.randn(shape);
      const x = toGpu(xr, { requiresGrad: true });
      const y = lin.forward(x);
      expect(y.shape).toEqual([...shape.slice(0, -1), 3]);
      const want = xr.reshape([-1, 5]).matmul(W.transpose(0, 1)).add(b).reshape(y.shape);
      expectClose(await y.toArray(), want, { rtol: 1e-5, atol: 1e-6, label: `forward [${shape}]` });
      const root = y.sum();
      root.backward();
      root.dispose();
      // d Σy / dx = Σ_o W[o, :] for every row
      const rowGrad = W.sum(0);
      expectClose(await x.grad!.toArray(), xr.map((_, i) => rowGrad.data[i % 5]), { rtol: 1e-5, atol: 1e-6 });
      expectClose(await lin.weight.grad!.toArray(), Ref.full([3, 5], 0).add(xr.reshape([-1, 5]).sum(0)), { rtol: 1e-5, atol: 1e-5 });
      lin.zeroGrad();
      x.grad!.dispose();
      x.dispose();
    }
  });

  it('functional linear equals the module, and leaves only its output under noGrad', async () => {
    const lin = new nn.Linear(5, 3);
    const x = wg.randn([2, 1, 2, 5], { seed: 3 });
    const a = lin.forward(x);
    const before = wg.memory().tensors;
    const b = wg.noGrad(() => nn.functional.linear(x, lin.weight, lin.bias));
    expect(wg.memory().tensors - before).toBe(1); // the reshaped input, x·Wᵀ and the bias sum are freed
    expect(Array.from(await b.toArray())).toEqual(Array.from(await a.toArray()));
    expect(() => nn.functional.linear(x, wg.zeros([3, 4]))).toThrow(/webgrad\.linear: input \[2, 1, 2, 5\] and weight \[3, 4\]/);
    for (const t of [a, b, x]) t.dispose();
  });

  it('explains a wrong input size', () => {
    const x = wg.zeros([2, 4]);
    expect(() => new nn.Linear(5, 3).forward(x)).toThrow(/Linear\(5, 3\).*last dimension is 5.*\[2, 4\]/);
    x.dispose();
  });
});

describe('activation layers', () => {
  it('ReLU, Tanh, Sigmoid, GELU and Flatten match their definitions', async () => {
    const xr = new Rng(2).awayFrom([2, 3, 4], [0], 0.05);
    const x = toGpu(xr);
    const erf = (z: number) => {
      // Abramowitz & Stegun 7.1.26 is what the kernel uses; compare loosely against a series instead
      let s = 0;
      let term = z;
      for (let n = 0; n < 60; n++) {
        s += term / (2 * n + 1);
        term *= (-z * z) / (n + 1);
      }
      return (2 / Math.sqrt(Math.PI)) * s;
    };
    const cases: [wg.nn.Module, (v: number) => number, number][] = [
      [new nn.ReLU(), (v) => Math.max(v, 0), 0],
      [new nn.Tanh(), Math.tanh, 1e-6],
      [new nn.Sigmoid(), (v) => 1 / (1 + Math.exp(-v)), 1e-6],
      [new nn.GELU(), (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)), 1e-6],
      [new nn.GELU({ approximate: 'tanh' }), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))), 1e-6],
    ];
    for (const [m, f, tol] of cases) {
      const y = m.forward(x);
      expectClose(await y.toArray(), xr.map(f), { rtol: 1e-5, atol: tol + 1e-7, label: String(m) });
      y.dispose();
    }
    const flat = new nn.Flatten().forward(x);
    expect(flat.shape).toEqual([2, 12]);
    expect(new nn.Flatten(0, 1).forward(x).shape).toEqual([6, 4]);
    x.dispose();
  });
});

describe('the torch MLP fixture', () => {
  it('Linear(6,7) → ReLU → Linear(7,5): loss and all four gradients', async () => {
    const m = fx.mlp as {
      x: { shape: number[]; data: number[] };
      targets: number[];
      params: { name: string; shape: number[]; data: number[] }[];
      logits: { shape: number[]; data: number[] };
      loss: number;
      grads: { name: string; shape: number[]; data: number[] }[];
    };
    const model = new nn.Sequential(new nn.Linear(6, 7), new nn.ReLU(), new nn.Linear(7, 5));
    model.loadStateDict(Object.fromEntries(m.params.map((p) => [p.name, p.data])));
    const x = wg.tensor(m.x.data, m.x.shape);
    const logits = model.forward(x);
    expectClose(await logits.toArray(), m.logits, { rtol: 1e-5, atol: 1e-6, label: 'logits' });
    const loss = nn.functional.crossEntropy(logits, Int32Array.from(m.targets));
    expect(Math.abs((await loss.item()) - m.loss)).toBeLessThan(1e-5 * m.loss);
    loss.backward();
    const named = Object.fromEntries(model.namedParameters());
    for (const g of m.grads) {
      expectClose(await named[g.name].grad!.toArray(), g, { rtol: 1e-5, atol: 1e-7, label: `grad ${g.name}` });
    }
    model.zeroGrad();
    for (const t of [x, logits, loss]) t.dispose();
  });
});
