/**
 * The runtime the tensor layer dispatches to, set once by init(). Kept in one place so that nothing else
 * holds module-level GPU state.
 */
import type { Runtime } from '../gpu/runtime.js';
import type { MatmulVariant } from '../shaders/matmul.js';

let current: Runtime | null = null;
let matmulOverride: MatmulVariant | null = null;

export function setRuntime(rt: Runtime | null): void {
  current = rt;
}

export function hasRuntime(): boolean {
  return current !== null;
}

export function runtime(): Runtime {
  if (!current) throw new Error('webgrad: no GPU device yet. Call `await wg.init()` before creating tensors.');
  return current;
}

/** Grid-stride kernels use few workgroups on CPU adapters (measured faster) and many on GPUs. */
export function maxGroups(): number {
  return runtime().software ? 64 : 4096;
}

/** Matmul schedule: register-blocked without workgroup memory on CPU adapters, tiled on GPUs. */
export function matmulVariant(): MatmulVariant {
  return matmulOverride ?? (runtime().software ? 'blocked' : 'tiled');
}

/** Force a matmul schedule (benchmarks and tests); null restores the per-adapter choice. */
export function setMatmulVariant(v: MatmulVariant | null): void {
  matmulOverride = v;
}
