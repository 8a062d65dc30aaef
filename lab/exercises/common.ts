/**
 * Shared types and small helpers of the lab's exercises. Every exercise module exports
 *   meta = { id, title }
 *   run(wg, opts?, progress?) -> Promise<Result>   (Result is plain JSON: numbers, arrays, runs, values, series)
 * and uses the library's own optimizers and schedulers; charts are built from Result elsewhere.
 */
import type * as WG from '../../src/index.js';

export type Wg = typeof WG;
export type Tensor = WG.Tensor;
export type Progress = (done: number, total: number, label?: string) => void;
export interface Meta {
  id: number;
  title: string;
}

/** A claim from the course material, measured: the stated setting, the verdict, the numbers. */
export interface Claim {
  claim: string;
  setting: string;
  verdict: 'holds' | 'does not hold' | 'holds in part';
  evidence: string;
  /** Where the claim fails: a setting where the intended lesson does hold, and what it shows. */
  lesson?: string;
}

export const noop: Progress = () => {};

/** Round for JSON (keeps reports small); non-finite numbers become null. */
export const r = (x: number, digits = 6): number | null => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : null);

export const fmt = (x: number | null, digits = 4): string => (x === null || !Number.isFinite(x) ? 'n/a' : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : String(Number(x.toPrecision(digits))));

/** Read several tensors at once (one wait). */
export async function read(ts: Tensor[]): Promise<number[][]> {
  const arrays = await Promise.all(ts.map((t) => t.toArray()));
  return arrays.map((a) => Array.from(a));
}

/** Scalar parameter tensor(s) from numbers. */
export function param(wg: Wg, values: number[]): Tensor {
  return wg.tensor(values, [values.length], { requiresGrad: true });
}

/** One optimizer step on `loss(params)`; the loss is disposed (read it before, if needed). */
export function step(opt: { zeroGrad(): void; step(): unknown }, loss: () => Tensor): void {
  opt.zeroGrad();
  const l = loss();
  l.backward();
  opt.step();
  l.dispose();
}

/** Real roots of a polynomial's derivative-style function on [lo, hi] by sign changes and bisection. */
export function roots(f: (x: number) => number, lo: number, hi: number, n = 4000): number[] {
  const out: number[] = [];
  let a = lo;
  let fa = f(a);
  for (let i = 1; i <= n; i++) {
    const b = lo + ((hi - lo) * i) / n;
    const fb = f(b);
    if (fa === 0) out.push(a);
    else if (fa * fb < 0) {
      let [x0, x1] = [a, b];
      for (let k = 0; k < 200; k++) {
        const m = (x0 + x1) / 2;
        if (f(x0) * f(m) <= 0) x1 = m;
        else x0 = m;
      }
      out.push((x0 + x1) / 2);
    }
    [a, fa] = [b, fb];
  }
  return out;
}

/** Merge user options over defaults. */
export function options<O>(defaults: O, opts?: Partial<O>): O {
  return { ...defaults, ...(opts ?? {}) } as O;
}
