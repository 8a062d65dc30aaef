#!/usr/bin/env node
// The optimizer lab's report: runs LAB.md's exercises 1-13 with webgrad (dist/, the library as users
// get it) on whatever WebGPU adapter exists, then draws every chart with Observable Plot in headless
// Chromium and writes
//   out/report.html   self-contained (inline SVG charts and styles), opens offline
//   out/report.json   { exercises: [{ id, title, figures: [...png], seconds, settings, ...results }] }
//   out/<chart>.png and out/<chart>.svg
//
//   node scripts/report.mjs [--full] [--only 1,2,11] [--out out] [--no-progress] [--replot]
//
// The default is the quick run (the MNIST-heavy exercises 6-10, 12, 13 and exercise 5 on fewer
// digits/epochs/steps, as each exercise's `quick` settings say; the report lists the settings used);
// --full runs every exercise at the material's settings. The exercises are TypeScript (lab/exercises);
// esbuild bundles them into out/.build first.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { findChrome } from './chrome.mjs';
import { createMultiProgress } from './progress.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const full = flag('--full');
const only = value('--only')?.split(',').map((id) => (/^\d+$/.test(id) ? Number(id) : id));
if (only && only.some((n) => n !== 'custom-op' && (!Number.isInteger(n) || n < 1 || n > 13))) {
  console.error(`report: --only takes exercise numbers 1-13 (or custom-op) separated by commas (got '${value('--only')}')`);
  process.exit(2);
}
const outDir = path.resolve(root, value('--out') ?? 'out');
const buildDir = path.join(outDir, '.build');
fs.mkdirSync(buildDir, { recursive: true });

