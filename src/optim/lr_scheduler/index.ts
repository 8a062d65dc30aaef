/**
 * Learning-rate schedules with torch.optim.lr_scheduler's semantics (torch 1.13, plus torch 2.x's
 * beta1 cycling in CyclicLR), options in camelCase. Exposed as `wg.optim.lrScheduler`.
 *
 *   const s = new CosineAnnealingLR(opt, { TMax: 100 });
 *   for (...) { opt.step(); s.step(); }      // s.getLastLr(): one lr per param group
 *
 * Pure TypeScript: a scheduler only writes `lr` (and momentum / betas for the cyclic ones) into the
 * optimizer's param groups; the fused optimizer kernel reads them from a uniform at its next step.
 *
 * @module
 */
export {
  LRScheduler,
  type SchedulableOptimizer,
  type ParamGroup,
  type SchedulerStateDict,
  type JsonValue,
} from './scheduler.js';
export {
  StepLR,
  MultiStepLR,
  ExponentialLR,
  PolynomialLR,
  type StepLROptions,
  type MultiStepLROptions,
  type ExponentialLROptions,
  type PolynomialLROptions,
} from './step.js';
export { LinearLR, ConstantLR, type LinearLROptions, type ConstantLROptions } from './warmup.js';
export { LambdaLR, MultiplicativeLR, type LrLambda, type LambdaLROptions, type MultiplicativeLROptions } from './lambda.js';
export {
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  type CosineAnnealingLROptions,
  type CosineAnnealingWarmRestartsOptions,
} from './cosine.js';
export { CyclicLR, OneCycleLR, type CyclicMode, type CyclicLROptions, type OneCycleLROptions, type Phase } from './cyclic.js';
export { SequentialLR, ChainedScheduler, type SequentialLROptions } from './composite.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
export { previewSchedule, type PreviewOptions } from './preview.js';
