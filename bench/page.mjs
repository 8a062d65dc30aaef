/**
 * The peer benchmark's page side (loaded by bench/run.mjs in headless Chromium). Every library runs in
 * this one page on the same adapter: webgrad, TensorFlow.js 4.22 (webgpu and cpu backends) and jax-js
 * (webgpu device, the step under jit). For each row all libraries build the same state from the same
 * seeded data, are checked against each other (and a float64 reference where one is cheap), then timed
 * round by round in rotating order, so that machine load falls on all of them alike. A timed run ends
 * with that library's own wait for the GPU. Dispatches, submits and buffer copies per step are counted
 * by wrapping the page's WebGPU methods.
 */

// ---- counting GPU work: wrap the WebGPU prototypes before any library touches them ----
const counts = { dispatches: 0, submits: 0, copies: 0 };
function wrap(proto, name, key) {
  const orig = proto?.[name];
  if (!orig) return;
  proto[name] = function (...args) {
    counts[key]++;
    return orig.apply(this, args);
  };
}
wrap(globalThis.GPUComputePassEncoder?.prototype, 'dispatchWorkgroups', 'dispatches');
wrap(globalThis.GPUQueue?.prototype, 'submit', 'submits');
wrap(globalThis.GPUCommandEncoder?.prototype, 'copyBufferToBuffer', 'copies');

// ---- seeded data shared by all libraries ----
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const uniform = (n, seed, lo = -1, hi = 1) => {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
};
/** [rows, cols] row-major -> [cols, rows] */
const transpose = (a, rows, cols) => {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
};

/** NCHW -> NHWC (tfjs's image layout) */
const toNhwc = (a, N, C, H, W) => {
  const t = new Float32Array(a.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) t[(n * H * W + i) * C + c] = a[(n * C + c) * H * W + i];
  return t;
};
/** conv weights [out, in, k, k] -> [k, k, in, out] (tfjs's filter layout), and back */
const toHwio = (a, O, C, K) => {
  const t = new Float32Array(a.length);
  for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) for (let i = 0; i < K * K; i++) t[(i * C + c) * O + o] = a[(o * C + c) * K * K + i];
  return t;
};
const fromHwio = (a, O, C, K) => {
  const t = new Float32Array(a.length);
  for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) for (let i = 0; i < K * K; i++) t[(o * C + c) * K * K + i] = a[(i * C + c) * O + o];
  return t;
};

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(s);
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const relErr = (a, b) => Math.abs(a - b) / Math.max(1e-6, Math.abs(b));

// ---- the libraries, each as { name, setup(row) -> state } where state = { run(k), sync(), check(), count(), memory(), dispose() } ----
const LR = 1e-3;
const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;

