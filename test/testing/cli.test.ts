// @node-only: starts `webgrad test` (bin/webgrad.mjs) as a child process on temporary test files.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = process.cwd();
fs.mkdirSync(path.join(root, 'out'), { recursive: true });
const dir = fs.mkdtempSync(path.join(root, 'out', 'cli-test-'));
const rel = path.relative(root, dir).split(path.sep).join('/');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
const lib = JSON.stringify(path.relative(dir, path.join(root, 'src/index.ts')).split(path.sep).join('/'));

write(
  'user.test.mjs',
  `import { describe, it, expect } from 'vitest';
import * as wg from ${lib};
await wg.init();
describe('user', () => {
  it('adds on the GPU', async () => {
    expect(await wg.tensor([1, 2]).add(1).toArray()).toEqual(new Float32Array([2, 3]));
  });
  it('expects the wrong sum', async () => {
    expect(await wg.tensor([1, 2]).sum().item()).toBe(4);
  });
});
`,
);
write(
  'noisy.test.mjs',
  `import { it } from 'vitest';
it('logs an error', () => { console.error('something is off'); });
it('leaves an unhandled rejection', async () => { Promise.reject(new Error('late failure')); await new Promise((r) => setTimeout(r, 20)); });
`,
);
write(
  'setup.test.mjs',
  `import { describe, it, beforeAll, expect } from 'vitest';
it('passes', () => expect(1).toBe(1));
describe('broken setup', () => {
  beforeAll(() => { throw new Error('setup broke'); });
  it('never runs', () => {});
});
`,
);
write('empty.test.mjs', `import { describe } from 'vitest';\ndescribe('nothing', () => {});\n`);

function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/webgrad.mjs'), 'test', ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const lastLine = (out: string) => out.trim().split('\n').filter((l) => /^\d+ passed, \d+ failed$/.test(l)).pop();

describe('webgrad test', () => {
  for (const mode of [[], ['--node']]) {
    const where = mode.length ? 'Node' : 'headless Chromium';
    it(`reports one passing and one failing test in ${where} and exits 1`, async () => {
      const { code, out } = await cli(...mode, `${rel}/user.test.mjs`);
      expect(out).toMatch(new RegExp(`✓ ${rel}/user\\.test\\.mjs > user > adds on the GPU`));
      expect(out).toMatch(new RegExp(`✗ ${rel}/user\\.test\\.mjs > user > expects the wrong sum`));
      expect(out).toMatch(/expected 3 to be 4/);
      expect(lastLine(out)).toBe('1 passed, 1 failed');
      expect(out.trim().split('\n').pop()).toBe('1 passed, 1 failed');
      expect(code).toBe(1);
    });
  }

  it('counts console.error and an unhandled rejection in the page as failures', async () => {
    const { code, out } = await cli(`${rel}/noisy.test.mjs`);
    expect(out).toMatch(/✗ .*noisy\.test\.mjs > logs an error/);
    expect(out).toMatch(/console\.error was called during this test .*\n.*something is off/);
    expect(out).toMatch(/late failure/);
    expect(lastLine(out)).toMatch(/^\d+ passed, [1-9]\d* failed$/);
    expect(code).toBe(1);
  });

  it('fails every file of a page without WebGPU', async () => {
    const flags = '--disable-gpu --disable-software-rasterizer --disable-features=Vulkan,WebGPUService';
    const { code, out } = await cliWith({ CHROME_FLAGS: flags }, `${rel}/user.test.mjs`);
    expect(out).toMatch(/✗ .*user\.test\.mjs \(file\)/);
    expect(out).toMatch(/WebGPU is not available in the page: navigator\.gpu\.requestAdapter\(\) returned null/);
    expect(lastLine(out)).toBe('0 passed, 1 failed');
    expect(code).toBe(1);
  });

  it('fails a suite whose beforeAll throws (its tests are skipped, not passed)', async () => {
    const { code, out } = await cli('--node', `${rel}/setup.test.mjs`);
    expect(out).toMatch(/✗ .*setup\.test\.mjs > broken setup \(suite\)\n\s+Error: setup broke/);
    expect(lastLine(out)).toBe('1 passed, 1 failed');
    expect(code).toBe(1);
  });

  it('exits 1 when no test ran, or no file matched', async () => {
    const empty = await cli('--node', `${rel}/empty.test.mjs`);
    expect(empty.out).toMatch(/No test found in suite/); // reported for the describe and for the file
    expect(lastLine(empty.out)).toMatch(/^0 passed, [1-9]\d* failed$/);
    expect(empty.code).toBe(1);
    const none = await cli('--node', `${rel}/nothing-here-*.test.mjs`);
    expect(none.out).toMatch(/No test files matched/);
    expect(lastLine(none.out)).toBe('0 passed, 0 failed');
    expect(none.code).toBe(1);
  });
});
