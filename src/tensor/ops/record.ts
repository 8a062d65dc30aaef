/**
 * How an op leaves its record for autograd: if grad mode is on and an input requires grad, the output
 * gets a TapeNode holding the inputs and the backward rule. The walk itself lives in src/autograd.
 */
import { Tensor, isGradEnabled, type TensorLike, type TapeNode } from '../tensor.js';
import { anomalyMode, checkFinite, unchecked } from '../checks.js';

export function record(out: Tensor, op: string, inputs: readonly TensorLike[], backward: TapeNode['backward']): Tensor {
  if (anomalyMode()) {
    // detectAnomaly: check this output, and the gradients the rule will return (not the ops inside it)
    checkFinite(out, `${op} (forward)`);
    const rule = backward;
    backward = (g, needs) => {
      const grads = unchecked(() => rule(g, needs));
      if (anomalyMode()) for (const gi of grads) if (gi) checkFinite(gi, `${op} (backward)`);
      return grads;
    };
  }
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
