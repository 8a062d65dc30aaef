// @node-only: spawns Node processes.
// Starting webgrad in Node prints nothing (no "vkCreateInstance: Found no drivers!" from the Vulkan
// loader on a machine without a GPU driver), and exactly one line naming the adapter when asked,
// by init({ verbose: true }) or DEBUG=webgrad.
import { describe, it, expect, beforeAll } from 'vitest';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// The child runs the library from src, bundled; it sits under node_modules so that `webgpu` resolves.
const dir = path.resolve('node_modules/.cache/webgrad-quiet');
const entry = path.join(dir, 'child.mjs');

beforeAll(async () => {
  fs.mkdirSync(dir, { recursive: true });
  await build({
    stdin: {
      contents: `import * as wg from ${JSON.stringify(path.resolve('src/index.ts'))};
        const info = await wg.init({ verbose: process.argv[2] === 'verbose' });
        const out = await wg.tensor([1, 2, 3]).mul(2).toArray();
        process.stdout.write(JSON.stringify({ out: Array.from(out), adapter: info.adapter }));`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: entry,
    external: ['webgpu', 'mnist'],
    logLevel: 'error',
  });
}, 60_000);

function runSplit(args: string[], env: Record<string, string | undefined>): { stdout: string; stderr: string } {
  const errFile = path.join(dir, `stderr-${args.join('-') || 'quiet'}-${Object.keys(env).join('-')}.txt`);
  const fd = fs.openSync(errFile, 'w');
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) clean[k] = v;
  try {
    const stdout = execFileSync(process.execPath, [entry, ...args], { env: clean, encoding: 'utf8', stdio: ['ignore', 'pipe', fd] });
    return { stdout, stderr: fs.readFileSync(errFile, 'utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

describe('Node start-up output', () => {
  it('prints nothing but the program output by default', () => {
    const { stdout, stderr } = runSplit([], { DEBUG: undefined, VK_ICD_FILENAMES: undefined });
    expect(stderr).toBe('');
    const result = JSON.parse(stdout);
    expect(result.out).toEqual([2, 4, 6]);
  }, 60_000);

  it('prints one line naming the adapter with init({ verbose: true })', () => {
    const { stdout, stderr } = runSplit(['verbose'], { DEBUG: undefined, VK_ICD_FILENAMES: undefined });
    expect(stderr).toBe('');
    const [line, json] = stdout.split('\n');
    const result = JSON.parse(json);
    expect(line).toBe(line.trim());
    expect(line.startsWith(`webgrad: adapter "${result.adapter}"`)).toBe(true);
    expect(result.out).toEqual([2, 4, 6]);
  }, 60_000);

  it('prints the same line with DEBUG=webgrad', () => {
    const { stdout, stderr } = runSplit([], { DEBUG: 'other,webgrad', VK_ICD_FILENAMES: undefined });
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0].startsWith(`webgrad: adapter "${JSON.parse(lines[1]).adapter}"`)).toBe(true);
  }, 60_000);
});
