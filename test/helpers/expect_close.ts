/**
 * expectClose(actual, expected, { rtol, atol }): |actual − expected| ≤ atol + rtol·|expected| for every
 * element (numpy.allclose / torch.testing semantics). NaN matches only NaN, ±Inf only the same Inf.
 * On failure it names the worst element by multi-index, both values, the difference and how many
 * elements failed, so the message alone says what went wrong. The comparison is webgrad/testing's
 * (closeMismatch, behind assertClose): one implementation for the project's tests and users' tests.
 */
import type { Ref } from './reference.js';
import { closeMismatch } from '../../src/testing/index.js';

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  /** What is being compared, for the message. */
  label?: string;
  /** Shape to report indices in (taken from `expected` when it is a Ref). */
  shape?: readonly number[];
}

type Values = ArrayLike<number> | Ref | { shape: readonly number[]; data: ArrayLike<number> };

const dataOf = (v: Values): ArrayLike<number> => ('data' in v && !ArrayBuffer.isView(v) ? v.data : (v as ArrayLike<number>));
const shapeOf = (v: Values): readonly number[] | undefined =>
  'shape' in v && !ArrayBuffer.isView(v) ? (v as { shape: readonly number[] }).shape : undefined;

export function expectClose(actual: Values, expected: Values, o: CloseOptions = {}): void {
  const a = dataOf(actual);
  const e = dataOf(expected);
  const label = o.label ? `${o.label}: ` : '';
  const shape = o.shape ?? shapeOf(expected) ?? [e.length];
  const as = shapeOf(actual);
  if (as && shapeOf(expected) && (as.length !== shape.length || as.some((d, i) => d !== shape[i]))) {
    throw new Error(`${label}shape [${as}] differs from the expected [${shape}]`);
  }
  const message = closeMismatch(a, e, shape, { rtol: o.rtol ?? 1e-5, atol: o.atol ?? 1e-6, label: o.label });
  if (message) throw new Error(message);
}
