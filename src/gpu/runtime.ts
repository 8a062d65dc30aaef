/**
 * The GPU runtime: a small interface over a GPUDevice.
 *   alloc / release   storage buffers from a size-class pool
 *   write / read      uploads, and readback (the only place that waits for the GPU)
 *   dispatch          encode one compute pass into the open command encoder
 * Pipelines are cached by their WGSL text; bind-group layouts and uniform layouts come from reflecting
 * that text (wgsl_reflect), so nothing is written twice. Dispatches accumulate in one encoder that is
 * submitted only when data must leave the GPU, when a write must not overtake them, or when the batch
 * is large.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { BufferPool } from './pool.js';
import type { AcquiredDevice } from './device.js';
import { Profiler, summarize, type ProfileRow } from './profile.js';

export type UniformValue = number | readonly number[];

export interface DispatchSpec {
  /** Complete WGSL source with one compute entry point named `main`. */
  wgsl: string;
  /** Storage buffers by their WGSL variable name. */
  buffers: Record<string, GPUBuffer>;
  /** Values for the members of the (single) uniform struct, by member name. */
  uniforms?: Record<string, UniformValue>;
  workgroups: readonly [number, number?, number?];
  /** Kernel name for wg.profile (default: the storage buffers' names). */
  label?: string;
}

interface UniformMember { name: string; offset: number; scalar: 'f32' | 'u32' | 'i32' }
interface CompiledKernel {
  pipeline: GPUComputePipeline;
  storage: { name: string; binding: number }[];
  uniform: { name: string; binding: number; size: number; members: UniformMember[] } | null;
}

const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (constants: Node has no globals yet at import)
const UNIFORM_USAGE = 0x40 | 0x8; // UNIFORM | COPY_DST
const READBACK_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST
const MAX_BATCH = 256;
const UNIFORM_CACHE = 4096;

function scalarOf(type: { name: string; format?: unknown }): 'f32' | 'u32' | 'i32' {
  let t: { name: string; format?: unknown } | undefined = type;
  while (t && !['f32', 'u32', 'i32'].includes(t.name)) t = t.format as typeof t;
  if (!t) throw new Error(`webgrad runtime: unsupported uniform member type ${type.name}`);
  return t.name as 'f32' | 'u32' | 'i32';
}

export class Runtime {
  readonly device: GPUDevice;
  readonly adapterName: string;
  readonly software: boolean;
  readonly pool: BufferPool;
  private kernels = new Map<string, CompiledKernel>();
  private uniformCache = new Map<string, GPUBuffer>();
  private retired: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pending = 0;
  private touched = new Set<GPUBuffer>();
  private lastError: string | null = null;
  /** Counters for tests and benchmarks. */
  readonly stats = { dispatches: 0, submits: 0, compiles: 0, readbacks: 0 };
  /** Set while wg.profile runs (see profile.ts). */
  private profiler: Profiler | null = null;

  constructor(acq: AcquiredDevice) {
    this.device = acq.device;
    this.adapterName = acq.adapterName;
    this.software = acq.software;
    this.pool = new BufferPool(this.device);
    this.device.addEventListener?.('uncapturederror', (ev: Event) => {
      this.lastError ??= (ev as GPUUncapturedErrorEvent).error.message; // the first error is the cause
    });
  }

  get kernelCacheSize(): number {
    return this.kernels.size;
  }

  alloc(bytes: number): GPUBuffer {
    return this.pool.acquire(bytes, STORAGE_USAGE);
  }

  release(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  /** Upload data. Flushes first if the open batch uses this buffer, so the write cannot overtake it. */
  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    if (data.byteLength === 0) return;
    if (this.touched.has(buffer)) this.flush();
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copy `bytes` bytes between buffers inside the batch. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    if (bytes === 0) return;
    this.openEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.touched.add(src).add(dst);
    this.countAndMaybeFlush();
  }

  /** Read `bytes` bytes back to the CPU: submits the batch and waits for the GPU. */
  async read(buffer: GPUBuffer, bytes: number, byteOffset = 0): Promise<ArrayBuffer> {
    this.stats.readbacks++;
    if (bytes === 0) return new ArrayBuffer(0);
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.pool.acquire(size, READBACK_USAGE);
    this.openEncoder().copyBufferToBuffer(buffer, byteOffset, staging, 0, size);
    this.flush();
    await staging.mapAsync(GPUMapMode.READ, 0, size);
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    this.pool.release(staging);
    this.throwIfError();
    return out;
  }

