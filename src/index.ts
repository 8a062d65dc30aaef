/**
 * webgrad: tensors, autodiff, nn and optim on WebGPU.
 *   import * as wg from 'webgrad'; await wg.init();
 */
import './gpu/webgpu-globals.js';
import { acquireDevice, adoptDevice, debugRequested, Runtime } from './gpu/index.js';
import type { ProfileRow } from './gpu/index.js';
import { setRuntime, hasRuntime, runtime, setBackwardHook, liveMemory } from './tensor/index.js';
import { backward } from './autograd/index.js';

setBackwardHook(backward);

/** Options of {@link init}. */
export interface InitOptions {
  /** Adopt a GPUDevice the application already has. */
  device?: GPUDevice;
  /** Which adapter to ask for when there are several (WebGPU's GPUPowerPreference). */
  powerPreference?: 'low-power' | 'high-performance';
  /**
   * Print one line naming the adapter in use (also switched on by the environment variable
   * `DEBUG=webgrad` in Node). Otherwise init prints nothing.
   */
  verbose?: boolean;
}

let initializing: Promise<DeviceInfo> | null = null;

/** What {@link init} found: the adapter's name and whether it is a software (CPU) adapter. */
export interface DeviceInfo {
  /** Vendor, architecture and description of the adapter, e.g. "google swiftshader ...". */
  adapter: string;
  /** True for a CPU emulation (SwiftShader, lavapipe, WARP): correct, but slow. */
  software: boolean;
}

/**
 * Find a WebGPU device (navigator.gpu in a browser, Dawn in Node). Safe to call more than once. After
 * the device is lost (driver reset, GPU process crash, device.destroy()) it acquires a new one; tensors
 * of the lost device are gone and come back from a checkpoint (wg.load).
 */
export function init(o: InitOptions = {}): Promise<DeviceInfo> {
  const report = (route: string) => {
    const d = deviceInfo();
    if (o.verbose || debugRequested()) console.info(`webgrad: adapter "${d.adapter}"${d.software ? ' (software)' : ''} via ${route}`);
    return d;
  };
  if (o.device) {
    setRuntime(new Runtime(adoptDevice(o.device)));
    initializing = Promise.resolve(report('application device'));
    return initializing;
  }
  if (hasRuntime() && runtime().lost !== null) {
    setRuntime(null);
    initializing = null;
  }
  if (hasRuntime()) return Promise.resolve(deviceInfo());
  initializing ??= acquireDevice(o.powerPreference).then(
    (acq) => {
      setRuntime(new Runtime(acq));
      return report(acq.route ?? 'navigator.gpu');
    },
    (e) => {
      initializing = null;
      throw e;
    },
  );
  return initializing;
}

/** The adapter in use; call after {@link init}. */
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

/**
 * Run fn (it may be async) and return where its GPU time went, one row per kernel:
 * { kernel, dispatches, ms, share }, slowest first, shares summing to 1. Uses GPU timestamp queries
 * where the adapter has them, else times each dispatch again on its own (see src/gpu/profile.ts).
 */
export function profile(fn: () => unknown): Promise<ProfileRow[]> {
  return runtime().profile(fn);
}
export type { ProfileRow } from './gpu/index.js';

/** Counters: dispatches, submits, compiles, readbacks, the pipeline cache size and the uniform-buffer cache size. */
export function stats(): { dispatches: number; submits: number; compiles: number; readbacks: number; kernels: number; uniforms: number } {
  const rt = runtime();
  return { ...rt.stats, kernels: rt.kernelCacheSize, uniforms: rt.uniformCacheSize };
}

export {
  Tensor, tensor, zeros, ones, full, arange, randn, rand, uniform, manualSeed, Generator,
  add, sub, mul, div, neg, pow, exp, log, sqrt, abs, relu, tanh, sigmoid, gelu, clamp, maximum, minimum,
  gt, lt, ge, le, eq, matmul, transpose, reshape, flatten, expand, sum, mean, max, argmax, softmax, logSoftmax, clone,
  setMatmulVariant, matmulVariant, fused, mm, save, load,
  indexSelect,
} from './tensor/index.js';
export type {
  DType, TensorLike, Shape, TapeNode, Storage, Nested, CreateOptions, RandomOptions, GeluOptions, Scalar, Dims, ClassTarget, Index,
} from './tensor/index.js';
export type { MatmulVariant } from './shaders/matmul.js';
export {
  squeeze, unsqueeze, permute, cat, stack, split, chunk, narrow, tril, triu, gather, where, maskedFill,
  min, argmin, logsumexp, cumsum, variance as var, std, norm, sin, cos, rsqrt, sign,
  eye, linspace, randint, randperm, zerosLike, onesLike,
} from './tensor/index.js';
export type { VarOptions } from './tensor/index.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/index.js';
export * as autograd from './autograd/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as analysis from './analysis/index.js';
export { conv2d, maxPool2d, avgPool2d } from './tensor/index.js';
