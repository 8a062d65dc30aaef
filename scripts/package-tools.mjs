// Shared by scripts/check-consumer.mjs and scripts/check-examples.mjs: pack the package once, and
// keep installs that do not change between runs (TypeScript versions) in a cache under the temp dir.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const cacheDir = path.join(os.tmpdir(), 'webgrad-package-check');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Run a command, echoing it; throws with its output on failure. */
export function sh(cmd, args, opts = {}) {
  console.log(`$ ${[cmd, ...args].join(' ')}${opts.cwd ? `   (in ${opts.cwd})` : ''}`);
  return execFileSync(cmd, args, { stdio: 'inherit', ...opts });
}

export function npmRun(args, cwd, opts = {}) {
  return sh(npm, [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, ...opts });
}

/**
 * The package as users get it: `npm pack` (which builds first, see "prepack") into the cache dir, or
 * the tarball named by WEBGRAD_TARBALL. Returns its absolute path.
 */
export function packTarball() {
  if (process.env.WEBGRAD_TARBALL) return path.resolve(process.env.WEBGRAD_TARBALL);
  fs.mkdirSync(cacheDir, { recursive: true });
  const out = execFileSync(npm, ['pack', '--json', '--pack-destination', cacheDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const [info] = JSON.parse(out.toString().slice(out.toString().indexOf('[')));
  const file = path.join(cacheDir, info.filename);
  console.log(`packed ${file}: ${(info.size / 1024).toFixed(0)} kB, ${(info.unpackedSize / 1024).toFixed(0)} kB unpacked, ${info.entryCount} files`);
  return file;
}

/** A fresh empty directory under the cache dir. */
export function freshDir(name) {
  const dir = path.join(cacheDir, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** `npm install` of fixed packages into cacheDir/name, once; returns that directory. */
export function cachedInstall(name, packages) {
  const dir = path.join(cacheDir, name);
  const stamp = path.join(dir, '.installed');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === packages.join(' ')) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  npmRun(['install', ...packages], dir);
  fs.writeFileSync(stamp, packages.join(' '));
  return dir;
}

/** Total size in bytes of the files under dir. */
export function duBytes(dir) {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  }
  return total;
}
