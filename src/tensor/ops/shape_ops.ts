/** Shape ops: reshape (a view, no copy) and transpose (a strided copy). */
import type { Tensor } from '../tensor.js';
import { resolveShape, normDim, contiguousStrides, type Shape } from '../shape.js';
import { runElementwise } from './elementwise.js';
import { defineOp } from './op.js';

/** reshape shares storage; d reshape = reshape back. */
export const reshape: (x: Tensor, shape: Shape) => Tensor = defineOp({
  name: 'reshape',
  forward: (_ctx, x: Tensor, shape: Shape) => x.view(resolveShape('reshape', x.shape, shape)),
  backward: (_ctx, g, x) => [reshape(g, x.shape)],
});

/** Flatten the dimensions startDim..endDim into one (torch.flatten). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const s = normDim('flatten', startDim, x.ndim);
  const e = normDim('flatten', endDim, x.ndim);
  if (s > e) throw new Error(`webgrad.flatten: startDim ${startDim} comes after endDim ${endDim} (shape [${x.shape.join(', ')}])`);
  if (x.ndim === 0) return reshape(x, [1]);
  return reshape(x, [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1), ...x.shape.slice(e + 1)]);
}

/** Swap two dimensions (copied to contiguous memory); d transpose = the same transpose. */
export const transpose: (x: Tensor, d0: number, d1: number) => Tensor = defineOp({
  name: 'transpose',
  forward: (_ctx, x: Tensor, d0: number, d1: number) => {
    const a = normDim('transpose', d0, x.ndim);
    const b = normDim('transpose', d1, x.ndim);
    if (a === b || x.ndim < 2) return x.view(x.shape);
    const shape = [...x.shape];
    const strides = contiguousStrides(x.shape);
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
    return runElementwise('transpose', 'a', [x], { outShape: shape, strides: [strides], outDtype: x.dtype });
  },
  backward: (_ctx, g, _x, d0, d1) => [transpose(g, d0, d1)],
});
