#!/usr/bin/env node
/**
 * webgrad test [--node] [files | directories | globs ...]
 *
 * Runs test files written for vitest (`import { describe, it, expect } from 'vitest'`) in headless
 * Chromium with WebGPU (vitest's browser mode driving the system Chrome through playwright; the page is
 * served from 127.0.0.1), or with --node in Node on Dawn. Prints one line per test and closes with
 * `N passed, M failed`; exits 1 on any failed test, failed file, unhandled error, console.error, a page
 * without WebGPU, or when no test ran.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROME_FLAGS, findChrome, noChromeMessage } from './chrome.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_GLOB = '**/*.{test,spec}.?(c|m)[jt]s?(x)';
const NODE_ONLY = /^\s*\/\/\s*@node-only\b/;

const HELP = `Usage: webgrad test [options] [files | directories | globs ...]

Runs vitest-style test files on WebGPU in headless Chromium (default) or in Node (--node).
With no files: every ${DEFAULT_GLOB} under the current directory (node_modules and dist excluded).
Files whose first lines contain "// @node-only" are not run in Chromium (they are listed).

Options:
  --node             run in Node on Dawn (the \`webgpu\` package) instead of Chromium
  --report FILE      also write the results as JSON (passed and failed test names, node-only files)
  --timeout MS       per-test and per-hook timeout (default 300000)
  -h, --help         this text

Environment: CHROME_PATH (browser binary), CHROME_FLAGS (extra flags), NO_COLOR.
Needs the packages vitest and, for Chromium, @vitest/browser-playwright and playwright
(npm install -D vitest @vitest/browser-playwright playwright; no browser is downloaded).`;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : String(s));
const [green, red, dim, yellow] = [paint(32), paint(31), paint(2), paint(33)];
const plain = (s) => (color ? s : String(s).replace(/\x1b\[[0-9;]*m/g, ''));
const indent = (text, prefix = '    ') => String(text).split('\n').map((l) => prefix + l).join('\n');

function parseArgs(argv) {
  const o = { node: false, report: null, timeout: 300_000, patterns: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--node') o.node = true;
    else if (a === '--report') o.report = argv[++i];
    else if (a === '--timeout') o.timeout = Number(argv[++i]);
    else if (a === '-h' || a === '--help') o.help = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n\n${HELP}`);
    else o.patterns.push(a);
  }
  if (!(o.timeout > 0)) throw new Error('--timeout needs a positive number of milliseconds');
  if (o.report === undefined) throw new Error('--report needs a file name');
  return o;
}

/** Import a package from webgrad's own node_modules, else from the project in the current directory. */
async function load(spec, why) {
  try {
    return await import(spec);
  } catch (first) {
    try {
      const resolved = createRequire(path.join(process.cwd(), 'package.json')).resolve(spec);
      return await import(pathToFileURL(resolved).href);
    } catch {
      throw new Error(`${why} needs the package "${spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/')}" ` +
        `(${first?.code ?? first?.message}). Install it: npm install -D vitest @vitest/browser-playwright playwright`);
    }
  }
}

/** Include patterns for vitest: a directory means its test files; files and globs are taken as given. */
function includes(patterns) {
  if (patterns.length === 0) return [DEFAULT_GLOB];
  return patterns.map((p) => {
    const rel = p.replace(/^\.\//, '').replace(/\\/g, '/');
    const isDir = fs.existsSync(p) && fs.statSync(p).isDirectory();
    return isDir ? `${rel.replace(/\/$/, '')}/${DEFAULT_GLOB}` : rel;
  });
}

/** webgrad's browser-side dependencies, named as Vite's optimizer can find them from `root`. */
function prebundle(root) {
  const req = createRequire(path.join(root, 'package.json'));
  const can = (spec) => {
    try {
      req.resolve(spec);
      return true;
    } catch {
      return false;
    }
  };
  const deps = ['wgsl_reflect', 'mnist'];
  return can('wgsl_reflect') ? deps : can('webgrad') ? deps.map((d) => `webgrad > ${d}`) : [];
}

const isNodeOnly = (file) => fs.readFileSync(file, 'utf8').split('\n').slice(0, 10).some((l) => NODE_ONLY.test(l));

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms ?? 0)} ms`;
}

/** A vitest reporter that prints one line per test and collects what `webgrad test` counts. */
class LineReporter {
  passed = [];
  failed = [];
  skipped = [];
  constructor(root) {
    this.root = root;
  }
  name(testCase) {
    return `${path.relative(this.root, testCase.module.moduleId).split(path.sep).join('/')} > ${testCase.fullName}`;
  }
  printErrors(errors = []) {
    for (const e of errors) {
      const head = `${e.name && !String(e.message).startsWith(e.name) ? `${e.name}: ` : ''}${e.message}`;
      console.log(red(indent(plain(head))));
      if (e.diff) console.log(indent(plain(e.diff)));
      // e.g. "Failed to import test file" hides the reason (a setup file that found no WebGPU) in cause
      for (let c = e.cause, depth = 0; c && depth < 3; c = c.cause, depth++) console.log(red(indent(`[cause] ${plain(c.message ?? c)}`)));
      const frames = (e.stacks ?? [])
        .filter((f) => !/node_modules|\/bin\/test-setup\.mjs/.test(f.file))
        .slice(0, 4)
        .map((f) => `at ${path.relative(this.root, f.file)}:${f.line}:${f.column}`);
      if (frames.length) console.log(dim(indent(frames.join('\n'), '      ')));
    }
  }
  onUserConsoleLog(log) {
    const text = String(log.content).replace(/\n$/, '');
    console.log(log.type === 'stderr' ? yellow(indent(text, '  | ')) : dim(indent(text, '  | ')));
  }
  onTestCaseResult(testCase) {
    const r = testCase.result();
    const name = this.name(testCase);
    const time = dim(`(${fmtMs(testCase.diagnostic()?.duration)})`);
    if (r.state === 'passed') {
      this.passed.push(name);
      console.log(`${green('✓')} ${name} ${time}`);
    } else if (r.state === 'failed') {
      this.failed.push(name);
      console.log(`${red('✗')} ${name} ${time}`);
      this.printErrors(r.errors);
    } else {
      this.skipped.push(name);
      console.log(`${yellow('-')} ${name} ${dim(`(${r.state})`)}`);
    }
  }
  onTestSuiteResult(testSuite) {
    // A describe whose beforeAll/afterAll threw: its tests are skipped, the suite carries the error.
    const errors = testSuite.errors();
    if (errors.length) {
      const name = `${path.relative(this.root, testSuite.module.moduleId).split(path.sep).join('/')} > ${testSuite.fullName} (suite)`;
      this.failed.push(name);
      console.log(`${red('✗')} ${name}`);
      this.printErrors(errors);
    }
  }
  onTestModuleEnd(testModule) {
    // A file that failed outside its tests: import or syntax errors, beforeAll/afterAll, the setup file.
    const errors = testModule.errors();
    if (errors.length) {
      const name = `${path.relative(this.root, testModule.moduleId).split(path.sep).join('/')} (file)`;
      this.failed.push(name);
      console.log(`${red('✗')} ${name}`);
      this.printErrors(errors);
    }
  }
  onTestRunEnd(_modules, unhandledErrors) {
    for (const e of unhandledErrors ?? []) {
      this.failed.push(`(unhandled error) ${e.message}`);
      console.log(`${red('✗')} (unhandled error)`);
      this.printErrors([e]);
    }
  }
}

async function test(o) {
  const root = process.cwd();
  const { createVitest } = await load('vitest/node', 'webgrad test');
  let browser = { enabled: false };
  let chrome = null;
  if (!o.node) {
    chrome = findChrome();
    if (!chrome) throw new Error(`${noChromeMessage()}\nOr run the tests in Node on Dawn: webgrad test --node`);
    const { playwright } = await load('@vitest/browser-playwright', 'webgrad test (Chromium)');
    try {
      createRequire(path.join(root, 'package.json')).resolve('vitest');
    } catch {
      throw new Error(`vitest is not installed in ${root}; the page imports it from there: npm install -D vitest @vitest/browser-playwright playwright`);
    }
    browser = {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: chrome, args: [...CHROME_FLAGS] } }),
      instances: [{ browser: 'chromium' }],
      api: { host: '127.0.0.1' },
      screenshotFailures: false,
    };
  }
  const reporter = new LineReporter(root);
  const vitest = await createVitest(
    'test',
    {
      config: false,
      root,
      watch: false,
      include: includes(o.patterns),
      exclude: ['**/node_modules/**', '**/dist/**', '**/.git/**'],
      reporters: [reporter],
      testTimeout: o.timeout,
      hookTimeout: o.timeout,
      setupFiles: [path.join(here, 'test-setup.mjs')],
      // One file at a time in one process (or one page) that keeps its GPU device and compiled kernels.
      fileParallelism: false,
      maxWorkers: 1,
      pool: 'forks',
      isolate: false,
    },
    // The browser settings go in as config, not as CLI options (vitest reads a CLI `browser` as a flag).
    {
      server: { host: '127.0.0.1', fs: { allow: [root, path.dirname(here)] } },
      // webgrad's dependencies are pre-bundled up front, so the page is not reloaded in the middle of a run.
      optimizeDeps: chrome ? { include: prebundle(root) } : undefined,
      logLevel: 'warn',
      test: { browser },
    },
  );
  let specs;
  const nodeOnly = [];
  try {
    specs = await vitest.globTestSpecifications();
    if (chrome) {
      specs = specs.filter((s) => !(isNodeOnly(s.moduleId) && nodeOnly.push(path.relative(root, s.moduleId).split(path.sep).join('/'))));
      if (nodeOnly.length) console.log(dim(`Not run in Chromium (// @node-only): ${nodeOnly.join(', ')}`));
      console.log(dim(`Chromium: ${chrome} (headless) ${CHROME_FLAGS.join(' ')}`));
    }
    if (specs.length) await vitest.runTestSpecifications(specs, true);
    // Whatever else vitest counts as failed (a state this reporter has no line for) fails the run too.
    if (reporter.failed.length === 0 && vitest.state.getFiles().some((f) => f.result?.state === 'fail')) {
      reporter.failed.push('(a file vitest reports as failed; see above)');
    }
  } finally {
    await vitest.close();
  }
  const { passed, failed, skipped } = reporter;
  console.log('');
  if (failed.length) console.log(red(`Failed:\n${failed.map((f) => `  ${f}`).join('\n')}`));
  if (skipped.length) console.log(yellow(`${skipped.length} skipped`));
  if (specs.length === 0) console.log(red(`No test files matched ${includes(o.patterns).join(' ')} in ${root}.`));
  else if (passed.length + failed.length === 0) console.log(red('No tests ran.'));
  if (o.report) {
    fs.mkdirSync(path.dirname(path.resolve(o.report)), { recursive: true });
    fs.writeFileSync(o.report, JSON.stringify({ mode: chrome ? 'chromium' : 'node', passed, failed, skipped, nodeOnly }, null, 1));
  }
  console.log(`${passed.length} passed, ${failed.length} failed`);
  return failed.length === 0 && passed.length > 0 ? 0 : 1;
}

async function main(argv) {
  if (argv[0] === '-h' || argv[0] === '--help' || argv.length === 0) {
    console.log(HELP);
    return argv.length === 0 ? 1 : 0;
  }
  if (argv[0] !== 'test') {
    console.error(`webgrad: unknown command "${argv[0]}"\n\n${HELP}`);
    return 1;
  }
  const o = parseArgs(argv.slice(1));
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  return test(o);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(red(`webgrad test: ${err?.message ?? err}`));
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
