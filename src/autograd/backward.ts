/**
 * The tape walk (reverse-mode autodiff). Each op leaves a TapeNode { inputs, backward } on its output;
 * backward() orders the graph topologically, walks it in reverse, reduces each gradient to its input's
 * shape (broadcasting is undone here, once, not in every rule), accumulates gradients of tensors used
 * more than once, and frees what it no longer needs: each rule's temporaries as it goes, and the
 * graph's intermediates at the end, so a training loop's memory stays flat.
 */
import { Tensor, collect, setGradEnabled, sumTo, ones, sameShape, fmt } from '../tensor/index.js';

const spent = new WeakSet<Tensor>();

/** Tensors reachable from root through inputs that require grad, in topological order (inputs first). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const inputs = top[0].node?.inputs ?? [];
    const next = inputs[top[1]++];
    if (next === undefined) {
      order.push(top[0]);
      stack.pop();
    } else if (next instanceof Tensor && next.requiresGrad && !seen.has(next)) {
      seen.add(next);
      stack.push([next, 0]);
    }
  }
  return order;
}

/** Walk the tape from `root` in reverse, accumulating gradients into the leaves' `.grad` (what `loss.backward()` calls). */
export function backward(root: Tensor, grad: Tensor | null = null): void {
  if (spent.has(root)) {
    throw new Error('webgrad.backward: this graph was already walked and its intermediates released; recompute the forward pass to call backward() again');
  }
  if (!root.requiresGrad) {
    throw new Error('webgrad.backward: the tensor does not require grad and has no tape record (was it computed under noGrad, or from tensors without requiresGrad?)');
  }
  if (grad === null && root.size !== 1) {
    throw new Error(`webgrad.backward: grad can be implicitly created only for one-element outputs; this one has shape ${fmt(root.shape)}. Pass the upstream gradient: y.backward(gradOfY)`);
  }
  if (grad && !sameShape(grad.shape, root.shape)) {
    throw new Error(`webgrad.backward: the upstream gradient has shape ${fmt(grad.shape)} but the output has shape ${fmt(root.shape)}`);
  }
  const order = topoOrder(root);
  const inGraph = new Set<Tensor>(order);
  const protectedTensors = new Set<Tensor>(order);
  const grads = new Map<Tensor, Tensor>();
  const prev = setGradEnabled(false);
  try {
    grads.set(root, grad ?? ones(root.shape));
    if (grad) protectedTensors.add(grad);
    const held = (t: Tensor) => protectedTensors.has(t) || [...grads.values()].includes(t);
    const drop = (t: Tensor | null | undefined) => {
      if (t && !held(t)) t.dispose();
    };
    const accumulate = (t: Tensor, g: Tensor) => {
      const old = grads.get(t);
      if (!old) return void grads.set(t, g);
      grads.set(t, old.add(g));
      drop(old);
      drop(g);
    };
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        // a leaf: accumulate into .grad (which the user and the optimizer own)
        const own = protectedTensors.has(g) ? g.clone() : g;
        if (t.grad) {
          const old = t.grad;
          t.grad = old.add(own);
          old.dispose();
          own.dispose();
        } else {
          t.grad = own;
        }
        protectedTensors.add(t.grad);
        continue;
      }
      const node = t.node;
      const needs = node.inputs.map((input) => input instanceof Tensor && input.requiresGrad);
      const { result, created } = collect(() => node.backward(g, needs));
      const keep = new Set(result.filter((r): r is Tensor => r instanceof Tensor));
      node.inputs.forEach((input, i) => {
        const gi = result[i];
        if (!(input instanceof Tensor) || !input.requiresGrad || !gi) return;
        let reduced = gi;
        if (!sameShape(gi.shape, input.shape)) {
          reduced = sumTo(gi, input.shape);
          if (reduced !== gi) keep.delete(gi);
        }
        accumulate(input, reduced);
      });
      for (const c of created) if (!keep.has(c)) drop(c);
      for (const r of keep) if (![...grads.values()].includes(r)) drop(r);
      drop(g);
    }
  } finally {
    setGradEnabled(prev);
  }
  for (const t of inGraph) {
    if (t === root || !t.node) continue;
    if (t.kept) t.node = null;
    else t.release('backward()');
  }
  root.node = null;
  spent.add(root);
}
