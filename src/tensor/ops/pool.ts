/**
 * maxPool2d and avgPool2d (torch.nn.functional.max_pool2d / avg_pool2d) over NCHW (or CHW) input, one
 * kernel each direction (src/shaders/pool.ts). Max saves the argmax of every window in forward; its rule
 * routes g there (ties go to the first maximum, as torch). Avg counts padding as zeros
 * (count_include_pad=True, torch's default), so every window divides by KH·KW.
 */
import { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { poolWgsl, POOL_WG } from '../../shaders/pool.js';
import { defineOp, type OpContext } from './op.js';
import { reshape } from './shape_ops.js';
import { checkOptionNames } from './cross_entropy.js';
import { pair, checkImage, outSize, type Pair } from './conv.js';

/** Options of {@link maxPool2d}: stride defaults to the kernel size. */
export interface MaxPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  /** Only false (torch's default) is supported. */
  ceilMode?: boolean;
}
/** Options of {@link avgPool2d}: stride defaults to the kernel size; padding counts as zeros. */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
}

type Geo = Record<'total' | 'H' | 'W' | 'OH' | 'OW' | 'KH' | 'KW' | 'sh' | 'sw' | 'ph' | 'pw' | 'dh' | 'dw', number>;

function geometry(op: string, x: Tensor, kernelSize: Pair, o: MaxPool2dOptions, known: string[]): Geo & { shape: number[] } {
  checkOptionNames(op, o, known);
  checkImage(op, x);
  if (x.ndim !== 4) throw new Error(`webgrad.${op}: input must be 4-D [N, C, H, W] (or 3-D [C, H, W]), got shape ${fmt(x.shape)}`);
  if (o.ceilMode) throw new Error(`webgrad.${op}: ceilMode true is not supported; pad the input instead`);
  const k = pair(op, 'kernelSize', kernelSize, 1);
  const s = pair(op, 'stride', o.stride ?? k, 1);
  const p = pair(op, 'padding', o.padding ?? 0, 0);
  const d = pair(op, 'dilation', o.dilation ?? 1, 1);
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2) {
    throw new Error(`webgrad.${op}: padding ${JSON.stringify(o.padding)} must be at most half the kernel size ${JSON.stringify(kernelSize)}, as in torch`);
  }
  const [OH, OW] = outSize(op, x, k, s, p, d);
  const shape = [x.shape[0], x.shape[1], OH, OW];
  return {
    shape, total: shape[0] * shape[1] * OH * OW, H: x.shape[2], W: x.shape[3], OH, OW,
    KH: k[0], KW: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1],
  };
}

function run(ctx: OpContext, wgsl: string, buffers: Record<string, Tensor>, u: Geo, threads: number, dir: string): void {
  const { total: _, ...rest } = u;
  ctx.launch({ wgsl, buffers, uniforms: { ...rest, total: threads }, work: { threads, size: POOL_WG }, label: `${ctx.name} ${dir}` });
}

/** Treat [C, H, W] as a batch of one. */
function batched<A extends unknown[]>(name: string, op: (x: Tensor, ...a: A) => Tensor): (x: Tensor, ...a: A) => Tensor {
  return defineOp({
    name,
    forward(_ctx, x: Tensor, ...a: A) {
      if (!(x instanceof Tensor) || x.ndim !== 3) return op(x, ...a);
      const y = op(reshape(x, [1, ...x.shape]), ...a);
      return reshape(y, y.shape.slice(1));
    },
  });
}

const maxOp = defineOp({
  name: 'maxPool2d',
  forward(ctx, x: Tensor, kernelSize: Pair, o: MaxPool2dOptions = {}) {
    const u = geometry('maxPool2d', x, kernelSize, o, ['stride', 'padding', 'dilation', 'ceilMode']);
    const y = ctx.empty(u.shape);
    const idx = ctx.empty(u.shape, 'int32');
    run(ctx, poolWgsl('max', 'forward'), { X: x, Y: y, I: idx }, u, u.total, 'forward');
    ctx.save(idx);
    return y;
  },
  backward(ctx, g, x: Tensor, kernelSize: Pair, o: MaxPool2dOptions = {}) {
    const u = geometry('maxPool2d', x, kernelSize, o, ['stride', 'padding', 'dilation', 'ceilMode']);
    const dx = ctx.empty(x.shape);
    run(ctx, poolWgsl('max', 'backward'), { G: g, I: ctx.saved[0], DX: dx }, u, x.size, 'backward');
    return [dx];
  },
});

const avgOp = defineOp({
  name: 'avgPool2d',
  forward(ctx, x: Tensor, kernelSize: Pair, o: AvgPool2dOptions = {}) {
    const u = geometry('avgPool2d', x, kernelSize, o, ['stride', 'padding']);
    const y = ctx.empty(u.shape);
    run(ctx, poolWgsl('avg', 'forward'), { X: x, Y: y }, u, u.total, 'forward');
    return y;
  },
  backward(ctx, g, x: Tensor, kernelSize: Pair, o: AvgPool2dOptions = {}) {
    const u = geometry('avgPool2d', x, kernelSize, o, ['stride', 'padding']);
    const dx = ctx.empty(x.shape);
    run(ctx, poolWgsl('avg', 'backward'), { G: g, DX: dx }, u, x.size, 'backward');
    return [dx];
  },
});

/** Max over kH × kW windows (torch.nn.functional.max_pool2d); the gradient goes to each window's argmax. */
export const maxPool2d: (x: Tensor, kernelSize: Pair, o?: MaxPool2dOptions) => Tensor = batched('maxPool2d', maxOp);
/** Mean over kH × kW windows, padding counted as zeros (torch.nn.functional.avg_pool2d). */
export const avgPool2d: (x: Tensor, kernelSize: Pair, o?: AvgPool2dOptions) => Tensor = batched('avgPool2d', avgOp);
