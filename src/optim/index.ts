/**
 * webgrad.optim: torch.optim's optimizers as fused GPU kernels (see fused.ts and src/shaders/optim.ts).
 *
 * @module
 */
export { Optimizer, type Closure, type ParamGroup, type ParamGroupInput, type ParamState, type OptimizerStateDict, type Params, type StateValue } from './optimizer.js';
export { FusedOptimizer, preferForeach, type FusedConfig } from './fused.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { NAdam, type NAdamOptions } from './nadam.js';
export { RAdam, type RAdamOptions } from './radam.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Lion, type LionOptions } from './lion.js';
export { Muon, newtonSchulz5, type MuonOptions } from './muon.js';
export { LBFGS, type LBFGSOptions } from './lbfgs.js';
export { SAM, type SAMOptions, type BaseClass } from './sam.js';
export * as lrScheduler from './lr_scheduler/index.js';
export { lrFinder, steepestDescent, type LrFinderOptions, type LrFinderResult, type LossFn } from './lr_finder.js';
export { toTorchStateDict, fromTorchStateDict, type TorchOptimizerStateDict } from './torch_state.js';
