// The soak run shared by scripts/soak.mjs (10,000 steps) and test/soak/soak.test.ts (300 steps):
// an MLP trained with AdamW, a cosine schedule and gradient clipping, a checkpoint every `every` steps
// (and one before the first step). It samples memory and cache sizes as it goes, then checks that a
// run resumed from each checkpoint reaches the next checkpoint's bytes exactly: by induction, resuming
// from any checkpoint reproduces the uninterrupted run bit for bit.

const IN = 32;
const HIDDEN = 64;
const CLASSES = 10;
const BATCH = 32;

function build(wg, steps) {
  wg.manualSeed(5);
  const model = new wg.nn.Sequential(new wg.nn.Linear(IN, HIDDEN), new wg.nn.ReLU(), new wg.nn.Linear(HIDDEN, CLASSES));
  const opt = new wg.optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 1e-2 });
  const sched = new wg.optim.lrScheduler.CosineAnnealingLR(opt, { TMax: steps, etaMin: 1e-5 });
  return { model, opt, sched };
}

/** Batch `step`: pseudo-random inputs from a hash of the index; the label is the largest of the first 10 inputs. */
function batch(step) {
  const x = new Float32Array(BATCH * IN);
  for (let i = 0; i < x.length; i++) {
    const h = Math.sin((step * BATCH * IN + i) * 12.9898) * 43758.5453;
    x[i] = Math.fround(2 * (h - Math.floor(h)) - 1);
  }
  const y = Int32Array.from({ length: BATCH }, (_, r) => {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (x[r * IN + c] > x[r * IN + best]) best = c;
    return best;
  });
  return { x, y };
}

/** One training step on batch `step`. */
function trainStep(wg, run, step) {
  const b = batch(step);
  const x = wg.tensor(b.x, [BATCH, IN]);
  const y = b.y;
  run.opt.zeroGrad();
  const loss = wg.nn.functional.crossEntropy(run.model.forward(x), y);
  loss.backward();
  wg.nn.utils.clipGradNorm(run.model.parameters(), 1.0).dispose();
  run.opt.step();
  run.sched.step();
  x.dispose();
  return loss;
}

function disposeTensors(wg, v) {
  if (v instanceof wg.Tensor) v.dispose();
  else if (Array.isArray(v)) v.forEach((x) => disposeTensors(wg, x));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => disposeTensors(wg, x));
}

async function checkpoint(wg, run, step) {
  const optim = run.opt.stateDict(); // snapshots that belong to us
  const bytes = await wg.save({ step, model: run.model.stateDict(), optim, sched: run.sched.stateDict() });
  disposeTensors(wg, optim);
  return bytes;
}

function release(run) {
  run.opt.zeroGrad(); // frees the gradients
  run.opt.dispose(); // frees the optimizer state
  for (const p of run.model.parameters()) p.dispose();
}

function sample(wg, step, loss) {
  const m = wg.memory();
  const s = wg.stats();
  return { step, loss, tensors: m.tensors, bytes: m.bytes, pooledBytes: m.pooledBytes, pipelines: s.kernels, uniforms: s.uniforms };
}

/**
 * Run `steps` steps with a checkpoint every `every`; returns the samples (every `sampleEvery` steps),
 * the checkpoints, and the resume check: for each checkpoint but the last, whether the run resumed from
 * it reaches the next checkpoint with identical bytes.
 */
export async function soak(wg, { steps, every, sampleEvery = every / 10, log = () => {} }) {
  const run = build(wg, steps);
  const checkpoints = new Map([[0, await checkpoint(wg, run, 0)]]);
  const samples = [];
  for (let step = 1; step <= steps; step++) {
    const loss = trainStep(wg, run, step);
    if (step % sampleEvery === 0) {
      const s = sample(wg, step, await loss.item());
      samples.push(s);
      log(s);
    }
    loss.dispose();
    if (step % every === 0) checkpoints.set(step, await checkpoint(wg, run, step));
  }
  release(run);

  const resumes = [];
  const marks = [...checkpoints.keys()];
  for (let i = 0; i + 1 < marks.length; i++) {
    const [from, to] = [marks[i], marks[i + 1]];
    const ck = await wg.load(checkpoints.get(from));
    const r = build(wg, steps);
    r.model.loadStateDict(ck.model);
    r.opt.loadStateDict(ck.optim);
    r.sched.loadStateDict(ck.sched);
    disposeTensors(wg, ck);
    for (let step = from + 1; step <= to; step++) trainStep(wg, r, step).dispose();
    const bytes = await checkpoint(wg, r, to);
    const want = checkpoints.get(to);
    const identical = bytes.length === want.length && bytes.every((b, k) => b === want[k]);
    resumes.push({ from, to, identical });
    log({ resume: `${from} -> ${to}`, identical });
    release(r);
  }
  return { samples, checkpoints, resumes };
}
