/**
 * Finding Chrome/Chromium and the flags that give a headless page WebGPU (SwiftShader when there is no
 * GPU). Shared by `webgrad test` (bin/webgrad.mjs), the benchmarks and the demo (scripts/chrome.mjs).
 */
import fs from 'node:fs';

// WebGPU needs --enable-unsafe-webgpu on Linux; without a GPU Chromium falls back to SwiftShader.
// --enable-features=Vulkan lets a real GPU be used where the machine has one.
export const CHROME_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  ...(process.env.CHROME_FLAGS ?? '').split(/\s+/).filter(Boolean),
];

/** The places looked at, in order: CHROME_PATH first, then the usual install locations. */
export const CHROME_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

export function findChrome() {
  return [process.env.CHROME_PATH, ...CHROME_CANDIDATES].filter(Boolean).find((p) => fs.existsSync(p));
}

/** What to say when findChrome() found nothing. */
export function noChromeMessage() {
  const set = process.env.CHROME_PATH ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist. ` : '';
  return (
    `No Chrome or Chromium found. ${set}Set CHROME_PATH to the browser binary, or install Chromium ` +
    `(Debian/Ubuntu: apt-get install -y chromium). Looked in: ${CHROME_CANDIDATES.join(', ')}.`
  );
}
