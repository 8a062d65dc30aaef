// The copy, scan, gather and trig generators (src/shaders/copy.ts, trig.ts): every variant compiles with
// the device's WGSL compiler, at every rank the ops use (0-d through 8-d).
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { compileErrors } from '../helpers/gpu.js';
import { stridedCopyWgsl, cumsumWgsl, gatherWgsl, gatherBackwardWgsl, scatterAddWgsl } from '../../src/shaders/copy.js';
import { trigWgsl } from '../../src/shaders/trig.js';

beforeAll(async () => {
  await wg.init();
});


describe('copy-family WGSL', () => {
  const variants: [string, string][] = [];
  for (let rank = 0; rank <= 8; rank++) {
    variants.push([`strided copy rank ${rank}`, stridedCopyWgsl(rank)], [`gather rank ${rank}`, gatherWgsl(rank)], [`gather backward rank ${rank}`, gatherBackwardWgsl(rank)], [`scatter-add rank ${rank}`, scatterAddWgsl(rank)]);
  }
  for (const t of ['f32', 'i32'] as const) {
    for (const reverse of [false, true]) {
      for (const sched of ['line', 'row'] as const) variants.push([`cumsum ${t} ${sched}${reverse ? ' reverse' : ''}`, cumsumWgsl(t, reverse, sched)]);
    }
    variants.push([`trig ${t}`, trigWgsl(t)]);
  }
  it('every variant compiles', async () => {
    for (const [name, code] of variants) expect(await compileErrors(code), name).toEqual([]);
  });
  it('the strided copy unrolls one index step per dim and reads only its uniforms', () => {
    const text = stridedCopyWgsl(3);
    expect(text.match(/rem % /g)?.length).toBe(3);
    expect(text).toContain('out[oi] = x[xi];');
  });
});
