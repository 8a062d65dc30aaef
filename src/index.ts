/**
 * webgrad: tensors, autodiff, nn and optim on WebGPU.
 *   import * as wg from 'webgrad'; await wg.init();
 */
import { acquireDevice, adoptDevice, Runtime } from './gpu/index.js';
import { setRuntime, hasRuntime, runtime, setBackwardHook, liveMemory } from './tensor/index.js';
import { backward } from './autograd/index.js';

setBackwardHook(backward);

export interface InitOptions {
  /** Adopt a GPUDevice the application already has. */
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
}

let initializing: Promise<DeviceInfo> | null = null;

export interface DeviceInfo {
  adapter: string;
  software: boolean;
}

/** Find a WebGPU device (navigator.gpu in a browser, Dawn in Node). Safe to call more than once. */
export function init(o: InitOptions = {}): Promise<DeviceInfo> {
  if (o.device) {
    setRuntime(new Runtime(adoptDevice(o.device)));
    initializing = Promise.resolve(deviceInfo());
    return initializing;
  }
  if (hasRuntime()) return Promise.resolve(deviceInfo());
  initializing ??= acquireDevice(o.powerPreference).then(
    (acq) => {
      setRuntime(new Runtime(acq));
      return deviceInfo();
    },
    (e) => {
      initializing = null;
      throw e;
    },
  );
  return initializing;
}

export function deviceInfo(): DeviceInfo {
  const rt = runtime();
  return { adapter: rt.adapterName, software: rt.software };
}

/** Live tensors, their bytes, and bytes held by the buffer pool for reuse. */
export function memory(): { tensors: number; bytes: number; pooledBytes: number } {
  const m = liveMemory();
  return { ...m, pooledBytes: hasRuntime() ? runtime().pool.pooledBytes : 0 };
}

/** Wait until the GPU has finished all submitted work (benchmarks). */
export function sync(): Promise<void> {
  return runtime().sync();
}

/** Counters: dispatches, submits, compiles, readbacks, and the pipeline cache size. */
export function stats(): { dispatches: number; submits: number; compiles: number; readbacks: number; kernels: number } {
  const rt = runtime();
  return { ...rt.stats, kernels: rt.kernelCacheSize };
}

export {
  Tensor, tensor, zeros, ones, full, arange, randn, rand, uniform, manualSeed, Generator,
  add, sub, mul, div, neg, pow, exp, log, sqrt, abs, relu, tanh, sigmoid, gelu, clamp, maximum, minimum,
  gt, lt, ge, le, eq, matmul, transpose, reshape, flatten, expand, sum, mean, max, argmax, softmax, logSoftmax, clone,
  setMatmulVariant, matmulVariant, fused, mm, save, load,
} from './tensor/index.js';
export type { DType, TensorLike, Shape } from './tensor/index.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as analysis from './analysis/index.js';