function webgradLib(wg, name) {
  /** The state of a training-step row: `step` returns its loss tensor (timed runs free it, `loss` reads it). */
  const lossSteps = (step, dispose) => ({
    run: () => step().dispose(),
    sync: () => wg.sync(),
    loss: async () => {
      const l = step();
      const v = await l.item();
      l.dispose();
      return v;
    },
    memory: () => wg.memory().bytes,
    dispose,
  });
  return {
    name,
    async matmul(n, a, b) {
      const A = wg.tensor(a, [n, n]);
      const Bt = wg.tensor(b, [n, n]);
      return {
        run: () => A.matmul(Bt).dispose(),
        sync: () => wg.sync(),
        result: async () => {
          const c = A.matmul(Bt);
          const out = await c.toArray();
          c.dispose();
          return out;
        },
        memory: () => wg.memory().bytes,
        dispose: () => (A.dispose(), Bt.dispose()),
      };
    },
    async add(n, a, b) {
      const A = wg.tensor(a, [n]);
      const Bt = wg.tensor(b, [n]);
      return {
        run: () => A.add(Bt).dispose(),
        sync: () => wg.sync(),
        result: async () => {
          const c = A.add(Bt);
          const out = await c.toArray();
          c.dispose();
          return out;
        },
        memory: () => wg.memory().bytes,
        dispose: () => (A.dispose(), Bt.dispose()),
      };
    },
    async adam(sizes, params, grads, mode) {
      const ps = params.map((p, i) => wg.tensor(p, [sizes[i]], { requiresGrad: true }));
      ps.forEach((p, i) => (p.grad = wg.tensor(grads[i], [sizes[i]])));
      const options = { lr: LR, betas: [B1, B2], eps: EPS };
      if (mode !== 'default') options.foreach = mode === 'foreach';
      const opt = new wg.optim.Adam(ps, options);
      return {
        run: () => opt.step(),
        sync: () => wg.sync(),
        result: async () => ps[0].toArray(),
        memory: () => wg.memory().bytes,
        dispose: () => (opt.dispose(), ps.forEach((p) => (p.grad?.dispose(), p.dispose()))),
      };
    },
    async conv(c, d) {
      const X = wg.tensor(d.x, [c.n, c.c, c.h, c.w], { requiresGrad: true });
      const W = wg.tensor(d.w, [c.oc, c.c, c.k, c.k], { requiresGrad: true });
      const U = wg.tensor(d.up, [c.n, c.oc, c.oh, c.ow]);
      // forward + backward for input and weight; returns dw [oc, c, k, k]
      const step = () => {
        const l = wg.nn.functional.conv2d(X, W, null, { padding: c.pad }).mul(U).sum();
        l.backward();
        l.dispose();
        const dw = W.grad;
        W.grad = null;
        X.grad.dispose();
        X.grad = null;
        return dw;
      };
      return {
        run: () => step().dispose(),
        sync: () => wg.sync(),
        result: async () => {
          const dw = step();
          const out = await dw.toArray();
          dw.dispose();
          return out;
        },
        memory: () => wg.memory().bytes,
        dispose: () => (X.dispose(), W.dispose(), U.dispose()),
      };
    },
    async mlp(batch, w, x, labels) {
      const model = new wg.nn.Sequential(new wg.nn.Linear(784, 128), new wg.nn.ReLU(), new wg.nn.Linear(128, 10));
      const names = model.namedParameters().map(([k]) => k);
      const init = [wg.tensor(w.w1, [128, 784]), wg.tensor(w.b1, [128]), wg.tensor(w.w2, [10, 128]), wg.tensor(w.b2, [10])];
      model.loadStateDict(Object.fromEntries(names.map((k, i) => [k, init[i]])));
      init.forEach((t) => t.dispose());
      const opt = new wg.optim.Adam(model.parameters(), { lr: LR, betas: [B1, B2], eps: EPS });
      const X = wg.tensor(x, [batch, 784]);
      const Y = wg.tensor(Int32Array.from(labels), [batch], { dtype: 'int32' });
      const step = () => {
        opt.zeroGrad();
        const loss = wg.nn.functional.crossEntropy(model.forward(X), Y);
        loss.backward();
        opt.step();
        return loss;
      };
      return lossSteps(step, () => (opt.dispose(), model.parameters().forEach((p) => (p.grad?.dispose(), p.dispose())), X.dispose(), Y.dispose()));
    },
    async mha(d) {
      const m = new wg.nn.MultiheadAttention(d.E, d.H);
      m.loadStateDict({ inProjWeight: d.win, inProjBias: d.bin, 'outProj.weight': d.wout, 'outProj.bias': d.bout });
      const X = wg.tensor(d.x, [d.B, d.T, d.E]);
      const step = () => {
        m.zeroGrad();
        const loss = m.forward(X, X, X).square().mean();
        loss.backward();
        return loss;
      };
      return lossSteps(step, () => (m.zeroGrad(), m.parameters().forEach((p) => p.dispose()), X.dispose()));
    },
  };
}

