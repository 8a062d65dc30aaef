export * from './elementwise.js';
export * from './shape_ops.js';
export * from './matmul.js';
export * from './reduce.js';
export * from './softmax.js';
export * from './cross_entropy.js';
export { record } from './record.js';
