// Checks the test runner itself (`webgrad test`, bin/webgrad.mjs): the same file runs under vitest in
// Node and in headless Chromium (vitest's browser mode), with the same hooks, matchers and spies.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const inBrowser = typeof window !== 'undefined';
const log: string[] = [];

describe('rig', () => {
  beforeAll(async () => {
    await new Promise((r) => setTimeout(r, 1));
    log.push('beforeAll');
  });
  beforeEach(() => {
    log.push('beforeEach');
  });
  afterEach(() => {
    log.push('afterEach');
  });

  it('runs sync matchers', () => {
    expect(1 + 1).toBe(2);
    expect({ a: [1, 2], b: 'x' }).toEqual({ a: [1, 2], b: 'x' });
    expect([1, 2, 3]).toContain(2);
    expect(0.1 + 0.2).toBeCloseTo(0.3, 10);
    expect(new Float32Array([1, 2])).toEqual(new Float32Array([1, 2]));
    expect({ a: 1, b: 2 }).toMatchObject({ a: 1 });
    expect('webgrad').toEqual(expect.stringContaining('grad'));
    expect(() => {
      throw new Error('x');
    }).toThrow(/x/);
    expect(() => expect(1).toBe(2)).toThrow();
  });

  it('awaits async matchers', async () => {
    await expect(Promise.reject(new Error('y'))).rejects.toThrow('y');
    await expect(Promise.resolve(3)).resolves.toBe(3);
  });

  it('runs hooks in order', () => {
    expect(log).toEqual(['beforeAll', 'beforeEach', 'afterEach', 'beforeEach', 'afterEach', 'beforeEach']);
  });

  it('has spies', () => {
    const f = vi.fn((x: number) => x * 2);
    expect(f(2)).toBe(4);
    expect(f).toHaveBeenCalledWith(2);
  });

  it('accepts a per-test timeout', async () => {
    await new Promise((r) => setTimeout(r, 5));
  }, 10_000);

  describe('nested', () => {
    beforeEach(() => {
      log.push('inner beforeEach');
    });
    it.each([
      [1, 2, 3],
      [2, 3, 5],
    ])('adds %i + %i = %i', (a, b, sum) => {
      expect(a + b).toBe(sum);
    });
  });

  afterAll(() => {
    expect(log.filter((x) => x === 'inner beforeEach')).toHaveLength(2);
  });
});

describe('environment', () => {
  it('has WebGPU when running in a browser', () => {
    if (inBrowser) {
      expect(globalThis.isSecureContext).toBe(true);
      expect((globalThis.navigator as { gpu?: unknown } | undefined)?.gpu).toBeDefined();
    } else {
      expect(typeof process.versions.node).toBe('string');
    }
  });
});
