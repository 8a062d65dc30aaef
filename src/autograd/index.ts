export { backward } from './backward.js';
export { noGrad, enableGrad, isGradEnabled } from './grad_mode.js';
export { detectAnomaly, isAnomalyEnabled } from './anomaly.js';
