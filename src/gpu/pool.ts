/**
 * A buffer pool keyed by (usage, size class). Freed buffers are quarantined until the command encoder
 * that may still reference them has been submitted: only then can a queue.writeBuffer into a reused
 * buffer no longer overtake a dispatch that reads its old contents.
 */

/** Round a byte size up to its size class: 256 B steps below 4 KiB, then 4 steps per power of two. */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 4096) return Math.ceil(b / 256) * 256;
  const pow = 2 ** Math.floor(Math.log2(b));
  const step = pow / 4;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private quarantine: GPUBuffer[] = [];
  pooledBytes = 0;
  liveBytes = 0;

  constructor(private device: GPUDevice) {}

  acquire(bytes: number, usage: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(`${usage}:${size}`);
    const reused = list?.pop();
    this.liveBytes += size;
    if (reused) {
      this.pooledBytes -= size;
      return reused;
    }
    return this.device.createBuffer({ size, usage });
  }

  /** Give a buffer back; it becomes reusable after the next submit. */
  release(buffer: GPUBuffer): void {
    this.liveBytes -= buffer.size;
    this.pooledBytes += buffer.size;
    this.quarantine.push(buffer);
  }

  /** Called right after a queue submit: quarantined buffers may now be handed out again. */
  afterSubmit(): void {
    for (const b of this.quarantine) {
      const key = `${b.usage}:${b.size}`;
      let list = this.free.get(key);
      if (!list) this.free.set(key, (list = []));
      list.push(b);
    }
    this.quarantine = [];
  }

  /** Destroy every pooled (not live) buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.pooledBytes -= [...this.free.values()].flat().reduce((s, b) => s + b.size, 0);
    this.free.clear();
  }
}