// ---- bundle the exercises (Node) and the charts (browser) ----
// An exercise that imports library code (custom-op uses src/testing) must share the modules of the wg
// it is given (dist/index.js): src/X.js resolves to dist/X.js, left external, so there is one Tensor
// class and one GPU device.
const srcDir = path.join(root, 'src') + path.sep;
const toDist = {
  name: 'src-to-dist',
  setup(b) {
    b.onResolve({ filter: /\/src\// }, (a) => {
      const p = path.resolve(a.resolveDir, a.path);
      if (!p.startsWith(srcDir)) return undefined;
      return { path: pathToFileURL(path.join(root, 'dist', p.slice(srcDir.length))).href, external: true };
    });
  },
};
await build({ entryPoints: [path.join(root, 'lab/exercises/index.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: path.join(buildDir, 'exercises.mjs'), logLevel: 'error', plugins: [toDist] });
await build({ entryPoints: [path.join(root, 'lab/exercises/charts.ts')], bundle: true, format: 'iife', globalName: 'LabCharts', platform: 'browser', outfile: path.join(buildDir, 'charts.js'), logLevel: 'error' });

const wg = await import(pathToFileURL(path.join(root, 'dist/index.js')).href);
const info = await wg.init();
const { exercises } = await import(pathToFileURL(path.join(buildDir, 'exercises.mjs')).href);
const selected = exercises.filter((e) => !only || only.includes(e.meta.id));
console.log(`webgrad lab report on ${info.adapter}${info.software ? ' (software adapter)' : ''}: ${full ? 'full (the material\'s settings)' : 'quick'} run of exercise${selected.length > 1 ? 's' : ''} ${selected.map((e) => e.meta.id).join(', ')}`);

// ---- run ----
const progress = createMultiProgress({ enabled: !flag('--no-progress') });
const results = [];
const t0 = performance.now();
// --replot: draw the charts and pages again from an existing out/report.json, without running anything
const previous = flag('--replot') ? JSON.parse(fs.readFileSync(path.join(outDir, 'report.json'), 'utf8')).exercises.filter((e) => !only || only.includes(e.id)) : null;
if (previous) results.push(...previous.map((e) => ({ ...e, figures: [] })));
for (const ex of previous ? [] : selected) {
  const opts = full ? {} : (ex.quick ?? {});
  const c0 = process.cpuUsage();
  const s0 = performance.now();
  let result;
  try {
    result = await ex.run(wg, opts, progress.forExercise(`${String(ex.meta.id).padStart(2)}. ${ex.meta.title.slice(0, 28).padEnd(28)}`));
  } catch (e) {
    // one failing exercise must not lose the others: the report shows the error in its place
    result = { settings: opts, error: String(e?.stack ?? e) };
    process.exitCode = 1;
  }
  const cpu = process.cpuUsage(c0);
  const seconds = (performance.now() - s0) / 1000;
  results.push({ id: ex.meta.id, title: ex.meta.title, mode: full || !ex.quick ? 'material settings' : 'quick settings', seconds: Number(seconds.toFixed(1)), cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)), figures: [], ...result });
  progress.log(`exercise ${ex.meta.id} (${ex.meta.title}) ${result.error ? 'FAILED' : 'done'} in ${seconds.toFixed(1)} s (${results[results.length - 1].cpuSeconds} s CPU)`);
  fs.writeFileSync(path.join(outDir, 'report.partial.json'), JSON.stringify({ adapter: info.adapter, mode: full ? 'full' : 'quick', exercises: results.map(({ id, title, seconds, cpuSeconds, error }) => ({ id, title, seconds, cpuSeconds, error })) }));
}
progress.stop();
const runSeconds = (performance.now() - t0) / 1000;

// ---- charts: Observable Plot in headless Chromium -> PNG, SVG, and the figure HTML for the report ----
const chrome = findChrome();
const figureHtml = new Map();
if (!chrome) console.warn('report: no Chrome/Chromium found (apt-get install -y chromium, or set CHROME_PATH); writing the report without charts');
else {
  const browser = await puppeteer.launch({ executablePath: chrome, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 800, deviceScaleFactor: 1 });
    await page.setContent('<!doctype html><meta charset="utf-8"><style>body{font:13px system-ui,sans-serif;background:#fff;margin:8px} figure{margin:0;padding:8px;display:inline-block;background:#fff}</style><body></body>');
    await page.addScriptTag({ content: fs.readFileSync(path.join(buildDir, 'charts.js'), 'utf8') });
    for (const r of results.filter((q) => !q.error)) {
      const names = await page.evaluate((id, result) => {
        document.body.innerHTML = '';
        return window.LabCharts.figures(id, result).map((f) => {
          const wrap = document.createElement('div');
          wrap.className = 'fig';
          wrap.dataset.name = f.name;
          try {
            const el = f.render();
            wrap.appendChild(el);
          } catch (e) {
            wrap.textContent = `chart ${f.name} failed: ${e}`;
          }
          document.body.appendChild(wrap);
          return f.name;
        });
      }, r.id, r);
      for (const name of names) {
        const el = await page.$(`div.fig[data-name="${name}"]`);
        const file = `ex${String(r.id).padStart(2, '0')}_${name}`;
        await el.screenshot({ path: path.join(outDir, `${file}.png`) });
        const { html, svg } = await el.evaluate((d) => {
          const s = d.querySelector('svg.plot, svg');
          if (s) s.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
          return { html: d.innerHTML, svg: s ? s.outerHTML : null };
        });
        if (svg) fs.writeFileSync(path.join(outDir, `${file}.svg`), svg);
        r.figures.push(`${file}.png`);
        figureHtml.set(file, html);
      }
    }
  } finally {
    await browser.close();
  }
}

// ---- report.json ----
const totalSeconds = (performance.now() - t0) / 1000;
const report = {
  generated: new Date().toISOString(),
  adapter: info.adapter,
  software: info.software,
  mode: full ? 'full' : 'quick',
  seconds: { exercises: Number(runSeconds.toFixed(1)), total: Number(totalSeconds.toFixed(1)) },
  exercises: results,
};
fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify(report));

