/**
 * The tape walk (reverse-mode autodiff). Each op leaves a TapeNode { inputs, backward } on its output;
 * backward() orders the graph topologically, walks it in reverse, reduces each gradient to its input's
 * shape (broadcasting is undone here, once, not in every rule), accumulates gradients of tensors used
 * more than once, and frees what it no longer needs: gradients as they are used (each rule's own
 * temporaries are freed by the op table), and the graph's intermediates at the end, so a training
 * loop's memory stays flat.
 */
import { Tensor, setGradEnabled, sumTo, ones, sameShape, fmt } from '../tensor/index.js';

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
  // Ownership: the walk holds gradients only (each rule's temporaries are freed by the op table when it
  // returns). A gradient is freed once no entry of `grads` holds it, unless it is pinned: a tensor of the
  // graph (released below), the caller's upstream gradient, or a leaf's .grad (the user's).
  const pinned = new Set<Tensor>(order);
  if (grad) pinned.add(grad);
  const grads = new Map<Tensor, Tensor>();
  const free = (ts: Iterable<Tensor | null | undefined>) => {
    const held = new Set(grads.values());
    for (const t of ts) if (t && !pinned.has(t) && !held.has(t)) t.dispose();
  };
  const prev = setGradEnabled(false);
  try {
    grads.set(root, grad ?? ones(root.shape));
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        // a leaf: accumulate into .grad
        const old = t.grad;
        t.grad = old ? old.add(g) : pinned.has(g) ? g.clone() : g;
        if (old) {
          old.dispose();
          free([g]);
        }
        pinned.add(t.grad);
        continue;
      }
      const { inputs, backward: rule } = t.node;
      const needs = inputs.map((x) => x instanceof Tensor && x.requiresGrad);
      const result = rule(g, needs);
      const done: (Tensor | null | undefined)[] = [g, ...result];
      inputs.forEach((x, i) => {
        const gi = result[i];
        if (!needs[i] || !gi) return;
        const input = x as Tensor;
        const reduced = sameShape(gi.shape, input.shape) ? gi : sumTo(gi, input.shape); // broadcasting undone once, here
        const old = grads.get(input);
        grads.set(input, old ? old.add(reduced) : reduced);
        done.push(old, reduced);
      });
      free(done);
    }
  } finally {
    setGradEnabled(prev);
  }
  for (const t of order) {
    if (t === root || !t.node) continue;
    if (t.kept) t.node = null;
    else t.release('backward()');
  }
  root.node = null;
  spent.add(root);
}
