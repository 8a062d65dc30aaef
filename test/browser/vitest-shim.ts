// A small stand-in for the `vitest` module inside headless Chrome. run.mjs bundles every test file
// with esbuild and aliases `vitest` to this file, so the same test sources run in Node (real vitest)
// and in the page. It supports what our tests use: describe/it/test (nested, with timeouts and
// .each), the four hooks (async, with teardown return values), vitest's own `expect` (the Jest
// matchers from @vitest/expect on chai, set up the way vitest does), and `vi.fn`/`vi.spyOn`.
// Deliberately missing: .skip/.only/.todo and module mocking. A test that needs them fails loudly
// (a bundle error or a "not a function"), instead of being silently skipped in the browser.
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  GLOBAL_EXPECT,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  chai,
  customMatchers,
  getState,
  setState,
} from '@vitest/expect';
import type { ExpectStatic } from '@vitest/expect';
import * as spy from '@vitest/spy';
import { processError } from '@vitest/utils/error';

// ---------------------------------------------------------------------------------------------
// expect: the same plugin order and global state vitest installs (minus snapshots and poll).

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

/** What @vitest/expect reads from the `vitest-test` flag: pending `.resolves`/`.rejects`, soft errors. */
interface ExpectTask {
  type: 'test';
  name: string;
  fullTestName: string;
  promises?: Promise<unknown>[];
  /** @vitest/expect registers a warning here for `.resolves`/`.rejects` that were never awaited. */
  onFinished?: (() => void)[];
  result?: { state: string; errors?: unknown[] };
}

let currentTask: ExpectTask | undefined;

function createExpect(): ExpectStatic {
  const expect = ((value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect);
    setState({ assertionCalls: assertionCalls + 1 }, expect);
    const assertion = chai.expect(value, message) as unknown as { withTest(t: ExpectTask): unknown };
    return currentTask ? assertion.withTest(currentTask) : assertion;
  }) as unknown as ExpectStatic;
  Object.assign(expect, chai.expect);
  Object.assign(expect, (globalThis as Record<PropertyKey, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
  expect.getState = () => getState(expect);
  expect.setState = (state) => setState(state, expect);
  setState(
    {
      assertionCalls: 0,
      isExpectingAssertions: false,
      isExpectingAssertionsError: null,
      expectedAssertionsNumber: null,
      expectedAssertionsNumberErrorGen: null,
      currentTestName: '',
      testPath: '',
    },
    expect,
  );
  expect.assert = chai.assert as unknown as ExpectStatic['assert'];
  (expect as unknown as { extend: unknown }).extend = (matchers: unknown) =>
    (chai.expect as unknown as { extend(e: unknown, m: unknown): void }).extend(expect, matchers);
  expect.soft = ((value: unknown, message?: string) =>
    (expect(value, message) as unknown as { withContext(c: object): unknown }).withContext({ soft: true })) as ExpectStatic['soft'];
  expect.unreachable = (message?: string) => {
    chai.assert.fail(`expected${message ? ` "${message}" ` : ' '}not to be reached`);
  };
  chai.util.addMethod(expect, 'assertions', (n: number) =>
    expect.setState({
      expectedAssertionsNumber: n,
      expectedAssertionsNumberErrorGen: () =>
        new Error(`expected number of assertions to be ${n}, but got ${expect.getState().assertionCalls}`),
    }),
  );
  chai.util.addMethod(expect, 'hasAssertions', () =>
    expect.setState({
      isExpectingAssertions: true,
      isExpectingAssertionsError: new Error('expected any number of assertion, but got none'),
    }),
  );
  expect.extend(customMatchers);
  return expect;
}

export const expect: ExpectStatic = createExpect();
Object.defineProperty(globalThis, GLOBAL_EXPECT, { value: expect, writable: true, configurable: true });
export const assert = chai.assert;
export { chai };

export const vi = {
  fn: spy.fn,
  spyOn: spy.spyOn,
  isMockFunction: spy.isMockFunction,
  clearAllMocks: spy.clearAllMocks,
  resetAllMocks: spy.resetAllMocks,
  restoreAllMocks: spy.restoreAllMocks,
};

// ---------------------------------------------------------------------------------------------
// Collection: a tree of suites per file, built while the file's module is evaluated.

type AnyFn = (...args: any[]) => any;
type Options = { timeout?: number };

interface Hooks {
  beforeAll: AnyFn[];
  afterAll: AnyFn[];
  beforeEach: AnyFn[];
  afterEach: AnyFn[];
}

export interface Suite {
  kind: 'suite';
  name: string;
  parent?: Suite;
  factory?: AnyFn;
  timeout?: number;
  children: (Suite | TestCase)[];
  hooks: Hooks;
  collectError?: unknown;
}

export interface TestCase {
  kind: 'test';
  name: string;
  parent: Suite;
  fn: AnyFn;
  timeout?: number;
}

let collecting: Suite | undefined;

function newSuite(name: string, parent?: Suite, factory?: AnyFn, timeout?: number): Suite {
  return { kind: 'suite', name, parent, factory, timeout, children: [], hooks: { beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] } };
}

