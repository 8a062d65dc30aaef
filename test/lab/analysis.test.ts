/**
 * wg.analysis against independent float64 references: PCA against power iteration with deflation on the
 * float64 Gram matrix (a different algorithm from the Jacobi solver), the Jacobi solver against a matrix
 * built from known eigenpairs, the loss landscape of a quadratic against its closed form, filter
 * normalisation against row norms, and gradient statistics against float64 sums.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import { Rng } from '../helpers/rng.js';

beforeAll(async () => {
  await wg.init();
});

const f32 = (x: number) => Math.fround(x);

/** Top-k eigenvalues and vectors of a symmetric float64 matrix by power iteration with deflation. */
function powerEigen(A: number[][], k: number): { values: number[]; vectors: number[][] } {
  const n = A.length;
  const M = A.map((r) => [...r]);
  const values: number[] = [];
  const vectors: number[][] = [];
  for (let c = 0; c < k; c++) {
    let v = Array.from({ length: n }, (_, i) => 1 + i * 0.37);
    let lambda = 0;
    for (let it = 0; it < 5000; it++) {
      const w = M.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
      const norm = Math.hypot(...w);
      v = w.map((x) => x / norm);
      lambda = norm;
    }
    values.push(lambda);
    vectors.push(v);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i][j] -= lambda * v[i] * v[j];
  }
  return { values, vectors };
}

describe('analysis.pca', () => {
  it('matches a float64 power-iteration reference (eigenvalues, explained variance, scores up to sign)', async () => {
    const rng = new Rng(3);
    const n = 7;
    const d = 40;
    // points spread mostly along two directions, plus noise
    const u = Array.from({ length: d }, () => rng.normal());
    const v = Array.from({ length: d }, () => rng.normal());
    const rows = Array.from({ length: n }, (_, i) => Float32Array.from({ length: d }, (_, j) => f32(3 * Math.sin(i) * u[j] + 1.5 * Math.cos(2 * i) * v[j] + 0.1 * rng.normal())));
    const res = await wg.analysis.pca(rows, 2);
    const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
    const X = rows.map((r) => Array.from(r, (x, j) => x - mean[j]));
    const G = X.map((a) => X.map((b) => a.reduce((s, x, j) => s + x * b[j], 0)));
    const ref = powerEigen(G, 2);
    const trace = G.reduce((s, r, i) => s + r[i], 0);
    for (let c = 0; c < 2; c++) {
      expect(res.eigenvalues[c]).toBeCloseTo(ref.values[c], 2);
      expect(Math.abs(res.eigenvalues[c] - ref.values[c]) / ref.values[c]).toBeLessThan(1e-4);
      expect(res.explained[c]).toBeCloseTo(ref.values[c] / trace, 5);
      const sign = Math.sign(res.scores.reduce((s, row, i) => s + row[c] * ref.vectors[c][i], 0));
      for (let i = 0; i < n; i++) expect(res.scores[i][c]).toBeCloseTo(sign * ref.vectors[c][i] * Math.sqrt(ref.values[c]), 3);
    }
  });

  it('symmetricEigen recovers known eigenpairs', () => {
    // A = Q diag(5, 2, -1) Qᵀ with Q a product of two plane rotations
    const [a, b] = [0.3, 1.1];
    const R1 = [[Math.cos(a), -Math.sin(a), 0], [Math.sin(a), Math.cos(a), 0], [0, 0, 1]];
    const R2 = [[1, 0, 0], [0, Math.cos(b), -Math.sin(b)], [0, Math.sin(b), Math.cos(b)]];
    const Q = R1.map((r) => [0, 1, 2].map((j) => r.reduce((s, x, k) => s + x * R2[k][j], 0)));
    const L = [5, 2, -1];
    const A = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => L.reduce((s, l, k) => s + Q[i][k] * l * Q[j][k], 0)));
    const { values, vectors } = wg.analysis.symmetricEigen(A, 3);
    values.forEach((v, k) => expect(v).toBeCloseTo(L[k], 10));
    vectors.forEach((vec, k) => {
      const dot = vec.reduce((s, x, i) => s + x * Q[i][k], 0);
      expect(Math.abs(dot)).toBeCloseTo(1, 10);
    });
  });

  it('rejects rows of different lengths with a clear error', async () => {
    await expect(wg.analysis.pca([[1, 2], [3]], 1)).rejects.toThrow(/row 1 has 1 values/);
  });
});

