// A short soak (300 steps; `npm run soak` runs 10,000): memory and caches stay bounded over a long
// AdamW + cosine + clipping run, and resuming from any checkpoint is bit-identical.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { soak } from './soak_core.mjs';

type Sample = { step: number; loss: number; tensors: number; bytes: number; pooledBytes: number; pipelines: number; uniforms: number };

describe('soak', () => {
  beforeAll(async () => {
    await wg.init();
  });

  it('300 steps: memory flat, caches bounded, every checkpoint resumes bit for bit', async () => {
    const before = wg.memory();
    const { samples, resumes } = (await soak(wg, { steps: 300, every: 100, sampleEvery: 10 })) as {
      samples: Sample[];
      resumes: { from: number; to: number; identical: boolean }[];
    };
    expect(samples.length).toBe(30);
    // After the first checkpoint (optimizer state created, the pool warmed by a checkpoint's snapshots)
    // nothing grows. Tensors other test files left to the garbage collector may be finalized during the
    // run (FinalizationRegistry): that lowers tensors/bytes and moves their storage into the pool, so
    // tensors and bytes may only fall, and pooledBytes may rise by at most what was live before the run.
    const settled = samples.filter((s) => s.step > 100);
    const first = settled[0];
    for (const s of settled) {
      const at = `step ${s.step}: ${JSON.stringify(s)} vs ${JSON.stringify(first)}`;
      expect(s.tensors, at).toBeLessThanOrEqual(first.tensors);
      expect(s.bytes, at).toBeLessThanOrEqual(first.bytes);
      expect(s.pipelines, at).toBe(first.pipelines);
      expect(s.pooledBytes, at).toBeLessThanOrEqual(first.pooledBytes + 1.25 * before.bytes + 256 * before.tensors);
    }
    expect(first.tensors - before.tensors).toBeLessThanOrEqual(17); // 4 parameters, 4 gradients, 8 Adam moments, 1 more
    // The uniform cache grows with new lr values (cosine) but is capped.
    expect(Math.max(...samples.map((s) => s.uniforms))).toBeLessThanOrEqual(4096);
    expect(samples.every((s) => Number.isFinite(s.loss))).toBe(true);
    const mean = (a: Sample[]) => a.reduce((t, s) => t + s.loss, 0) / a.length;
    expect(mean(samples.slice(-5))).toBeLessThan(0.8 * mean(samples.slice(0, 5))); // it learns
    expect(resumes.map((r) => `${r.from}->${r.to}:${r.identical}`)).toEqual(['0->100:true', '100->200:true', '200->300:true']);
    // Everything the run made is freed again (or less: see above).
    expect(wg.memory().tensors).toBeLessThanOrEqual(before.tensors);
    expect(wg.memory().bytes).toBeLessThanOrEqual(before.bytes);
  });
});
