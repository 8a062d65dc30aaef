// Shared by the nn training tests.
import * as wg from '../../src/index.js';

/** Fraction of rows of x whose arg-max logit equals the label, evaluated in batches under noGrad; each sample shaped `sample` (default flat). */
export async function accuracy(model: wg.nn.Module, x: Float32Array, y: Int32Array, batch = 500, sample?: number[]): Promise<number> {
  const n = y.length;
  const features = x.length / n;
  let correct = 0;
  model.eval();
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const xb = wg.tensor(x.subarray(i * features, (i + m) * features), [m, ...(sample ?? [features])]);
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

/**
 * One epoch of cross-entropy training: forward, backward, step, zeroGrad, then `afterStep` (a scheduler,
 * a memory count); the loss is summed on the GPU (no readback inside the loop). Returns the mean loss.
 */
export async function trainEpoch(model: wg.nn.Module, opt: wg.optim.Optimizer, loader: Iterable<[wg.Tensor, wg.Tensor]> & { length: number }, afterStep?: () => void): Promise<number> {
  let lossSum: wg.Tensor | null = null;
  for (const [xb, yb] of loader) {
    const loss = wg.nn.functional.crossEntropy(model.forward(xb), yb);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    const next: wg.Tensor = wg.noGrad(() => (lossSum ? lossSum.add(loss) : loss.clone()));
    lossSum?.dispose();
    lossSum = next;
    loss.dispose();
    afterStep?.();
  }
  const meanLoss = (await lossSum!.item()) / loader.length;
  lossSum!.dispose();
  return meanLoss;
}
