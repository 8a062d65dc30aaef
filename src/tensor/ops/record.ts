/**
 * How an op leaves its record for autograd: if grad mode is on and an input requires grad, the output
 * gets a TapeNode holding the inputs and the backward rule. The walk itself lives in src/autograd.
 */
import { Tensor, isGradEnabled, type TensorLike, type TapeNode } from '../tensor.js';

export function record(out: Tensor, op: string, inputs: readonly TensorLike[], backward: TapeNode['backward']): Tensor {
  if (isGradEnabled() && inputs.some((t) => t instanceof Tensor && t.requiresGrad)) {
    out.node = { op, inputs, backward };
    out.markRequiresGrad();
  }
  return out;
}

/** Check that an argument is a live tensor, naming the op if not. */
export function check(op: string, t: unknown, what = 'input'): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`webgrad.${op}: ${what} must be a Tensor (got ${typeof t})`);
  t.buffer(op);
  return t;
}
