// Shared by the nn training tests.
import * as wg from '../../src/index.js';

/** Fraction of rows of x whose arg-max logit equals the label, evaluated in batches under noGrad. */
export async function accuracy(model: wg.nn.Module, x: Float32Array, y: Int32Array, batch = 500): Promise<number> {
  const n = y.length;
  const features = x.length / n;
  let correct = 0;
  model.eval();
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const xb = wg.tensor(x.subarray(i * features, (i + m) * features), [m, features]);
    const pred = wg.noGrad(() => {
      const logits = model.forward(xb);
      const p = logits.argmax(1);
      logits.dispose();
      return p;
    });
    const labels = await pred.toArray();
    for (let k = 0; k < m; k++) if (labels[k] === y[i + k]) correct++;
    pred.dispose();
    xb.dispose();
  }
  model.train();
  return correct / n;
}
