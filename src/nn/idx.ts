/**
 * The IDX file format of the MNIST distribution (http://yann.lecun.com/exdb/mnist/): a big-endian
 * header, magic = 0x00 0x00 <type> <number of dims>, then one uint32 size per dim, then the values
 * row-major. Types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 */

/** The typed array an IDX file's element type maps to. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

const TYPES: Record<number, { bytes: number; name: string; make: (n: number) => IdxData; read: (v: DataView, o: number) => number }> = {
  0x08: { bytes: 1, name: 'uint8', make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  0x09: { bytes: 1, name: 'int8', make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  0x0b: { bytes: 2, name: 'int16', make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o) },
  0x0c: { bytes: 4, name: 'int32', make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o) },
  0x0d: { bytes: 4, name: 'float32', make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o) },
  0x0e: { bytes: 8, name: 'float64', make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o) },
};

/** Parse an (uncompressed) IDX buffer into its shape and values. */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): { shape: number[]; type: string; data: IdxData } {
  const fail = (why: string) => new Error(`webgrad.nn.parseIdx: ${name} is not a valid IDX file: ${why}`);
  if (bytes.length < 4) throw fail(`only ${bytes.length} bytes`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw fail('it is gzip-compressed; decompress it first (loadMnist does)');
  if (bytes[0] !== 0 || bytes[1] !== 0) throw fail(`the magic number starts with ${bytes[0]}, ${bytes[1]} instead of 0, 0`);
  const type = TYPES[bytes[2]];
  if (!type) throw fail(`unknown element type 0x${bytes[2].toString(16)}`);
  const ndim = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw fail(`the header needs ${header} bytes, the file has ${bytes.length}`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const n = shape.reduce((p, d) => p * d, 1);
  const expected = header + n * type.bytes;
  if (bytes.length !== expected) throw fail(`shape [${shape.join(', ')}] of ${type.name} needs ${expected} bytes, the file has ${bytes.length}`);
  const data = type.make(n);
  if (type.bytes === 1) data.set(type.name === 'uint8' ? bytes.subarray(header) : new Int8Array(bytes.buffer, bytes.byteOffset + header, n));
  else for (let i = 0; i < n; i++) data[i] = type.read(view, header + i * type.bytes);
  return { shape, type: type.name, data };
}

/** Decompress gzip data with the platform's DecompressionStream (browsers, Node >= 18). */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') throw new Error('webgrad.nn.gunzip: DecompressionStream is not available here; decompress the file first');
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
