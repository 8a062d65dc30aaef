#!/usr/bin/env node
// npm run soak: 10,000 steps of MLP training (AdamW, cosine schedule, clipGradNorm, a checkpoint every
// 1,000 steps). Prints live tensors, their bytes, pooled bytes, pipelines and the uniform-buffer cache
// every 500 steps, then resumes from each checkpoint and checks the next one is reached bit for bit.
// Exits non-zero if anything grows after the first checkpoint or a resume differs.
//   node scripts/soak.mjs [steps] [every]
import * as wg from '../dist/index.js';
import { soak } from '../test/soak/soak_core.mjs';

const steps = Number(process.argv[2] ?? 10_000);
const every = Number(process.argv[3] ?? 1_000);
const info = await wg.init();
console.log(`soak: ${steps} steps, checkpoint every ${every}, on ${info.adapter}${info.software ? ' (software)' : ''}`);
console.log('  step     loss  tensors     bytes  pooledBytes  pipelines  uniforms');
const t0 = Date.now();
const { samples, resumes } = await soak(wg, {
  steps,
  every,
  sampleEvery: Math.max(1, every / 2),
  log: (s) => {
    if ('resume' in s) console.log(`  resume ${s.resume}: ${s.identical ? 'bit-identical' : 'DIFFERENT'}`);
    else
      console.log(
        `${String(s.step).padStart(6)} ${s.loss.toFixed(4).padStart(8)} ${String(s.tensors).padStart(8)} ${String(s.bytes).padStart(9)} ` +
          `${String(s.pooledBytes).padStart(12)} ${String(s.pipelines).padStart(10)} ${String(s.uniforms).padStart(9)}`,
      );
  },
});
const settled = samples.filter((s) => s.step > every);
const problems = [];
for (const key of ['tensors', 'bytes', 'pooledBytes', 'pipelines']) {
  const values = [...new Set(settled.map((s) => s[key]))];
  if (values.length > 1) problems.push(`${key} changed after the first checkpoint: ${values.join(', ')}`);
}
const maxUniforms = Math.max(...samples.map((s) => s.uniforms));
if (maxUniforms > 4096) problems.push(`uniform cache reached ${maxUniforms} (cap 4096)`);
for (const r of resumes) if (!r.identical) problems.push(`resume ${r.from} -> ${r.to} differs`);
console.log(
  `done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${resumes.filter((r) => r.identical).length}/${resumes.length} resumes bit-identical, ` +
    `uniform cache max ${maxUniforms}, final memory ${JSON.stringify(wg.memory())}`,
);
if (problems.length) {
  console.error('soak FAILED:\n  ' + problems.join('\n  '));
  process.exit(1);
}
