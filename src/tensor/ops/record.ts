/**
 * How an op leaves its record for autograd: if grad mode is on and an input requires grad, the output
 * gets a TapeNode holding the inputs and the backward rule, wrapped so that the rule's temporaries are
 * freed when it returns (the walk in src/autograd only ever holds gradients).
 */
import { Tensor, isGradEnabled, collect, type TensorLike, type TapeNode } from '../tensor.js';
import { anomalyMode, checkFinite, unchecked } from '../checks.js';

export function record(out: Tensor, op: string, inputs: readonly TensorLike[], rule: TapeNode['backward']): Tensor {
  // what the rule creates and does not return (its temporaries) is freed when it returns: the walk owns only the gradients
  let backward: TapeNode['backward'] = (g, needs) => {
    const { result, created } = collect(() => rule(g, needs));
    const returned = new Set(result);
    for (const t of created) if (!returned.has(t)) t.dispose();
    return result;
  };
  if (anomalyMode()) {
    // detectAnomaly: check this output, and the gradients the rule will return (not the ops inside it)
    checkFinite(out, `${op} (forward)`);
    const inner = backward;
    backward = (g, needs) => {
      const grads = unchecked(() => inner(g, needs));
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