function tfjsLib(tf, backend) {
  const use = () => tf.setBackend(backend);
  const sync = async () => {
    const b = tf.backend();
    if (b.device) {
      b.endComputePassEncoder();
      if (b.commandEncoder) b.submitQueue();
      await b.device.queue.onSubmittedWorkDone();
    }
  };
  /** The state of a training-step row: `step` returns its loss tensor (timed runs free it, `loss` reads it). */
  const lossSteps = (step, dispose) => ({
    run: () => step().dispose(),
    sync,
    loss: async () => {
      const l = step();
      const v = (await l.data())[0];
      l.dispose();
      return v;
    },
    memory: () => tf.memory().numBytes,
    dispose,
  });
  return {
    name: backend === 'webgpu' ? 'tfjs' : 'tfjsCpu',
    use,
    async matmul(n, a, b) {
      await use();
      const A = tf.tensor2d(a, [n, n]);
      const Bt = tf.tensor2d(b, [n, n]);
      return {
        run: () => tf.matMul(A, Bt).dispose(),
        sync,
        result: async () => {
          const c = tf.matMul(A, Bt);
          const out = await c.data();
          c.dispose();
          return out;
        },
        memory: () => tf.memory().numBytes,
        dispose: () => (A.dispose(), Bt.dispose()),
      };
    },
    async add(n, a, b) {
      await use();
      const A = tf.tensor1d(a);
      const Bt = tf.tensor1d(b);
      return {
        run: () => tf.add(A, Bt).dispose(),
        sync,
        result: async () => {
          const c = tf.add(A, Bt);
          const out = await c.data();
          c.dispose();
          return out;
        },
        memory: () => tf.memory().numBytes,
        dispose: () => (A.dispose(), Bt.dispose()),
      };
    },
    async adam(sizes, params, grads) {
      await use();
      const vars = params.map((p, i) => tf.variable(tf.tensor1d(p), true, `adam_p${i}_${backend}_${Math.random()}`));
      const gs = grads.map((g) => tf.tensor1d(g));
      const opt = tf.train.adam(LR, B1, B2, EPS);
      const named = Object.fromEntries(vars.map((v, i) => [v.name, gs[i]]));
      return {
        run: () => opt.applyGradients(named),
        sync,
        result: async () => vars[0].data(),
        memory: () => tf.memory().numBytes,
        dispose: () => (opt.dispose(), vars.forEach((v) => v.dispose()), gs.forEach((g) => g.dispose())),
      };
    },
    async conv(c, d) {
      await use();
      const X = tf.tensor4d(toNhwc(d.x, c.n, c.c, c.h, c.w), [c.n, c.h, c.w, c.c]);
      const W = tf.tensor4d(toHwio(d.w, c.oc, c.c, c.k), [c.k, c.k, c.c, c.oc]);
      const U = tf.tensor4d(toNhwc(d.up, c.n, c.oc, c.oh, c.ow), [c.n, c.oh, c.ow, c.oc]);
      const grads = tf.grads((x, w) => tf.sum(tf.mul(tf.conv2d(x, w, 1, c.pad), U)));
      return {
        run: () => grads([X, W]).forEach((t) => t.dispose()),
        sync,
        result: async () => {
          const [dx, dw] = grads([X, W]);
          const out = fromHwio(await dw.data(), c.oc, c.c, c.k);
          dx.dispose();
          dw.dispose();
          return out;
        },
        memory: () => tf.memory().numBytes,
        dispose: () => (X.dispose(), W.dispose(), U.dispose()),
      };
    },
    async mlp(batch, w, x, labels) {
      await use();
      const vars = [
        tf.variable(tf.tensor2d(w.w1t, [784, 128])),
        tf.variable(tf.tensor1d(w.b1)),
        tf.variable(tf.tensor2d(w.w2t, [128, 10])),
        tf.variable(tf.tensor1d(w.b2)),
      ];
      const [W1, b1, W2, b2] = vars;
      const X = tf.tensor2d(x, [batch, 784]);
      const Y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat());
      const opt = tf.train.adam(LR, B1, B2, EPS);
      const loss = () => {
        const h = tf.relu(tf.add(tf.matMul(X, W1), b1));
        return tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(h, W2), b2));
      };
      const step = () => opt.minimize(loss, true, vars);
      return lossSteps(step, () => (opt.dispose(), vars.forEach((v) => v.dispose()), X.dispose(), Y.dispose()));
    },
    async mha(d) {
      await use();
      // composed from tf ops: packed projection, heads by reshape/transpose, softmax(q·kᵀ/√D)·v, merge, out projection
      const { B, T, E, H } = d;
      const D = E / H;
      const vars = [tf.tensor2d(transpose(d.win, 3 * E, E), [E, 3 * E]), tf.tensor1d(d.bin), tf.tensor2d(transpose(d.wout, E, E), [E, E]), tf.tensor1d(d.bout)];
      const X = tf.tensor2d(d.x, [B * T, E]);
      const f = (win, bin, wout, bout) => {
        const qkv = tf.add(tf.matMul(X, win), bin).reshape([B, T, 3, H, D]).transpose([2, 0, 3, 1, 4]);
        const [q, k, v] = tf.unstack(qkv);
        const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D)));
        const heads = tf.matMul(p, v).transpose([0, 2, 1, 3]).reshape([B * T, E]);
        return tf.mean(tf.square(tf.add(tf.matMul(heads, wout), bout)));
      };
      const g = tf.valueAndGrads(f);
      const step = () => {
        const { value, grads } = g(vars);
        grads.forEach((t) => t.dispose());
        return value;
      };
      return lossSteps(step, () => (vars.forEach((t) => t.dispose()), X.dispose()));
    },
  };
}

