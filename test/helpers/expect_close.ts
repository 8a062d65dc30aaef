/**
 * expectClose(actual, expected, { rtol, atol }): |actual − expected| ≤ atol + rtol·|expected| for every
 * element (numpy.allclose / torch.testing semantics). NaN matches only NaN, ±Inf only the same Inf.
 * On failure it names the worst element by multi-index, both values, the difference and how many
 * elements failed, so the message alone says what went wrong.
 */
import type { Ref } from './reference.js';

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  /** What is being compared, for the message. */
  label?: string;
  /** Shape to report indices in (taken from `expected` when it is a Ref). */
  shape?: readonly number[];
}

type Values = ArrayLike<number> | Ref | { shape: readonly number[]; data: ArrayLike<number> };

function unravel(i: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

const dataOf = (v: Values): ArrayLike<number> => ('data' in v && !ArrayBuffer.isView(v) ? v.data : (v as ArrayLike<number>));
const shapeOf = (v: Values): readonly number[] | undefined =>
  'shape' in v && !ArrayBuffer.isView(v) ? (v as { shape: readonly number[] }).shape : undefined;

export function expectClose(actual: Values, expected: Values, o: CloseOptions = {}): void {
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-6;
  const a = dataOf(actual);
  const e = dataOf(expected);
  const label = o.label ? `${o.label}: ` : '';
  const shape = o.shape ?? shapeOf(expected) ?? [e.length];
  const as = shapeOf(actual);
  if (as && shapeOf(expected) && (as.length !== shape.length || as.some((d, i) => d !== shape[i]))) {
    throw new Error(`${label}shape [${as}] differs from the expected [${shape}]`);
  }
  if (a.length !== e.length) throw new Error(`${label}${a.length} values, expected ${e.length} (shape [${shape}])`);
  let worst = -1;
  let worstRatio = 0;
  let bad = 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    const y = e[i];
    let ratio: number;
    if (Number.isNaN(y) || Number.isNaN(x)) ratio = Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
    else if (!Number.isFinite(y) || !Number.isFinite(x)) ratio = x === y ? 0 : Infinity;
    else {
      const tol = atol + rtol * Math.abs(y);
      const diff = Math.abs(x - y);
      ratio = diff === 0 ? 0 : tol === 0 ? Infinity : diff / tol;
    }
    if (ratio > 1) bad++;
    if (ratio > worstRatio || (ratio === Infinity && worst < 0)) {
      worstRatio = ratio;
      worst = i;
    }
  }
  if (bad === 0) return;
  const idx = shape.length ? `[${unravel(worst, shape).join(', ')}]` : '[]';
  const x = a[worst];
  const y = e[worst];
  throw new Error(
    `${label}${bad} of ${e.length} elements differ beyond atol + rtol·|expected| (atol ${atol}, rtol ${rtol}); ` +
      `worst at ${idx} (flat ${worst}): actual ${x}, expected ${y}, |diff| ${Math.abs(x - y)} ` +
      `> tolerance ${atol + rtol * Math.abs(y)}`,
  );
}
