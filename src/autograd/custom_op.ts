/**
 * customOp: a differentiable op defined by the user, as torch.autograd.Function.
 *
 *   const softplus = wg.autograd.customOp({
 *     name: 'softplus',
 *     forward: (ctx, x) => { ctx.save(x); return x.exp().add(1).log(); },
 *     backward: (ctx, g) => { const [x] = ctx.saved; return [g.mul(x.sigmoid())]; },
 *   });
 *
 * It is an op of the op table (defineOp): forward runs with recording off, so the op is ONE node on
 * the tape whatever it computes inside (webgrad ops, or a user's WGSL expression through wg.fused). The
 * tensors it creates are freed when it returns, except the output and what it saved with ctx.save();
 * those saved temporaries are freed after backward has used them. backward receives dL/d(output) and returns one gradient per argument
 * of forward (null for a number, or for an input that needs none); the tape reduces a broadcast
 * gradient to its input's shape, as for built-in ops.
 */
import { Tensor, collect, adopt, defineOp, fmt, type OpContext } from '../tensor/index.js';

/** What forward and backward of a custom op share (torch.autograd.Function's ctx). */
export interface CustomOpContext {
  /** Keep tensors (inputs, or values computed in forward) for backward. */
  save(...tensors: Tensor[]): void;
  /** What forward saved, in order. */
  readonly saved: readonly Tensor[];
  /** needsInputGrad[i]: argument i is a tensor that requires grad (backward may return null elsewhere). */
  readonly needsInputGrad: readonly boolean[];
}

/** A custom op: its name (for errors), forward written with webgrad ops, and backward returning one gradient (or null) per input. */
export interface CustomOpDefinition<A extends unknown[] = Tensor[]> {
  /** Names the op in errors and on the tape. */
  name: string;
  /** Computes the output from the inputs (runs without recording; save what backward needs with ctx.save). */
  forward: (ctx: CustomOpContext, ...args: A) => Tensor;
  /** Given the gradient of the output, returns one gradient per input (null where none is needed). */
  backward: (ctx: CustomOpContext, gradOutput: Tensor) => (Tensor | null)[] | Tensor | null;
}

/** True when a gradient of shape `g` reduces to `x` by summing broadcast dimensions (the tape does that). */
function reducible(g: readonly number[], x: readonly number[]): boolean {
  if (g.length < x.length) return false;
  const off = g.length - x.length;
  return x.every((d, i) => d === g[off + i] || d === 1);
}

/** Define a differentiable op with your own backward rule (like torch.autograd.Function); returns the op as a function. */
export function customOp<A extends unknown[] = Tensor[]>(def: CustomOpDefinition<A>): (...args: A) => Tensor {
  const name = def?.name;
  if (typeof name !== 'string' || !name) throw new Error('webgrad.customOp: give the op a name: customOp({ name, forward, backward })');
  if (typeof def.forward !== 'function' || typeof def.backward !== 'function') {
    throw new Error(`webgrad.customOp(${name}): forward and backward must both be functions (ctx, ...) => ...`);
  }
  const op = `customOp(${name})`;
  // the user's ctx over the runner's: save() checks its arguments; needsInputGrad counts every argument
  const userCtx = (ctx: OpContext, args: unknown[]): CustomOpContext => ({
    save: (...ts) => {
      ts.forEach((t, i) => {
        if (!(t instanceof Tensor)) throw new Error(`webgrad.${op}: ctx.save() takes tensors; argument ${i} is ${typeof t}`);
      });
      ctx.save(...ts);
    },
    saved: ctx.saved,
    needsInputGrad: args.map((a) => a instanceof Tensor && a.requiresGrad),
  });

  return defineOp<A>({
    name: op,
    forward: (ctx, ...args) => {
      const { result, created } = collect(() => def.forward(userCtx(ctx, args), ...args));
      created.forEach(adopt); // the runner frees them (all but the output and what was saved)
      if (!(result instanceof Tensor)) throw new Error(`webgrad.${op}: forward must return a Tensor (it returned ${typeof result})`);
      // a tensor forward did not make (an input) is copied: the output gets the tape record, not the input
      return created.includes(result) ? result : result.clone();
    },
    backward: (ctx, gradOut, ...args) => {
      for (const t of ctx.saved) t.buffer(`${op} backward (a tensor saved with ctx.save)`);
      let grads: unknown = def.backward(userCtx(ctx, args), gradOut);
      if (grads instanceof Tensor || grads === null) grads = [grads];
      if (!Array.isArray(grads) || grads.length !== args.length) {
        throw new Error(
          `webgrad.${op}: backward returned ${Array.isArray(grads) ? `${grads.length} gradient(s)` : typeof grads}, ` +
            `but forward takes ${args.length} argument(s): return an array with one gradient (or null) per argument`,
        );
      }
      const checked = grads.map((g, i) => {
        const a = args[i];
        if (g === null || g === undefined) return null;
        if (!(g instanceof Tensor)) throw new Error(`webgrad.${op}: backward's gradient ${i} is ${typeof g}, not a Tensor or null`);
        if (!(a instanceof Tensor)) throw new Error(`webgrad.${op}: backward returned a gradient for argument ${i}, which is not a tensor: return null there`);
        if (g.dtype !== 'float32') throw new Error(`webgrad.${op}: backward's gradient ${i} is ${g.dtype}; gradients are float32`);
        if (!reducible(g.shape, a.shape)) {
          throw new Error(
            `webgrad.${op}: backward's gradient ${i} has shape ${fmt(g.shape)}, but input ${i} has shape ${fmt(a.shape)}; ` +
              'return a gradient of the input\'s shape (or one that broadcasts from it)',
          );
        }
        return g;
      });
      // one per tensor input, as the runner counts them (tensors inside an array argument get none)
      return args.flatMap((a, i) => (a instanceof Tensor ? [checked[i]] : Array.isArray(a) ? a.filter((t) => t instanceof Tensor).map(() => null) : []));
    },
  });
}
