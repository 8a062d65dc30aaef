/**
 * Checkpoints: wg.save(anything) -> Uint8Array and wg.load(bytes) -> the same structure, with every
 * Tensor restored bit for bit. The layout is safetensors (https://github.com/huggingface/safetensors):
 *   8-byte little-endian header length N | N bytes of JSON header | raw little-endian tensor data
 * The header maps tensor names to { dtype, shape, data_offsets }, and "__metadata__".webgrad holds the
 * rest of the structure as JSON, tensors replaced by { "$tensor": name } (safetensors metadata values
 * must be strings). Numbers JSON cannot hold are kept as { "$number": "Infinity" | "-Infinity" | "NaN" | "-0" },
 * and a user object that has one of these marker keys ($tensor, $number, $object) is wrapped as
 * { "$object": {...} } so that it comes back as itself.
 */
import { Tensor } from './tensor.js';
import { fromData } from './create.js';
import { numel, fmt } from './shape.js';

const DTYPES = { float32: 'F32', int32: 'I32' } as const;
const MAX_HEADER = 100 * 1024 * 1024;

const MARKERS = ['$tensor', '$number', '$object'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Serialise a structure of tensors, numbers, strings, arrays and plain objects (state dicts, say) to bytes: tensor data in safetensors layout, the rest as JSON metadata. Reads the tensors back from the GPU. */
export async function save(value: unknown): Promise<Uint8Array> {
  const tensors: Tensor[] = [];
  const names = new Map<Tensor, string>();
  const encode = (v: unknown, path: string): Json => {
    if (v instanceof Tensor) {
      let name = names.get(v);
      if (!name) {
        name = path || `t${tensors.length}`;
        while (name === '__metadata__' || [...names.values()].includes(name)) name += '_'; // the header's own key
        names.set(v, name);
        tensors.push(v);
      }
      return { $tensor: name };
    }
    if (typeof v === 'number') return Object.is(v, -0) ? { $number: '-0' } : Number.isFinite(v) ? v : { $number: String(v) };
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (v === undefined) return null;
    if (Array.isArray(v)) return v.map((x, i) => encode(x, `${path}.${i}`));
    if (v instanceof Map) throw new Error('webgrad.save: Maps are not supported; convert to a plain object');
    if (typeof v === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v)) out[k] = encode(x, path ? `${path}.${k}` : k);
      return MARKERS.some((m) => m in out) ? { $object: out } : out;
    }
    throw new Error(`webgrad.save: cannot serialise a value of type ${typeof v} at '${path}'`);
  };
  const structure = encode(value, '');
  const datas = await Promise.all(tensors.map((t) => t.toArray()));
  const header: Record<string, unknown> = { __metadata__: { format: 'webgrad', webgrad: JSON.stringify(structure) } };
  let offset = 0;
  tensors.forEach((t, i) => {
    const bytes = datas[i].byteLength;
    header[names.get(t)!] = { dtype: DTYPES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  });
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // align data to 8 bytes, as safetensors does
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const d of datas) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

function corrupt(why: string): Error {
  return new Error(`webgrad.load: not a valid webgrad checkpoint: ${why}`);
}

/**
 * Accept a Uint8Array (a Node Buffer included: a view into a larger pool, at any offset), any other
 * typed-array view, or an ArrayBuffer; refuse a path string instead of reading it as bytes.
 */
function asBytes(bytes: unknown): Uint8Array {
  if (typeof bytes === 'string') {
    throw new Error(
      `webgrad.load: got the string '${bytes.slice(0, 80)}', not bytes. Pass the checkpoint's bytes: ` +
        'wg.load(fs.readFileSync(path)) in Node, or wg.load(await (await fetch(url)).arrayBuffer()) in a page.',
    );
  }
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = Object.prototype.toString.call(bytes);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(bytes as ArrayBuffer);
  throw new Error(`webgrad.load: expected a Uint8Array, Buffer or ArrayBuffer, got ${tag}`);
}

/** torch's int64 tensors (indices, BatchNorm's numBatchesTracked) become int32 when every value fits. */
function int64ToInt32(name: string, bytes: Uint8Array): Int32Array {
  const wide = new BigInt64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const out = new Int32Array(wide.length);
  for (let i = 0; i < wide.length; i++) {
    if (wide[i] > 2147483647n || wide[i] < -2147483648n) throw corrupt(`I64 tensor '${name}' holds ${wide[i]}, outside int32`);
    out[i] = Number(wide[i]);
  }
  return out;
}

/** Rebuild what {@link save} wrote, with tensors back on the GPU; rejects corrupt or truncated input with an error. */
export async function load(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): Promise<unknown> {
  const buf = asBytes(bytes);
  if (buf.length < 8) throw corrupt(`only ${buf.length} bytes`);
  const n = Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > buf.length) throw corrupt(`header length ${n} does not fit in ${buf.length} bytes`);
  type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };
  let header: Record<string, Entry>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    throw corrupt(`the header is not JSON (${(e as Error).message})`);
  }
  const meta = header.__metadata__ as unknown as Record<string, string> | undefined;
  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const spans: [number, number][] = [];
  const restored = new Map<string, Tensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = info.dtype === 'F32' ? 'float32' : info.dtype === 'I32' || info.dtype === 'I64' ? 'int32' : null;
    if (!dtype) {
      throw corrupt(`tensor '${name}' has dtype ${info.dtype}; webgrad reads F32, I32 and I64 (save from torch with .float() / .int())`);
    }
    const width = info.dtype === 'I64' ? 8 : 4;
    const [b, e] = (Array.isArray(info.data_offsets) ? info.data_offsets : [-1, -1]) as number[];
    if (!Array.isArray(info.shape) || info.shape.some((d) => !Number.isInteger(d) || d < 0)) throw corrupt(`tensor '${name}' has a bad shape`);
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e > dataLen || e - b !== numel(info.shape) * width) {
      throw corrupt(`tensor '${name}' (shape ${fmt(info.shape)}) has data offsets [${b}, ${e}] outside or inconsistent with ${dataLen} data bytes`);
    }
    spans.push([b, e]);
    // A copy (aligned, independent of the input). Not buf.slice: on a Node Buffer that is a view.
    const slice = new Uint8Array(buf.subarray(dataStart + b, dataStart + e));
    const data = width === 8 ? int64ToInt32(name, slice) : dtype === 'int32' ? new Int32Array(slice.buffer) : new Float32Array(slice.buffer);
    restored.set(name, fromData(data, info.shape, { dtype }));
  }
  spans.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) if (spans[i][0] < spans[i - 1][1]) throw corrupt('tensor data ranges overlap');
  // A plain safetensors file (safetensors.torch.save_file(model.state_dict())): a flat { name: Tensor }.
  if (!meta || typeof meta.webgrad !== 'string') return Object.fromEntries(restored);
  let structure: Json;
  try {
    structure = JSON.parse(meta.webgrad);
  } catch {
    throw corrupt('the structure metadata is not JSON');
  }
  const decode = (v: Json): unknown => {
    if (Array.isArray(v)) return v.map(decode);
    if (v && typeof v === 'object') {
      if (v.$object && typeof v.$object === 'object' && !Array.isArray(v.$object)) {
        return Object.fromEntries(Object.entries(v.$object).map(([k, x]) => [k, decode(x)]));
      }
      if (typeof v.$tensor === 'string') {
        const t = restored.get(v.$tensor);
        if (!t) throw corrupt(`the structure refers to a missing tensor '${v.$tensor}'`);
        return t;
      }
      if (typeof v.$number === 'string') return Number(v.$number);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
    }
    return v;
  };
  return decode(structure);
}
