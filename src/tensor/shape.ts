/** Shape arithmetic: sizes, strides, NumPy broadcasting, dimension normalisation. */

export type Shape = readonly number[];

export const numel = (shape: Shape): number => shape.reduce((p, d) => p * d, 1);

export const fmt = (shape: Shape): string => `[${shape.join(', ')}]`;

export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting of any number of shapes; the error names the op, the shapes and the fix. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s[s.length - rank + i] ?? 1;
      if (k === d || k === 1) continue;
      if (d !== 1) {
        throw new Error(
          `webgrad.${op}: shapes ${shapes.map(fmt).join(' and ')} cannot be broadcast together ` +
            `(dimension ${i - rank} is ${d} in one and ${k} in another; sizes must match or be 1). ` +
            'Reshape one operand, e.g. add a size-1 axis with reshape().',
        );
      }
      d = k;
    }
    out.push(d);
  }
  return out;
}

/** Strides that read `inShape` as if broadcast to `outShape` (0 along broadcast dimensions). */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const cs = contiguousStrides(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((d, i) => (i < off || inShape[i - off] === 1 ? 0 : cs[i - off]));
}

/** Normalise a possibly negative dimension; the error names the op and the valid range. */
export function normDim(op: string, dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new Error(`webgrad.${op}: dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-r}..${r - 1})`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Resolve a reshape target (one -1 allowed). */
export function resolveShape(op: string, from: Shape, to: Shape): number[] {
  const n = numel(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) throw new Error(`webgrad.${op}: only one dimension may be -1 (got ${fmt(to)})`);
  if (to.some((d) => !Number.isInteger(d) || d < -1)) throw new Error(`webgrad.${op}: invalid shape ${fmt(to)}`);
  const known = to.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const out = to.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  if (numel(out) !== n || out.some((d) => !Number.isInteger(d))) {
    throw new Error(`webgrad.${op}: cannot reshape a tensor of shape ${fmt(from)} (${n} elements) into ${fmt(to)}`);
  }
  return out;
}