function currentSuite(what: string): Suite {
  if (!collecting) throw new Error(`${what}() was called outside of test collection (inside a running test or hook?)`);
  return collecting;
}

/** Accepts (name, fn), (name, fn, timeout), (name, fn, {timeout}) and (name, {timeout}, fn). */
function parseArgs(what: string, name: unknown, a?: unknown, b?: unknown): { name: string; fn: AnyFn; timeout?: number } {
  let fn: unknown = a;
  let opts: unknown = b;
  if (typeof a !== 'function' && typeof b === 'function') [fn, opts] = [b, a];
  if (typeof fn !== 'function') throw new Error(`${what}(${JSON.stringify(name)}) needs a function (todo tests are not supported in the browser rig)`);
  let timeout: number | undefined;
  if (typeof opts === 'number') timeout = opts;
  else if (opts != null && typeof opts === 'object') {
    for (const key of Object.keys(opts)) {
      if (key !== 'timeout') throw new Error(`${what}(${JSON.stringify(name)}): option "${key}" is not supported by the browser rig`);
    }
    timeout = (opts as Options).timeout;
  } else if (opts !== undefined) throw new Error(`${what}(${JSON.stringify(name)}): bad options ${String(opts)}`);
  return { name: String(name), fn: fn as AnyFn, timeout };
}

function registerTest(name: unknown, a?: unknown, b?: unknown): void {
  const parent = currentSuite('it');
  const p = parseArgs('it', name, a, b);
  parent.children.push({ kind: 'test', name: p.name, parent, fn: p.fn, timeout: p.timeout });
}

function registerSuite(name: unknown, a?: unknown, b?: unknown): void {
  const parent = currentSuite('describe');
  const p = parseArgs('describe', name, a, b);
  parent.children.push(newSuite(p.name, parent, p.fn, p.timeout));
}

