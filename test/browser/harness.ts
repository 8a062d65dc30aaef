// Page side of the browser rig. run.mjs serves this (bundled) in an HTML page and calls
// window.__rigRun(files, options). Test files are separate esbuild entry points that share chunks with
// this one, so they see the same vitest-shim (and the same library modules, e.g. one GPU device).
import { format } from '@vitest/utils/display';
import { collectFile, runSuite, serializeError } from './vitest-shim';
import type { RigEvent } from './vitest-shim';

type Report = (
  event: RigEvent | { type: 'file'; file: string } | { type: 'current'; name?: string } | { type: 'done' },
) => Promise<void>;

declare global {
  interface Window {
    __rigReport: Report;
    __rigRun: (files: string[], options: { testTimeout: number; hookTimeout: number }) => Promise<void>;
    __rigReady: boolean;
  }
}

// Format console arguments here (like Node's util.format), so the terminal gets text, not JSHandles.
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => original(args.length === 1 && typeof args[0] === 'string' ? args[0] : format(...args));
}

let current: string | undefined;
let running = false;

function unhandled(kind: string, err: unknown): void {
  if (!running) return;
  const where = current ? ` during "${current}"` : '';
  void window.__rigReport({ type: 'failure', name: `(${kind}${where})`, errors: [serializeError(err)] });
}

window.addEventListener('error', (event) => {
  if (!running) return;
  event.preventDefault();
  unhandled('unhandled error', event.error ?? event.message);
});
window.addEventListener('unhandledrejection', (event) => {
  if (!running) return;
  event.preventDefault();
  unhandled('unhandled rejection', event.reason);
});

window.__rigRun = async (files, options) => {
  running = true;
  const report = window.__rigReport;
  try {
    for (const file of files) {
      await report({ type: 'file', file });
      const url = '/' + file.replace(/\.ts$/, '.js');
      const suite = await collectFile(file, () => import(/* @vite-ignore */ url));
      await runSuite(suite, {
        testTimeout: options.testTimeout,
        hookTimeout: options.hookTimeout,
        report,
        onCurrent: (name) => {
          current = name;
          void report({ type: 'current', name }); // so the terminal can name what was running if the page dies
        },
      });
    }
  } finally {
    // Let late rejections from the last test surface before we stop listening.
    await new Promise((r) => setTimeout(r, 50));
    running = false;
    await report({ type: 'done' });
  }
};

window.__rigReady = true;
