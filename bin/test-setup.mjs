/**
 * Loaded by `webgrad test` before every test file (a vitest setup file), in Chrome and in Node.
 * In the page it fails the file when WebGPU is missing, so "0 GPU tests ran" can never pass silently.
 * Everywhere, console.error counts as a failure: the test during which it was called fails with the
 * logged text (what is logged outside any test fails the file's afterAll).
 */
import { afterAll, afterEach } from 'vitest';

if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  const why = !globalThis.isSecureContext
    ? 'the page is not a secure context (serve it from 127.0.0.1 or https)'
    : !navigator.gpu
      ? 'navigator.gpu is undefined (Chromium needs --enable-unsafe-webgpu on Linux)'
      : !(await navigator.gpu.requestAdapter())
        ? 'navigator.gpu.requestAdapter() returned null (no usable adapter: check CHROME_FLAGS; without a GPU, Chromium needs the Vulkan loader libvulkan1 for SwiftShader)'
        : null;
  if (why) throw new Error(`webgrad test: WebGPU is not available in the page: ${why}`);
}

const KEY = Symbol.for('webgrad.test.consoleErrors');
if (!globalThis[KEY]) {
  const logged = [];
  const original = console.error;
  console.error = function (...args) {
    logged.push(args.map((a) => (a instanceof Error ? a.stack ?? a.message : typeof a === 'string' ? a : JSON.stringify(a) ?? String(a))).join(' '));
    return original.apply(this, args);
  };
  globalThis[KEY] = logged;
}
const logged = globalThis[KEY];
const take = (where) => {
  if (logged.length === 0) return;
  const lines = logged.splice(0).map((l) => `  ${l}`).join('\n');
  throw new Error(`console.error was called ${where} (webgrad test counts it as a failure):\n${lines}`);
};
logged.length = 0;
afterEach(() => take('during this test'));
afterAll(() => take('outside any test in this file'));
