/**
 * BatchNorm1d and BatchNorm2d (torch.nn.BatchNorm1d/2d): batchNorm (src/tensor/ops/norm.ts) with
 * parameters weight (γ, ones) and bias (β, zeros), and buffers runningMean (zeros), runningVar (ones)
 * and numBatchesTracked (int32 0-d; torch's is int64). train(): the batch's statistics, running buffers
 * updated in place on the GPU; eval(): the running statistics. momentum null: a cumulative average.
 */
import { Tensor, zeros, ones, batchNorm, fmt } from '../tensor/index.js';
import { Module, Parameter } from './module.js';

/** Options of the BatchNorm modules (torch's keyword arguments in camelCase). */
export interface BatchNormModuleOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Weight of the new batch in the running statistics; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn weight and bias. Default true. */
  affine?: boolean;
  /** Keep running statistics (default true); without them eval() normalises with the batch's too. */
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null = null;
  readonly runningVar: Tensor | null = null;
  readonly numBatchesTracked: Tensor | null = null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(readonly numFeatures: number, { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true }: BatchNormModuleOptions = {}) {
    super();
    const who = `webgrad.nn.${this.constructor.name}`;
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new Error(`${who}: numFeatures must be a positive integer (got ${numFeatures})`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new Error(`${who}: momentum must be in [0, 1] or null (got ${momentum})`);
    if (!(eps >= 0)) throw new Error(`${who}: eps must be a non-negative number (got ${eps})`);
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? Parameter(ones([numFeatures])) : null;
    this.bias = affine ? Parameter(zeros([numFeatures])) : null;
    if (trackRunningStats) {
      this.registerBuffer('runningMean', zeros([numFeatures]));
      this.registerBuffer('runningVar', ones([numFeatures]));
      this.registerBuffer('numBatchesTracked', zeros([], { dtype: 'int32' }));
    }
  }

  /** The input ranks this module accepts, e.g. [2, 3]. */
  protected abstract readonly ranks: number[];

  forward(x: Tensor): Tensor {
    const who = `webgrad.nn.${this.constructor.name}(${this.numFeatures})`;
    if (!(x instanceof Tensor)) throw new Error(`${who}: forward expects a Tensor (got ${typeof x})`);
    if (!this.ranks.includes(x.ndim)) {
      throw new Error(`${who}: expected a ${this.ranks.map((r) => `${r}-D`).join(' or ')} input (got shape ${fmt(x.shape)})`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(`${who}: expected ${this.numFeatures} channels in dim 1 (got shape ${fmt(x.shape)})`);
    }
    const training = this.training || !this.runningMean;
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training, momentum: this.momentum, eps: this.eps, numBatchesTracked: training ? this.numBatchesTracked : null,
    });
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}

/** Batch normalisation of [N, C] or [N, C, L] inputs over N (and L), per channel C (torch.nn.BatchNorm1d). */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [2, 3];
}
/** Batch normalisation of [N, C, H, W] inputs over N, H and W, per channel C (torch.nn.BatchNorm2d). */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [4];
}
