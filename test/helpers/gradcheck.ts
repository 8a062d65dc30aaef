/**
 * gradcheck: webgrad's GPU gradients against central finite differences of the float64 CPU reference.
 *
 * For inputs x₁..xₙ, a function f and a random upstream gradient u (fixed by the seed), the loss is
 * L = Σ f(x) ⊙ u. The GPU computes f on float32 tensors and calls f(x).backward(u). The reference
 * computes every partial derivative numerically in float64:
 *     ∂L/∂x_j ≈ (L(x + ε e_j) − L(x − ε e_j)) / 2ε
 * whose error, O(ε²) truncation plus O(δ/ε) rounding with δ ≈ 1e-16, is far below float32 precision,
 * so any disagreement is the GPU's (a wrong rule, or float32 rounding, which the tolerance allows).
 * The forward values are compared too.
 *
 * `fn` is written once and runs on both sides because `Ref` mirrors Tensor's methods; pass
 * `{ gpu, cpu }` instead where the GPU side needs a function Tensor has no method for (e.g. wg.mm).
 */
import * as wg from '../../src/index.js';
import { Ref } from './reference.js';
import { Rng } from './rng.js';
import { expectClose } from './expect_close.js';
import { toGpu } from './gpu.js';

export type Twin = { gpu: (...xs: wg.Tensor[]) => wg.Tensor; cpu: (...xs: Ref[]) => Ref };

export interface GradcheckOptions {
  /** Finite-difference step, relative to max(1, |x_j|). */
  eps?: number;
  /** Gradient tolerance: |gpu − numeric| ≤ atol·scale + rtol·|numeric|, scale = max(1, max |numeric|). */
  rtol?: number;
  atol?: number;
  /** Seed of the upstream gradient u. */
  seed?: number;
  label?: string;
}

function lossOf(cpu: (...xs: Ref[]) => Ref, xs: Ref[], u: Ref): number {
  const y = cpu(...xs);
  let s = 0;
  for (let i = 0; i < y.size; i++) s += y.data[i] * u.data[i];
  return s;
}

/** Numerical gradient of L = Σ cpu(xs) ⊙ u with respect to every element of every input, in float64. */
export function numericGrads(cpu: (...xs: Ref[]) => Ref, xs: Ref[], u: Ref, eps = 1e-6): Ref[] {
  return xs.map((x, which) => {
    const g = new Float64Array(x.size);
    for (let j = 0; j < x.size; j++) {
      const orig = x.data[j];
      const h = eps * Math.max(1, Math.abs(orig));
      const probe = (v: number) => {
        const copy = new Ref(x.data, x.shape);
        copy.data[j] = v;
        return lossOf(cpu, xs.map((y, k) => (k === which ? copy : y)), u);
      };
      g[j] = (probe(orig + h) - probe(orig - h)) / (2 * h);
    }
    return new Ref(g, x.shape);
  });
}

export async function gradcheck(fn: ((...xs: Ref[]) => Ref) | Twin, inputs: Ref[], o: GradcheckOptions = {}): Promise<void> {
  const cpu = typeof fn === 'function' ? fn : fn.cpu;
  const gpu = typeof fn === 'function' ? (fn as unknown as (...xs: wg.Tensor[]) => wg.Tensor) : fn.gpu;
  const label = o.label ?? 'gradcheck';
  const expected = cpu(...inputs);
  const u = new Rng(o.seed ?? 7).randn(expected.shape);

  const xs = inputs.map((r) => toGpu(r, { requiresGrad: true }));
  const out = gpu(...xs);
  const ut = toGpu(u);
  try {
    if (out.shape.join() !== expected.shape.join()) {
      throw new Error(`${label}: output shape [${out.shape}] differs from the reference [${expected.shape}]`);
    }
    expectClose(await out.toArray(), expected, { rtol: 1e-4, atol: 1e-5, label: `${label} forward` });
    out.backward(ut);
    const numeric = numericGrads(cpu, inputs, u, o.eps);
    for (let i = 0; i < xs.length; i++) {
      const g = xs[i].grad;
      const want = numeric[i];
      const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
      if (g && g.shape.join() !== xs[i].shape.join()) {
        throw new Error(`${label}: grad of input ${i} has shape [${g.shape}], the input has [${xs[i].shape}]`);
      }
      const got = g ? await g.toArray() : new Float32Array(want.size); // no grad = zero gradient
      expectClose(got, want, { rtol: o.rtol ?? 1e-3, atol: (o.atol ?? 1e-4) * scale, label: `${label} d/dinput${i}` });
    }
  } finally {
    for (const x of xs) {
      x.grad?.dispose();
      x.dispose();
    }
    out.dispose();
    ut.dispose();
  }
}
