/**
 * Checks decided on the GPU, reported without a readback of their own. A kernel that finds a problem
 * (a class index out of range in a GPU tensor; under anomaly detection, a NaN or infinity in an op's
 * output) claims a small flag buffer (src/shaders/flag.ts); the next toArray()/item(), which waits for
 * the GPU anyway, copies the flag along with its data in the same submit and throws the message of the
 * first check that failed. While no check is pending, readbacks are exactly as before.
 */
import type { Tensor } from './tensor.js';
import { runtime } from './context.js';
import { launch } from './ops/op.js';
import { fmt } from './shape.js';
import { FLAG_WORDS, KIND_NAN, nonFiniteWgsl, NONFINITE_WG } from '../shaders/flag.js';
import type { Runtime } from '../gpu/runtime.js';

/** Turns the flag words w1..w3 into the error message. */
export type Describe = (w1: number, w2: number, w3: number) => string;

interface Flag {
  buffer: GPUBuffer;
  /** Checks dispatched since the last readback, by id; ids are reused per key so this stays small. */
  pending: Map<number, Describe>;
  ids: Map<string, number>;
  describes: Map<number, Describe>;
}
const flags = new WeakMap<Runtime, Flag>();
const FLAG_BYTES = FLAG_WORDS * 4;

function flagOf(rt: Runtime): Flag {
  let f = flags.get(rt);
  if (!f) {
    const buffer = rt.alloc(FLAG_BYTES);
    rt.write(buffer, new Uint32Array(FLAG_WORDS));
    f = { buffer, pending: new Map(), ids: new Map(), describes: new Map() };
    flags.set(rt, f);
  }
  return f;
}

/**
 * Register a check about to be dispatched: returns the flag buffer to bind and the id the kernel
 * writes on failure. `key` identifies the message (same key, same id). With `pending` false the
 * kernel binds the flag but cannot fail (its inputs were checked on the CPU): readbacks stay plain.
 */
export function registerCheck(key: string, describe: Describe, pending = true): { flag: GPUBuffer; id: number } {
  const f = flagOf(runtime());
  let id = f.ids.get(key);
  if (id === undefined) {
    id = f.ids.size + 1;
    f.ids.set(key, id);
    f.describes.set(id, describe);
  }
  if (pending) f.pending.set(id, describe);
  return { flag: f.buffer, id };
}

/**
 * Read `bytes` of `buffer` back; with checks pending, the flag travels in the same copy and a failed
 * check throws instead of returning data.
 */
export async function readChecked(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const rt = runtime();
  const f = flags.get(rt);
  if (!f || f.pending.size === 0) return rt.read(buffer, bytes);
  f.pending = new Map();
  const padded = Math.ceil(bytes / 4) * 4;
  const tmp = rt.alloc(padded + FLAG_BYTES);
  rt.copy(buffer, tmp, padded);
  rt.copy(f.buffer, tmp, FLAG_BYTES, 0, padded);
  let all: ArrayBuffer;
  try {
    all = await rt.read(tmp, padded + FLAG_BYTES);
  } finally {
    rt.release(tmp);
  }
  const [id, w1, w2, w3] = new Uint32Array(all, padded, FLAG_WORDS);
  if (id !== 0) {
    rt.write(f.buffer, new Uint32Array(FLAG_WORDS)); // re-arm for the next checks
    const describe = f.describes.get(id);
    throw new Error(describe ? describe(w1, w2, w3) : `webgrad: a GPU-side check (id ${id}) failed`);
  }
  return all.slice(0, bytes);
}

// ---- anomaly detection (torch.autograd.detect_anomaly): one small check kernel per op output ----
let anomaly = false;
let suppressed = 0;

export function setAnomalyMode(on: boolean): boolean {
  const prev = anomaly;
  anomaly = on;
  return prev;
}
export function anomalyMode(): boolean {
  return anomaly && suppressed === 0;
}

/** Run fn without checking the ops it calls (a backward rule's own ops: the rule is checked as a whole). */
export function unchecked<T>(fn: () => T): T {
  suppressed++;
  try {
    return fn();
  } finally {
    suppressed--;
  }
}

/** Flag the first NaN/Inf of a float32 tensor, naming `what` (e.g. "log (forward)"). */
export function checkFinite(t: Tensor, what: string): void {
  if (t.dtype !== 'float32' || t.size === 0) return;
  const shape = fmt(t.shape);
  const { flag, id } = registerCheck(`anomaly:${what}:${shape}`, (index, kind) =>
    `webgrad.autograd.detectAnomaly: ${what} produced ${kind === KIND_NAN ? 'a NaN' : 'an infinity'} ` +
      `(first found at flat index ${index} of its output of shape ${shape}). It is the first op to do so since the last readback; ` +
      'check its inputs (log/div/pow of zero or negative values, overflowing exp) or lower the learning rate.',
  );
  launch({ wgsl: nonFiniteWgsl(), buffers: { x: t, flag }, uniforms: { n: t.size, id }, work: { gridStride: t.size, size: NONFINITE_WG }, label: what });
}
