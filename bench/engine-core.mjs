/**
 * The engine benchmark body, shared by Node (Dawn) and the browser page: matmul GFLOP/s per schedule
 * and elementwise GB/s. Takes the webgrad module as an argument so the same code runs in both.
 * Times many iterations between wg.sync() calls (browsers round performance.now() to 100 µs).
 */
export async function runEngineBench(wg, { sizes = [256, 512, 1024, 2048], variants = ['auto', 'naive'], budgetMs = 1500, log = () => {} } = {}) {
  const info = await wg.init();
  const rows = [];
  const timeIt = async (fn) => {
    fn();
    await wg.sync(); // warm-up (compile)
    let iters = 0;
    const t0 = performance.now();
    do {
      fn();
      iters++;
      if (iters % 4 === 0 || performance.now() - t0 > budgetMs / 2) await wg.sync();
    } while (performance.now() - t0 < budgetMs);
    await wg.sync();
    return (performance.now() - t0) / iters;
  };
  for (const n of sizes) {
    const a = wg.randn([n, n], { seed: 1 });
    const b = wg.randn([n, n], { seed: 2 });
    for (const v of variants) {
      if (v === 'naive' && n > 1024) continue; // the baseline is too slow to time at 2048 on CPU adapters
      wg.setMatmulVariant(v === 'auto' ? null : v);
      const ms = await timeIt(() => a.matmul(b).dispose());
      const gflops = (2 * n * n * n) / (ms * 1e6);
      rows.push({ kind: 'matmul', size: `${n}x${n}x${n}`, variant: v === 'auto' ? `auto(${wg.matmulVariant()})` : v, ms, gflops });
      log(`matmul ${n} ${v}: ${ms.toFixed(2)} ms, ${gflops.toFixed(2)} GFLOP/s`);
    }
    wg.setMatmulVariant(null);
    a.dispose();
    b.dispose();
  }
  for (const n of [1 << 20, 1 << 22]) {
    const x = wg.randn([n], { seed: 3 });
    const y = wg.randn([n], { seed: 4 });
    const ms = await timeIt(() => x.add(y).dispose());
    const gbs = (3 * 4 * n) / (ms * 1e6);
    rows.push({ kind: 'elementwise add', size: `${n}`, variant: 'vec4 grid-stride', ms, gbs });
    log(`add ${n}: ${ms.toFixed(3)} ms, ${gbs.toFixed(2)} GB/s`);
    x.dispose();
    y.dispose();
  }
  return { adapter: info.adapter, software: info.software, rows };
}
