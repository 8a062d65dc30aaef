// @node-only (drives headless Chromium from Node)
/**
 * The built lab page (lab/dist), served from a sub-folder of a static server on 127.0.0.1 as a user
 * would host it, in headless Chromium on WebGPU: every section renders its charts, the race's paths
 * match a float64 loop written here, the worked numbers match the hand values, no console errors, and
 * a URL carries the whole state to a fresh tab.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
// @ts-expect-error: a plain .mjs helper without types
import { CHROME_FLAGS, findChrome } from '../../scripts/chrome.mjs';

const repo = path.resolve(__dirname, '../..');
const labDist = path.join(repo, 'lab/dist');
const PREFIX = '/some/folder/';
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.map': 'application/json' };

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Build the library bundle and the page when they are older than their sources. */
function ensureBuilt(): void {
  const bundle = path.join(repo, 'dist/webgrad.browser.js');
  if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < newest(path.join(repo, 'src'))) {
    execFileSync('node', ['scripts/bundle.mjs'], { cwd: repo, stdio: 'inherit' });
  }
  const html = path.join(labDist, 'index.html');
  const sources = Math.max(newest(path.join(repo, 'lab/src')), ...['lab/index.html', 'lab/vite.config.ts'].map((f) => fs.statSync(path.join(repo, f)).mtimeMs), fs.statSync(bundle).mtimeMs);
  if (!fs.existsSync(html) || fs.statSync(html).mtimeMs < sources) {
    execFileSync(path.join(repo, 'node_modules/.bin/vite'), ['build', 'lab', '--config', 'lab/vite.config.ts', '--logLevel', 'warn'], { cwd: repo, stdio: 'inherit' });
  }
}

