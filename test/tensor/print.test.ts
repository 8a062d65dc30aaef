// x.print(): torch's text for the values (expected strings are what torch 1.13 prints for the same
// tensors, with its suffixes in webgrad's names: dtype=torch.int32 -> dtype=int32,
// requires_grad=True -> requiresGrad=true, grad_fn=<MulBackward0> -> gradFn=<mul>, size=(0, 3) -> size=[0, 3]).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { formatTensor } from '../../src/tensor/print.js';

beforeAll(async () => {
  await wg.init();
});

const noGrad = { requiresGrad: false, op: null };
const f32 = (xs: number[]) => Float32Array.from(xs);
const range = (n: number, div = 1) => Float32Array.from({ length: n }, (_, i) => i / div);

describe('print', () => {
  it('writes values as torch does: fixed, scientific, whole numbers, integers, nan, 0-d', () => {
    expect(formatTensor(f32([1, 2, 3, 4]), [2, 2], 'float32', noGrad)).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(formatTensor(f32([1.5, -2.25, 0.03125, 10]), [2, 2], 'float32', noGrad)).toBe('tensor([[ 1.5000, -2.2500],\n        [ 0.0312, 10.0000]])');
    expect(formatTensor(f32([1.5, -2.25, 1e-5, NaN]), [4], 'float32', noGrad)).toBe('tensor([ 1.5000e+00, -2.2500e+00,  1.0000e-05,         nan])');
    expect(formatTensor(Int32Array.from([1, -20, 300, 4]), [2, 2], 'int32', noGrad)).toBe('tensor([[  1, -20],\n        [300,   4]], dtype=int32)');
    expect(formatTensor(f32([-1, 0, 250]), [3], 'float32', noGrad)).toBe('tensor([ -1.,   0., 250.])');
    expect(formatTensor(f32([3.5]), [], 'float32', noGrad)).toBe('tensor(3.5000)');
    // ties round to even, as Python's format (JS's toFixed would give 0.0313)
    expect(formatTensor(f32([-0.03125, 0.03125, 2.5, 0.125]), [4], 'float32', noGrad)).toBe('tensor([-0.0312,  0.0312,  2.5000,  0.1250])');
    expect(formatTensor(f32([-0.03125, 0.03125, 2.5, 0.00015625]), [4], 'float32', noGrad)).toBe('tensor([-3.1250e-02,  3.1250e-02,  2.5000e+00,  1.5625e-04])');
  });

  it('wraps rows at 80 characters, and shows empty shapes and grad state as torch', () => {
    expect(formatTensor(new Float32Array(30), [30], 'float32', noGrad)).toBe(
      'tensor([0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.,\n' +
        '        0., 0., 0., 0., 0., 0.])',
    );
    expect(formatTensor(new Float32Array(0), [0, 3], 'float32', noGrad)).toBe('tensor([], size=[0, 3])');
    expect(formatTensor(new Float32Array(0), [0], 'float32', noGrad)).toBe('tensor([])');
    expect(formatTensor(new Int32Array(0), [0], 'int32', noGrad)).toBe('tensor([], dtype=int32)');
    expect(formatTensor(f32([0.5, 1]), [2], 'float32', { requiresGrad: true, op: null })).toBe('tensor([0.5000, 1.0000], requiresGrad=true)');
  });

  it('summarises over 1000 elements with the first and last 3 of each dimension', () => {
    expect(formatTensor(Int32Array.from({ length: 1500 }, (_, i) => i), [1500], 'int32', noGrad)).toBe(
      'tensor([   0,    1,    2,  ..., 1497, 1498, 1499], dtype=int32)',
    );
    expect(formatTensor(range(1010, 7), [101, 10], 'float32', noGrad)).toBe(
      `tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 1.0000e+00, 1.1429e+00,
         1.2857e+00],
        [1.4286e+00, 1.5714e+00, 1.7143e+00,  ..., 2.4286e+00, 2.5714e+00,
         2.7143e+00],
        [2.8571e+00, 3.0000e+00, 3.1429e+00,  ..., 3.8571e+00, 4.0000e+00,
         4.1429e+00],
        ...,
        [1.4000e+02, 1.4014e+02, 1.4029e+02,  ..., 1.4100e+02, 1.4114e+02,
         1.4129e+02],
        [1.4143e+02, 1.4157e+02, 1.4171e+02,  ..., 1.4243e+02, 1.4257e+02,
         1.4271e+02],
        [1.4286e+02, 1.4300e+02, 1.4314e+02,  ..., 1.4386e+02, 1.4400e+02,
         1.4414e+02]])`,
    );
    // 3-D: blank lines between the outer slices, "...," on its own line
    const x3 = formatTensor(range(1200, 7), [10, 12, 10], 'float32', noGrad);
    expect(x3.startsWith('tensor([[[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 1.0000e+00,\n          1.1429e+00, 1.2857e+00],\n')).toBe(true);
    expect(x3).toContain('1.5571e+01],\n         [1.5714e+01, 1.5857e+01, 1.6000e+01,  ..., 1.6714e+01,\n          1.6857e+01, 1.7000e+01]],\n\n        [[1.7143e+01,');
    expect(x3).toContain('5.1286e+01]],\n\n        ...,\n\n        [[1.2000e+02,');
    expect(x3.endsWith('[1.7000e+02, 1.7014e+02, 1.7029e+02,  ..., 1.7100e+02,\n          1.7114e+02, 1.7129e+02]]])')).toBe(true);
  });

  it('await x.print() reads the tensor and returns the text; String(x) says how to see the values', async () => {
    const x = wg.tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
    const y = x.mul(2);
    const log = console.log;
    const printed: unknown[] = [];
    console.log = (...a: unknown[]) => void printed.push(...a);
    let text: string;
    try {
      text = await y.print();
    } finally {
      console.log = log;
    }
    expect(text).toBe('tensor([[2., 4.],\n        [6., 8.]], gradFn=<mul>)');
    expect(printed).toEqual([text]);
    expect(String(x)).toBe('Tensor(shape=[2, 2], dtype=float32, requiresGrad; values on the GPU: see them with `await x.print()`)');
    const i = wg.tensor([7, -3], [2], { dtype: 'int32' });
    console.log = () => {};
    try {
      expect(await i.print()).toBe('tensor([ 7, -3], dtype=int32)');
    } finally {
      console.log = log;
    }
    for (const t of [x, y, i]) t.dispose();
  });
});
