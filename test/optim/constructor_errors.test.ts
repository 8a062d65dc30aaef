// Optimizer constructors name the fix for the usual mistakes in their first argument.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';

beforeAll(async () => {
  await wg.init();
});

const OPTIMIZERS = ['SGD', 'Adam', 'AdamW', 'Adagrad', 'RMSprop', 'Adamax', 'NAdam', 'RAdam', 'Adadelta', 'Lion', 'Muon', 'LBFGS'] as const;
type Ctor = new (params: unknown, o?: object) => unknown;
const ctor = (name: string) => (wg.optim as unknown as Record<string, Ctor>)[name];
const opts = (name: string) => (name === 'SGD' ? { lr: 0.1 } : {});

describe('optimizer constructors refuse a wrong first argument, naming the fix', () => {
  it('a Module: pass model.parameters()', () => {
    const model = new wg.nn.Linear(3, 2);
    for (const name of OPTIMIZERS) {
      expect(() => new (ctor(name))(model, opts(name)), name).toThrow(new RegExp(`webgrad\\.optim\\.${name}: got a Module; pass its parameters: new ${name}\\(model\\.parameters\\(\\)`));
    }
    expect(() => new wg.optim.SAM(model as never, wg.optim.SGD, { lr: 0.1 })).toThrow(/SAM: got a Module; pass its parameters/);
    for (const p of model.parameters()) p.dispose();
  });

  it('a single tensor: pass [t]', () => {
    const t = wg.zeros([2], { requiresGrad: true });
    for (const name of OPTIMIZERS) {
      expect(() => new (ctor(name))(t, opts(name)), name).toThrow(new RegExp(`${name}: got a single Tensor; pass a list of tensors: new ${name}\\(\\[t\\]`));
    }
    t.dispose();
  });

  it('non-iterables', () => {
    for (const bad of [null, undefined, 3, { lr: 0.1 }, 'weights']) {
      expect(() => new wg.optim.Adam(bad as never), String(bad)).toThrow(/Adam: params must be an iterable of tensors or of param groups/);
    }
  });

  it('non-tensors inside the list, and a mix of tensors and groups', () => {
    const t = wg.zeros([2], { requiresGrad: true });
    expect(() => new wg.optim.Adam([t, 3] as never)).toThrow(/Adam: params\[1\] is not a Tensor \(got number\)/);
    expect(() => new wg.optim.Adam([t, new wg.nn.Linear(2, 2)] as never)).toThrow(/params\[1\] is not a Tensor \(got a Module\)/);
    expect(() => new wg.optim.Adam([{ params: 5 }] as never)).toThrow(/a param group's params must be a list of tensors \(got number\)/);
    expect(() => new wg.optim.Adam([{ params: [t] }, t] as never)).toThrow(/a param group must be an object \{ params, \.\.\.options \}/);
    t.dispose();
  });

  it('duplicates', () => {
    const t = wg.zeros([2], { requiresGrad: true });
    expect(() => new wg.optim.SGD([t, t], { lr: 0.1 })).toThrow(/SGD: params\[1\] \(shape \[2\]\) appears in more than one place/);
    t.dispose();
  });

  it('parameters that do not require grad', () => {
    const t = wg.zeros([2, 3]);
    expect(() => new wg.optim.Adam([t])).toThrow(/Adam: params\[0\] \(shape \[2, 3\]\) does not require grad.*requiresGrad = true/);
    t.dispose();
  });

  it('the right arguments still work: model.parameters(), a generator, param groups', () => {
    const model = new wg.nn.Linear(3, 2);
    expect(new wg.optim.Adam(model.parameters()).paramGroups[0].params.length).toBe(2);
    function* gen() { yield* model.parameters(); }
    expect(new wg.optim.SGD(gen(), { lr: 0.1 }).paramGroups[0].params.length).toBe(2);
    const [w, b] = model.parameters();
    expect(new wg.optim.Adam([{ params: [w] }, { params: [b], lr: 0.1 }]).paramGroups.length).toBe(2);
    for (const p of model.parameters()) p.dispose();
  });
});
