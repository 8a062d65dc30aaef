/** Moving test data between the CPU reference and webgrad tensors, and comparing the two. */
import * as wg from '../../src/index.js';
import { runtime } from '../../src/tensor/index.js';
import { Ref } from './reference.js';
import { expectClose, type CloseOptions } from './expect_close.js';

/** Upload a reference array as a float32 tensor (values are already float32 when made by Rng). */
export function toGpu(r: Ref, o: { requiresGrad?: boolean } = {}): wg.Tensor {
  return wg.tensor(Float32Array.from(r.data), r.shape, o);
}

/** Read a tensor back as a reference array (float64 copy of the float32 data). */
export async function fromGpu(t: wg.Tensor): Promise<Ref> {
  return new Ref(await t.toArray(), t.shape);
}

/** The tensor has the expected shape and values within tolerance. */
export async function expectTensor(t: wg.Tensor, expected: Ref, o: CloseOptions = {}): Promise<void> {
  const label = o.label ? `${o.label}: ` : '';
  if (t.shape.length !== expected.shape.length || t.shape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${label}shape [${t.shape}] differs from the reference shape [${expected.shape}]`);
  }
  expectClose(await t.toArray(), expected, o);
}

/** Run fn with a matmul schedule forced, restoring the per-adapter choice afterwards. */
export async function withMatmulVariant<T>(v: 'tiled' | 'blocked' | 'naive', fn: () => Promise<T>): Promise<T> {
  wg.setMatmulVariant(v);
  try {
    return await fn();
  } finally {
    wg.setMatmulVariant(null);
  }
}

export const MATMUL_VARIANTS = ['tiled', 'blocked', 'naive'] as const;

/** Compiler messages of type 'error' for a WGSL text, as 'line:col message' (the device's compiler, Tint). */
export async function compileErrors(code: string): Promise<string[]> {
  const device = runtime().device;
  // an error scope captures the validation error, so it never reaches the runtime's error handler
  device.pushErrorScope('validation');
  const info = await device.createShaderModule({ code }).getCompilationInfo();
  await device.popErrorScope();
  return info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
}
