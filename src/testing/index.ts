/**
 * webgrad/testing: checks for users' own GPU tests, usable from any test framework.
 *
 *   import { gradcheck, assertClose } from 'webgrad/testing';
 *   const r = await gradcheck((x) => softplus(x).sum(), [wg.randn([5], { seed: 0 })]);
 *   // r: { ok, maxError, worst: { input, index, analytic, numeric }, message }
 *   await assertClose(tensorOrArray, expected, { atol: 1e-5, rtol: 1e-4 });
 *
 * gradcheck compares the gradient backward() computes with central differences of the same function:
 *     ∂L/∂x_j ≈ (L(x + ε e_j) − L(x − ε e_j)) / (x_j⁺ − x_j⁻),   L = Σ_k f(x)_k · u_k
 * where u is a fixed random upstream gradient (u = 1 for a one-element output). f runs on the GPU in
 * float32; L is accumulated in float64 on the CPU, and the denominator is the step actually taken
 * after rounding x ± ε to float32, so the estimate's own error stays near ε² and float32 rounding.
 * An element fails when |analytic − numeric| > atol + rtol·|numeric| (torch.allclose); the worst one
 * (largest ratio of error to tolerance) is reported by input and multi-index.
 */
import { Tensor, tensor, setGradEnabled, collect, fmt } from '../tensor/index.js';
import { backward } from '../autograd/index.js';

export interface CloseOptions {
  /** Absolute tolerance (default 1e-5, torch.testing's for float32). */
  atol?: number;
  /** Relative tolerance (default 1.3e-6, torch.testing's for float32). */
  rtol?: number;
  /** What is compared, for the message. */
  label?: string;
  /** How many of the worst elements the message lists (default 5). */
  show?: number;
}

type Nested = number | readonly Nested[];
export type Values = Tensor | ArrayLike<number> | Nested;

function unravel(i: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

const fmtIndex = (i: number, shape: readonly number[]) => `[${unravel(i, shape).join(', ')}]`;

/** Flat data and shape of a tensor, typed array, nested array or number (shape null: a flat typed array). */
async function read(v: Values, what: string): Promise<{ data: ArrayLike<number>; shape: readonly number[] | null }> {
  if (v instanceof Tensor) return { data: await v.toArray(), shape: v.shape };
  if (typeof v === 'number') return { data: [v], shape: [] };
  if (ArrayBuffer.isView(v)) return { data: v as unknown as ArrayLike<number>, shape: null };
  if (Array.isArray(v)) {
    const shape: number[] = [];
    for (let a: Nested = v; Array.isArray(a); a = (a as Nested[])[0]) shape.push((a as Nested[]).length);
    const flat = (v as Nested[]).flat(Infinity as 1) as unknown[];
    if (flat.some((x) => typeof x !== 'number') || flat.length !== shape.reduce((p, d) => p * d, 1)) {
      throw new Error(`assertClose: ${what} is a ragged or non-numeric array`);
    }
    return { data: flat as number[], shape };
  }
  throw new Error(`assertClose: ${what} must be a Tensor, a typed array, a (nested) array of numbers or a number`);
}

/**
 * Compare flat values; null when every element is within atol + rtol·|expected|, else the message.
 * NaN matches only NaN, ±Inf only the same Inf. Shared by assertClose and the project's own tests.
 */
export function closeMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, shape: readonly number[], o: CloseOptions = {}): string | null {
  const atol = o.atol ?? 1e-5;
  const rtol = o.rtol ?? 1.3e-6;
  const label = o.label ? `${o.label}: ` : '';
  if (actual.length !== expected.length) return `${label}${actual.length} values, expected ${expected.length} (shape ${fmt(shape)})`;
  const bad: { i: number; ratio: number }[] = [];
  for (let i = 0; i < expected.length; i++) {
    const x = actual[i];
    const y = expected[i];
    let ratio: number;
    if (Number.isNaN(y) || Number.isNaN(x)) ratio = Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
    else if (!Number.isFinite(y) || !Number.isFinite(x)) ratio = x === y ? 0 : Infinity;
    else {
      const diff = Math.abs(x - y);
      const tol = atol + rtol * Math.abs(y);
      ratio = diff === 0 ? 0 : tol === 0 ? Infinity : diff / tol;
    }
    if (ratio > 1) bad.push({ i, ratio });
  }
  if (bad.length === 0) return null;
  bad.sort((a, b) => b.ratio - a.ratio || a.i - b.i);
  const w = bad[0].i;
  const rows = bad.slice(0, o.show ?? 5).map(({ i }) => {
    const x = actual[i];
    const y = expected[i];
    return `  ${fmtIndex(i, shape).padEnd(14)} ${String(x).padStart(14)} ${String(y).padStart(14)} ${String(Math.abs(x - y)).padStart(14)}`;
  });
  return (
    `${label}${bad.length} of ${expected.length} elements differ beyond atol + rtol·|expected| (atol ${atol}, rtol ${rtol}); ` +
    `worst at ${fmtIndex(w, shape)} (flat ${w}): actual ${actual[w]}, expected ${expected[w]}, |diff| ${Math.abs(actual[w] - expected[w])} ` +
    `> tolerance ${atol + rtol * Math.abs(expected[w])}\n` +
    `  ${'index'.padEnd(14)} ${'actual'.padStart(14)} ${'expected'.padStart(14)} ${'|diff|'.padStart(14)}\n${rows.join('\n')}`
  );
}

