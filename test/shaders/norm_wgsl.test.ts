// Every variant of the batch-norm kernels compiles (Tint) and reflects the bindings the op binds.
import { describe, it, expect, beforeAll } from 'vitest';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import * as wg from '../../src/index.js';
import { compileErrors } from '../helpers/gpu.js';
import {
  batchNormStatsWgsl, batchNormEvalStatsWgsl, batchNormApplyWgsl, batchNormSumsWgsl, batchNormGradWgsl,
} from '../../src/shaders/norm.js';

beforeAll(async () => {
  await wg.init();
});

const names = (code: string) => new WgslReflect(code).storage.map((s) => s.name);

describe('batch-norm WGSL', () => {
  it('every variant compiles', async () => {
    const texts = [batchNormEvalStatsWgsl(), batchNormSumsWgsl()];
    for (const running of [false, true]) for (const cumulative of running ? [false, true] : [false]) texts.push(batchNormStatsWgsl({ running, cumulative }));
    for (const weight of [false, true]) {
      for (const bias of [false, true]) for (const count of [false, true]) texts.push(batchNormApplyWgsl({ weight, bias, count }));
      for (const train of [false, true]) texts.push(batchNormGradWgsl({ weight, train }));
    }
    for (const t of texts) expect(await compileErrors(t), t).toEqual([]);
  });
  it('binds what the spec asks for', () => {
    expect(names(batchNormStatsWgsl({ running: true, cumulative: true }))).toEqual(['x', 'mean', 'invstd', 'rm', 'rv', 'nbt']);
    expect(names(batchNormStatsWgsl({ running: false, cumulative: false }))).toEqual(['x', 'mean', 'invstd']);
    expect(names(batchNormApplyWgsl({ weight: true, bias: false, count: true }))).toEqual(['x', 'mean', 'invstd', 'weight', 'y', 'nbt']);
    expect(names(batchNormGradWgsl({ weight: false, train: true }))).toEqual(['x', 'g', 'mean', 'invstd', 'db', 'dw', 'dx']);
  });
});
