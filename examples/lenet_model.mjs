// The LeNet of examples/lenet.mjs (Node) and examples/lenet.html (a page), and its test-set check:
// pass the webgrad module. test/nn/lenet.test.ts trains the same network.
// conv 5x5 (6) - ReLU - maxpool 2 - conv 5x5 (16) - ReLU - maxpool 2 - linear 400→64 - ReLU - linear 64→10

/** MNIST's pixel mean and standard deviation, as torchvision's LeNet examples standardise. */
export const standardise = (x) => x.map((v) => (v - 0.1307) / 0.3081);

export function lenet(wg) {
  const { nn } = wg;
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), // 6 × 14 × 14
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), //                16 × 5 × 5
    new nn.Flatten(), new nn.Linear(400, 64), new nn.ReLU(), new nn.Linear(64, 10),
  );
}

/** Fraction of the digits in xTest ([n, 1, 28, 28] on the GPU) whose predicted class is the label. */
export async function testAccuracy(wg, model, xTest, labels) {
  model.eval();
  const classes = wg.noGrad(() => {
    const logits = model.forward(xTest);
    const c = logits.argmax(1);
    logits.dispose();
    return c;
  });
  const predicted = await classes.toArray();
  classes.dispose();
  model.train();
  return predicted.filter((c, i) => c === labels[i]).length / labels.length;
}