function serve(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(PREFIX)) {
      res.statusCode = 404;
      return res.end();
    }
    let rel = decodeURIComponent(url.pathname.slice(PREFIX.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.join(labDist, path.normalize(rel));
    if (!file.startsWith(labDist + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.statusCode = 404;
      return res.end();
    }
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- float64 references (written from the papers' formulas, not from the page) ----
function rosenbrockGrad([x, y]: number[]): number[] {
  return [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];
}
function sgd64(p0: number[], lr: number, momentum: number, steps: number): number[][] {
  let p = [...p0];
  let b = [0, 0];
  const path = [p];
  for (let t = 1; t <= steps; t++) {
    const g = rosenbrockGrad(p);
    b = t === 1 || momentum === 0 ? g : b.map((bi, i) => momentum * bi + g[i]);
    p = p.map((pi, i) => pi - lr * (momentum === 0 ? g[i] : b[i]));
    path.push(p);
  }
  return path;
}
function adam64(p0: number[], lr: number, b1: number, b2: number, eps: number, steps: number): number[][] {
  let p = [...p0];
  const m = [0, 0];
  const v = [0, 0];
  const path = [p];
  for (let t = 1; t <= steps; t++) {
    const g = rosenbrockGrad(p);
    p = p.map((pi, i) => {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      return pi - (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
    });
    path.push(p);
  }
  return path;
}

interface LabState {
  mounted?: boolean;
  race?: { done: boolean; runs: { key: string; path: number[][] }[] };
  worked?: { ex: string; rows: { t: number; hand: number; gpu: number }[] };
  kernel?: { variant: string; source: string };
  momentum?: { path: number[][] };
  adam?: { p: number[][] };
}

const STEPS = 30;
const START = `race.steps=${STEPS}&race.opt=sgd,momentum,adam&race.lr.sgd=0.0005&race.lr.adam=0.02&adam.steps=20&mom.steps=20`;

describe('the lab page in headless Chromium', () => {
  let browser: Browser;
  let server: http.Server;
  let userDataDir: string;
  let base: string;
  const errors: string[] = [];

  async function open(hash: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${(e as Error).message}`));
    await page.goto(`${base}#${hash}`);
    await page.waitForFunction(() => (window as unknown as { __lab?: LabState }).__lab?.race?.done === true && (window as unknown as { __lab: LabState }).__lab.mounted === true, { timeout: 120_000, polling: 200 });
    return page;
  }
  const labState = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __lab: LabState }).__lab)) as LabState);

  beforeAll(async () => {
    ensureBuilt();
    server = await serve();
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}${PREFIX}`;
    const chrome = findChrome();
    if (!chrome) throw new Error('No Chrome/Chromium found: install it (apt-get install -y chromium) or set CHROME_PATH');
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgrad-lab-'));
    browser = await puppeteer.launch({ executablePath: chrome, headless: true, userDataDir, args: [...CHROME_FLAGS] });
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    server?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('renders every section, races on the GPU as the float64 loop does, and steps the worked numbers', async () => {
    const page = await open(START);
    // charts: Plot draws SVG
    for (const id of ['race', 'adam', 'schedules', 'momentum', 'worked']) {
      await page.waitForFunction((s) => document.querySelectorAll(`#${s} svg`).length > 0, { timeout: 60_000 }, id);
    }
    await page.waitForFunction(() => document.querySelectorAll('#mom-run svg').length > 0 && document.querySelectorAll('#adam svg').length >= 5, { timeout: 60_000 });
    const state = await labState(page);
    const runs = Object.fromEntries(state.race!.runs.map((r) => [r.key, r.path]));
    expect(Object.keys(runs).sort()).toEqual(['adam', 'momentum', 'sgd']);
    const refs: Record<string, number[][]> = {
      sgd: sgd64([-2, 2], 0.0005, 0, STEPS),
      momentum: sgd64([-2, 2], 0.001, 0.9, STEPS),
      adam: adam64([-2, 2], 0.02, 0.9, 0.999, 1e-8, STEPS),
    };
    for (const [k, ref] of Object.entries(refs)) {
      expect(runs[k].length, k).toBe(STEPS + 1);
      ref.forEach((p, t) => {
        expect(Math.abs(runs[k][t][0] - p[0]), `${k} x at step ${t}`).toBeLessThan(1e-3);
        expect(Math.abs(runs[k][t][1] - p[1]), `${k} y at step ${t}`).toBeLessThan(1e-3);
      });
    }
    // the steps table reports the final position the path ends at
    const firstRow = await page.$$eval('#race table tr:nth-child(2) td', (tds) => tds.map((td) => td.textContent));
    expect(firstRow[0]).toBe('SGD');
    expect(Number(firstRow[3])).toBeCloseTo(runs.sgd[STEPS][0], 3);
    // dragging on the contour plot moves the start: the URL and the new paths follow
    const box = (await page.$eval('#race-chart svg', (el) => {
      el.scrollIntoView();
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, w: r.width, h: r.height };
    }))!;
    await page.mouse.move(box.x + box.w * 0.5, box.y + box.h * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.w * 0.6, box.y + box.h * 0.4, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => {
      const race = (window as unknown as { __lab: LabState }).__lab.race!;
      return race.done && race.runs[0].path[0][0] !== -2;
    }, { timeout: 60_000, polling: 200 });
    const dragged = new URLSearchParams(await page.evaluate(() => location.hash.slice(1)));
    const moved = (await labState(page)).race!;
    for (const r of moved.runs) expect(r.path[0]).toEqual([Number(dragged.get('race.x0')), Number(dragged.get('race.y0'))]);
    expect(Number(dragged.get('race.x0'))).toBeGreaterThan(-2);
    // show the kernel: the WGSL the optimizer dispatches
    const kernel = await page.$eval('#kernel-source', (el) => el.textContent ?? '');
    expect(kernel).toMatch(/@compute/);
    expect(kernel).toBe(state.kernel!.source);
    // the custom-op exercise: gradcheck (webgrad/testing's browser build) judges the page's own op
    await page.click('#ex-custom-op-run');
    await page.waitForFunction(() => !!(window as unknown as { __lab: Record<string, unknown> }).__lab['ex-custom-op'], { timeout: 60_000, polling: 200 });
    const custom = (await page.evaluate(() => (window as unknown as { __lab: Record<string, unknown> }).__lab['ex-custom-op'])) as Record<string, { ok: boolean }>;
    expect(custom.correct.ok).toBe(true);
    expect(custom.wrong.ok).toBe(false);
    // worked numbers: three GD steps on (w - 3)^2 from 0 with lr 0.1 are 0.6, 1.08, 1.464 by hand
    for (let i = 0; i < 3; i++) await page.click('#worked-next');
    await page.waitForFunction(() => ((window as unknown as { __lab: LabState }).__lab.worked?.rows.length ?? 0) === 3, { timeout: 30_000 });
    const worked = (await labState(page)).worked!;
    expect(worked.ex).toBe('gd');
    expect(worked.rows.map((r) => r.gpu)).toHaveLength(3);
    [0.6, 1.08, 1.464].forEach((v, i) => expect(worked.rows[i].gpu).toBeCloseTo(v, 5));
    expect(new URLSearchParams(await page.evaluate(() => location.hash.slice(1))).get('worked.step')).toBe('3');
    await page.close();
    expect(errors).toEqual([]);
  });

  it('round-trips its state through the URL', async () => {
    const page = await open(START);
    // change settings the way a user does
    await page.select('select[data-key="race.fn"]', 'beale');
    await page.select('select[data-key="kernel.opt"]', 'lion');
    await page.$eval('input[data-key="adam.beta1"]', (el) => {
      (el as HTMLInputElement).value = '0.5';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.$eval('input[data-key="race.opt:rmsprop"]', (el) => (el as HTMLInputElement).click());
    const hash = await page.evaluate(() => location.hash.slice(1));
    const params = new URLSearchParams(hash);
    expect(params.get('race.fn')).toBe('beale');
    expect(params.get('race.x0')).toBe('1');
    expect(params.get('kernel.opt')).toBe('lion');
    expect(params.get('adam.beta1')).toBe('0.5');
    expect(params.get('race.opt')?.split(',').sort()).toEqual(['adam', 'momentum', 'rmsprop', 'sgd']);
    await page.close();

    // a fresh tab opened on that link shows the same settings and runs from the linked start
    const fresh = await open(hash);
    const again = new URLSearchParams(await fresh.evaluate(() => location.hash.slice(1)));
    expect(Object.fromEntries([...again].sort())).toEqual(Object.fromEntries([...params].sort()));
    expect(await fresh.$eval('select[data-key="race.fn"]', (el) => (el as HTMLSelectElement).value)).toBe('beale');
    expect(await fresh.$eval('input[data-key="race.opt:rmsprop"]', (el) => (el as HTMLInputElement).checked)).toBe(true);
    expect(await fresh.$eval('input[data-key="adam.beta1"]', (el) => Number((el as HTMLInputElement).value))).toBe(0.5);
    expect(await fresh.$eval('#kernel-source', (el) => el.textContent)).toMatch(/sign\(/);
    const state = await labState(fresh);
    expect(state.race!.runs.map((r) => r.key).sort()).toEqual(['adam', 'momentum', 'rmsprop', 'sgd']);
    for (const r of state.race!.runs) expect(r.path[0]).toEqual([Number(params.get('race.x0')), Number(params.get('race.y0'))]);
    // a link pasted into the open tab (a hash change) is applied too, the linked start included
    const pasted = new URLSearchParams(again);
    pasted.set('race.fn', 'saddle');
    pasted.set('race.x0', '-1.5');
    pasted.set('race.y0', '0.5');
    await fresh.evaluate((hash) => {
      location.hash = hash;
    }, pasted.toString());
    await fresh.waitForFunction(() => {
      const race = (window as unknown as { __lab: LabState }).__lab.race!;
      return race.done && race.runs[0].path[0][0] === -1.5;
    }, { timeout: 60_000, polling: 200 });
    expect(await fresh.$eval('select[data-key="race.fn"]', (el) => (el as HTMLSelectElement).value)).toBe('saddle');
    expect((await labState(fresh)).race!.runs.every((r) => r.path[0][0] === -1.5 && r.path[0][1] === 0.5)).toBe(true);
    await fresh.close();
    expect(errors).toEqual([]);
  });
});
