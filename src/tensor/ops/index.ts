export * from './elementwise.js';
export * from './shape_ops.js';
export * from './matmul.js';
export * from './reduce.js';
export * from './softmax.js';
export * from './cross_entropy.js';
export { record } from './record.js';
export { defineOp, launch, workgroups, type OpContext, type OpDecl, type Launch, type Work } from './op.js';
