export * from './kernel.js';
export * from './elementwise.js';
export * from './matmul.js';
export * from './reduce.js';
export * from './softmax.js';
export * from './cross_entropy.js';
