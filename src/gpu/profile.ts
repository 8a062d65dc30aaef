/**
 * wg.profile(fn): which kernels a piece of work runs and where its GPU time goes.
 *
 * While fn runs, the runtime hands every dispatch to the Profiler (kernel name, pipeline, bindings).
 * Timing, per dispatch:
 *  - 'timestamp': where the device has 'timestamp-query', each compute pass writes GPU timestamps at its
 *    start and end (the pass holds exactly one dispatch), resolved after fn; exact and undisturbed.
 *  - 'sync' otherwise: after fn has finished, each recorded dispatch is run again on its own, on
 *    zero-filled scratch copies of its storage buffers (so nothing of the user's changes), between a
 *    submit and a wait for the queue: synchronised wall time, including one submit's overhead each.
 * Rows are summed per kernel name and sorted by time; shares sum to 1.
 */

export interface ProfileRow {
  kernel: string;
  dispatches: number;
  /** Total milliseconds of this kernel's dispatches. */
  ms: number;
  /** Fraction of the profiled total (the rows' shares sum to 1). */
  share: number;
}

export interface RecordedDispatch {
  kernel: string;
  pipeline: GPUComputePipeline;
  entries: GPUBindGroupEntry[];
  workgroups: [number, number, number];
}

const STORAGE = 0x80;
const MAX_QUERIES = 2048; // dispatches timed by timestamps (two queries each, 4096 is the limit); any beyond are timed by replay

export class Profiler {
  readonly records: RecordedDispatch[] = [];
  private querySet: GPUQuerySet | null;

  constructor(private device: GPUDevice) {
    this.querySet = device.features?.has('timestamp-query') ? device.createQuerySet({ type: 'timestamp', count: 2 * MAX_QUERIES }) : null;
  }

  get method(): 'timestamp' | 'sync' {
    return this.querySet ? 'timestamp' : 'sync';
  }

  /** Record one dispatch; returns the compute-pass descriptor that times it (if timestamps are on). */
  record(r: RecordedDispatch): GPUComputePassDescriptor | undefined {
    const i = this.records.push(r) - 1;
    if (!this.querySet || i >= MAX_QUERIES) return undefined;
    return { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } };
  }

  /** Milliseconds per recorded dispatch. Call after fn's work has been submitted. */
  async times(): Promise<number[]> {
    const n = this.records.length;
    const ms = new Array<number>(n).fill(0);
    let timed = 0;
    if (this.querySet && n > 0) {
      timed = Math.min(n, MAX_QUERIES);
      const bytes = 16 * timed;
      const resolve = this.device.createBuffer({ size: bytes, usage: 0x200 | 0x4 }); // QUERY_RESOLVE | COPY_SRC
      const read = this.device.createBuffer({ size: bytes, usage: 0x1 | 0x8 }); // MAP_READ | COPY_DST
      const enc = this.device.createCommandEncoder();
      enc.resolveQuerySet(this.querySet, 0, 2 * timed, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, bytes);
      this.device.queue.submit([enc.finish()]);
      await read.mapAsync(0x1);
      const t = new BigInt64Array(read.getMappedRange().slice(0));
      for (let i = 0; i < timed; i++) ms[i] = Math.max(0, Number(t[2 * i + 1] - t[2 * i])) / 1e6;
      read.unmap();
      [resolve, read].forEach((b) => b.destroy());
    }
    const scratch = new Map<string, GPUBuffer>();
    for (let i = timed; i < n; i++) ms[i] = await this.replay(this.records[i], scratch);
    scratch.forEach((b) => b.destroy());
    return ms;
  }

  dispose(): void {
    this.querySet?.destroy();
  }

  /** Run one recorded dispatch alone on scratch storage buffers; wall time from submit to done. */
  private async replay(r: RecordedDispatch, scratch: Map<string, GPUBuffer>): Promise<number> {
    const entries = r.entries.map((e, slot) => {
      const buffer = (e.resource as GPUBufferBinding).buffer;
      if (!(buffer.usage & STORAGE)) return e; // uniforms are immutable: reuse them
      const key = `${slot}:${buffer.size}`;
      let s = scratch.get(key);
      if (!s) scratch.set(key, (s = this.device.createBuffer({ size: buffer.size, usage: buffer.usage })));
      return { binding: e.binding, resource: { buffer: s } };
    });
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(r.pipeline);
    pass.setBindGroup(0, this.device.createBindGroup({ layout: r.pipeline.getBindGroupLayout(0), entries }));
    pass.dispatchWorkgroups(...r.workgroups);
    pass.end();
    const t0 = performance.now();
    this.device.queue.submit([enc.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  }
}

/** Sum recorded dispatches per kernel name; rows sorted by time, shares summing to 1. */
export function summarize(records: readonly RecordedDispatch[], ms: readonly number[]): ProfileRow[] {
  const rows = new Map<string, ProfileRow>();
  records.forEach((r, i) => {
    const row = rows.get(r.kernel) ?? { kernel: r.kernel, dispatches: 0, ms: 0, share: 0 };
    row.dispatches++;
    row.ms += ms[i];
    rows.set(r.kernel, row);
  });
  const list = [...rows.values()];
  const total = list.reduce((s, r) => s + r.ms, 0);
  for (const r of list) r.share = total > 0 ? r.ms / total : 1 / list.length;
  return list.sort((a, b) => b.ms - a.ms);
}
