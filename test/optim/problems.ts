/** Objectives shared by the optim tests, written with webgrad ops the way the torch fixture scripts write them. */
import * as wg from '../../src/index.js';

/** f(x, y) = (1 − x)² + 100 (y − x²)², summed to a scalar (x, y of shape [1]). */
export function rosenbrock(x: wg.Tensor, y: wg.Tensor): wg.Tensor {
  return wg.sub(1, x).square().add(y.sub(x.square()).square().mul(100)).sum();
}