/**
 * Throw unless `actual` and `expected` (tensors, typed arrays, nested arrays or numbers) have the same
 * shape and every element is within atol + rtol·|expected|. The error lists the worst elements by
 * multi-index with both values and the difference.
 */
export async function assertClose(actual: Values, expected: Values, o: CloseOptions = {}): Promise<void> {
  const a = await read(actual, 'actual');
  const e = await read(expected, 'expected');
  const shape = e.shape ?? a.shape ?? [e.data.length];
  const label = o.label ? `${o.label}: ` : '';
  if (a.shape && e.shape && (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape![i]))) {
    throw new Error(`assertClose: ${label}actual has shape ${fmt(a.shape)}, expected has shape ${fmt(e.shape)}`);
  }
  const msg = closeMismatch(a.data, e.data, shape, o);
  if (msg) throw new Error(`assertClose: ${msg}`);
}

export interface GradcheckOptions {
  /** Finite-difference step (absolute, as torch; default 1e-3, suited to float32). */
  eps?: number;
  /** Tolerances: an element passes when |analytic − numeric| ≤ atol + rtol·|numeric| (defaults 1e-3, 1e-2). */
  atol?: number;
  rtol?: number;
  /** Seed of the random upstream gradient used when the output has more than one element. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| over all checked elements. */
  maxError: number;
  /** The element with the largest error relative to its tolerance (null when nothing was checked). */
  worst: { input: number; index: number[]; flatIndex: number; analytic: number; numeric: number } | null;
  /** One line saying what passed, or which element failed and by how much. */
  message: string;
}

/** Deterministic standard normals (mulberry32 + Box-Muller), rounded to float32. */
function upstream(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return out;
}

/**
 * Check fn's gradients with respect to its float32 tensor inputs against central differences.
 * Inputs are copied (the caller's tensors and their .grad are untouched); int32 tensors and numbers
 * are passed through unchecked. fn may return a tensor of any shape.
 */
