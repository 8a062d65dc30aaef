/**
 * The learning-rate range test (Leslie N. Smith, "Cyclical Learning Rates for Training Neural
 * Networks", 2017, https://arxiv.org/abs/1506.01186; the smoothed, early-stopped form popularised by
 * fastai). Train for numIter steps while the lr grows exponentially from startLr to endLr:
 *   lr_i = startLr · (endLr / startLr)^(i / (numIter − 1))
 * track the bias-corrected exponential moving average of the loss
 *   avg_i = β·avg_{i−1} + (1 − β)·loss_i,   smoothed_i = avg_i / (1 − β^(i+1))      (β = smoothing)
 * stop once smoothed_i > divergeThreshold · min_j smoothed_j, and suggest the lr where the smoothed
 * loss falls fastest against log(lr) (the steepest negative slope). Afterwards the model's weights and
 * the optimizer's state and lrs are restored, so the test leaves no trace.
 *
 * Reads back one number per iteration (the loss), which the divergence test needs.
 */
import { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { SGD } from './sgd.js';
import { copyTensor, type Optimizer } from './optimizer.js';

/** Options of {@link lrFinder}. */
export interface LrFinderOptions {
  startLr?: number;
  endLr?: number;
  numIter?: number;
  /** β of the loss's moving average (0 = no smoothing). */
  smoothing?: number;
  /** Stop when the smoothed loss exceeds this multiple of the best one. */
  divergeThreshold?: number;
  /** The optimizer to sweep (its state is restored afterwards); default SGD with momentum 0.9. */
  optimizer?: Optimizer<{ lr: number }>;
}

/** The learning rates tried, the smoothed losses, and the suggested lr (steepest descent), or null. */
export interface LrFinderResult {
  lrs: number[];
  /** Smoothed losses, one per lr. */
  losses: number[];
  rawLosses: number[];
  /** The lr at the steepest descent of the smoothed loss (null when too few points were recorded). */
  suggestion: number | null;
}

/** Computes the loss of `model` on one batch. */
export type LossFn<B> = (model: Module, batch: B) => Tensor;

function fail(msg: string): never {
  throw new Error(`webgrad.optim.lrFinder: ${msg}`);
}

/** Index of the steepest negative slope of losses against log(lr), ignoring the noisy ends. */
export function steepestDescent(lrs: number[], losses: number[]): number | null {
  if (losses.length < 5) return null;
  const skipStart = Math.min(Math.floor(losses.length / 10), 10);
  let best = -1;
  let bestSlope = Infinity;
  for (let i = Math.max(skipStart, 1); i < losses.length - 1; i++) {
    const slope = (losses[i + 1] - losses[i - 1]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i - 1]));
    if (slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  return best < 0 ? null : best;
}

/** Leslie Smith's learning-rate range test: raise lr exponentially from startLr to endLr over numIter steps, record the smoothed loss, stop on divergence, restore model and optimizer afterwards. */
export async function lrFinder<B>(model: Module, lossFn: LossFn<B>, batches: Iterable<B>, o: LrFinderOptions = {}): Promise<LrFinderResult> {
  const { startLr = 1e-7, endLr = 10, numIter = 100, smoothing = 0.98, divergeThreshold = 4 } = o;
  if (!(startLr > 0) || !(endLr > startLr)) fail(`need 0 < startLr < endLr (got startLr ${startLr}, endLr ${endLr})`);
  if (!Number.isInteger(numIter) || numIter < 2) fail(`numIter must be an integer >= 2 (got ${numIter})`);
  if (!(smoothing >= 0 && smoothing < 1)) fail(`smoothing must be in [0, 1) (got ${smoothing})`);
  if (!(divergeThreshold > 1)) fail(`divergeThreshold must be > 1 (got ${divergeThreshold})`);
  const params = model.parameters();
  const opt = o.optimizer ?? new SGD(params, { lr: startLr, momentum: 0.9 });
  // snapshots to restore afterwards (GPU copies: no readback)
  const weights = model.stateDict();
  const saved = new Map<string, Tensor>(Object.entries(weights).map(([k, t]) => [k, copyTensor(t, 'lrFinder')]));
  const optState = o.optimizer ? opt.stateDict() : null;
  const lrsBefore = opt.paramGroups.map((g) => g.lr);

  const lrs: number[] = [];
  const losses: number[] = [];
  const rawLosses: number[] = [];
  let avg = 0;
  let best = Infinity;
  try {
    let i = 0;
    outer: while (i < numIter) {
      let any = false;
      for (const batch of batches) {
        any = true;
        const lr = startLr * (endLr / startLr) ** (i / (numIter - 1));
        for (const g of opt.paramGroups) g.lr = lr;
        opt.zeroGrad();
        const loss = lossFn(model, batch);
        loss.backward();
        opt.step();
        const value = await loss.item();
        loss.dispose();
        avg = smoothing * avg + (1 - smoothing) * value;
        const smoothed = avg / (1 - smoothing ** (i + 1));
        lrs.push(lr);
        rawLosses.push(value);
        losses.push(smoothed);
        if (!Number.isFinite(smoothed) || smoothed > divergeThreshold * best) break outer;
        best = Math.min(best, smoothed);
        if (++i >= numIter) break outer;
      }
      if (!any) fail('batches is empty');
    }
  } finally {
    opt.zeroGrad();
    model.loadStateDict(Object.fromEntries(saved));
    for (const t of saved.values()) t.dispose();
    if (optState) opt.loadStateDict(optState);
    else (opt as { dispose?: () => void }).dispose?.();
    opt.paramGroups.forEach((g, k) => (g.lr = lrsBefore[k]));
  }
  // the last point may be the divergent one: keep it in the curve, not in the choice
  const usable = losses.length > 1 && losses[losses.length - 1] > divergeThreshold * best ? losses.length - 1 : losses.length;
  const k = steepestDescent(lrs.slice(0, usable), losses.slice(0, usable));
  return { lrs, losses, rawLosses, suggestion: k === null ? null : lrs[k] };
}
