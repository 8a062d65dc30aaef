// Memory across forward/backward: a training loop's memory is flat, and no op leaves tensors behind,
// with the tape recording or without it.
//
// What the user disposes in a loop (everything else is freed by webgrad):
//   - the loss (the root of backward(): it stays readable after backward, so it is the user's),
//   - each parameter's .grad when starting over (an optimizer's zeroGrad does it); if grads are left to
//     accumulate, backward() itself frees the grad tensor it replaces,
//   - an upstream gradient passed to backward(gradient), tensors made with .keep(), and anything created
//     outside the graph (inputs, noGrad results).
// backward() frees every intermediate of the graph and every temporary of the gradient rules.
//
// Counts are compared around synchronous stretches of code: the FinalizationRegistry backstop may free
// tensors that other tests dropped at any await, which would change the counts under our feet.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/tensor/index.js';

beforeAll(async () => {
  await wg.init();
});

function model() {
  const w1 = wg.randn([8, 16], { seed: 1, requiresGrad: true });
  const b1 = wg.zeros([16], { requiresGrad: true });
  const w2 = wg.randn([16, 4], { seed: 2, requiresGrad: true });
  const x = wg.randn([32, 8], { seed: 3 });
  const t = wg.randn([32, 4], { seed: 4 });
  const params = [w1, b1, w2];
  const loss = () => x.matmul(w1).add(b1).gelu().matmul(w2).logSoftmax(-1).sub(t).pow(2).mean();
  return { params, loss, dispose: () => [...params, x, t].forEach((p) => (p.grad?.dispose(), p.dispose())) };
}

describe('a training loop is flat', () => {
  it('tensors and bytes are equal after 10 and after 200 forward/backward iterations (grads disposed)', () => {
    const m = model();
    const step = () => {
      const loss = m.loss();
      loss.backward();
      loss.dispose();
      for (const p of m.params) {
        p.grad!.dispose();
        p.grad = null;
      }
    };
    let at10 = wg.memory();
    for (let i = 1; i <= 200; i++) {
      step();
      if (i === 10) at10 = wg.memory();
    }
    const at200 = wg.memory();
    expect(at200.tensors).toBe(at10.tensors);
    expect(at200.bytes).toBe(at10.bytes);
    m.dispose();
  });

  it('also when grads are left to accumulate (backward frees the grad it replaces)', () => {
    const m = model();
    let at10 = wg.memory();
    for (let i = 1; i <= 100; i++) {
      const loss = m.loss();
      loss.backward();
      loss.dispose();
      if (i === 10) at10 = wg.memory();
    }
    const at100 = wg.memory();
    expect(at100.tensors).toBe(at10.tensors);
    expect(at100.bytes).toBe(at10.bytes);
    m.dispose();
  });

  it('the buffer pool stops growing: iterations that read the loss back create no new buffers', async () => {
    const m = model();
    const pool = runtime().pool;
    const total = () => pool.liveBytes + pool.pooledBytes;
    const step = async () => {
      const loss = m.loss();
      loss.backward();
      await loss.item();
      loss.dispose();
      for (const p of m.params) {
        p.grad!.dispose();
        p.grad = null;
      }
    };
    for (let i = 0; i < 5; i++) await step();
    const before = total();
    for (let i = 0; i < 30; i++) await step();
    expect(total()).toBe(before);
    m.dispose();
  });
});

/** Inputs for the op table: every op below is ONE library call, so any leftover tensor is the library's. */
interface In { x: wg.Tensor; w: wg.Tensor; v: wg.Tensor; pos: wg.Tensor; b3: wg.Tensor; c3: wg.Tensor }
function inputs(requiresGrad: boolean): In & { all: wg.Tensor[] } {
  const o = { requiresGrad };
  const r = {
    x: wg.randn([4, 4], { seed: 5, ...o }), w: wg.randn([4, 4], { seed: 6, ...o }), v: wg.randn([4], { seed: 7, ...o }),
    pos: wg.rand([4, 4], { seed: 8, ...o }), b3: wg.randn([2, 2, 4], { seed: 9, ...o }), c3: wg.randn([2, 4, 2], { seed: 10, ...o }),
  };
  return { ...r, all: Object.values(r) };
}

