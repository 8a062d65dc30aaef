/**
 * softmax / logSoftmax along a dimension, one kernel each over the last dimension (other dims are moved
 * last and back).
 *   softmax:    dx = y ⊙ (g − Σ_j g_j y_j)
 *   logSoftmax: dx = g − exp(y) ⊙ Σ_j g_j
 */
import { Tensor } from '../tensor.js';
import { runtime } from '../context.js';
import { normDim, fmt } from '../shape.js';
import { softmaxWgsl } from '../../shaders/softmax.js';
import { grid } from '../../shaders/kernel.js';
import { record, check } from './record.js';
import { fused } from './elementwise.js';
import { transpose } from './shape_ops.js';
import { sum } from './reduce.js';

function lastDim(name: string, x: Tensor, log: boolean): Tensor {
  const C = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  const rows = C === 0 ? 0 : x.size / C;
  const out = Tensor.empty(x.shape);
  if (rows > 0) {
    runtime().dispatch({
      wgsl: softmaxWgsl(log),
      buffers: { x: x.buffer(name), out: out.buffer(name) },
      uniforms: { rows, C },
      workgroups: grid(rows),
      label: name,
    });
  }
  return out;
}

function make(name: string, log: boolean) {
  return function op(x: Tensor, dim: number): Tensor {
    check(name, x);
    if (x.dtype !== 'float32') throw new Error(`webgrad.${name}: input is ${x.dtype} (shape ${fmt(x.shape)}); ${name} is defined for float32, as in torch: convert with x.float()`);
    if (dim === undefined) throw new Error(`webgrad.${name}: dim is required (e.g. ${name}(-1))`);
    const d = normDim(name, dim, x.ndim);
    if (x.ndim > 0 && d !== x.ndim - 1) {
      const xt = transpose(x, d, -1);
      const yt = op(xt, -1);
      const y = transpose(yt, d, -1);
      if (!y.node) for (const t of [xt, yt]) t.dispose(); // recorded, they are freed by backward()
      return y;
    }
    const y = lastDim(name, x, log);
    return record(y, name, [x], (g) => {
      const dim = Math.max(x.ndim - 1, 0);
      if (log) return [fused('a - exp(b) * c', g, y, sum(g, dim, true))];
      const gy = fused('a * b', g, y);
      const s = sum(gy, dim, true);
      return [fused('b * (a - c)', g, y, s)];
    });
  };
}

/** Softmax along `dim` (torch.softmax). */
export const softmax = make('softmax', false);
/** Log-softmax along `dim`, computed stably (torch.log_softmax). */
export const logSoftmax = make('logSoftmax', true);
