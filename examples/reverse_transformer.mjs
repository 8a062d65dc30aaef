// The tiny transformer and its task, shared by examples/tiny_transformer.mjs (Node),
// examples/tiny_transformer.html (a page) and test/nn/transformer.test.ts: pass the webgrad module.
// Token + learned positional embeddings, pre-LN blocks (causal multi-head self-attention, GELU MLP), a
// final LayerNorm and a linear head. Teacher-forced: the model reads x1..x8, SEP, y1..y7 and predicts
// y1..y8 = x8..x1 at the last 8 positions (the first 8 targets are ignoreIndex, -100).
export function reverseTask(wg) {
  const { nn } = wg;
  const [N, V, SEP, T] = [8, 16, 16, 16]; // sequence length, symbols, separator token, model length

  class Block extends nn.Module {
    constructor(d, heads) {
      super();
      [this.ln1, this.attn, this.ln2] = [new nn.LayerNorm(d), new nn.MultiheadAttention(d, heads), new nn.LayerNorm(d)];
      [this.fc1, this.act, this.fc2] = [new nn.Linear(d, 4 * d), new nn.GELU(), new nn.Linear(4 * d, d)];
    }
    forward(x) {
      const tmp = [];
      const k = (t) => (tmp.push(t), t);
      const a = k(this.ln1.forward(x));
      const h = k(x.add(k(this.attn.forward(a, a, a, { isCausal: true }))));
      const out = h.add(k(this.fc2.forward(k(this.act.forward(k(this.fc1.forward(k(this.ln2.forward(h)))))))));
      if (!out.node) tmp.forEach((t) => t.dispose()); // under noGrad nothing else frees them
      return out;
    }
  }

  class TinyTransformer extends nn.Module {
    constructor(d, heads, layers) {
      super();
      [this.tok, this.pos] = [new nn.Embedding(V + 1, d), new nn.Embedding(T, d)];
      this.blocks = Array.from({ length: layers }, () => new Block(d, heads));
      [this.ln, this.head] = [new nn.LayerNorm(d), new nn.Linear(d, V)];
      this.positions = wg.tensor(Int32Array.from({ length: T }, (_, i) => i), [T]);
    }
    forward(tokens) {
      const tmp = [];
      const k = (t) => (tmp.push(t), t);
      let x = k(k(this.tok.forward(tokens)).add(k(this.pos.forward(this.positions))));
      for (const b of this.blocks) x = k(b.forward(x));
      const out = this.head.forward(k(this.ln.forward(x)));
      if (!out.node) tmp.forEach((t) => t.dispose());
      return out;
    }
  }

  /** A batch: inputs [B, T], targets [B·T] (-100 where nothing is predicted), and the answers [B·N]. */
  function batch(B, rng) {
    const xs = new Int32Array(B * T);
    const ys = new Int32Array(B * T).fill(-100);
    const want = new Int32Array(B * N);
    for (let b = 0; b < B; b++) {
      const seq = Array.from({ length: N }, () => Math.floor(rng.next() * V));
      const rev = [...seq].reverse();
      xs.set([...seq, SEP, ...rev.slice(0, N - 1)], b * T);
      ys.set(rev, b * T + N);
      want.set(rev, b * N);
    }
    return { x: wg.tensor(xs, [B, T]), y: wg.tensor(ys, [B * T]), want };
  }

  /** Fraction of answer tokens predicted right on B held-out sequences (another generator's). */
  async function heldOut(model, B = 256, seed = 12345) {
    const { x, y, want } = batch(B, new wg.Generator(seed));
    const pred = wg.noGrad(() => {
      const logits = model.forward(x);
      const p = logits.argmax(-1);
      logits.dispose();
      return p;
    });
    const got = await pred.toArray();
    let right = 0;
    for (let b = 0; b < B; b++) for (let i = 0; i < N; i++) right += got[b * T + N + i] === want[b * N + i] ? 1 : 0;
    const example = `${Array.from(want.slice(0, N)).reverse().join(' ')}  ->  ${Array.from(got.slice(N, 2 * N)).join(' ')}`;
    for (const t of [x, y, pred]) t.dispose();
    return { accuracy: right / want.length, example };
  }

  return { TinyTransformer, batch, heldOut, N, V, SEP, T };
}
