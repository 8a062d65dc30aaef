export * from './elementwise.js';
export * from './shape_ops.js';
export * from './matmul.js';
export * from './reduce.js';
export * from './softmax.js';
export { record } from './record.js';
