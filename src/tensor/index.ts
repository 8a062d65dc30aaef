export { Tensor, isGradEnabled, setGradEnabled, collect, setBackwardHook, liveMemory } from './tensor.js';
export type { DType, TensorLike, TapeNode, Storage } from './tensor.js';
export * from './create.js';
export * from './create_more.js';
export * from './shape.js';
export * from './ops/index.js';
export { setRuntime, runtime, hasRuntime, setMatmulVariant, matmulVariant } from './context.js';
export { save, load } from './checkpoint.js';
