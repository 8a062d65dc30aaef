/**
 * The strong-Wolfe line search used by L-BFGS, as torch.optim.lbfgs ports it from minFunc / torch7's
 * lswolfe.lua. Scalar logic only: the objective `phi(t)` evaluates f(x + t d), its gradient g (an
 * opaque handle, a GPU tensor for L-BFGS) and the directional derivative gtd = g·d.
 *
 * A step t satisfies the strong Wolfe conditions when
 *   f(x + t d) ≤ f(x) + c1 t gtd₀          (sufficient decrease, Armijo)
 *   |g(x + t d)·d| ≤ −c2 gtd₀              (curvature)
 * with c1 = 1e-4, c2 = 0.9. The search first brackets an interval containing such a point (growing t
 * by cubic extrapolation), then zooms in with safeguarded cubic interpolation.
 * Nocedal & Wright, Numerical Optimization (2006), algorithms 3.5 and 3.6.
 */

/**
 * Minimiser of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), clamped to bounds
 * (default: the interval between x1 and x2); the interval's midpoint when the cubic has no minimum.
 */
export function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

export interface Probe<G> {
  f: number;
  g: G;
  gtd: number;
}

export interface LineSearchResult<G> {
  f: number;
  g: G;
  t: number;
  evals: number;
}

/**
 * Strong-Wolfe search from x along d, starting at step t. f, g, gtd: the values at x. dNorm = max|d|
 * (for the tolerance on the bracket's width).
 */
export async function strongWolfe<G>(
  phi: (t: number) => Promise<Probe<G>>,
  t: number,
  f: number,
  g: G,
  gtd: number,
  dNorm: number,
  { c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25 } = {},
): Promise<LineSearchResult<G>> {
  let probe = await phi(t);
  let evals = 1;
  let prev: Probe<G> & { t: number } = { t: 0, f, g, gtd };
  let bracket: (Probe<G> & { t: number })[] = [];
  let done = false;
  let lsIter = 0;
  while (lsIter < maxLs) {
    const cur = { t, ...probe };
    if (probe.f > f + c1 * t * gtd || (lsIter > 1 && probe.f >= prev.f)) {
      bracket = [prev, cur];
      break;
    }
    if (Math.abs(probe.gtd) <= -c2 * gtd) {
      bracket = [cur];
      done = true;
      break;
    }
    if (probe.gtd >= 0) {
      bracket = [prev, cur];
      break;
    }
    // extrapolate: the cubic's minimiser, at least 1% beyond t and at most 10 t
    const next = cubicInterpolate(prev.t, prev.f, prev.gtd, t, probe.f, probe.gtd, [t + 0.01 * (t - prev.t), t * 10]);
    prev = cur;
    t = next;
    probe = await phi(t);
    evals++;
    lsIter++;
  }
  if (lsIter === maxLs) bracket = [{ t: 0, f, g, gtd }, { t, ...probe }];

  // zoom: shrink the bracket until a point satisfies both conditions
  let insufficientProgress = false;
  let [low, high] = bracket.length === 1 || bracket[0].f <= bracket[bracket.length - 1].f ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1].t - bracket[0].t) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f, bracket[1].gtd);
    // too close to an end of the bracket: move to 10% of its width inside, unless the last step progressed
    const bMax = Math.max(bracket[0].t, bracket[1].t);
    const bMin = Math.min(bracket[0].t, bracket[1].t);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufficientProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    probe = await phi(t);
    evals++;
    lsIter++;
    const cur = { t, ...probe };
    if (probe.f > f + c1 * t * gtd || probe.f >= bracket[low].f) {
      bracket[high] = cur; // Armijo fails, or no lower than the lowest point: new high end
      [low, high] = bracket[0].f <= bracket[1].f ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(probe.gtd) <= -c2 * gtd) done = true;
      else if (probe.gtd * (bracket[high].t - bracket[low].t) >= 0) bracket[high] = bracket[low]; // old low becomes high
      bracket[low] = cur;
    }
  }
  const best = bracket[low];
  return { f: best.f, g: best.g, t: best.t, evals };
}
