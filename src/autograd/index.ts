/**
 * webgrad.autograd: the tape walk (`backward`), grad mode, user-defined differentiable ops (`customOp`)
 * and anomaly detection (`detectAnomaly`).
 * @module
 */
export { backward } from './backward.js';
export { noGrad, enableGrad, isGradEnabled } from './grad_mode.js';
export { customOp } from './custom_op.js';
export type { CustomOpContext, CustomOpDefinition } from './custom_op.js';
export { detectAnomaly, isAnomalyEnabled } from './anomaly.js';