describe('analysis.lossLandscape', () => {
  it('equals the closed form of a quadratic on a 2-D grid and restores the weights', async () => {
    const w0 = [0.5, -1, 2];
    const c = [1, 0.5, -0.5];
    const a = [1, 3, 0.5];
    const d1 = [0.25, 0.5, -1];
    const d2 = [-0.5, 0.125, 0.75];
    const w = wg.tensor(w0, [3], { requiresGrad: true });
    const [cT, aT] = [wg.tensor(c), wg.tensor(a)];
    const dirs = [[wg.tensor(d1)], [wg.tensor(d2)]];
    const alphas = [-1, -0.5, 0, 0.5, 1];
    const betas = [-1, 0, 1];
    const res = await wg.analysis.lossLandscape([w], dirs, () => w.sub(cT).square().mul(aT).sum(), { alphas, betas });
    const closed = (al: number, be: number) => w0.reduce((s, x, i) => s + a[i] * (x + al * d1[i] + be * d2[i] - c[i]) ** 2, 0);
    betas.forEach((be, j) => alphas.forEach((al, i) => expect((res.losses as number[][])[j][i]).toBeCloseTo(closed(al, be), 4)));
    expect(Array.from(await w.toArray())).toEqual(w0.map(f32));
    const slice = await wg.analysis.lossLandscape([w], [dirs[0]], () => w.sub(cT).square().mul(aT).sum(), { alphas });
    alphas.forEach((al, i) => expect((slice.losses as number[])[i]).toBeCloseTo(closed(al, 0), 4));
    for (const t of [w, cT, aT, ...dirs.flat()]) t.dispose();
  });

  it('filterNormalizedDirection gives each row of a weight matrix the norm of that row, and biases zero', async () => {
    const W = wg.tensor([[3, 4, 0], [1, 2, 2]]);
    const b = wg.tensor([1, -1]);
    const [dW, db] = wg.analysis.filterNormalizedDirection([W, b], { seed: 4 });
    const v = Array.from(await dW.toArray());
    expect(Math.hypot(v[0], v[1], v[2])).toBeCloseTo(5, 4);
    expect(Math.hypot(v[3], v[4], v[5])).toBeCloseTo(3, 4);
    expect(Array.from(await db.toArray())).toEqual([0, 0]);
    for (const t of [W, b, dW, db]) t.dispose();
  });

  it('names the problem when a direction does not match the parameters', async () => {
    const w = wg.tensor([1, 2]);
    const d = wg.tensor([1, 2, 3]);
    await expect(wg.analysis.lossLandscape([w], [[d]], () => 0)).rejects.toThrow(/direction 0\[0\] has shape \[3\], parameter 0 has \[2\]/);
    w.dispose();
    d.dispose();
  });
});

describe('analysis gradient statistics', () => {
  it('layerGradNorms and gradientStats match float64 sums', async () => {
    const rng = new Rng(9);
    const g1 = Array.from({ length: 12 }, () => f32(rng.normal()));
    const g2 = Array.from({ length: 5 }, () => f32(3 * rng.normal()));
    const p1 = wg.zeros([3, 4], { requiresGrad: true });
    const p2 = wg.zeros([5], { requiresGrad: true });
    p1.grad = wg.tensor(g1, [3, 4]);
    p2.grad = wg.tensor(g2, [5]);
    const norms = await wg.analysis.layerGradNorms([['w', p1], ['b', p2]] as [string, wg.Tensor][]);
    const n = (g: number[]) => Math.sqrt(g.reduce((s, x) => s + x * x, 0));
    expect(norms.w).toBeCloseTo(n(g1), 4);
    expect(norms.b).toBeCloseTo(n(g2), 4);
    const all = [...g1, ...g2];
    const st = await wg.analysis.gradientStats([p1, p2]);
    const mean = all.reduce((s, x) => s + x, 0) / all.length;
    expect(st.norm).toBeCloseTo(n(all), 4);
    expect(st.mean).toBeCloseTo(mean, 5);
    expect(st.std).toBeCloseTo(Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / all.length), 4);
    expect(st.maxAbs).toBeCloseTo(Math.max(...all.map(Math.abs)), 6);
    expect(st.count).toBe(17);
    for (const t of [p1.grad, p2.grad, p1, p2]) t?.dispose();
  });
});
