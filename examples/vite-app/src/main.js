// Train a small classifier on WebGPU in the page and chart its loss live (uPlot).
// The training loop never waits for the GPU except to read the loss for the chart every few steps.
import * as wg from 'webgrad';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const status = document.getElementById('status');
const say = (text) => (status.textContent = text);

async function main() {
  const info = await wg.init({ verbose: true });
  say(`WebGPU adapter: ${info.adapter}${info.software ? ' (software: correct, but slow)' : ''}`);

  // three spirals of 200 points, from webgrad's seeded generator: the same every run
  const CLASSES = 3, PER_CLASS = 200, n = CLASSES * PER_CLASS;
  const noise = await wg.randn([n, 2], { seed: 1 }).toArray();
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let c = 0; c < CLASSES; c++) {
    for (let i = 0; i < PER_CLASS; i++) {
      const k = c * PER_CLASS + i, r = i / PER_CLASS, angle = (c * 2 * Math.PI) / CLASSES + 4 * r;
      xs[2 * k] = r * Math.sin(angle) + 0.05 * noise[2 * k];
      xs[2 * k + 1] = r * Math.cos(angle) + 0.05 * noise[2 * k + 1];
      ys[k] = c;
    }
  }
  const x = wg.tensor(xs, [n, 2]);
  const y = wg.tensor(ys, [n], { dtype: 'int32' });

  wg.manualSeed(0);
  const model = new wg.nn.Sequential(
    new wg.nn.Linear(2, 64), new wg.nn.ReLU(), new wg.nn.Linear(64, 64), new wg.nn.ReLU(), new wg.nn.Linear(64, CLASSES),
  );
  const opt = new wg.optim.Adam(model.parameters(), { lr: 1e-2 });

  const steps = Number(new URLSearchParams(location.search).get('steps') ?? 300);
  const data = [[], []];
  const chart = new uPlot(
    { width: 640, height: 300, scales: { x: { time: false } }, series: [{ label: 'step' }, { label: 'loss', stroke: '#d33', width: 2 }] },
    data,
    document.getElementById('chart'),
  );

  for (let step = 1; step <= steps; step++) {
    opt.zeroGrad();
    const loss = wg.nn.functional.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    if (step === 1 || step % 10 === 0) {
      data[0].push(step);
      data[1].push(await loss.item());
      chart.setData(data);
      say(`step ${step}/${steps}: loss ${data[1].at(-1).toFixed(4)}`);
    }
    loss.dispose();
  }
  const predicted = await wg.noGrad(() => model.forward(x)).argmax(1).toArray();
  const accuracy = predicted.filter((c, i) => c === ys[i]).length / n;
  say(`done: loss ${data[1][0].toFixed(4)} -> ${data[1].at(-1).toFixed(4)} in ${steps} steps, accuracy ${(100 * accuracy).toFixed(1)}%`);
  return { losses: data[1], accuracy, adapter: info.adapter };
}

// window.__result / __error let scripts/check-examples.mjs read the outcome from headless Chromium.
main().then(
  (r) => (window.__result = r),
  (e) => {
    say(`error: ${e.message}`);
    window.__error = String(e.stack || e);
  },
);
