/**
 * indexSelect(x, dim, index) (torch.index_select) and embedding(index, weight)
 * (torch.nn.functional.embedding = weight.index_select(0, index.flatten()) in index's shape):
 *   y[..., i, ...] = x[..., index[i], ...],   dx[..., r, ...] = Σ_{i : index[i] = r} g[..., i, ...]
 * (src/shaders/index_select.ts). Indices known on the CPU (an Int32Array or number[]) are checked here;
 * in an int32 tensor the kernel flags one out of range and the next toArray()/item() throws, naming it.
 */
import { Tensor } from '../tensor.js';
import { normDim, fmt } from '../shape.js';
import { registerCheck } from '../checks.js';
import { fromData, zeros } from '../create.js';
import {
  indexSelectWgsl, indexSelectBackwardOwnerWgsl, indexSelectBackwardAtomicWgsl, SELECT_WG,
} from '../../shaders/index_select.js';
import { defineOp, type OpContext } from './op.js';
import { check } from './record.js';

/** Indices: an int32 tensor, or int32 values on the CPU. */
export type Index = Tensor | Int32Array | readonly number[];

/**
 * Which backward kernel scatters the gradient: 'atomic' (the default: a thread per element of g adds it
 * into dx by compare-exchange; cost g.size, the order of the float additions not fixed) or 'owner' (a
 * thread per element of dx loops over all indices: deterministic, cost dx.size × n). Measured on
 * SwiftShader (embedding backward incl. readback): V=16, D=32, 1024 indices: owner 12 ms, atomic 4 ms;
 * V=1000, D=64, 2048 indices: owner 8.3 s, atomic 30 ms. Exported for tests and benchmarks.
 */
export const selectBackward = { mode: 'atomic' as 'owner' | 'atomic' };

function indexTensor(op: string, index: Index, dim: number, what: string): { t: Tensor; cpu: boolean } {
  if (index instanceof Tensor) {
    check(op, index, 'index');
    if (index.dtype !== 'int32') {
      throw new Error(`webgrad.${op}: index must be an int32 tensor (got ${index.dtype} of shape ${fmt(index.shape)}); convert it with .int()`);
    }
    return { t: index, cpu: false };
  }
  if (!(index instanceof Int32Array) && !Array.isArray(index)) throw new Error(`webgrad.${op}: index must be an int32 Tensor, an Int32Array or an array of integers`);
  index.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= dim) throw new Error(`webgrad.${op}: index[${i}] = ${r} is out of range for ${what} (valid indices 0..${dim - 1})`);
  });
  return { t: fromData(Int32Array.from(index), [index.length], { dtype: 'int32' }, op), cpu: true };
}

const prod = (s: readonly number[]) => s.reduce((p, v) => p * v, 1);

function makeSelect(name: string) {
  return defineOp<[Tensor, number, Index, string]>({
    name,
    forward: (ctx: OpContext, x: Tensor, dim: number, index: Index, what: string) => {
      const d = normDim(name, dim, x.ndim);
      const size = x.shape[d];
      const { t, cpu } = indexTensor(name, index, size, what);
      ctx.save(t);
      const inner = prod(x.shape.slice(d + 1));
      const shape = [...x.shape.slice(0, d), ...t.shape, ...x.shape.slice(d + 1)];
      const y = ctx.empty(shape, x.dtype);
      if (y.size > 0 && size === 0) throw new Error(`webgrad.${name}: cannot select from ${what}: it has no entries along dim ${d}`);
      const { flag, id } = registerCheck(`${name}:${size}:${what}`, (i, r) =>
        `webgrad.${name}: index[${i}] = ${r | 0} is out of range for ${what} (valid indices 0..${size - 1}). ` +
          'Found on the GPU by the kernel and reported at this readback.', !cpu);
      ctx.launch({
        wgsl: indexSelectWgsl(),
        buffers: { X: x, I: t, Y: y, flag },
        uniforms: { total: y.size, n: t.size, dim: size, inner, flag_id: id },
        work: { threads: y.size, size: SELECT_WG },
      });
      return y;
    },
    backward: (ctx, g, x, dim, index) => {
      const t = ctx.saved[0];
      const d = normDim(name, dim, x.ndim);
      const [size, inner] = [x.shape[d], prod(x.shape.slice(d + 1))];
      const { mode } = selectBackward;
      const dx = mode === 'owner' ? ctx.empty(x.shape) : zeros(x.shape);
      const uniforms = { total: mode === 'owner' ? x.size : g.size, n: t.size, dim: size, inner, flag_id: 0 };
      ctx.launch({
        wgsl: mode === 'owner' ? indexSelectBackwardOwnerWgsl() : indexSelectBackwardAtomicWgsl(),
        buffers: { G: g, I: t, dX: dx },
        uniforms,
        work: { threads: uniforms.total, size: SELECT_WG },
      });
      return index instanceof Tensor ? [dx, null] : [dx];
    },
  });
}

const selectOp = makeSelect('indexSelect');
const embeddingOp = makeSelect('embedding');

/** The entries of x at `index` (int32, 0-D or 1-D) along `dim` (torch.index_select). */
export function indexSelect(x: Tensor, dim: number, index: Index): Tensor {
  check('indexSelect', x);
  const rank = index instanceof Tensor ? index.ndim : 1;
  if (rank > 1) throw new Error(`webgrad.indexSelect: index must be 0-D or 1-D (got shape ${fmt((index as Tensor).shape)}); flatten it first`);
  if (x.ndim === 0) throw new Error('webgrad.indexSelect: cannot index a 0-D tensor; reshape it to [1] first');
  return selectOp(x, dim, index, `dim ${normDim('indexSelect', dim, x.ndim)} of a tensor of shape ${fmt(x.shape)}`);
}

/** Rows of `weight` [numEmbeddings, dim] at `index` (int32, any shape): [...index.shape, dim] (torch.nn.functional.embedding). */
export function embedding(index: Index, weight: Tensor): Tensor {
  check('embedding', weight, 'weight');
  if (weight.ndim !== 2) throw new Error(`webgrad.embedding: weight must be [numEmbeddings, embeddingDim] (got shape ${fmt(weight.shape)})`);
  return embeddingOp(weight, 0, index, `an embedding of ${weight.shape[0]} rows (weight of shape ${fmt(weight.shape)})`);
}
