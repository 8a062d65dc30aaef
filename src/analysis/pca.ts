/**
 * PCA of a set of points (rows), for weight trajectories: snapshots of the flattened weights along
 * training, one row each. The points are few (tens to hundreds) and long (all the weights), so PCA goes
 * through the n×n Gram matrix instead of the d×d covariance:
 *   X̄ = X − mean of the rows,   G = X̄ X̄ᵀ  (one GPU matmul),   G = U Λ Uᵀ  (float64 Jacobi, CPU)
 *   scores (coordinates of row i on component k) = U_ik √λ_k,   explained_k = λ_k / Σ λ
 * which is the SVD X̄ = U S Vᵀ with λ = S²; the component directions in weight space are Vᵀ = S⁻¹Uᵀ X̄.
 */
import { Tensor, mm, fmt, fromData } from '../tensor/index.js';
import { noGrad } from '../autograd/index.js';

/** What pca returns: the points projected on the first k principal components, the explained-variance ratios and all eigenvalues. */
export interface PcaResult {
  /** n × k coordinates of the rows on the first k components. */
  scores: number[][];
  /** λ_k / Σλ for the first k components. */
  explained: number[];
  /** All eigenvalues of X̄X̄ᵀ (= squared singular values of X̄), descending. */
  eigenvalues: number[];
}

/** Eigen-decomposition of a symmetric matrix (row-major, float64) by cyclic Jacobi rotations. */
export function symmetricEigen(a: Float64Array | number[], n: number): { values: number[]; vectors: number[][] } {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i] ** 2;
      for (let j = i + 1; j < n; j++) off += A[i * n + j] ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j] - A[i * n + i]);
  return {
    values: order.map((i) => A[i * n + i]),
    vectors: order.map((i) => Array.from({ length: n }, (_, k) => V[k * n + i])),
  };
}

/**
 * PCA of the rows of `x` ([n, d] tensor, or n equal-length arrays): the first k components.
 * The sign of each component is fixed so that its largest-magnitude score is positive.
 */
export async function pca(x: Tensor | ArrayLike<number>[], k = 2): Promise<PcaResult> {
  const X = x instanceof Tensor ? x : stackRows(x);
  if (X.ndim !== 2) throw new Error(`webgrad.analysis.pca: expected [n, d] rows, got shape ${fmt(X.shape)}; flatten each point into a row`);
  const n = X.shape[0];
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`webgrad.analysis.pca: k must be an integer in [1, ${n}] (n rows), got ${k}`);
  const gram = noGrad(() => {
    const mean = X.mean(0, true);
    const centred = X.sub(mean);
    const g = mm(centred, centred, false, true);
    for (const t of [mean, centred]) t.dispose();
    return g;
  });
  const G = Float64Array.from(await gram.toArray());
  gram.dispose();
  if (X !== x) X.dispose();
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) G[i * n + j] = G[j * n + i] = (G[i * n + j] + G[j * n + i]) / 2;
  const { values, vectors } = symmetricEigen(G, n);
  const eig = values.map((v) => Math.max(v, 0));
  const total = eig.reduce((s, v) => s + v, 0) || 1;
  const comps = vectors.slice(0, k).map((u, c) => {
    const s = Math.sqrt(eig[c]);
    const col = u.map((v) => v * s);
    const big = col.reduce((b, v) => (Math.abs(v) > Math.abs(b) ? v : b), 0);
    return big < 0 ? col.map((v) => -v) : col;
  });
  return {
    scores: Array.from({ length: n }, (_, i) => comps.map((c) => c[i])),
    explained: eig.slice(0, k).map((v) => v / total),
    eigenvalues: eig,
  };
}

function stackRows(rows: ArrayLike<number>[]): Tensor {
  if (!rows.length) throw new Error('webgrad.analysis.pca: no rows given');
  const d = rows[0].length;
  const flat = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`webgrad.analysis.pca: row ${i} has ${r.length} values, row 0 has ${d}; every row must be the same length`);
    flat.set(r as ArrayLike<number>, i * d);
  });
  return fromData(flat, [rows.length, d]);
}
