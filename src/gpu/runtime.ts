/**
 * The GPU runtime: a small interface over a GPUDevice.
 *   alloc / release   storage buffers from a size-class pool
 *   write / read      uploads, and readback (the only place that waits for the GPU)
 *   dispatch          encode one compute pass into the open command encoder
 * Pipelines are cached by their WGSL text; bind-group layouts and uniform layouts come from reflecting
 * that text (wgsl_reflect), so nothing is written twice. Dispatches accumulate in one encoder that is
 * submitted only when data must leave the GPU, when a write must not overtake them, or when the batch
 * is large.
 *
 * Failures: a lost device (driver reset, GPU process crash, device.destroy()) makes every later call
 * throw an error saying so and how to recover; `wg.init()` then builds a new Runtime on a new device.
 * GPU validation and out-of-memory errors are captured with error scopes (around each submit and each
 * kernel compile) or the uncapturederror event, and thrown at the next readback, naming the op.
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
  /** The op this dispatch belongs to: GPU error messages, WebGPU object labels and wg.profile rows. */
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

/** Buffers made on each device: a tensor from a lost device must not be used on (or pooled into) a new one. */
const madeOn = new WeakMap<GPUDevice, WeakSet<GPUBuffer>>();

/** The message every call gets once the device is gone. */
export function deviceLostMessage(reason: string): string {
  return (
    `webgrad: the GPU device was lost (${reason}); call \`await wg.init()\` to get a new device and restore ` +
    'tensors from a checkpoint (wg.load)'
  );
}

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
  readonly cores: number; // CPU cores of the machine (see AcquiredDevice.cores)
  readonly pool: BufferPool;
  private kernels = new Map<string, CompiledKernel>();
  private uniformCache = new Map<string, GPUBuffer>();
  private retired: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pending = 0;
  private touched = new Set<GPUBuffer>();
  private lastError: string | null = null;
  private scopes: Promise<void>[] = [];
  private batchLabels = new Set<string>();
  private lostReason: string | null = null;
  private owned: WeakSet<GPUBuffer>;
  /** Counters for tests and benchmarks. */
  readonly stats = { dispatches: 0, submits: 0, compiles: 0, readbacks: 0 };
  /** Set while wg.profile runs (see profile.ts). */
  private profiler: Profiler | null = null;

  constructor(acq: AcquiredDevice) {
    this.device = acq.device;
    this.adapterName = acq.adapterName;
    this.software = acq.software;
    this.cores = acq.cores;
    this.pool = new BufferPool(this.device);
    let owned = madeOn.get(this.device);
    if (!owned) madeOn.set(this.device, (owned = new WeakSet()));
    this.owned = owned;
    this.device.addEventListener?.('uncapturederror', (ev: Event) => {
      ev.preventDefault?.(); // reported as a JS error at the next readback, not printed by the browser/Dawn
      this.lastError ??= `error: ${(ev as GPUUncapturedErrorEvent).error.message}`; // the first error is the cause
    });
    this.device.lost?.then((info) => {
      this.lostReason = [info.reason, info.message].filter((x) => x && x !== 'undefined').join(': ') || 'unknown reason';
    });
  }

  /** Why the device was lost, or null while it is alive. */
  get lost(): string | null {
    return this.lostReason;
  }

  private alive(): void {
    if (this.lostReason !== null) throw new Error(deviceLostMessage(this.lostReason));
  }

  /** Refuse buffers made on another (lost) device, before WebGPU turns them into a validation error. */
  private mine(buffer: GPUBuffer, op: string): GPUBuffer {
    if (!this.owned.has(buffer)) {
      throw new Error(
        `webgrad.${op}: this tensor was created on a GPU device that has since been lost or replaced; ` +
          'its data is gone. Restore it from a checkpoint (wg.load) after `await wg.init()`.',
      );
    }
    return buffer;
  }

  get kernelCacheSize(): number {
    return this.kernels.size;
  }

  /** Uniform buffers cached by content (bounded by UNIFORM_CACHE). */
  get uniformCacheSize(): number {
    return this.uniformCache.size;
  }

  alloc(bytes: number): GPUBuffer {
    this.alive();
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > max) {
      throw new Error(
        `webgrad: cannot allocate ${bytes} bytes: this device's largest storage buffer is ${max} bytes. ` +
          'Use smaller tensors (split the batch or the layer).',
      );
    }
    const buf = this.pool.acquire(bytes, STORAGE_USAGE);
    this.owned.add(buf);
    return buf;
  }

  release(buffer: GPUBuffer): void {
    if (this.owned.has(buffer) && this.lostReason === null) this.pool.release(buffer); // a dead device's buffers are just dropped
  }

  /** Upload data. Flushes first if the open batch uses this buffer, so the write cannot overtake it. */
  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.alive();
    this.mine(buffer, 'write');
    if (data.byteLength === 0) return;
    if (this.touched.has(buffer)) this.flush();
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copy `bytes` bytes between buffers inside the batch. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    this.alive();
    this.mine(src, 'copy');
    this.mine(dst, 'copy');
    if (bytes === 0) return;
    this.openEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.touched.add(src).add(dst);
    this.countAndMaybeFlush();
  }

  /** Read `bytes` bytes back to the CPU: submits the batch and waits for the GPU. */
  async read(buffer: GPUBuffer, bytes: number, byteOffset = 0): Promise<ArrayBuffer> {
    this.alive();
    this.mine(buffer, 'toArray');
    this.stats.readbacks++;
    if (bytes === 0) return new ArrayBuffer(0);
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.pool.acquire(size, READBACK_USAGE);
    this.openEncoder().copyBufferToBuffer(buffer, byteOffset, staging, 0, size);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, size);
    } catch (e) {
      await new Promise((r) => setTimeout(r, 0)); // let device.lost settle: a lost device is the usual cause
      this.alive();
      await this.throwIfError();
      throw e;
    }
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    this.pool.release(staging);
    await this.throwIfError();
    return out;
  }

  /** Wait until all submitted work has finished (for benchmarks). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.alive();
    await this.throwIfError();
  }

  dispatch(spec: DispatchSpec): void {
    this.alive();
    const label = spec.label ?? 'kernel';
    const k = this.compile(spec.wgsl, label);
    const entries: GPUBindGroupEntry[] = [];
    for (const s of k.storage) {
      const buf = spec.buffers[s.name];
      if (!buf) throw new Error(`webgrad runtime: kernel needs a buffer named '${s.name}' (got ${Object.keys(spec.buffers).join(', ')})`);
      this.mine(buf, label);
      entries.push({ binding: s.binding, resource: { buffer: buf } });
      this.touched.add(buf);
    }
    if (k.uniform) entries.push({ binding: k.uniform.binding, resource: { buffer: this.uniformBuffer(k, spec.uniforms ?? {}) } });
    const encoder = this.openEncoder();
    const bindGroup = this.device.createBindGroup({ label, layout: k.pipeline.getBindGroupLayout(0), entries });
    const [x, y = 1, z = 1] = spec.workgroups;
    if (x > 65535 || y > 65535 || z > 65535) throw new Error(`webgrad runtime: ${x}x${y}x${z} workgroups exceed 65535 per dimension`);
    if (x * y * z === 0) return;
    this.batchLabels.add(label);
    const pass = encoder.beginComputePass(
      this.profiler?.record({ kernel: spec.label ?? `kernel(${k.storage.map((s) => s.name).join(',')})`, pipeline: k.pipeline, entries, workgroups: [x, y, z] }) ?? { label },
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
    this.alive();
    if (!this.encoder) {
      this.pool.afterSubmit(); // nothing unsubmitted can reference the quarantined buffers
      return;
    }
    // Scopes stay synchronous (never open while user code runs, which may use scopes of its own): a
    // command encoder reports what went wrong in its passes at finish(), so this one catches the batch.
    this.openScope();
    this.device.queue.submit([this.encoder.finish()]);
    this.closeScope([...this.batchLabels]);
    this.encoder = null;
    this.batchLabels.clear();
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

  /** Capture validation and out-of-memory errors of what follows until closeScope(). */
  private openScope(): void {
    if (!this.device.pushErrorScope) return;
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
  }

  /** Close the scope; a captured error is kept, named after the ops in `labels`, for the next readback. */
  private closeScope(labels: string[]): void {
    if (!this.device.popErrorScope) return;
    const pops = [this.device.popErrorScope(), this.device.popErrorScope()];
    this.scopes.push(
      Promise.all(pops).then(
        (errors) => {
          const e = errors.find((x) => x);
          if (!e || this.lastError) return;
          const named = labels.filter((l) => e.message.includes(`"${l}"`));
          const ops = named.length ? named : labels.slice(-8);
          const kind = e.constructor?.name === 'GPUOutOfMemoryError' || /out of memory/i.test(e.message) ? 'out of memory' : 'error';
          this.lastError = `${kind} in ${ops.length ? ops.join(', ') : 'a buffer copy'}: ${e.message}`;
        },
        () => undefined, // popping fails only on a lost device, which alive() reports
      ),
    );
  }

  private countAndMaybeFlush(): void {
    if (++this.pending >= MAX_BATCH) this.flush();
  }

  private async throwIfError(): Promise<void> {
    const scopes = this.scopes;
    this.scopes = [];
    await Promise.all(scopes);
    if (this.lastError) {
      const msg = this.lastError;
      this.lastError = null;
      throw new Error(`webgrad: GPU ${msg}`);
    }
  }

  private compile(wgsl: string, label: string): CompiledKernel {
    const hit = this.kernels.get(wgsl);
    if (hit) return hit;
    this.openScope();
    try {
      return this.build(wgsl, label);
    } finally {
      this.closeScope([label]);
    }
  }

  private build(wgsl: string, label: string): CompiledKernel {
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
    const module = this.device.createShaderModule({ label, code: wgsl });
    const bindGroupLayout = this.device.createBindGroupLayout({ entries: layoutEntries });
    const pipeline = this.device.createComputePipeline({
      label,
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
