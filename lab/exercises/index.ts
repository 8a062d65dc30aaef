/**
 * The lab's exercises (../shared LAB.md, 1-13), in order. Each module exports `meta`, `defaults`, an
 * optional `quick` (smaller settings for the MNIST-heavy exercises) and `run(wg, opts?, progress?)`.
 */
import * as race from './race.js';
import * as quartic from './quartic.js';
import * as bowl from './bowl.js';
import * as schedules from './schedules.js';
import * as batchSize from './batch_size.js';
import * as showdown from './showdown.js';
import * as adamw from './adamw.js';
import * as trajectories from './trajectories.js';
import * as landscape from './landscape.js';
import * as lrRange from './lr_range.js';
import * as worked from './worked.js';
import * as clipping from './clipping.js';
import * as newer from './newer.js';
import type { Meta, Progress, Wg } from './common.js';

export interface Exercise {
  meta: Meta;
  defaults: object;
  quick?: object;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(wg: Wg, opts?: any, progress?: Progress): Promise<any>;
}

export const exercises: Exercise[] = [race, quartic, bowl, schedules, batchSize, showdown, adamw, trajectories, landscape, lrRange, worked, clipping, newer];
export type { Claim, Meta, Progress, Wg } from './common.js';
