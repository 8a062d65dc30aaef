/**
 * DataLoader: mini-batches of (x, y) as GPU tensors from arrays held on the CPU, as
 * torch.utils.data.DataLoader does for an in-memory dataset.
 *
 *   const loader = new DataLoader({ x, xShape: [n, 784], y }, { batchSize: 64, shuffle: true, seed: 0 });
 *   for (const [xb, yb] of loader) { ... }
 *
 * Memory stays flat without any dispose() in the loop: a batch's two tensors are freed when the next
 * batch is yielded, and the last one when the loop ends (also on break). So use a batch inside its
 * own iteration; clone() it to keep it longer.
 * Shuffling draws a fresh permutation each epoch from the loader's own generator (seeded by `seed`),
 * so a run is reproducible and independent of other random draws.
 */
import { Tensor, Generator as RandomGenerator, fromData, fmt } from '../tensor/index.js';

/** An in-memory dataset: n samples of features `x` (row-major, shape `xShape`) and labels `y`. */
export interface Dataset {
  /** Inputs, row-major: n samples of prod(xShape[1:]) values. */
  x: Float32Array;
  /** [n, ...sample dims] */
  xShape: readonly number[];
  /** Labels: int32 class indices (one per sample) or float32 targets. */
  y: Int32Array | Float32Array;
  /** [n, ...target dims]; default [n] when y has n values, else [n, y.length / n]. */
  yShape?: readonly number[];
}

/** Options of {@link DataLoader}, as torch.utils.data.DataLoader's. */
export interface DataLoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  /** Seed of the shuffling generator (default 0). */
  seed?: number;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
}

/** Mini-batches `[x, y]` of a {@link Dataset} as GPU tensors; each batch is freed when the next one is yielded. */
export class DataLoader implements Iterable<[Tensor, Tensor]> {
  readonly n: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: RandomGenerator;
  private readonly xShape: number[];
  private readonly yShape: number[];

  constructor(readonly dataset: Dataset, { batchSize = 1, shuffle = false, seed = 0, dropLast = false }: DataLoaderOptions = {}) {
    const { x, xShape, y } = dataset;
    const who = 'webgrad.nn.DataLoader';
    if (!(x instanceof Float32Array)) throw new Error(`${who}: dataset.x must be a Float32Array`);
    if (!(y instanceof Int32Array) && !(y instanceof Float32Array)) throw new Error(`${who}: dataset.y must be an Int32Array or a Float32Array`);
    if (!xShape?.length) throw new Error(`${who}: dataset.xShape must give [n, ...sample dims]`);
    const n = xShape[0];
    const xSize = xShape.reduce((p, d) => p * d, 1);
    if (x.length !== xSize) throw new Error(`${who}: dataset.x has ${x.length} values but xShape ${fmt(xShape)} needs ${xSize}`);
    const yShape = dataset.yShape ?? (y.length === n ? [n] : [n, y.length / n]);
    const ySize = yShape.reduce((p, d) => p * d, 1);
    if (yShape[0] !== n || y.length !== ySize || !yShape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${who}: dataset.y has ${y.length} values, which do not make ${n} samples (yShape ${fmt(yShape)}); give yShape = [${n}, ...]`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${who}: batchSize must be a positive integer (got ${batchSize})`);
    this.n = n;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = new RandomGenerator(seed);
    this.xShape = [...xShape];
    this.yShape = [...yShape];
  }

  /** Number of batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.n / this.batchSize) : Math.ceil(this.n / this.batchSize);
  }

  /** Sample order for one epoch (Fisher–Yates when shuffling). */
  private order(): Uint32Array {
    const idx = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) idx[i] = i;
    if (this.shuffle) {
      for (let i = this.n - 1; i > 0; i--) {
        const j = this.generator.int(i + 1);
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
    }
    return idx;
  }

  /** Iterate over one epoch of batches (reshuffled each epoch when `shuffle`). */
  *[Symbol.iterator](): Generator<[Tensor, Tensor], void, undefined> {
    const { x, y } = this.dataset;
    const xRow = this.xShape.slice(1).reduce((p, d) => p * d, 1);
    const yRow = this.yShape.slice(1).reduce((p, d) => p * d, 1);
    const idx = this.order();
    let batch: [Tensor, Tensor] | null = null;
    try {
      for (let b = 0; b < this.length; b++) {
        const rows = idx.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, this.n));
        const xb = new Float32Array(rows.length * xRow);
        const yb = y instanceof Int32Array ? new Int32Array(rows.length * yRow) : new Float32Array(rows.length * yRow);
        rows.forEach((r, k) => {
          xb.set(x.subarray(r * xRow, (r + 1) * xRow), k * xRow);
          yb.set(y.subarray(r * yRow, (r + 1) * yRow), k * yRow);
        });
        const next: [Tensor, Tensor] = [
          fromData(xb, [rows.length, ...this.xShape.slice(1)]),
          fromData(yb, [rows.length, ...this.yShape.slice(1)]),
        ];
        free(batch);
        batch = next;
        yield batch;
      }
    } finally {
      free(batch);
    }
  }
}

function free(batch: [Tensor, Tensor] | null): void {
  if (batch) for (const t of batch) t.dispose();
}
