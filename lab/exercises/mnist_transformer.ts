/**
 * A transformer over image rows for the MNIST showdown: each of the 28 rows of a digit is a token,
 * embedded by Linear(28 → d) plus a learned position; pre-LN blocks of multi-head self-attention and a
 * GELU MLP; a final LayerNorm, the mean over the rows, and a linear head to the 10 classes.
 */
import type { Wg, Tensor } from './common.js';

export interface RowTransformerOptions {
  d: number;
  heads: number;
  layers: number;
  seed: number;
}
export const rowTransformerDefaults: RowTransformerOptions = { d: 32, heads: 4, layers: 1, seed: 0 };

type Module = InstanceType<Wg['nn']['Module']>;

export function rowTransformer(wg: Wg, o: Partial<RowTransformerOptions> = {}): Module {
  const { d, heads, layers, seed } = { ...rowTransformerDefaults, ...o };
  const { nn } = wg;
  wg.manualSeed(seed);
  /** Track intermediates: backward() frees them, or `done` does at once under noGrad (nothing recorded them). */
  const scope = () => {
    const tmp: Tensor[] = [];
    return {
      k: (t: Tensor) => (tmp.push(t), t),
      done: (out: Tensor) => (out.node ? out : (tmp.forEach((t) => t.dispose()), out)),
    };
  };
  class Block extends nn.Module {
    ln1 = new nn.LayerNorm(d);
    attn = new nn.MultiheadAttention(d, heads);
    ln2 = new nn.LayerNorm(d);
    fc1 = new nn.Linear(d, 4 * d);
    fc2 = new nn.Linear(4 * d, d);
    forward(x: Tensor): Tensor {
      const { k, done } = scope();
      const a = k(this.ln1.forward(x));
      const h = k(x.add(k(this.attn.forward(a, a, a))));
      return done(h.add(k(this.fc2.forward(k(k(this.fc1.forward(k(this.ln2.forward(h)))).gelu())))));
    }
  }
  class RowTransformer extends nn.Module {
    embed = new nn.Linear(28, d);
    pos = new nn.Embedding(28, d);
    blocks = Array.from({ length: layers }, () => new Block());
    ln = new nn.LayerNorm(d);
    head = new nn.Linear(d, 10);
    #positions = wg.tensor(Int32Array.from({ length: 28 }, (_, i) => i), [28]);
    // the batch seen as [N, 28 rows, 28]: a view off the tape, which backward() would not free; it lives
    // until the next forward (as a DataLoader's batch does)
    #rows: Tensor | null = null;
    forward(x: Tensor): Tensor {
      const { k, done } = scope();
      this.#rows?.dispose();
      this.#rows = k(x.reshape([-1, 28, 28]));
      let t = k(k(this.embed.forward(this.#rows)).add(k(this.pos.forward(this.#positions))));
      for (const b of this.blocks) t = k(b.forward(t));
      return done(this.head.forward(k(k(this.ln.forward(t)).mean(1))));
    }
  }
  return new RowTransformer();
}
