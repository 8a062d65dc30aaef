/**
 * A seeded RNG for test data (mulberry32, a 32-bit generator by Tommy Ettinger): independent of the
 * library's own Generator, so tests never check random data against the code that made it.
 * Values are rounded to float32, so the CPU reference sees exactly the numbers uploaded to the GPU.
 */
import { Ref, numel } from './reference.js';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
  /** A random shape of the given rank with sizes in [1, maxDim]. */
  shape(rank: number, maxDim = 5): number[] {
    return Array.from({ length: rank }, () => this.int(1, maxDim));
  }
  /** N(0, scale²) samples, rounded to float32. */
  randn(shape: readonly number[], scale = 1): Ref {
    return new Ref(Float64Array.from({ length: numel(shape) }, () => Math.fround(scale * this.normal())), shape);
  }
  /** Uniform samples in [lo, hi), rounded to float32. */
  uniform(shape: readonly number[], lo = 0, hi = 1): Ref {
    return new Ref(Float64Array.from({ length: numel(shape) }, () => Math.fround(lo + (hi - lo) * this.next())), shape);
  }
  /**
   * Normal samples pushed at least `gap` away from every point in `kinks` (e.g. 0 for relu/abs), so
   * that finite differences never straddle a point where the function is not differentiable.
   */
  awayFrom(shape: readonly number[], kinks: number[], gap = 0.1, scale = 1): Ref {
    return this.randn(shape, scale).map((x) => {
      for (const k of kinks) if (Math.abs(x - k) < gap) x = Math.fround(k + (x >= k ? gap : -gap) * (1 + this.next()));
      return x;
    });
  }
  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}