export async function gradcheck(fn: (...inputs: any[]) => Tensor, inputs: readonly (Tensor | number)[], o: GradcheckOptions = {}): Promise<GradcheckResult> {
  const eps = o.eps ?? 1e-3;
  const atol = o.atol ?? 1e-3;
  const rtol = o.rtol ?? 1e-2;
  if (typeof fn !== 'function') throw new Error('gradcheck: the first argument must be a function of tensors returning a tensor');
  if (!Array.isArray(inputs)) throw new Error('gradcheck: inputs must be an array, e.g. gradcheck(f, [x])');
  if (!(eps > 0)) throw new Error(`gradcheck: eps must be positive (got ${eps})`);
  const checked = inputs.map((x) => x instanceof Tensor && x.dtype === 'float32');
  if (!checked.some(Boolean)) throw new Error('gradcheck: no float32 tensor among the inputs, nothing to check');
  const data = await Promise.all(inputs.map((x, i) => (checked[i] ? ((x as Tensor).toArray() as Promise<Float32Array>) : null)));
  const temps: Tensor[] = [];
  const make = (i: number, d: Float32Array | null, requiresGrad = false): Tensor | number => {
    if (!d) return inputs[i];
    const t = tensor(d, (inputs[i] as Tensor).shape, { requiresGrad });
    temps.push(t);
    return t;
  };
  const outputOf = (y: unknown): Tensor => {
    if (!(y instanceof Tensor)) throw new Error(`gradcheck: fn must return a Tensor (it returned ${typeof y})`);
    return y;
  };
  try {
    // Analytic: one backward with upstream gradient u.
    const leaves = inputs.map((_, i) => make(i, data[i], true));
    // Everything fn creates is freed at the end (backward frees the graph's intermediates; this catches the rest).
    const { result, created } = collect(() => fn(...leaves));
    temps.push(...created);
    const y = outputOf(result);
    const u = y.size === 1 ? new Float32Array([1]) : upstream(y.size, o.seed ?? 0);
    const uT = tensor(u, y.shape);
    temps.push(uT);
    if (!y.requiresGrad) throw new Error('gradcheck: the output does not depend on any input through recorded ops (was it computed under noGrad, or detached?)');
    backward(y, uT);
    const analytic = await Promise.all(
      leaves.map(async (t, i) => {
        if (!checked[i]) return null;
        const g = (t as Tensor).grad;
        if (g) temps.push(g);
        return g ? await g.toArray() : new Float32Array((t as Tensor).size); // no gradient = zero
      }),
    );

    // Numeric: L(x ± eps e_j) with everything else fixed, accumulated in float64.
    const loss = async (args: (Tensor | number)[]): Promise<number> => {
      const prev = setGradEnabled(false);
      let out: Tensor;
      let created: Tensor[];
      try {
        ({ result: out, created } = collect(() => fn(...args)));
      } finally {
        setGradEnabled(prev);
      }
      const v = await outputOf(out).toArray();
      for (const t of created) if (!args.includes(t) && !t.disposed) t.dispose();
      let s = 0;
      for (let k = 0; k < v.length; k++) s += v[k] * u[k];
      return s;
    };
    let maxError = 0;
    let worst: GradcheckResult['worst'] = null;
    let worstRatio = -1;
    let failures = 0;
    let total = 0;
    for (let i = 0; i < inputs.length; i++) {
      const x = data[i];
      if (!x) continue;
      const shape = (inputs[i] as Tensor).shape;
      for (let j = 0; j < x.length; j++) {
        const probe = Float32Array.from(x);
        probe[j] = x[j] + eps;
        const hi = probe[j];
        const argsHi = inputs.map((_, k) => make(k, k === i ? probe.slice() : data[k]));
        probe[j] = x[j] - eps;
        const lo = probe[j];
        const argsLo = inputs.map((_, k) => make(k, k === i ? probe.slice() : data[k]));
        const numeric = ((await loss(argsHi)) - (await loss(argsLo))) / (hi - lo);
        for (const t of temps.splice(temps.length - 2 * checked.filter(Boolean).length)) t.dispose();
        const a = analytic[i]![j];
        const err = Math.abs(a - numeric);
        const ratio = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(numeric));
        total++;
        if (ratio > 1) failures++;
        if (!(err <= maxError)) maxError = err;
        if (ratio > worstRatio) {
          worstRatio = ratio;
          worst = { input: i, index: unravel(j, shape), flatIndex: j, analytic: a, numeric };
        }
      }
    }
    const ok = failures === 0;
    const at = worst ? `input ${worst.input} at ${fmt(worst.index)}` : '';
    const message = ok
      ? `gradcheck passed: max |analytic - numeric| = ${maxError.toExponential(2)} over ${total} element(s) (eps ${eps}, atol ${atol}, rtol ${rtol})`
      : `gradcheck failed: ${failures} of ${total} element(s) differ; worst: ${at}: analytic ${worst!.analytic}, numeric ${worst!.numeric} ` +
        `(|diff| ${Math.abs(worst!.analytic - worst!.numeric).toExponential(3)} > atol ${atol} + rtol ${rtol}·|numeric|)`;
    return { ok, maxError, worst, message };
  } finally {
    for (const t of temps) if (!t.disposed) t.dispose();
  }
}