function jaxLib(jax) {
  const { numpy: np, nn, jit, valueAndGrad } = jax;
  const arr = (data, shape) => np.array(data).reshape(shape);
  /** Adam for one tensor, written with jax-js ops (its optax is not on npm); a, c = lr/bc1, 1/sqrt(bc2). */
  const adamUpdate = (p, g, m, v, a, c) => {
    const m2 = m.mul(B1).add(g.ref.mul(1 - B1));
    const v2 = v.mul(B2).add(g.ref.mul(g).mul(1 - B2));
    const p2 = p.sub(m2.ref.mul(a).div(np.sqrt(v2.ref).mul(c).add(EPS)));
    return [p2, m2, v2];
  };
  const scalars = (t) => [np.array(LR / (1 - B1 ** t)), np.array(1 / Math.sqrt(1 - B2 ** t))];
  const adamStep = jit((ps, gs, ms, vs, a, c) => {
    const out = ps.map((p, i) => adamUpdate(p, gs[i], ms[i], vs[i], a.ref, c.ref));
    a.dispose();
    c.dispose();
    return [out.map((o) => o[0]), out.map((o) => o[1]), out.map((o) => o[2])];
  });
  return {
    name: 'jaxjs',
    async matmul(n, a, b) {
      const A = arr(a, [n, n]);
      const Bt = arr(b, [n, n]);
      // jax-js is lazy: a result disposed before it is waited for may never be computed, so a timed
      // run keeps its results until its sync has waited for all of them
      let pending = [];
      return {
        run: () => pending.push(np.matmul(A.ref, Bt.ref)),
        sync: async () => {
          await jax.blockUntilReady(pending);
          pending.forEach((c) => c.dispose());
          pending = [];
        },
        result: async () => np.matmul(A.ref, Bt.ref).data(),
        dispose: () => (pending.forEach((c) => c.dispose()), A.dispose(), Bt.dispose()),
      };
    },
    async add(n, a, b) {
      const A = arr(a, [n]);
      const Bt = arr(b, [n]);
      // jax-js is lazy: a result disposed before it is waited for may never be computed, so a timed
      // run keeps its results until its sync has waited for all of them
      let pending = [];
      return {
        run: () => pending.push(np.add(A.ref, Bt.ref)),
        sync: async () => {
          await jax.blockUntilReady(pending);
          pending.forEach((c) => c.dispose());
          pending = [];
        },
        result: async () => np.add(A.ref, Bt.ref).data(),
        dispose: () => (pending.forEach((c) => c.dispose()), A.dispose(), Bt.dispose()),
      };
    },
    async adam(sizes, params, grads) {
      let ps = params.map((p) => np.array(p));
      const gs = grads.map((g) => np.array(g));
      let ms = sizes.map((n) => np.zeros([n]));
      let vs = sizes.map((n) => np.zeros([n]));
      let t = 0;
      return {
        run: () => {
          [ps, ms, vs] = adamStep(ps, gs.map((g) => g.ref), ms, vs, ...scalars(++t));
        },
        sync: () => jax.blockUntilReady(ps),
        result: async () => ps[0].ref.data(),
        dispose: () => [...ps, ...gs, ...ms, ...vs].forEach((x) => x.dispose()),
      };
    },
    async mlp(batch, w, x, labels) {
      let p = { w1: arr(w.w1t, [784, 128]), b1: np.array(w.b1), w2: arr(w.w2t, [128, 10]), b2: np.array(w.b2) };
      const keys = Object.keys(p);
      let m = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)]));
      let v = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)]));
      const X = arr(x, [batch, 784]);
      const Y = nn.oneHot(np.array(Int32Array.from(labels), { dtype: np.int32 }), 10);
      const lossFn = (q, xb, yb) => {
        const h = nn.relu(np.matmul(xb, q.w1).add(q.b1));
        const logits = np.matmul(h, q.w2).add(q.b2);
        return nn.logSoftmax(logits, -1).mul(yb).sum().mul(-1 / batch);
      };
      const step = jit((q, mq, vq, xb, yb, a, c) => {
        const [loss, g] = valueAndGrad(lossFn)(Object.fromEntries(keys.map((k) => [k, q[k].ref])), xb, yb);
        const np2 = {};
        const nm = {};
        const nv = {};
        for (const k of keys) [np2[k], nm[k], nv[k]] = adamUpdate(q[k], g[k], mq[k], vq[k], a.ref, c.ref);
        a.dispose();
        c.dispose();
        return [np2, nm, nv, loss];
      });
      let t = 0;
      let loss = null;
      const once = () => {
        loss?.dispose();
        [p, m, v, loss] = step(p, m, v, X.ref, Y.ref, ...scalars(++t));
      };
      return {
        run: once,
        sync: () => jax.blockUntilReady([p, loss]),
        loss: async () => {
          once();
          return (await loss.ref.data())[0];
        },
        dispose: () => {
          loss?.dispose();
          for (const k of keys) [p[k], m[k], v[k]].forEach((a) => a.dispose());
          X.dispose();
          Y.dispose();
          step.dispose?.();
        },
      };
    },
  };
}