type Op = [name: string, fn: (i: In) => wg.Tensor];
const OPS: Op[] = [
  ['add', (i) => i.x.add(i.v)], ['sub', (i) => i.x.sub(2)], ['mul', (i) => i.x.mul(i.x)], ['div', (i) => i.x.div(i.pos)],
  ['neg', (i) => i.x.neg()], ['pow', (i) => i.x.pow(3)], ['pow 0.5', (i) => i.pos.pow(0.5)], ['exp', (i) => i.x.exp()],
  ['log', (i) => i.pos.log()], ['sqrt', (i) => i.pos.sqrt()], ['abs', (i) => i.x.abs()], ['relu', (i) => i.x.relu()],
  ['tanh', (i) => i.x.tanh()], ['sigmoid', (i) => i.x.sigmoid()], ['gelu', (i) => i.x.gelu()],
  ['gelu tanh', (i) => i.x.gelu({ approximate: 'tanh' })], ['maximum', (i) => i.x.maximum(i.w)], ['minimum', (i) => i.x.minimum(0.1)],
  ['clamp', (i) => i.x.clamp(-0.5, 0.5)], ['matmul', (i) => i.x.matmul(i.w)], ['mm transB', (i) => wg.mm(i.x, i.w, false, true)],
  ['batched matmul', (i) => i.b3.matmul(i.c3)], ['3-D x 2-D matmul', (i) => i.b3.matmul(i.w)], ['transpose', (i) => i.x.transpose(0, 1)],
  ['reshape', (i) => i.x.reshape([2, 8])], ['flatten', (i) => i.b3.flatten()], ['expand', (i) => i.v.expand([3, 4, 4])],
  ['sum', (i) => i.x.sum()], ['sum(dims)', (i) => i.b3.sum([0, 2])], ['mean', (i) => i.x.mean(1, true)], ['mean()', (i) => i.b3.mean()],
  ['max', (i) => i.x.max()], ['max(dim)', (i) => i.x.max(0)], ['max(dim, keepdim)', (i) => i.b3.max(1, true)],
  ['softmax(0)', (i) => i.x.softmax(0)], ['softmax(-1)', (i) => i.x.softmax(-1)], ['logSoftmax(1) of 3-D', (i) => i.b3.logSoftmax(1)],
  ['square', (i) => i.x.square()], ['clone', (i) => i.x.clone()],
];

describe('no op leaves tensors behind', () => {
  it('with the tape: after backward, disposing the loss and the grads returns to the baseline', () => {
    const i = inputs(true);
    const leaks: string[] = [];
    for (const [name, fn] of OPS) {
      const before = wg.memory();
      const loss = fn(i).sum();
      loss.backward();
      loss.dispose();
      for (const p of i.all) {
        p.grad?.dispose();
        p.grad = null;
      }
      const after = wg.memory();
      if (after.tensors !== before.tensors || after.bytes !== before.bytes) leaks.push(`${name}: ${after.tensors - before.tensors} tensors`);
    }
    expect(leaks).toEqual([]);
    i.all.forEach((t) => t.dispose());
  });

  it('without the tape (noGrad, or inputs without requiresGrad): disposing the result returns to the baseline', () => {
    const withGrad = inputs(true);
    const plain = inputs(false);
    const leaks: string[] = [];
    for (const [name, fn] of OPS) {
      for (const [how, run] of [
        ['noGrad', () => wg.noGrad(() => fn(withGrad))],
        ['no requiresGrad', () => fn(plain)],
      ] as [string, () => wg.Tensor][]) {
        const before = wg.memory();
        run().dispose();
        const after = wg.memory();
        if (after.tensors !== before.tensors || after.bytes !== before.bytes) leaks.push(`${name} (${how}): ${after.tensors - before.tensors} tensors`);
      }
    }
    expect(leaks).toEqual([]);
    [...withGrad.all, ...plain.all].forEach((t) => t.dispose());
  });
});
