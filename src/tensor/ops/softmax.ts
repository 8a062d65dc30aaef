/**
 * softmax / logSoftmax along a dimension, one kernel each over the last dimension (other dims are moved
 * last and back).
 *   softmax:    dx = y ⊙ (g − Σ_j g_j y_j)
 *   logSoftmax: dx = g − exp(y) ⊙ Σ_j g_j
 */
import type { Tensor } from '../tensor.js';
import { normDim, fmt } from '../shape.js';
import { softmaxWgsl } from '../../shaders/softmax.js';
import { fused } from './elementwise.js';
import { transpose } from './shape_ops.js';
import { sum } from './reduce.js';
import { defineOp } from './op.js';

function make(name: string, log: boolean): (x: Tensor, dim: number) => Tensor {
  // the kernel, over the last dimension
  const lastDim = defineOp({
    name,
    forward: (ctx, x: Tensor) => {
      const C = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
      const out = ctx.empty(x.shape);
      ctx.launch({ wgsl: softmaxWgsl(log), buffers: { x, out }, uniforms: { rows: C === 0 ? 0 : x.size / C, C }, work: { groups: C === 0 ? 0 : x.size / C } });
      return out;
    },
    backward: (ctx, g, x: Tensor) => {
      const dim = Math.max(x.ndim - 1, 0);
      const y = ctx.out;
      if (log) return [fused('a - exp(b) * c', g, y, sum(g, dim, true))];
      return [fused('b * (a - c)', g, y, sum(fused('a * b', g, y), dim, true))];
    },
  });
  // any dimension: moved last and back (a composition; backward walks the two transposes)
  return defineOp({
    name,
    forward: (_ctx, x: Tensor, dim: number) => {
      if (x.dtype !== 'float32') throw new Error(`webgrad.${name}: input is ${x.dtype} (shape ${fmt(x.shape)}); ${name} is defined for float32, as in torch: convert with x.float()`);
      if (dim === undefined) throw new Error(`webgrad.${name}: dim is required (e.g. ${name}(-1))`);
      const d = normDim(name, dim, x.ndim);
      return x.ndim > 0 && d !== x.ndim - 1 ? transpose(lastDim(transpose(x, d, -1)), d, -1) : lastDim(x);
    },
  });
}

/** Softmax along `dim` (torch.softmax). */
export const softmax = make('softmax', false);
/** Log-softmax along `dim`, computed stably (torch.log_softmax). */
export const logSoftmax = make('logSoftmax', true);