// ---- rows ----
/** Float64 reference of a few entries of a·b (n x n), and the largest relative error of `c` there. */
function spotCheck(n, a, b, c) {
  const r = rng(99);
  let worst = 0;
  for (let s = 0; s < 16; s++) {
    const i = Math.floor(r() * n);
    const j = Math.floor(r() * n);
    let ref = 0;
    for (let k = 0; k < n; k++) ref += a[i * n + k] * b[k * n + j];
    worst = Math.max(worst, Math.abs(c[i * n + j] - ref) / Math.max(1, Math.abs(ref)));
  }
  return worst;
}

const ROWS = {
  'matmul 512': { unit: 'ms', k: 2, make: (lib) => lib.matmul(512, uniform(512 * 512, 1), uniform(512 * 512, 2)), check: 'matmul', n: 512 },
  'matmul 1024': { unit: 'ms', k: 1, make: (lib) => lib.matmul(1024, uniform(1024 * 1024, 1), uniform(1024 * 1024, 2)), check: 'matmul', n: 1024, skip: ['tfjsCpu'] },
  'matmul 2048': { unit: 'ms', k: 1, make: (lib) => lib.matmul(2048, uniform(2048 * 2048, 1), uniform(2048 * 2048, 2)), check: 'matmul', n: 2048, skip: ['tfjsCpu'] },
  'add 4M': { unit: 'ms', k: 10, make: (lib) => lib.add(1 << 22, uniform(1 << 22, 3), uniform(1 << 22, 4)), check: 'add', n: 1 << 22 },
  // tfjs-cpu is left out of the big rows: seconds per run, and no target compares with it there
  'adam 4M': { unit: 'ms', k: 1, skip: ['tfjsCpu'], make: (lib, mode) => lib.adam(ADAM_SIZES, ADAM_SIZES.map((n, i) => uniform(n, 10 + i)), ADAM_SIZES.map((n, i) => uniform(n, 20 + i)), mode), check: 'adam', modes: ['default', 'fused', 'foreach'] },
  // conv2d forward + backward (input and weight): LeNet's second layer, and a 3x3 64-channel layer
  'conv lenet': { unit: 'ms', k: 2, skip: ['jaxjs'], conv: { n: 32, c: 6, h: 14, w: 14, oc: 16, k: 5, pad: 'valid' }, check: 'conv' },
  'conv 3x3x64': { unit: 'ms', k: 1, skip: ['jaxjs', 'tfjsCpu'], conv: { n: 8, c: 64, h: 16, w: 16, oc: 64, k: 3, pad: 'same' }, check: 'conv' },
  'mlp b64': { unit: 'ms', k: 5, batch: 64, check: 'mlp' },
  'mlp b256': { unit: 'ms', k: 5, batch: 256, check: 'mlp' },
  // MultiheadAttention forward + backward (loss = mean(y²)), B=8, T=64, E=64, 4 heads; tf.js composes it from its ops
  'mha b8 t64': { unit: 'ms', k: 3, check: 'mlp', skip: ['tfjsCpu', 'jaxjs'], make: (lib) => lib.mha(mhaData(8, 64, 64, 4)) },
};
function mhaData(B, T, E, H) {
  const a = Math.sqrt(6 / (4 * E));
  return { B, T, E, H, x: uniform(B * T * E, 30), win: uniform(3 * E * E, 31, -a, a), bin: uniform(3 * E, 32, -0.1, 0.1), wout: uniform(E * E, 33, -a, a), bout: uniform(E, 34, -0.1, 0.1) };
}
const ADAM_SIZES = [1 << 20, 1 << 20, 1 << 20, 1 << 20];

