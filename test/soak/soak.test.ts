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
    // nothing grows.
    const settled = samples.filter((s) => s.step > 100);
    for (const key of ['tensors', 'bytes', 'pooledBytes', 'pipelines'] as const) {
      const values = new Set(settled.map((s) => s[key]));
      expect(values.size, `${key} over steps 110..300: ${[...values].join(', ')}`).toBe(1);
    }
    // The uniform cache grows with new lr values (cosine) but is capped.
    expect(Math.max(...samples.map((s) => s.uniforms))).toBeLessThanOrEqual(4096);
    expect(samples.every((s) => Number.isFinite(s.loss))).toBe(true);
    const mean = (a: Sample[]) => a.reduce((t, s) => t + s.loss, 0) / a.length;
    expect(mean(samples.slice(-5))).toBeLessThan(0.8 * mean(samples.slice(0, 5))); // it learns
    expect(resumes.map((r) => `${r.from}->${r.to}:${r.identical}`)).toEqual(['0->100:true', '100->200:true', '200->300:true']);
    // Everything the run made is freed again.
    expect(wg.memory().tensors).toBe(before.tensors);
    expect(wg.memory().bytes).toBe(before.bytes);
  });
});