// ---- report.html ----
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const num = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)))) : v === null ? '—' : esc(v));
const cell = (v) => (Array.isArray(v) ? `(${v.map(num).join(', ')})` : num(v));
const scalarish = (v) => v === null || ['number', 'string', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.length <= 3 && v.every((x) => typeof x === 'number' || x === null));
function table(rows, caption) {
  if (!Array.isArray(rows) || !rows.length || typeof rows[0] !== 'object') return '';
  const keys = Object.keys(rows[0]).filter((k) => rows.every((r) => scalarish(r[k])));
  if (!keys.length) return '';
  return `<table><caption>${esc(caption)}</caption><tr>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${keys.map((k) => `<td>${cell(r[k])}</td>`).join('')}</tr>`).join('')}</table>`;
}
const verdictClass = (v) => ({ holds: 'ok', 'does not hold': 'bad', 'holds in part': 'part' })[v] ?? '';
const claimHtml = (c, id) => `<div class="claim"><p><span class="verdict ${verdictClass(c.verdict)}">${esc(c.verdict)}</span> <b>${esc(c.claim)}</b> <a href="#ex${id}">(exercise ${id})</a></p>
<p><i>Setting run:</i> ${esc(c.setting)}</p><p><i>Measured:</i> ${esc(c.evidence)}</p>${c.lesson ? `<p><i>Where the lesson holds:</i> ${esc(c.lesson)}</p>` : ''}</div>`;
const TABLES = { 1: ['runs'], 2: ['stationary', 'runs', 'lessonRuns'], 3: ['gd'], 4: ['runs', 'added'], 5: ['runs', 'variance'], 6: ['runs', 'schedules'], 7: ['runs', 'uniformity'], 8: ['finals'], 9: ['solutions'], 10: ['trainings'], 12: ['runs'], 13: ['rosenbrock', 'mnist'] };
function exerciseHtml(r) {
  const claims = (r.claims ?? []).map((c) => claimHtml(c, r.id)).join('');
  const tables = (TABLES[r.id] ?? []).map((k) => table(r[k], k)).join('');
  const extra = r.id === 11 ? `<table><caption>worked numbers: webgrad vs by hand</caption><tr><th></th><th>webgrad</th><th>by hand</th></tr>${Object.keys(r.values).map((k) => `<tr><td>${k}</td><td>${cell(r.values[k])}</td><td>${cell(r.hand[k])}</td></tr>`).join('')}</table>`
    : r.id === 13 ? table(r.newtonSchulz.rows.map(({ singularValues, ...q }) => q), 'Newton-Schulz: singular values of the output') : r.id === 10 ? `<p>Suggested lr: <b>${num(r.suggestion)}</b>${r.stoppedEarlyAt ? `; the sweep stopped at lr ${num(r.stoppedEarlyAt)} (loss above ${r.settings.divergeThreshold}x the best)` : ''}.</p>` : r.id === 8 ? `<p>${r.dimensions} weights per snapshot; PC1 and PC2 explain ${(100 * r.explained[0]).toFixed(1)}% and ${(100 * r.explained[1]).toFixed(1)}% of the variance of the trajectories.</p>` : '';
  const figs = r.figures.map((f) => `<div class="figure">${figureHtml.get(f.replace(/\.png$/, '')) ?? `<img src="${esc(f)}">`}</div>`).join('');
  if (r.error) return `<section id="ex${r.id}"><h2>${r.id}. ${esc(r.title)}</h2><p><b>This exercise failed:</b></p><pre>${esc(r.error)}</pre></section>`;
  return `<section id="ex${r.id}"><h2>${r.id}. ${esc(r.title)}</h2><p class="meta">${esc(r.mode)}; ${r.seconds} s wall, ${r.cpuSeconds} s CPU (this process). Settings: <code>${esc(JSON.stringify(r.settings))}</code></p>${claims}${extra}${tables}${figs}</section>`;
}
const allClaims = results.flatMap((r) => (r.claims ?? []).map((c) => claimHtml(c, r.id))).join('');
const html = `<!doctype html><html lang="en"><meta charset="utf-8"><title>webgrad optimizer lab report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}
h1{margin-bottom:4px} h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:40px}
table{border-collapse:collapse;margin:12px 0;font-size:12px} caption{text-align:left;font-weight:600;padding:4px 0}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:right} th{background:#f4f4f4}
.claim{border-left:4px solid #bbb;padding:2px 12px;margin:12px 0;background:#fafafa} .claim p{margin:6px 0}
.verdict{font-weight:700;padding:1px 6px;border-radius:3px;color:#fff;background:#777} .ok{background:#2a7} .bad{background:#c33} .part{background:#d80}
.meta{color:#666;font-size:12px} code{font-size:11px;word-break:break-all} .figure{margin:12px 0}
</style>
<h1>webgrad optimizer lab</h1>
<p class="meta">Generated ${esc(report.generated)} on ${esc(info.adapter)}${info.software ? ' (software adapter)' : ''}; ${full ? 'full run at the material\'s settings' : 'quick run (exercises marked "quick settings" use fewer digits, epochs or steps; their settings are listed)'}; exercises ${runSeconds.toFixed(0)} s, with charts ${totalSeconds.toFixed(0)} s.
Every number below was computed by webgrad's own optimizers and schedulers on the GPU adapter; the charts are drawn from out/report.json.</p>
<h2>Claims to test, not to repeat</h2>
<p>The course material states outcomes that the lab measures. Each claim: the stated setting run for real, a verdict from the numbers and, where it fails, a setting where the intended lesson does hold.</p>
${allClaims}
${results.map(exerciseHtml).join('\n')}
</html>`;
fs.writeFileSync(path.join(outDir, 'report.html'), html);
console.log(`report: ${path.relative(process.cwd(), path.join(outDir, 'report.html'))}, report.json and ${results.reduce((s, r) => s + r.figures.length, 0)} charts (PNG + SVG) in ${path.relative(process.cwd(), outDir) || '.'}/; exercises ${runSeconds.toFixed(0)} s, total ${totalSeconds.toFixed(0)} s`);