  /** Wait until all submitted work has finished (for benchmarks). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwIfError();
  }

  dispatch(spec: DispatchSpec): void {
    const k = this.compile(spec.wgsl);
    const entries: GPUBindGroupEntry[] = [];
    for (const s of k.storage) {
      const buf = spec.buffers[s.name];
      if (!buf) throw new Error(`webgrad runtime: kernel needs a buffer named '${s.name}' (got ${Object.keys(spec.buffers).join(', ')})`);
      entries.push({ binding: s.binding, resource: { buffer: buf } });
      this.touched.add(buf);
    }
    if (k.uniform) entries.push({ binding: k.uniform.binding, resource: { buffer: this.uniformBuffer(k, spec.uniforms ?? {}) } });
    const bindGroup = this.device.createBindGroup({ layout: k.pipeline.getBindGroupLayout(0), entries });
    const [x, y = 1, z = 1] = spec.workgroups;
    if (x > 65535 || y > 65535 || z > 65535) throw new Error(`webgrad runtime: ${x}x${y}x${z} workgroups exceed 65535 per dimension`);
    if (x * y * z === 0) return;
    const pass = this.openEncoder().beginComputePass(
      this.profiler?.record({ kernel: spec.label ?? `kernel(${k.storage.map((s) => s.name).join(',')})`, pipeline: k.pipeline, entries, workgroups: [x, y, z] }),
    );
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    this.stats.dispatches++;
    this.countAndMaybeFlush();
  }

  /** Run fn (sync or async) and time each kernel it dispatches: rows per kernel name (see profile.ts). */
  async profile(fn: () => unknown): Promise<ProfileRow[]> {
    if (this.profiler) throw new Error('webgrad.profile: a profile is already running; profiles cannot nest');
    await this.sync();
    const profiler = (this.profiler = new Profiler(this.device));
    try {
      await fn();
    } finally {
      this.profiler = null;
    }
    await this.sync();
    try {
      return summarize(profiler.records, await profiler.times());
    } finally {
      profiler.dispose();
    }
  }

  /** Submit the open batch, if any. */
  flush(): void {
    if (!this.encoder) {
      this.pool.afterSubmit(); // nothing unsubmitted can reference the quarantined buffers
      return;
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pending = 0;
    this.touched.clear();
    this.stats.submits++;
    this.pool.afterSubmit();
    for (const b of this.retired) b.destroy();
    this.retired = [];
  }

  private openEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private countAndMaybeFlush(): void {
    if (++this.pending >= MAX_BATCH) this.flush();
  }

  private throwIfError(): void {
    if (this.lastError) {
      const msg = this.lastError;
      this.lastError = null;
      throw new Error(`webgrad: the GPU reported an error: ${msg}`);
    }
  }

  private compile(wgsl: string): CompiledKernel {
    const hit = this.kernels.get(wgsl);
    if (hit) return hit;
    const r = new WgslReflect(wgsl);
    const layoutEntries: GPUBindGroupLayoutEntry[] = [];
    const storage = r.storage.map((s) => {
      layoutEntries.push({
        binding: s.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: String(s.access) === 'read_write' ? 'storage' : 'read-only-storage' },
      });
      return { name: s.name, binding: s.binding };
    });
    let uniform: CompiledKernel['uniform'] = null;
    if (r.uniforms.length > 1) throw new Error('webgrad runtime: a kernel may declare at most one uniform struct');
    const u = r.uniforms[0];
    if (u) {
      layoutEntries.push({ binding: u.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
      const members = ((u.members ?? []) as { name: string; offset: number; type: { name: string; format?: unknown } }[]).map(
        (m) => ({ name: m.name, offset: m.offset, scalar: scalarOf(m.type) }),
      );
      uniform = { name: u.name, binding: u.binding, size: Math.ceil(u.size / 16) * 16, members };
    }
    const module = this.device.createShaderModule({ code: wgsl });
    const bindGroupLayout = this.device.createBindGroupLayout({ entries: layoutEntries });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] }),
      compute: { module, entryPoint: 'main' },
    });
    const k = { pipeline, storage, uniform };
    this.kernels.set(wgsl, k);
    this.stats.compiles++;
    return k;
  }

  /** Uniform buffers are immutable and cached by content, so a training loop re-creates none. */
  private uniformBuffer(k: CompiledKernel, values: Record<string, UniformValue>): GPUBuffer {
    const u = k.uniform!;
    const bytes = new ArrayBuffer(u.size);
    const dv = new DataView(bytes);
    for (const m of u.members) {
      const v = values[m.name];
      if (v === undefined) throw new Error(`webgrad runtime: missing uniform '${m.name}'`);
      const list = typeof v === 'number' ? [v] : v;
      list.forEach((x, i) => {
        const at = m.offset + 4 * i;
        if (m.scalar === 'f32') dv.setFloat32(at, x, true);
        else if (m.scalar === 'u32') dv.setUint32(at, x >>> 0, true);
        else dv.setInt32(at, x | 0, true);
      });
    }
    const key = String.fromCharCode(...new Uint16Array(bytes));
    let buf = this.uniformCache.get(key);
    if (buf) {
      this.uniformCache.delete(key);
    } else {
      buf = this.device.createBuffer({ size: u.size, usage: UNIFORM_USAGE, mappedAtCreation: true });
      new Uint8Array(buf.getMappedRange()).set(new Uint8Array(bytes));
      buf.unmap();
      if (this.uniformCache.size >= UNIFORM_CACHE) {
        const [oldKey, old] = this.uniformCache.entries().next().value as [string, GPUBuffer];
        this.uniformCache.delete(oldKey);
        this.retired.push(old);
      }
    }
    this.uniformCache.set(key, buf);
    return buf;
  }
}
