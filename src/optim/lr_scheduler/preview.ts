/**
 * See a schedule without an optimizer (for plots, e.g. the lab's schedule exercise):
 *
 *   previewSchedule((opt) => new CosineAnnealingLR(opt, { TMax: 500 }), { steps: 500, lr: 0.5 })
 *     // -> [[0.5], [0.49999...], ...]: the lr of each group for each of the 500 optimizer steps
 */
import { checkInteger, fail, type LRScheduler, type SchedulableOptimizer } from './scheduler.js';

/** Options of previewSchedule: how many steps, and the learning rates of the groups. */
export interface PreviewOptions {
  /** How many optimizer steps to show (the length of the result). */
  steps: number;
  /** Initial lr, one number for all groups or one per group. Default 1. */
  lr?: number | number[];
  /** Number of param groups. Default 1 (or lr.length when lr is an array). */
  groups?: number;
  /** Extra options for every group of the throwaway optimizer. Default { momentum: 0.9 }. */
  group?: Record<string, unknown>;
}

/**
 * Build a scheduler on a throwaway optimizer-like object and return the lr sequence: entry t holds
 * each group's lr for optimizer step t (entry 0: the lr right after construction, before any
 * `scheduler.step()`). Groups carry `momentum: 0.9` so momentum-cycling schedules work.
 */
export function previewSchedule(makeScheduler: (optimizer: SchedulableOptimizer) => LRScheduler, options: PreviewOptions): number[][] {
  const o = options ?? ({} as PreviewOptions);
  const { steps, lr = 1, group = { momentum: 0.9 } } = o;
  checkInteger('previewSchedule', 'steps', steps, 0, 'pass how many optimizer steps to show, e.g. { steps: 500 }');
  const groups = o.groups ?? (Array.isArray(lr) ? lr.length : 1);
  checkInteger('previewSchedule', 'groups', groups, 1, 'pass the number of param groups, e.g. { groups: 1 }');
  const lrs = Array.isArray(lr) ? lr : new Array<number>(groups).fill(lr);
  if (lrs.length !== groups) fail('previewSchedule', 'lr', `has ${lrs.length} values for ${groups} groups`, 'pass one lr, or one per group');
  const optimizer: SchedulableOptimizer = { paramGroups: lrs.map((v) => ({ ...copyOptions(group), lr: v })) };
  const scheduler = makeScheduler(optimizer);
  if (scheduler.optimizer !== optimizer) {
    fail('previewSchedule', 'makeScheduler', 'returned a scheduler on another optimizer', 'build the scheduler on the optimizer it is given: (opt) => new StepLR(opt, { stepSize: 100 })');
  }
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    if (t > 0) scheduler.step();
    out.push(optimizer.paramGroups.map((g) => g.lr));
  }
  return out;
}

function copyOptions(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]));
}
