/**
 * Tensor values as torch prints them (torch/_tensor_str.py, default print options): 4 decimals, or
 * scientific notation when the nonzero magnitudes span more than 1000x (or exceed 1e8, or go below 1e-4),
 * or integers with a trailing "." when every value is whole; columns padded to one width; rows wrapped
 * at 80 characters; over 1000 elements, the first and last 3 of each dimension around "...".
 * torch's suffixes in webgrad's names: `dtype=int32`, `size=[0, 3]`, `requiresGrad=true`, `gradFn=<mul>`.
 */
import type { DType } from './tensor.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINE = 80;

/** Python's '{:.4f}': a tie (exactly 5 after the kept digits) rounds to even; JS's toFixed rounds it up. */
function fixed(v: number, digits: number): string {
  const exact = v.toFixed(digits + 25);
  if (!/^50*$/.test(exact.slice(-25))) return v.toFixed(digits);
  const down = exact.slice(0, -25).replace(/\.$/, '');
  return Number(down[down.length - 1]) % 2 === 0 ? down : v.toFixed(digits);
}
/** Python's '{:.4e}': a two-digit exponent at least. */
const sci = (v: number) => v.toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');

/** How every value of one tensor is written (torch's _Formatter). */
function formatter(values: ArrayLike<number>, dtype: DType): { width: number; format: (v: number) => string } {
  let width = 1;
  if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) width = Math.max(width, String(values[i]).length);
    return { width, format: (v) => String(v).padStart(width) };
  }
  const finite = Array.from(values).filter((v) => Number.isFinite(v) && v !== 0);
  let mode: 'int' | 'fixed' | 'sci' = 'int';
  if (finite.length > 0) {
    const abs = finite.map(Math.abs);
    const [min, max] = [Math.min(...abs), Math.max(...abs)];
    const whole = finite.every((v) => v === Math.ceil(v));
    const sciMode = max / min > 1000 || max > 1e8 || (!whole && min < 1e-4);
    mode = sciMode ? 'sci' : whole ? 'int' : 'fixed';
    for (const v of finite) width = Math.max(width, mode === 'sci' ? sci(v).length : mode === 'int' ? fixed(v, 0).length + 1 : fixed(v, PRECISION).length);
  }
  const format = (v: number) =>
    (!Number.isFinite(v) ? special(v) : mode === 'sci' ? sci(v) : mode === 'int' ? `${fixed(v, 0)}.` : fixed(v, PRECISION)).padStart(width);
  return { width, format };
}

/** The values shown: all, or over 1000 elements the first and last EDGE of every dimension. */
function summarized(values: ArrayLike<number>, shape: readonly number[], summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (dim: number, off: number) => {
    if (dim === shape.length) return void out.push(values[off]);
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    for (const i of indices(shape[dim], summarize)) walk(dim + 1, off + i * stride);
  };
  walk(0, 0);
  return out;
}
const indices = (n: number, summarize: boolean): number[] =>
  summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), ...Array.from({ length: EDGE }, (_, k) => n - EDGE + k)] : [...Array(n).keys()];

/** torch's repr of a tensor with these values (row-major) and shape. */
export function formatTensor(values: ArrayLike<number>, shape: readonly number[], dtype: DType, grad: { requiresGrad: boolean; op: string | null }): string {
  const size = shape.reduce((a, b) => a * b, 1);
  const suffixes: string[] = [];
  let body = '[]';
  if (size === 0) {
    if (shape.length !== 1) suffixes.push(`size=[${shape.join(', ')}]`);
  } else {
    const summarize = size > THRESHOLD;
    const { width, format } = formatter(summarized(values, shape, summarize), dtype);
    const perLine = (indent: number) => Math.max(1, Math.floor((LINE - indent) / (width + 2)));
    const str = (dim: number, off: number, indent: number): string => {
      if (dim === shape.length) return format(values[off]);
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const n = shape[dim];
      const parts: string[] = [];
      for (const i of indices(n, summarize)) {
        if (summarize && n > 2 * EDGE && i === n - EDGE) parts.push(dim === shape.length - 1 ? ' ...' : '...');
        parts.push(str(dim + 1, off + i * stride, indent + 1));
      }
      if (dim < shape.length - 1) return `[${parts.join(`,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(indent + 1)}`)}]`;
      const k = perLine(indent);
      const lines: string[] = [];
      for (let i = 0; i < parts.length; i += k) lines.push(parts.slice(i, i + k).join(', '));
      return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
    };
    body = str(0, 0, 'tensor('.length);
  }
  if (dtype !== 'float32') suffixes.push(`dtype=${dtype}`);
  if (grad.op) suffixes.push(`gradFn=<${grad.op}>`);
  else if (grad.requiresGrad) suffixes.push('requiresGrad=true');
  // torch's _add_suffixes, including its count of the last line's length
  let text = `tensor(${body}`;
  let last = text.length - text.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (last + s.length + 2 > LINE) {
      text += `,\n${' '.repeat('tensor('.length)}${s}`;
      last = 'tensor('.length + s.length;
    } else {
      text += `, ${s}`;
      last += s.length + 2;
    }
  }
  return `${text})`;
}
