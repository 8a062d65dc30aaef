// Write the backward of softplus yourself, gradcheck it, and watch it fail when the rule is wrong.
//   npm run build && node examples/custom_op.mjs
//
// softplus(x) = log(1 + e^x); its derivative is sigmoid(x). wg.autograd.customOp records the op as one
// node on the tape, with the backward rule you give; gradcheck (webgrad/testing) compares that rule with
// central differences of the forward and points at the element where they disagree most.
import * as wg from '../dist/index.js';
import { gradcheck, assertClose } from '../dist/testing/index.js';

await wg.init();

const softplusWith = (rule) =>
  wg.autograd.customOp({
    name: 'softplus',
    forward: (ctx, x) => {
      ctx.save(x);
      return x.exp().add(1).log();
    },
    backward: (ctx, g) => {
      const [x] = ctx.saved;
      return [rule(g, x)];
    },
  });

const x = wg.tensor([[-3, -1, -0.25], [0.5, 1.5, 3]]);
const rules = {
  'g * sigmoid(x)   (correct)': (g, x) => g.mul(x.sigmoid()),
  'g * sigmoid(-x)  (a sign slip)': (g, x) => g.mul(x.neg().sigmoid()),
};
for (const [name, rule] of Object.entries(rules)) {
  const softplus = softplusWith(rule);
  const r = await gradcheck((t) => softplus(t).sum(), [x]);
  console.log(`${name}\n  ${r.message}`);
  if (!r.ok) {
    const { index, analytic, numeric } = r.worst;
    console.log(`  -> look at x${JSON.stringify(index)}: your rule gives ${analytic.toFixed(4)}, the slope of the forward is ${numeric.toFixed(4)}`);
  }
}

// The forward agrees with the built-in composition, and the correct op trains like any other.
const softplus = softplusWith(rules['g * sigmoid(x)   (correct)']);
await assertClose(softplus(x), x.exp().add(1).log(), { atol: 1e-6, rtol: 1e-6 });
const w = wg.tensor([0.5, -0.5], [2], { requiresGrad: true });
softplus(w).sum().backward();
console.log(`d/dw sum(softplus(w)) at w = [0.5, -0.5]: [${Array.from(await w.grad.toArray(), (v) => v.toFixed(4)).join(', ')}] (sigmoid: 0.6225, 0.3775)`);
