// Make a fresh clone runnable: npm dependencies, and on Debian/Ubuntu the system packages webgrad's
// Node path and browser tests use (chromium: headless browser + SwiftShader Vulkan driver; libvulkan1:
// the Vulkan loader Dawn opens). Idempotent and quiet when everything is there.
import { execSync } from 'node:child_process';
import fs from 'node:fs';

const run = (cmd) => execSync(cmd, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

if (!fs.existsSync('node_modules/.package-lock.json')) {
  console.log('setup: installing npm dependencies (npm ci)');
  run('npm ci');
}

if (process.platform === 'linux') {
  const missing = [];
  const chrome = process.env.CHROME_PATH || ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => fs.existsSync(p));
  if (!chrome) missing.push('chromium');
  const vulkan = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1', '/usr/lib64/libvulkan.so.1'];
  if (!vulkan.some((p) => fs.existsSync(p))) missing.push('libvulkan1');
  if (missing.length) {
    if (process.getuid?.() === 0 && has('apt-get')) {
      console.log(`setup: installing ${missing.join(' ')} (apt-get)`);
      run('apt-get update');
      run(`apt-get install -y --no-install-recommends ${missing.join(' ')}`);
    } else {
      console.warn(`setup: please install ${missing.join(' and ')} (e.g. sudo apt-get install -y ${missing.join(' ')}); ` +
        'Chromium runs the browser tests and ships the SwiftShader driver used when there is no GPU.');
    }
  }
}
