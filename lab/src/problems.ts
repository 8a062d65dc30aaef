/**
 * The 2-D test functions of the optimizer race. Each is written ONCE against a tiny algebra, so the same
 * formula builds the webgrad graph that the optimizers differentiate on the GPU and the float64 values
 * of the contour plot.
 */
import type * as wg from 'webgrad';

export interface Alg<T> {
  add(a: T | number, b: T | number): T;
  sub(a: T | number, b: T | number): T;
  mul(a: T | number, b: T | number): T;
  sq(a: T): T;
}

export const num: Alg<number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  sq: (a) => a * a,
};

type T = wg.Tensor;
const isT = (v: T | number): v is T => typeof v !== 'number';
export const gpu: Alg<T> = {
  add: (a, b) => (isT(a) ? a.add(b) : (b as T).add(a)),
  sub: (a, b) => (isT(a) ? a.sub(b) : (b as T).neg().add(a)),
  mul: (a, b) => (isT(a) ? a.mul(b) : (b as T).mul(a)),
  sq: (a) => a.square(),
};

export interface Problem {
  label: string;
  formula: string;
  f<V>(x: V, y: V, A: Alg<V>): V;
  start: [number, number];
  /** Global minima (distances are measured to the nearest). */
  minima: [number, number][];
  /** Other stationary points worth marking (local minima, saddles). */
  others?: { at: [number, number]; kind: string }[];
  view: { x: [number, number]; y: [number, number] };
}

/** The real roots of 0.4x³ − 6x + 1 (stationary points of the quartic), by Newton from three brackets. */
function quarticRoots(): number[] {
  return [-4, 0, 4].map((x0) => {
    let x = x0;
    for (let i = 0; i < 60; i++) x -= (0.4 * x ** 3 - 6 * x + 1) / (1.2 * x * x - 6);
    return x;
  });
}
const [qLeft, qMid, qRight] = quarticRoots();

export const PROBLEMS: Record<string, Problem> = {
  rosenbrock: {
    label: 'Rosenbrock',
    formula: 'f(x, y) = (1 − x)² + 100 (y − x²)²',
    f: (x, y, A) => A.add(A.sq(A.sub(1, x)), A.mul(100, A.sq(A.sub(y, A.sq(x))))),
    start: [-2, 2],
    minima: [[1, 1]],
    view: { x: [-2.5, 2], y: [-1, 4.5] },
  },
  ravine: {
    label: 'Ravine (ill-conditioned bowl)',
    formula: 'f(x, y) = 0.5 x² + 5 y²',
    f: (x, y, A) => A.add(A.mul(0.5, A.sq(x)), A.mul(5, A.sq(y))),
    start: [10, 1],
    minima: [[0, 0]],
    view: { x: [-11, 11], y: [-3, 3] },
  },
  quartic: {
    label: 'Quartic (two minima)',
    formula: 'f(x, y) = 0.1 x⁴ − 3 x² + x + y²',
    f: (x, y, A) => A.add(A.add(A.sub(A.mul(0.1, A.sq(A.sq(x))), A.mul(3, A.sq(x))), x), A.sq(y)),
    start: [-3, 1],
    minima: [[qLeft, 0]],
    others: [
      { at: [qRight, 0], kind: 'local minimum' },
      { at: [qMid, 0], kind: 'saddle' },
    ],
    view: { x: [-5.5, 5.5], y: [-2, 2] },
  },
  saddle: {
    label: 'Saddle',
    formula: 'f(x, y) = x² − y² + y⁴/4',
    f: (x, y, A) => A.add(A.sub(A.sq(x), A.sq(y)), A.mul(0.25, A.sq(A.sq(y)))),
    start: [-2, 0.05],
    minima: [
      [0, Math.SQRT2],
      [0, -Math.SQRT2],
    ],
    others: [{ at: [0, 0], kind: 'saddle' }],
    view: { x: [-2.5, 2.5], y: [-2.2, 2.2] },
  },
  beale: {
    label: 'Beale',
    formula: 'f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
    f: (x, y, A) => {
      const xy = A.mul(x, y);
      const xy2 = A.mul(xy, y);
      const xy3 = A.mul(xy2, y);
      return A.add(A.add(A.sq(A.add(A.sub(1.5, x), xy)), A.sq(A.add(A.sub(2.25, x), xy2))), A.sq(A.add(A.sub(2.625, x), xy3)));
    },
    start: [1, 1.5],
    minima: [[3, 0.5]],
    view: { x: [-1, 4.5], y: [-1.5, 2.5] },
  },
};

export const PROBLEM_OPTIONS: [string, string][] = Object.entries(PROBLEMS).map(([k, p]) => [k, p.label]);

export const valueAt = (p: Problem, x: number, y: number): number => p.f(x, y, num);

export function distanceToMinimum(p: Problem, x: number, y: number): number {
  return Math.min(...p.minima.map(([a, b]) => Math.hypot(x - a, y - b)));
}
