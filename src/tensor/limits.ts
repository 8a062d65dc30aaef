/**
 * The one check every new tensor passes before any memory (CPU or GPU) is allocated: the shape is a
 * list of non-negative integers and its bytes fit the device's buffer limits. Without it, a bad shape
 * fails deep inside a typed-array constructor ("Invalid typed array length") and an oversized one is
 * created without complaint, then fails at its first dispatch with the GPU's validation output.
 */
import { runtime } from './context.js';
import { numel, fmt, type Shape } from './shape.js';
import { sizeClass } from '../gpu/pool.js';

const BYTES_PER_ELEMENT = 4; // float32 and int32

/** Human-readable bytes (binary units, as the limits are powers of two). */
export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) (b /= 1024), i++;
  return `${i === 0 ? b : b.toFixed(b < 10 ? 2 : 1)} ${units[i]}`;
}

/** Throw unless `shape` is valid and fits one GPU buffer; returns the element count. */
export function checkShapeFits(op: string, shape: Shape): number {
  if (!Array.isArray(shape)) throw new Error(`webgrad.${op}: the shape must be an array of sizes, e.g. [2, 3] (got ${String(shape)})`);
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new Error(
        `webgrad.${op}: invalid shape ${fmt(shape)}: size ${String(d)} at dimension ${i}; sizes must be non-negative integers` +
          (d === -1 ? ' (-1 is understood only by reshape())' : ''),
      );
    }
  });
  const n = numel(shape);
  const bytes = n * BYTES_PER_ELEMENT;
  const limits = runtime().device.limits;
  const limit = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  if (sizeClass(bytes) > limit) {
    const which = limits.maxBufferSize <= limits.maxStorageBufferBindingSize ? 'maxBufferSize' : 'maxStorageBufferBindingSize';
    throw new Error(
      `webgrad.${op}: a tensor of shape ${fmt(shape)} needs ${formatBytes(bytes)} (${n} elements x 4 bytes), over this device's ` +
        `limit of ${formatBytes(limit)} per buffer (${which}). Split the data into smaller tensors (e.g. process it in batches), ` +
        'or pass wg.init({ device }) a device created with a higher limit if the adapter allows one.',
    );
  }
  return n;
}