function mlpData(batch) {
  const w1 = uniform(128 * 784, 5, -1 / 28, 1 / 28);
  const w2 = uniform(10 * 128, 6, -1 / Math.sqrt(128), 1 / Math.sqrt(128));
  const w = { w1, b1: uniform(128, 7, -1 / 28, 1 / 28), w2, b2: uniform(10, 8, -0.088, 0.088), w1t: transpose(w1, 128, 784), w2t: transpose(w2, 10, 128) };
  const x = uniform(batch * 784, 9, 0, 1);
  const r = rng(11);
  const labels = Array.from({ length: batch }, () => Math.floor(r() * 10));
  return { w, x, labels };
}

function convData(c) {
  const [oh, ow] = c.pad === 'same' ? [c.h, c.w] : [c.h - c.k + 1, c.w - c.k + 1];
  const shape = { ...c, oh, ow };
  const fan = c.c * c.k * c.k;
  return [shape, { x: uniform(c.n * c.c * c.h * c.w, 31), w: uniform(c.oc * fan, 32, -1 / Math.sqrt(fan), 1 / Math.sqrt(fan)), up: uniform(c.n * c.oc * oh * ow, 33) }];
}

/** Time `rounds` runs of each state, in rotating order, each run = k steps + the library's own GPU wait. */
async function timeRounds(states, k, rounds, log) {
  const times = Object.fromEntries(states.map((s) => [s.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < states.length; j++) {
      const s = states[(r + j) % states.length];
      await s.use?.();
      await s.sync();
      const t0 = performance.now();
      for (let i = 0; i < k; i++) s.run();
      await s.sync();
      times[s.name].push((performance.now() - t0) / k);
    }
    log(`  round ${r + 1}/${rounds}: ` + states.map((s) => `${s.name} ${times[s.name].at(-1).toFixed(2)}`).join(', '));
  }
  return Object.fromEntries(Object.entries(times).map(([n, ts]) => [n, median(ts)]));
}

/** One step with the GPU methods counted (after a warm-up step). */
async function countStep(s) {
  await s.use?.();
  await s.sync();
  const before = { ...counts };
  s.run();
  await s.sync();
  return { dispatches: counts.dispatches - before.dispatches, submits: counts.submits - before.submits, copies: counts.copies - before.copies };
}

export async function runBench({ rows = Object.keys(ROWS), rounds = 5, base = false, log = console.log } = {}) {
  const wg = await import('/dist/webgrad.browser.js');
  const info = await wg.init();
  const libs = [webgradLib(wg, 'webgrad')];
  if (base) {
    const wgBase = await import('/base/webgrad.browser.js');
    await wgBase.init();
    libs.push(webgradLib(wgBase, 'base'));
  }
  await loadScript('/bench/peers/node_modules/@tensorflow/tfjs/dist/tf.min.js');
  await loadScript('/bench/peers/node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js');
  const tf = globalThis.tf;
  await tf.setBackend('webgpu');
  await tf.ready();
  libs.push(tfjsLib(tf, 'webgpu'), tfjsLib(tf, 'cpu'));
  const jax = await import('/bench/peers/node_modules/@jax-js/jax/dist/index.js');
  const devices = await jax.init('webgpu');
  if (!devices.includes('webgpu')) throw new Error('jax-js found no WebGPU device');
  jax.defaultDevice('webgpu');
  libs.push(jaxLib(jax));
  log(`adapter: ${info.adapter}; libraries: ${libs.map((l) => l.name).join(', ')}`);

  const out = [];
  for (const name of rows) {
    const row = ROWS[name];
    if (!row) throw new Error(`unknown row '${name}' (rows: ${Object.keys(ROWS).join(', ')})`);
    log(`== ${name}`);
    const data = row.batch ? mlpData(row.batch) : null;
    const states = [];
    const webgradModes = row.modes ?? [null];
    for (const lib of libs) {
      if (row.skip?.includes(lib.name)) continue;
      const modes = lib.name === 'webgrad' || lib.name === 'base' ? webgradModes : [null];
      for (const mode of modes) {
        const st = data ? await lib.mlp(row.batch, data.w, data.x, data.labels) : row.conv ? await lib.conv(...convData(row.conv)) : await row.make(lib, mode);
        st.name = mode && mode !== 'default' ? `${lib.name}:${mode}` : lib.name;
        st.use = lib.use;
        states.push(st);
      }
    }
    // agreement checks (untimed; they also warm up every kernel and jit)
    const checks = {};
    if (row.check === 'mlp') {
      const losses = {};
      for (const s of states) {
        await s.use?.();
        losses[s.name] = [];
        for (let i = 0; i < 3; i++) losses[s.name].push(await s.loss());
      }
      const ref = losses.webgrad;
      for (const [n, ls] of Object.entries(losses)) checks[n] = { losses: ls.map((v) => +v.toFixed(6)), ok: ls.every((v, i) => relErr(v, ref[i]) < 2e-3) };
    } else {
      let first = null;
      for (const s of states) {
        await s.use?.();
        s.run?.();
        await s.sync();
        const v = await s.result();
        let err;
        if (row.check === 'matmul') err = spotCheck(row.n, uniform(row.n * row.n, 1), uniform(row.n * row.n, 2), v);
        else if (row.check === 'add') {
          const a = uniform(1 << 22, 3);
          const b = uniform(1 << 22, 4);
          err = 0;
          for (let i = 0; i < v.length; i += 4099) err = Math.max(err, Math.abs(v[i] - (a[i] + b[i])));
        } else if (row.check === 'conv') {
          // dw of every library against webgrad's (the first), relative to its largest entry
          first ??= v;
          const scale = first.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
          err = 0;
          for (let i = 0; i < v.length; i++) err = Math.max(err, Math.abs(v[i] - first[i]) / scale);
        } else {
          // adam: every state has taken the same number of steps (one here): compare with the first
          first ??= v;
          err = 0;
          for (let i = 0; i < 4096; i++) err = Math.max(err, Math.abs(v[i] - first[i]));
        }
        checks[s.name] = { maxError: err, ok: err < (row.check === 'matmul' || row.check === 'conv' ? 1e-4 : 1e-5) };
      }
    }
    const perStep = {};
    for (const s of states) perStep[s.name] = await countStep(s);
    const memBefore = Object.fromEntries(states.filter((s) => s.memory).map((s) => [s.name, s.memory()]));
    const ms = await timeRounds(states, row.k, rounds, log);
    const memAfter = Object.fromEntries(states.filter((s) => s.memory).map((s) => [s.name, s.memory()]));
    const memoryFlat = Object.fromEntries(Object.keys(memBefore).map((n) => [n, memAfter[n] === memBefore[n]]));
    for (const s of states) await s.dispose();
    await tf.setBackend('webgpu');
    for (const mode of webgradModes) {
      const w = mode && mode !== 'default' ? `webgrad:${mode}` : 'webgrad';
      const rowName = mode ? `${name} ${mode}` : name;
      const r = {
        name: rowName,
        unit: row.unit,
        webgrad: ms[w],
        tfjs: ms.tfjs ?? null,
        tfjsCpu: ms.tfjsCpu ?? null,
        jaxjs: ms.jaxjs ?? null,
        ratio: ms.tfjs ? ms.tfjs / ms[w] : null,
        ratioJax: ms.jaxjs ? ms.jaxjs / ms[w] : null,
        ratioCpu: ms.tfjsCpu ? ms.tfjsCpu / ms[w] : null,
      };
      if (base) {
        const b = mode && mode !== 'default' ? `base:${mode}` : 'base';
        r.base = ms[b];
        r.ratioBase = ms[b] / ms[w];
      }
      r.perStep = perStep;
      r.checks = checks;
      r.memoryFlat = memoryFlat;
      r.memoryBytes = Object.fromEntries(Object.keys(memBefore).map((n) => [n, [memBefore[n], memAfter[n]]]));
      out.push(r);
      log(`  ${rowName}: ` + JSON.stringify({ webgrad: r.webgrad, tfjs: r.tfjs, tfjsCpu: r.tfjsCpu, jaxjs: r.jaxjs, base: r.base }));
    }
  }
  return { adapter: info.adapter, software: info.software, userAgent: navigator.userAgent, rows: out };
}