/** printf-style titles as vitest formats them for .each: %s %d %i %f %j %o %O %# %$ %% and $key. */
function formatTitle(template: string, args: unknown[], index: number): string {
  let i = 0;
  let title = template.replace(/%[sdifjoO#$%]/g, (m) => {
    if (m === '%%') return '%';
    if (m === '%#') return String(index);
    if (m === '%$') return String(index + 1);
    const v = args[i++];
    switch (m) {
      case '%d':
      case '%i':
        return String(m === '%i' ? Math.trunc(Number(v)) : Number(v));
      case '%f':
        return String(Number(v));
      case '%j':
        return JSON.stringify(v);
      case '%s':
        return typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
      default:
        return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
    }
  });
  const first = args[0];
  if (args.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first)) {
    title = title.replace(/\$([\w.]+)/g, (m, path: string) => {
      let v: unknown = first;
      for (const k of path.split('.')) v = v == null ? undefined : (v as Record<string, unknown>)[k];
      return v === undefined ? m : typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  return title;
}

function makeEach(register: (name: unknown, a?: unknown, b?: unknown) => void) {
  return (cases: readonly unknown[]) =>
    (name: string, a?: unknown, b?: unknown): void => {
      let fn: unknown = a;
      let opts: unknown = b;
      if (typeof a !== 'function' && typeof b === 'function') [fn, opts] = [b, a];
      if (typeof fn !== 'function') throw new Error(`.each(${JSON.stringify(name)}) needs a function`);
      cases.forEach((c, index) => {
        const args = Array.isArray(c) ? c : [c];
        register(formatTitle(name, args, index), () => (fn as AnyFn)(...args), opts);
      });
    };
}

type TestFn = (name: string, fn: AnyFn, timeoutOrOptions?: number | Options) => void;
type TestApi = TestFn & {
  each<T>(cases: readonly T[]): (name: string, fn: (...args: any[]) => any, timeoutOrOptions?: number | Options) => void;
};

export const it = registerTest as unknown as TestApi;
it.each = makeEach(registerTest) as TestApi['each'];
export const test = it;
export const describe = registerSuite as unknown as TestApi;
describe.each = makeEach(registerSuite) as TestApi['each'];

function hook(kind: keyof Hooks) {
  return (fn: AnyFn, timeout?: number): void => {
    const suite = currentSuite(kind);
    if (typeof fn !== 'function') throw new Error(`${kind}() needs a function`);
    if (timeout === undefined) suite.hooks[kind].push(fn);
    else {
      const timed = (...args: unknown[]) => fn(...args);
      (timed as { timeout?: number }).timeout = timeout;
      suite.hooks[kind].push(timed);
    }
  };
}

export const beforeAll = hook('beforeAll');
export const afterAll = hook('afterAll');
export const beforeEach = hook('beforeEach');
export const afterEach = hook('afterEach');

// ---------------------------------------------------------------------------------------------
// Running (used by harness.ts, not by tests).

export interface SerializedError {
  name?: string;
  message: string;
  stack?: string;
  diff?: string;
}

export type RigEvent =
  | { type: 'test'; name: string; ok: boolean; duration: number; errors: SerializedError[] }
  | { type: 'failure'; name: string; errors: SerializedError[] };

export interface RunOptions {
  testTimeout: number;
  hookTimeout: number;
  report: (event: RigEvent) => Promise<void> | void;
  /** Called with the running test's full name (or undefined), so unhandled errors can be attributed. */
  onCurrent?: (name: string | undefined) => void;
}

export function serializeError(err: unknown): SerializedError {
  let out: Record<string, unknown>;
  try {
    out = processError(err) as Record<string, unknown>;
  } catch {
    out = { message: String(err) };
  }
  const e = err as { name?: string; message?: string; stack?: string } | undefined;
  let message = typeof out.message === 'string' ? out.message : String(e?.message ?? err);
  if (Array.isArray(err)) message = err.map((x) => serializeError(x).message).join('\n');
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (cause !== undefined && cause !== null) message += `\n[cause]: ${(cause as { message?: string }).message ?? String(cause)}`;
  return {
    name: typeof out.name === 'string' ? out.name : e?.name,
    message,
    stack: typeof out.stack === 'string' ? out.stack : e?.stack,
    diff: typeof out.diff === 'string' ? out.diff : undefined,
  };
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Calls fn synchronously (so a sync test is checked with no extra microtask turns, as vitest does);
 * if it returns a promise, the result is raced against a timer that also aborts `signal`.
 */
function callWithTimeout(fn: (signal: AbortSignal) => unknown, ms: number, what: string): Promise<unknown> | undefined {
  const controller = new AbortController();
  const result = fn(controller.signal) as PromiseLike<unknown> | undefined;
  if (!result || typeof result.then !== 'function') return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new TimeoutError(`${what} timed out in ${ms}ms`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  return Promise.race([result, timeout]).finally(() => clearTimeout(timer));
}

async function withTimeout(fn: (signal: AbortSignal) => unknown, ms: number, what: string): Promise<unknown> {
  return callWithTimeout(fn, ms, what);
}

function chain(suite: Suite): Suite[] {
  const out: Suite[] = [];
  for (let s: Suite | undefined = suite; s; s = s.parent) out.unshift(s);
  return out;
}

function suiteTimeout(suite: Suite, fallback: number): number {
  for (let s: Suite | undefined = suite; s; s = s.parent) if (s.timeout !== undefined) return s.timeout;
  return fallback;
}

function fullName(suite: Suite, leaf?: string): string {
  const parts = chain(suite).map((s) => s.name);
  if (leaf !== undefined) parts.push(leaf);
  return parts.join(' > ');
}

function countTests(suite: Suite): number {
  return suite.children.reduce((n, c) => n + (c.kind === 'test' ? 1 : countTests(c)), 0);
}

async function collectSuite(suite: Suite): Promise<void> {
  if (suite.factory) {
    const previous = collecting;
    collecting = suite;
    try {
      await suite.factory();
    } catch (err) {
      suite.collectError = err;
    } finally {
      collecting = previous;
    }
  }
  for (const child of suite.children) if (child.kind === 'suite') await collectSuite(child);
}

/** Imports one test file (its module registers tests), then collects describe bodies. */
export async function collectFile(file: string, load: () => Promise<unknown>): Promise<Suite> {
  const root = newSuite(file);
  collecting = root;
  try {
    await load();
  } catch (err) {
    root.collectError = err;
  } finally {
    collecting = undefined;
  }
  if (!root.collectError) await collectSuite(root);
  return root;
}

async function runHook(fn: AnyFn, suite: Suite, kind: string, opts: RunOptions, arg?: unknown): Promise<unknown> {
  const ms = (fn as { timeout?: number }).timeout ?? opts.hookTimeout;
  return withTimeout(() => fn(arg), ms, `${kind} hook in "${fullName(suite)}"`);
}

async function runTest(t: TestCase, opts: RunOptions): Promise<void> {
  const name = fullName(t.parent, t.name);
  const suites = chain(t.parent);
  const errors: unknown[] = [];
  const task: ExpectTask = { type: 'test', name: t.name, fullTestName: name };
  const context = { expect, task, signal: new AbortController().signal };
  const teardowns: AnyFn[] = [];
  const start = performance.now();
  currentTask = task;
  opts.onCurrent?.(name);
  expect.setState({
    assertionCalls: 0,
    isExpectingAssertions: false,
    isExpectingAssertionsError: null,
    expectedAssertionsNumber: null,
    expectedAssertionsNumberErrorGen: null,
    currentTestName: name,
    testPath: suites[0]!.name,
  });
  try {
    for (const s of suites) {
      for (const h of s.hooks.beforeEach) {
        const r = await runHook(h, s, 'beforeEach', opts, context);
        if (typeof r === 'function') teardowns.push(r as AnyFn);
      }
    }
    const timeout = t.timeout ?? suiteTimeout(t.parent, opts.testTimeout);
    const pending = callWithTimeout(
      (signal) => {
        context.signal = signal;
        return t.fn(context);
      },
      timeout,
      `Test "${name}"`,
    );
    if (pending) await pending;
    if (task.promises?.length) {
      const settled = await Promise.allSettled(task.promises);
      for (const r of settled) if (r.status === 'rejected') errors.push(r.reason);
    }
    const state = expect.getState();
    if (state.expectedAssertionsNumber !== null && state.assertionCalls !== state.expectedAssertionsNumber) {
      errors.push((state.expectedAssertionsNumberErrorGen as () => Error)());
    }
    if (state.isExpectingAssertions && state.assertionCalls === 0) errors.push(state.isExpectingAssertionsError);
  } catch (err) {
    errors.push(err);
  }
  // afterEach: innermost suite first, each suite's hooks in reverse order (vitest's "stack" order).
  for (const s of [...suites].reverse()) {
    for (const h of [...s.hooks.afterEach].reverse()) {
      try {
        await runHook(h, s, 'afterEach', opts, context);
      } catch (err) {
        errors.push(err);
      }
    }
  }
  for (const td of teardowns.reverse()) {
    try {
      await withTimeout(() => td(), opts.hookTimeout, `beforeEach teardown in "${name}"`);
    } catch (err) {
      errors.push(err);
    }
  }
  for (const f of task.onFinished ?? []) f();
  currentTask = undefined;
  opts.onCurrent?.(undefined);
  // expect.soft failures were recorded on the task instead of thrown.
  const soft = (task.result?.errors ?? []) as SerializedError[];
  const serialized = [...errors.map(serializeError), ...soft];
  await opts.report({ type: 'test', name, ok: serialized.length === 0, duration: performance.now() - start, errors: serialized });
}

/** Runs a collected suite: beforeAll, children in order, afterAll. Returns nothing; results go to report. */
export async function runSuite(suite: Suite, opts: RunOptions): Promise<void> {
  if (suite.collectError) {
    const e = serializeError(suite.collectError);
    if (/dynamically imported module/.test(e.message)) {
      e.message += '\n(see the page console above; a static import of a Node built-in? mark Node-only test files with `// @node-only`)';
    }
    await opts.report({ type: 'failure', name: fullName(suite, '(collecting tests)'), errors: [e] });
    return;
  }
  if (countTests(suite) === 0) {
    if (!suite.parent) await opts.report({ type: 'failure', name: fullName(suite, '(no tests)'), errors: [{ message: 'No test found in this file' }] });
    return;
  }
  const teardowns: AnyFn[] = [];
  let setupFailed = false;
  opts.onCurrent?.(fullName(suite, '(beforeAll)'));
  for (const h of suite.hooks.beforeAll) {
    try {
      const r = await runHook(h, suite, 'beforeAll', opts);
      if (typeof r === 'function') teardowns.push(r as AnyFn);
    } catch (err) {
      setupFailed = true;
      const e = serializeError(err);
      e.message += `\n(${countTests(suite)} test(s) in this suite were not run)`;
      await opts.report({ type: 'failure', name: fullName(suite, '(beforeAll)'), errors: [e] });
      break;
    }
  }
  if (!setupFailed) {
    for (const child of suite.children) {
      if (child.kind === 'test') await runTest(child, opts);
      else await runSuite(child, opts);
    }
  }
  opts.onCurrent?.(fullName(suite, '(afterAll)'));
  const after = [...[...suite.hooks.afterAll].reverse(), ...teardowns.reverse()];
  for (const h of after) {
    try {
      await runHook(h, suite, 'afterAll', opts);
    } catch (err) {
      await opts.report({ type: 'failure', name: fullName(suite, '(afterAll)'), errors: [serializeError(err)] });
    }
  }
  opts.onCurrent?.(undefined);
}
