// @node-only: reads and writes a file with node:fs (the browser half is the offset-view test in checkpoint.test.ts).
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as wg from '../../src/index.js';

describe('checkpoints on disk', () => {
  beforeAll(async () => {
    await wg.init();
  });

  it('wg.load(fs.readFileSync(file)) reads the Buffer, a view into a larger pool', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'webgrad-')), 'ck.safetensors');
    const w = wg.randn([5, 3], { seed: 3 });
    fs.writeFileSync(file, await wg.save({ w, step: 4 }));
    const buf = fs.readFileSync(file);
    const back = (await wg.load(buf)) as { w: wg.Tensor; step: number };
    expect(back.step).toBe(4);
    expect(back.w.shape).toEqual([5, 3]);
    expect(Array.from(await back.w.toArray())).toEqual(Array.from(await w.toArray()));
    // Small Buffers share Node's pool: check the case the bug needed, a view at a non-zero offset.
    const pooled = Buffer.from(buf);
    const shifted = Buffer.concat([Buffer.alloc(5, 7), pooled]).subarray(5);
    expect(shifted.byteOffset).toBeGreaterThan(0);
    const again = (await wg.load(shifted)) as { w: wg.Tensor };
    expect(Array.from(await again.w.toArray())).toEqual(Array.from(await w.toArray()));
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});
