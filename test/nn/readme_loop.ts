/** The training loop of README.md ("In Node"), verbatim: readme_loop.test.ts runs these lines and checks the README still shows them. */
export const README_LOOP = `for (const [x, y] of new wg.nn.DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 })) {
  opt.zeroGrad();                                  // frees the previous step's gradients
  const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
  loss.backward();                                 // frees the graph's intermediates, keeps the loss
  opt.step();                                      // one fused dispatch per parameter; nothing waits
  loss.dispose();                                  // the loss is yours: read it first if you need it
}`;
